/**
 * Indexing: Python's `x[...]` (basic indexing gives views, tensor indices
 * gather), setitem (`indexPut_`), index_select, gather and scatter.
 */

import type { BackwardContext } from "../autograd/node.js";
import { backend } from "../backend/index.js";
import { IndexError } from "../core/errors.js";
import { broadcastShapes, contiguousStrides, formatShape, normalizeDim, numel } from "../core/shape.js";
import { Tensor } from "../tensor.js";
import { applyOp, defineOp, type Op, type OpDef } from "./define.js";
import { applyInplace } from "./inplace.js";
import * as K from "./kernels.js";
import { alias, select, slice, unsqueeze } from "./movement.js";
import { expectTensor, type TensorLike, wrap } from "./scalars.js";

/** A slice `start:stop:step` (PyTorch C++'s `Slice`); null parts take their defaults. */
export class Slice {
  constructor(
    readonly start: number | null = null,
    readonly stop: number | null = null,
    readonly step: number | null = null,
  ) {}

  toString(): string {
    return `${this.start ?? ""}:${this.stop ?? ""}${this.step === null ? "" : `:${this.step}`}`;
  }
}

/**
 * One index of `Tensor.index`: an integer (selects, removing the dim), a
 * slice (`new Slice(1, null, 2)` or a string `"1::2"`, `":"`, `"-2:"`),
 * `null` (inserts a size-1 dim, Python's None), `"..."` (all remaining
 * dims), or an int64/bool tensor (advanced indexing).
 */
export type IndexItem = number | null | string | Slice | Tensor;

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

function toItem(item: IndexItem): Item {
  if (typeof item === "string") return item === "..." ? "..." : parseSlice(item);
  if (item !== null && typeof item === "object" && !(item instanceof Slice) && !("dtype" in item)) {
    throw new IndexError(`index: unsupported index ${String(item)}`);
  }
  return item;
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
  flat: Int32Array;
  outShape: number[];
  inShape: readonly number[];
}

/** int64 index tensors per dim, with bool masks turned into the indices of their true elements. */
function indexTensors(x: Tensor, tensors: readonly [number, Tensor][]): [number, Tensor][] {
  const out: [number, Tensor][] = [];
  for (const [dim, t] of tensors) {
    if (t.dtype === "bool") {
      const maskShape = x.shape.slice(dim, dim + t.ndim);
      if (formatShape(maskShape) !== formatShape(t.shape)) {
        throw new IndexError(
          `The shape of the mask ${formatShape(t.shape)} at index ${dim} does not match the shape of the indexed tensor ${formatShape(x.shape)} at index ${dim}`,
        );
      }
      const nz = nonzeroIndices(t);
      for (const [k, idx] of nz.entries()) out.push([dim + k, idx]);
    } else if (t.dtype === "int64" || t.dtype === "int32") {
      out.push([dim, t]);
    } else {
      throw new IndexError(`tensors used as indices must be long, int or bool tensors (got ${t.dtype})`);
    }
  }
  return out;
}

/** The indices of the true elements of a bool tensor, one int64 tensor per dim. */
function nonzeroIndices(mask: Tensor): Tensor[] {
  const data = mask.data;
  const strides = contiguousStrides(mask.shape);
  const hits: number[] = [];
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) hits.push(i);
  return mask.shape.map((_, d) => {
    const t = K.empty([hits.length], "int64");
    hits.forEach((h, k) => {
      t._storage.data[k] = Math.floor(h / (strides[d] as number)) % (mask.shape[d] as number);
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
  const idx = tensors.map(([d, t]) => {
    const values = K.copy(K.broadcastTo(t, b), "int64").data;
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

/** out[i] = x.flat[plan[i]]. */
function gatherFlat(x: Tensor, plan: TakePlan): Tensor {
  return K.take(x, plan.flat, plan.outShape);
}

/** x with x.flat[plan[i]] replaced by (or, with accumulate, increased by) g[i]; g broadcasts to the indexed shape. */
function scatterFlat(x: Tensor, g: Tensor, plan: TakePlan, accumulate: boolean): Tensor {
  const values = K.broadcastTo(g, plan.outShape);
  if (accumulate) return K.putAdd(x.shape, plan.flat, values, x);
  const out = K.copy(x);
  const flatOut = K.asStrided(out, [out.numel()], [1], 0);
  const index = Tensor._fromData(Float64Array.from(plan.flat), [plan.flat.length], "int64");
  backend().scatter(flatOut._strided(), 0, index._strided(), K.contiguous(values).view(-1)._strided(), "assign");
  return out;
}

const takeOp: Op<TakePlan> = defineOp<TakePlan>({
  name: "index",
  gradFn: "IndexBackward0",
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
  gradFn: "IndexPutBackward0",
  forward: putForward,
  backward: putBackward,
}).def;

const indexPutImplDef = defineOp<PutAttrs>({
  name: "_index_put_impl_",
  gradFn: "IndexPutImplBackward0",
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
export function indexPut_(input: Tensor, indices: readonly IndexItem[], value: TensorLike, options: { accumulate?: boolean } = {}): Tensor {
  const x = expectTensor(input, "index_put_", "input");
  const [target, tensors] = applyBasic(x, indices.map(toItem));
  const v = wrap(value, x.dtype);
  if (tensors.length === 0) {
    if (options.accumulate) target.add_(v);
    else target.copy_(v);
    return x;
  }
  const plan = planAdvanced(target, tensors);
  broadcastShapes([plan.outShape, v.shape], "index_put_");
  applyInplace(indexPutDef, [target, v], { plan, accumulate: options.accumulate ?? false });
  return x;
}

// ----- index_select, gather, scatter --------------------------------------------------

function indexArg(index: Tensor, op: string, oneD: boolean): Tensor {
  const i = expectTensor(index, op, "index");
  if (i.dtype !== "int64" && i.dtype !== "int32") throw new IndexError(`${op}(): Expected dtype int64 for index (got ${i.dtype})`);
  if (oneD && i.ndim > 1) throw new IndexError(`${op}(): Index is supposed to be a vector (got shape ${formatShape(i.shape)})`);
  return i;
}

function checkBounds(index: Tensor, size: number, op: string): void {
  for (const v of index.data) {
    if (v < 0 || v >= size) throw new IndexError(`${op}(): index ${v} is out of bounds for dimension with size ${size}`);
  }
}

const indexSelectOp = defineOp<{ dim: number }>({
  name: "index_select",
  gradFn: "IndexSelectBackward0",
  save: "inputs",
  forward: ([x, index], { dim }) => {
    const t = x as Tensor;
    const shape = t.shape.map((s, d) => (d === dim ? (index as Tensor).numel() : s));
    const out = K.empty(shape, t.dtype);
    backend().indexSelect(
      t._strided(),
      dim,
      K.contiguous(index as Tensor)
        .view(-1)
        ._strided(),
      out._strided(),
    );
    return out;
  },
  // Rows picked several times collect all their gradients.
  backward: ([g], c) => {
    const { shape } = c.inputMeta[0] as { shape: readonly number[] };
    return [indexAdd(K.full(shape, 0, g.dtype), c.attrs.dim, c.input(1), g), null];
  },
});

/**
 * The entries at `index` (a 1-d int64 tensor) along `dim`.
 *
 * @example
 * ```ts
 * const x = torch.tensor([[1, 2], [3, 4], [5, 6]]);
 * console.log(torch.indexSelect(x, 0, torch.tensor([2, 0], { dtype: "int64" }))); // tensor([[5., 6.],\n        [1., 2.]])
 * ```
 */
export function indexSelect(input: Tensor, dim: number, index: Tensor): Tensor {
  const x = expectTensor(input, "index_select", "input");
  const d = normalizeDim(dim, x.ndim, "index_select");
  const i = indexArg(index, "index_select", true);
  checkBounds(i, x.ndim === 0 ? 1 : (x.shape[d] as number), "index_select");
  return indexSelectOp([x, i.ndim === 0 ? i.reshape([1]) : i], { dim: d });
}

const indexAddOp: Op<{ dim: number; alpha: number }> = defineOp<{ dim: number; alpha: number }>({
  name: "index_add",
  gradFn: "IndexAddBackward0",
  save: "inputs",
  forward: ([x, index, src], { dim, alpha }) => {
    const out = K.copy(x as Tensor);
    const s = alpha === 1 ? (src as Tensor) : K.binary("mul", src as Tensor, K.scalar(alpha, out.dtype), out.dtype);
    backend().indexAdd(
      out._strided(),
      dim,
      K.contiguous(index as Tensor)
        .view(-1)
        ._strided(),
      s._strided(),
    );
    return out;
  },
  backward: ([g], c) => {
    const { dim, alpha } = c.attrs;
    const picked = indexSelect(g, dim, c.input(1));
    return [c.needs[0] ? g : null, null, c.needs[2] ? (alpha === 1 ? picked : picked.mul(alpha)) : null];
  },
});

/**
 * `input` with alpha * src[..., i, ...] added at index[i] along `dim`.
 *
 * @example
 * ```ts
 * const i = torch.tensor([0, 0], { dtype: "int64" });
 * console.log(torch.indexAdd(torch.zeros(2), 0, i, torch.tensor([1, 2]))); // tensor([3., 0.])
 * ```
 */
export function indexAdd(input: Tensor, dim: number, index: Tensor, source: Tensor, options: { alpha?: number } = {}): Tensor {
  const x = expectTensor(input, "index_add", "input");
  const d = normalizeDim(dim, x.ndim, "index_add");
  const i = indexArg(index, "index_add", true);
  checkBounds(i, x.ndim === 0 ? 1 : (x.shape[d] as number), "index_add");
  return indexAddOp([x, i, expectTensor(source, "index_add", "source")], { dim: d, alpha: options.alpha ?? 1 });
}

const gatherOp = defineOp<{ dim: number }>({
  name: "gather",
  gradFn: "GatherBackward0",
  save: "inputs",
  forward: ([x, index], { dim }) => {
    const out = K.empty((index as Tensor).shape, (x as Tensor).dtype);
    backend().gather((x as Tensor)._strided(), dim, (index as Tensor)._strided(), out._strided());
    return out;
  },
  backward: ([g], c) => {
    const { shape } = c.inputMeta[0] as { shape: readonly number[] };
    return [scatterAdd(K.full(shape, 0, g.dtype), c.attrs.dim, c.input(1), g), null];
  },
});

function checkGatherShapes(x: Tensor, dim: number, index: Tensor, op: string): void {
  if (index.ndim !== x.ndim) {
    throw new IndexError(
      `${op}(): Index tensor must have the same number of dimensions as input tensor (index ${formatShape(index.shape)}, input ${formatShape(x.shape)})`,
    );
  }
  index.shape.forEach((s, d) => {
    if (d !== dim && s > (x.shape[d] as number)) {
      throw new IndexError(
        `${op}(): Size does not match at dimension ${d} expected index ${formatShape(index.shape)} to be smaller than self ${formatShape(x.shape)} apart from dimension ${dim}`,
      );
    }
  });
  checkBounds(index, x.shape[dim] ?? 1, op);
}

/**
 * out[i][j] = input[index[i][j]][j] (dim 0) or input[i][index[i][j]] (dim 1), and so on.
 *
 * @example
 * ```ts
 * const x = torch.tensor([[1, 2], [3, 4]]);
 * console.log(torch.gather(x, 1, torch.tensor([[1], [0]], { dtype: "int64" }))); // tensor([[2.],\n        [3.]])
 * ```
 */
export function gather(input: Tensor, dim: number, index: Tensor): Tensor {
  const x = expectTensor(input, "gather", "input");
  const d = normalizeDim(dim, x.ndim, "gather");
  const i = indexArg(index, "gather", false);
  checkGatherShapes(x, d, i, "gather");
  return gatherOp([x, i], { dim: d });
}

const scatterOp = defineOp<{ dim: number; add: boolean }>({
  name: "scatter",
  gradFn: (a) => (a.add ? "ScatterAddBackward0" : "ScatterBackward0"),
  save: "inputs",
  forward: ([x, index, src], { dim, add }) => {
    const out = K.copy(x as Tensor);
    backend().scatter(out._strided(), dim, (index as Tensor)._strided(), (src as Tensor)._strided(), add ? "add" : "assign");
    return out;
  },
  // Overwritten places get no gradient (scatter); src gets the gradient at the places it went to.
  backward: ([g], c) => {
    const { dim, add } = c.attrs;
    const index = c.input(1);
    const self = add ? g : g.scatter(dim, index, 0);
    return [c.needs[0] ? self : null, null, c.needs[2] ? g.gather(dim, index) : null];
  },
});

function scatterArgs(input: Tensor, dim: number, index: Tensor, src: Tensor | number, op: string): [Tensor[], number] {
  const x = expectTensor(input, op, "input");
  const d = normalizeDim(dim, x.ndim, op);
  const i = indexArg(index, op, false);
  checkGatherShapes(x, d, i, op);
  const s = typeof src === "number" ? K.full(i.shape, src, x.dtype) : expectTensor(src, op, "src");
  return [[x, i, s.dtype === x.dtype ? s : s.to(x.dtype)], d];
}

/**
 * `input` with src's values written at index along `dim` (a number fills).
 *
 * @example
 * ```ts
 * const i = torch.tensor([[1], [0]], { dtype: "int64" });
 * console.log(torch.scatter(torch.zeros(2, 2), 1, i, 7)); // tensor([[0., 7.],\n        [7., 0.]])
 * ```
 */
export function scatter(input: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor {
  const [inputs, d] = scatterArgs(input, dim, index, src, "scatter");
  return scatterOp(inputs, { dim: d, add: false });
}

/**
 * `input` with src's values added at index along `dim`.
 *
 * @example
 * ```ts
 * const i = torch.tensor([0, 0, 1], { dtype: "int64" });
 * console.log(torch.scatterAdd(torch.zeros(2), 0, i, torch.tensor([1, 2, 3]))); // tensor([3., 3.])
 * ```
 */
export function scatterAdd(input: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const [inputs, d] = scatterArgs(input, dim, index, src, "scatter_add");
  return scatterOp(inputs, { dim: d, add: true });
}

/**
 * In place: writes src's values (or the number src) into `input` at index along `dim`.
 *
 * @example
 * ```ts
 * const x = torch.zeros(3);
 * x.scatter_(0, torch.tensor([2, 0], { dtype: "int64" }), torch.tensor([5, 6]));
 * console.log(x); // tensor([6., 0., 5.])
 * ```
 */
export function scatter_(input: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor {
  const [inputs, d] = scatterArgs(input, dim, index, src, "scatter_");
  return applyInplace(scatterOp.def, inputs, { dim: d, add: false });
}

/**
 * In place: adds src's values into `input` at index along `dim`.
 *
 * @example
 * ```ts
 * const x = torch.zeros(2);
 * x.scatterAdd_(0, torch.tensor([0, 0, 1], { dtype: "int64" }), torch.tensor([1, 2, 3]));
 * console.log(x); // tensor([3., 3.])
 * ```
 */
export function scatterAdd_(input: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const [inputs, d] = scatterArgs(input, dim, index, src, "scatter_add_");
  return applyInplace(scatterOp.def, inputs, { dim: d, add: true });
}
