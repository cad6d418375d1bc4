/**
 * Python's indexing: `x[...]` (basic indexing gives views, tensor indices
 * gather) and setitem (`indexPut_`). The other index ops are in
 * index_ops.ts and gather_scatter.ts, their rules in index_checks.ts.
 */

import type { BackwardContext } from "../autograd/node.js";
import { notOnDevice } from "../backend/buffer.js";
import { describeValue } from "../core/describe.js";
import { ArgumentError, DeviceError, IndexError } from "../core/errors.js";
import { readOptions } from "../core/options.js";
import { broadcastShapes, contiguousStrides, formatShape, numel, shapesEqual } from "../core/shape.js";
import { Tensor } from "../tensor.js";
import { tensor } from "./creation.js";
import { applyOp, defineOp, type Op, type OpDef } from "./define.js";
import { ACCUMULATE_KEYS, type AccumulateOptions, putFlat } from "./gather_scatter.js";
import { checkIndexPutValue, deviceIndex, int64Hint } from "./index_checks.js";
import { applyInplace } from "./inplace.js";
import * as K from "./kernels.js";
import { maskPutPlan } from "./mask_device.js";
import { unsqueeze } from "./movement.js";
import { expectTensor, type TensorLike, wrap } from "./scalars.js";
import { alias, select, slice } from "./slicing.js";

/** A slice `start:stop:step` (PyTorch C++'s `Slice`); null parts take their defaults. */
export class Slice {
  constructor(
    /** The first index (negative counts from the end); null: from the start. */
    readonly start: number | null = null,
    /** The index to stop before (negative counts from the end); null: to the end. */
    readonly stop: number | null = null,
    /** The step (positive); null: 1. */
    readonly step: number | null = null,
  ) {}

  /** Python's slice notation: `"1:5:2"`, `":"`. */
  toString(): string {
    return `${this.start ?? ""}:${this.stop ?? ""}${this.step === null ? "" : `:${this.step}`}`;
  }
}

/**
 * One index of `Tensor.index`: an integer (selects, removing the dim), a
 * slice (`new Slice(1, null, 2)` or a string `"1::2"`, `":"`, `"-2:"`),
 * `null` (inserts a size-1 dim, Python's None), `"..."` (all remaining
 * dims), an int64/bool tensor (advanced indexing), or an array of integers
 * or booleans (Python's list index: `x.index([0, 2])` is `x[[0, 2]]`).
 */
export type IndexItem = number | null | string | Slice | Tensor | readonly number[] | readonly boolean[];

type Item = number | null | "..." | Slice | Tensor;

function parseSlice(s: string): Slice {
  const parts = s.split(":");
  if (parts.length < 2 || parts.length > 3) {
    throw new IndexError(`index: cannot parse '${s}' as a slice (expected start:stop or start:stop:step)`);
  }
  const num = (p: string | undefined) => {
    if (p === undefined || p.trim() === "") return null;
    const v = Number(p);
    if (!Number.isInteger(v)) throw new IndexError(`index: slice bound '${p}' in '${s}' is not an integer`);
    return v;
  };
  return new Slice(num(parts[0]), num(parts[1]), num(parts[2]));
}

const VALID_INDICES = "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices";

/** A list index (Python's `x[[0, 2]]`): advanced indexing by an int64 tensor, or a bool mask for a list of booleans. */
function listIndex(list: readonly unknown[]): Tensor {
  const flat = list.flat(Number.POSITIVE_INFINITY);
  if (flat.length > 0 && flat.every((v) => typeof v === "boolean")) return tensor(list as boolean[], { dtype: "bool" });
  const bad = flat.find((v) => typeof v !== "number" || !Number.isInteger(v));
  if (bad !== undefined) throw new IndexError(`index: ${VALID_INDICES} (got ${describeValue(bad)} in a list index)`);
  return tensor(list as number[], { dtype: "int64" });
}

function toItem(given: IndexItem): Item {
  if (given === "...") return given;
  const item = typeof given === "string" ? parseSlice(given) : given;
  if (typeof item === "number") {
    if (!Number.isInteger(item)) throw new IndexError(`index: ${VALID_INDICES} (got float: ${item})`);
    return item;
  }
  if (Array.isArray(item)) return listIndex(item);
  if (item instanceof Slice) {
    for (const v of [item.start, item.stop, item.step]) {
      if (v !== null && !Number.isInteger(v)) {
        throw new ArgumentError(`index: slice indices must be integers or None or have an __index__ method (got ${describeValue(v)})`);
      }
    }
    if (item.step === 0) throw new ArgumentError("index: slice step cannot be zero");
    return item;
  }
  if (item === null || item instanceof Tensor) return item;
  throw new IndexError(`index: ${VALID_INDICES} (got ${describeValue(item)})`);
}

/** How many dims of the input an index item consumes. */
function consumed(item: Item): number {
  if (item === null || item === "...") return 0;
  if (typeof item === "number" || item instanceof Slice) return 1;
  return item.dtype === "bool" ? item.ndim : 1;
}

/** Applies integers, slices, None and the ellipsis; returns the view and the tensor indices with their dims. */
function applyBasic(x: Tensor, items: readonly Item[]): [Tensor, [number, Tensor][]] {
  const specified = items.reduce((n: number, it) => n + consumed(it), 0);
  if (items.filter((it) => it === "...").length > 1) throw new IndexError("an index can only have a single ellipsis ('...')");
  if (specified > x.ndim) {
    if (x.ndim === 0 && typeof items[0] === "number") {
      throw new IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` to convert a 0-dim tensor to a number");
    }
    throw new IndexError(`too many indices for tensor of dimension ${x.ndim}`);
  }
  let result = x;
  let dim = 0;
  const tensors: [number, Tensor][] = [];
  for (const it of items) {
    if (it === "...") dim += x.ndim - specified;
    else if (it === null) result = unsqueeze(result, dim++);
    else if (typeof it === "number") result = select(result, dim, it);
    else if (it instanceof Slice) {
      // In a multi-item index, PyTorch skips a slice spelled as the whole dim
      // (0:len:1); the result may then be an alias. A lone slice always slices.
      const whole = items.length > 1 && (it.start ?? 0) === 0 && it.stop === result.shape[dim] && (it.step ?? 1) === 1;
      if (!whole) result = slice(result, dim, it.start, it.stop, it.step ?? 1);
      dim++;
    } else if (it.ndim === 0 && it.dtype === "bool") {
      // A 0-d mask (Python's x[True]) adds a dim of size 1 and keeps (true) or drops (false) it.
      result = unsqueeze(result, dim);
      tensors.push([dim++, it.reshape([1])]);
    } else {
      tensors.push([dim, it]);
      dim += consumed(it);
    }
  }
  return [result, tensors];
}

/**
 * Python's `x[...]`: integers select, slices narrow (both views), `null`
 * adds a dim, `"..."` skips dims, int64 or bool tensors gather (a copy).
 *
 * @example
 * ```ts
 * const x = torch.arange(12).view(3, 4);
 * console.log(x.index(1)); // tensor([4, 5, 6, 7])
 * console.log(x.index(":", "1::2")); // tensor([[ 1,  3],\n        [ 5,  7],\n        [ 9, 11]])
 * console.log(x.index(torch.tensor([2, 0], { dtype: "int64" }), 0)); // tensor([8, 0])
 * ```
 */
export function index(input: Tensor, ...items: IndexItem[]): Tensor {
  const x = expectTensor(input, "index", "input");
  const [result, tensors] = applyBasic(x, items.map(toItem));
  if (tensors.length > 0) return takeOp([result], planAdvanced(result, tensors));
  return result === x ? alias(x) : result;
}

// ----- advanced indexing ------------------------------------------------------

/** Where each output element of an advanced index comes from (offsets into the input in row-major order). */
interface TakePlan {
  /** The flat element offsets, read on the CPU; or, for indices on a device, an int64 tensor of them there. */
  flat: Int32Array | Tensor;
  outShape: number[];
  inShape: readonly number[];
}

/** int64 index tensors per dim, with bool masks turned into the indices of their true elements. */
function indexTensors(x: Tensor, tensors: readonly [number, Tensor][]): [number, Tensor][] {
  const out: [number, Tensor][] = [];
  for (const [dim, t] of tensors) {
    if (t.dtype === "bool") {
      checkMaskShape(x, dim, t);
      const nz = nonzeroIndices(t);
      for (const [k, idx] of nz.entries()) out.push([dim + k, idx]);
    } else if (t.dtype === "int64" || t.dtype === "int32") {
      out.push([dim, t]);
    } else {
      throw new IndexError(
        `index: tensors used as indices must be long, byte or bool tensors (got ${t.dtype}; int32 is taken too)${int64Hint(t)}`,
      );
    }
  }
  return out;
}

/** A mask index at `dim` of `x` has x's shape over the dims it covers. */
function checkMaskShape(x: Tensor, dim: number, mask: Tensor): void {
  if (formatShape(x.shape.slice(dim, dim + mask.ndim)) !== formatShape(mask.shape)) {
    throw new IndexError(
      `The shape of the mask ${formatShape(mask.shape)} at index ${dim} does not match the shape of the indexed tensor ${formatShape(x.shape)} at index ${dim}`,
    );
  }
}

/** The indices of the true elements of a bool tensor, one int64 tensor per dim. */
function nonzeroIndices(mask: Tensor): Tensor[] {
  if (mask.device !== "cpu") {
    // The selection's size is the count of true elements, which a device cannot give synchronously.
    const e = notOnDevice("index (with a boolean mask)()", mask.device);
    throw new DeviceError(
      `${e.message}. On the device, torch.where(mask, x, 0) keeps x's shape, and x.indexPut_([mask], value) assigns in place`,
    );
  }
  const data = K.hostValues(mask, "index (with a boolean mask)");
  const strides = contiguousStrides(mask.shape);
  const hits: number[] = [];
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) hits.push(i);
  return mask.shape.map((_, d) => {
    const t = K.empty([hits.length], "int64");
    hits.forEach((h, k) => {
      K.storageValues(t)[k] = Math.floor(h / (strides[d] as number)) % (mask.shape[d] as number);
    });
    return t;
  });
}

function planAdvanced(x: Tensor, raw: readonly [number, Tensor][]): TakePlan {
  const tensors = indexTensors(x, raw);
  const dims = tensors.map(([d]) => d);
  const b = broadcastShapes(
    tensors.map(([, t]) => t.shape),
    "index",
  );
  const adjacent = dims.every((d, i) => i === 0 || d === (dims[i - 1] as number) + 1);
  const rest = x.shape.map((_, d) => d).filter((d) => !dims.includes(d));
  const before = adjacent ? rest.filter((d) => d < (dims[0] as number)) : [];
  const after = adjacent ? rest.filter((d) => d > (dims[0] as number)) : rest;
  const outShape = [...before.map((d) => x.shape[d] as number), ...b, ...after.map((d) => x.shape[d] as number)];
  if (tensors.some(([, t]) => t.device !== "cpu")) return devicePlan(x, tensors, b, before, after, outShape);
  const idx = tensors.map(([d, t]) => {
    const values = K.hostValues(K.copy(K.broadcastTo(t, b), "int64"), "index (with index tensors)");
    const size = x.shape[d] as number;
    return values.map((v) => {
      if (v < -size || v >= size) throw new IndexError(`index ${v} is out of bounds for dimension ${d} with size ${size}`);
      return v < 0 ? v + size : v;
    });
  });
  const xs = contiguousStrides(x.shape);
  const flat = new Int32Array(numel(outShape));
  const counter = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < flat.length; i++) {
    let bIndex = 0;
    let bStride = 1;
    for (let k = before.length + b.length - 1; k >= before.length; k--) {
      bIndex += (counter[k] as number) * bStride;
      bStride *= outShape[k] as number;
    }
    let off = 0;
    before.forEach((d, k) => {
      off += (counter[k] as number) * (xs[d] as number);
    });
    after.forEach((d, k) => {
      off += (counter[before.length + b.length + k] as number) * (xs[d] as number);
    });
    dims.forEach((d, k) => {
      off += ((idx[k] as Float64Array)[bIndex] as number) * (xs[d] as number);
    });
    flat[i] = off;
    for (let d = outShape.length - 1; d >= 0; d--) {
      counter[d] = (counter[d] as number) + 1;
      if ((counter[d] as number) < (outShape[d] as number)) break;
      counter[d] = 0;
    }
  }
  return { flat, outShape, inShape: x.shape };
}

/**
 * The plan of indices on a device, computed there: each index wrapped
 * (negative counts from the end) and scaled by its dim's stride, plus the
 * offsets of the sliced dims (which depend on shapes only). Range errors
 * come from the take kernel, at the next read.
 */
function devicePlan(
  x: Tensor,
  tensors: readonly [number, Tensor][],
  b: readonly number[],
  before: readonly number[],
  after: readonly number[],
  outShape: number[],
): TakePlan {
  const xs = contiguousStrides(x.shape);
  let adv: Tensor | null = null;
  for (const [d, t] of tensors) {
    const size = x.shape[d] as number;
    const wrapped = deviceIndex(K.broadcastTo(t, b), size, true);
    const part = K.binary("mul", wrapped, K.scalar(xs[d] as number, "int64"), "int64");
    adv = adv === null ? part : K.binary("add", adv, part, "int64");
  }
  // The advanced part laid out at its place in the output; the sliced dims' offsets from the shapes.
  const advShape = [...before.map(() => 1), ...b, ...after.map(() => 1)];
  const base = K.fromHost(
    outShape,
    "int64",
    (data) => {
      const counter = new Array<number>(outShape.length).fill(0);
      for (let i = 0; i < data.length; i++) {
        let off = 0;
        before.forEach((d, k) => {
          off += (counter[k] as number) * (xs[d] as number);
        });
        after.forEach((d, k) => {
          off += (counter[before.length + b.length + k] as number) * (xs[d] as number);
        });
        data[i] = off;
        for (let d = outShape.length - 1; d >= 0; d--) {
          counter[d] = (counter[d] as number) + 1;
          if ((counter[d] as number) < (outShape[d] as number)) break;
          counter[d] = 0;
        }
      }
    },
    x.device,
  );
  const placed = K.asStrided(K.contiguous(adv as Tensor), advShape, contiguousStrides(advShape), 0);
  return { flat: K.binary("add", base, placed, "int64"), outShape, inShape: x.shape };
}

/** out[i] = x.flat[plan[i]]. */
function gatherFlat(x: Tensor, plan: TakePlan): Tensor {
  return plan.flat instanceof Tensor ? K.takeAt(x, plan.flat) : K.take(x, plan.flat, plan.outShape);
}

/** x with x.flat[plan[i]] replaced by (or, with accumulate, increased by) g[i]; g broadcasts to the indexed shape. */
function scatterFlat(x: Tensor, g: Tensor, plan: TakePlan, accumulate: boolean): Tensor {
  const values = K.broadcastTo(g, plan.outShape);
  return plan.flat instanceof Tensor ? K.putAt(x, plan.flat, values, accumulate) : putFlat(x, plan.flat, values, accumulate);
}

const takeOp: Op<TakePlan> = defineOp<TakePlan>({
  name: "index",
  jvp: "linear",
  gradFn: "IndexBackward0",
  // The plan holds the indices, which PyTorch saves.
  saveAttrs: true,
  forward: ([x], plan) => gatherFlat(x as Tensor, plan),
  backward: ([g], c) => [putOp(indexPutImplDef, K.full(c.attrs.inShape, 0, g.dtype), g, c.attrs, true)],
});

interface PutAttrs {
  plan: TakePlan;
  accumulate: boolean;
}

/** self[indices] = values (or += with accumulate); values broadcast to the indexed shape. */
function putForward([x, v]: readonly Tensor[], { plan, accumulate }: PutAttrs): Tensor {
  return scatterFlat(x as Tensor, v as Tensor, plan, accumulate);
}

/** Gradients of index_put: self keeps the gradient except where it was overwritten; values get the indexed gradient. */
function putBackward([g]: [Tensor, ...Tensor[]], c: BackwardContext<PutAttrs>): (Tensor | null)[] {
  const { plan, accumulate } = c.attrs;
  const valuesShape = (c.inputMeta[1] as { shape: readonly number[] }).shape;
  return [
    c.needs[0] ? (accumulate ? g : putOp(indexPutDef, g, K.full(valuesShape, 0, g.dtype), plan, false)) : null,
    c.needs[1] ? takeOp([g], plan) : null,
  ];
}

const indexPutDef = defineOp<PutAttrs>({
  name: "index_put",
  jvp: "linear",
  gradFn: "IndexPutBackward0",
  saveAttrs: true,
  forward: putForward,
  backward: putBackward,
}).def;

const indexPutImplDef = defineOp<PutAttrs>({
  name: "_index_put_impl_",
  jvp: "linear",
  gradFn: "IndexPutImplBackward0",
  saveAttrs: true,
  forward: putForward,
  backward: putBackward,
}).def;

function putOp(def: OpDef<PutAttrs>, x: Tensor, values: Tensor, plan: TakePlan, accumulate: boolean): Tensor {
  return applyOp(def, [x, values], { plan, accumulate })[0] as Tensor;
}

/**
 * Python's `x[...] = value` in place: the indexed elements are replaced by
 * `value` (broadcast), or increased by it with `accumulate`. Gradients flow
 * to `value` and to the elements of `x` that were kept.
 *
 * @example
 * ```ts
 * const x = torch.zeros(2, 3);
 * x.indexPut_([0, "1:"], 5);
 * console.log(x); // tensor([[0., 5., 5.],\n        [0., 0., 0.]])
 * ```
 */
export function indexPut_(input: Tensor, indices: readonly IndexItem[], value: TensorLike, options?: AccumulateOptions): Tensor {
  const accumulate = readOptions(options, "index_put_", ACCUMULATE_KEYS).accumulate ?? false;
  const x = expectTensor(input, "index_put_", "input");
  const [target, tensors] = applyBasic(x, indices.map(toItem));
  // As Python's setitem, the value is viewed without its leading size-1 dims.
  const v = withoutLeadingOnes(wrap(value, x.dtype));
  if (tensors.length === 0) {
    const src = v.ndim === 0 || shapesEqual(v.shape, target.shape) ? v : v.expand(target.shape);
    if (accumulate) target.add_(src);
    else target.copy_(src);
    return x;
  }
  const mask = tensors.length === 1 ? (tensors[0] as [number, Tensor]) : null;
  if (mask !== null && mask[1].dtype === "bool" && mask[1].device !== "cpu" && mask[1].device === target.device) {
    // A mask on a device: its true elements are counted there (mask_device.ts).
    checkMaskShape(target, mask[0], mask[1]);
    const [def, attrs] = maskPutPlan(x, target, mask[0], mask[1], v, accumulate);
    applyInplace(def, [target, v.dtype === x.dtype ? v : v.to(x.dtype)], attrs);
    return x;
  }
  const plan = planAdvanced(target, tensors);
  // A single mask with a one-element value is PyTorch's masked fill: the value is converted.
  const maskFill = !accumulate && tensors.length === 1 && (tensors[0] as [number, Tensor])[1].dtype === "bool";
  checkIndexPutValue(x, v, plan.outShape, maskFill);
  applyInplace(indexPutDef, [target, v.dtype === x.dtype ? v : v.to(x.dtype)], { plan, accumulate });
  return x;
}

/** `t` viewed without its leading size-1 dims. */
function withoutLeadingOnes(t: Tensor): Tensor {
  let lead = 0;
  while (lead < t.ndim && t.shape[lead] === 1) lead++;
  return lead === 0 ? t : t.view(t.shape.slice(lead));
}
