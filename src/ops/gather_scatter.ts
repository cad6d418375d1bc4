/**
 * Ops whose index addresses elements: gather and scatter (an index shaped
 * like self), take and put (offsets into self's elements in row-major
 * order), masked_scatter (the true elements of a mask). Their rules
 * (index_checks.ts) run before the kernels, which then only see indices
 * inside their operands.
 */

import { backendFor } from "../backend/index.js";
import { type OptionKeys, readOptions } from "../core/options.js";
import { broadcastShapes, normalizeDim, numel } from "../core/shape.js";
import type { Tensor } from "../tensor.js";
import { cat } from "./combine.js";
import { applyOp, defineOp, type Op, type OpDef } from "./define.js";
import {
  checkFlatIndexDtype,
  checkGatherScatter,
  checkMaskedScatter,
  checkPutSource,
  deviceIndex,
  flatIndexValues,
  sourceTooSmall,
} from "./index_checks.js";
import { atLeast1d, indexTensor } from "./index_ops.js";
import { applyInplace } from "./inplace.js";
import * as K from "./kernels.js";
import { deviceMaskedScatterOp, type MaskedScatterAttrs } from "./mask_device.js";
import { expectTensor } from "./scalars.js";

// ----- gather --------------------------------------------------------------------------

const gatherOp = defineOp<{ dim: number }>({
  name: "gather",
  jvp: "linear",
  gradFn: "GatherBackward0",
  save: "inputs",
  forward: ([x, index], { dim }) => {
    const i = index as Tensor;
    const out = K.empty(i.shape, (x as Tensor).dtype);
    if (i.numel() > 0)
      backendFor(out._storage.data).gather(atLeast1d(x as Tensor)._strided(), dim, atLeast1d(i)._strided(), atLeast1d(out)._strided());
    return out;
  },
  backward: ([g], c) => {
    const { shape } = c.inputMeta[0] as { shape: readonly number[] };
    return [scatterAdd(K.full(shape, 0, g.dtype), c.attrs.dim, c.input(1), g), null];
  },
});

/**
 * out[i][j] = input[index[i][j]][j] (dim 0) or input[i][index[i][j]] (dim 1),
 * and so on; `index` is int64, of input's rank, and no larger than input
 * outside `dim`.
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
  const i = expectTensor(index, "gather", "index");
  checkGatherScatter("gather", "gather", x, d, i, null);
  return gatherOp([x, i], { dim: d });
}

// ----- scatter, scatter_add --------------------------------------------------------------

/** A copy of `x` with `src` written (or added) at `index` along `dim`; src is read where the index is. */
function scatterInto(x: Tensor, dim: number, index: Tensor, src: Tensor, mode: "add" | "assign"): Tensor {
  const out = K.copy(x);
  if (index.numel() > 0)
    backendFor(out._storage.data).scatter(atLeast1d(out)._strided(), dim, atLeast1d(index)._strided(), atLeast1d(src)._strided(), mode);
  return out;
}

/** `t` (the gradient at the places the index covers) zero-padded at the end of each dim to src's `shape`. */
function padTo(t: Tensor, shape: readonly number[]): Tensor {
  let out = t;
  if (t.ndim !== shape.length) return out;
  shape.forEach((s, d) => {
    const have = out.shape[d] as number;
    if (s > have)
      out = cat(
        [
          out,
          K.full(
            out.shape.map((v, k) => (k === d ? s - have : v)),
            0,
            t.dtype,
          ),
        ],
        d,
      );
  });
  return out;
}

interface ScatterAttrs {
  dim: number;
  add: boolean;
}

const scatterOp: Op<ScatterAttrs> = defineOp<ScatterAttrs>({
  name: "scatter",
  jvp: "linear",
  gradFn: (a) => (a.add ? "ScatterAddBackward0" : "ScatterBackward0"),
  save: "inputs",
  forward: ([x, index, src], { dim, add }) => scatterInto(x as Tensor, dim, index as Tensor, src as Tensor, add ? "add" : "assign"),
  // Overwritten places get no gradient (scatter); src gets the gradient at the places it went to.
  backward: ([g], c) => {
    const { dim, add } = c.attrs;
    const index = c.input(1);
    const { shape } = c.inputMeta[2] as { shape: readonly number[] };
    return [c.needs[0] ? (add ? g : scatter(g, dim, index, 0)) : null, null, c.needs[2] ? padTo(gather(g, dim, index), shape) : null];
  },
});

const scatterValueOp: Op<{ dim: number; value: number }> = defineOp<{ dim: number; value: number }>({
  name: "scatter",
  jvp: "elementwise",
  gradFn: "ScatterBackward1",
  save: "inputs",
  forward: ([x, index], { dim, value }) => {
    const i = atLeast1d(index as Tensor);
    return scatterInto(x as Tensor, dim, i, K.broadcastTo(K.scalar(value, (x as Tensor).dtype), i.shape), "assign");
  },
  backward: ([g], c) => [scatter(g, c.attrs.dim, c.input(1), 0), null],
});

/** Checks scatter's arguments; a number src is null (the value form). */
function scatterArgs(op: string, input: Tensor, dim: number, index: Tensor, src: Tensor | number): [Tensor, number, Tensor, Tensor | null] {
  const x = expectTensor(input, op, "input");
  const d = normalizeDim(dim, x.ndim, op);
  const i = expectTensor(index, op, "index");
  const s = typeof src === "number" ? null : expectTensor(src, op, "src");
  checkGatherScatter(op, "scatter", x, d, i, s);
  return [x, d, i, s];
}

function scatterWith(op: string, input: Tensor, dim: number, index: Tensor, src: Tensor | number, add: boolean, inplace: boolean): Tensor {
  const [x, d, i, s] = scatterArgs(op, input, dim, index, src);
  if (s === null) {
    const attrs = { dim: d, value: src as number };
    return inplace ? applyInplace(scatterValueOp.def, [x, i], attrs) : scatterValueOp([x, i], attrs);
  }
  return inplace ? applyInplace(scatterOp.def, [x, i, s], { dim: d, add }) : scatterOp([x, i, s], { dim: d, add });
}

/**
 * `input` with src's values written at index along `dim` (a number fills):
 * self[i][index[i][j]] = src[i][j] for dim 1. `index` is int64, of input's
 * rank, no larger than input outside `dim` and no larger than src.
 *
 * @example
 * ```ts
 * const i = torch.tensor([[1], [0]], { dtype: "int64" });
 * console.log(torch.scatter(torch.zeros(2, 2), 1, i, 7)); // tensor([[0., 7.],\n        [7., 0.]])
 * ```
 */
export function scatter(input: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor {
  return scatterWith("scatter", input, dim, index, src, false, false);
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
  return scatterWith("scatter_add", input, dim, index, expectTensor(src, "scatter_add", "src"), true, false);
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
  return scatterWith("scatter_", input, dim, index, src, false, true);
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
  return scatterWith("scatter_add_", input, dim, index, expectTensor(src, "scatter_add_", "src"), true, true);
}

// ----- take, put -------------------------------------------------------------------------

/**
 * @internal A copy of `x` (contiguous) with its row-major elements `flat[i]`
 * set to (or, with accumulate, increased by) `values`' i-th element.
 */
export function putFlat(x: Tensor, flat: Int32Array, values: Tensor, accumulate: boolean): Tensor {
  if (accumulate) return K.putAdd(x.shape, flat, K.asStrided(K.contiguous(values), [flat.length], [1]), x);
  const out = K.copy(x);
  if (flat.length === 0) return out;
  const index = indexTensor(flat);
  const src = K.asStrided(K.contiguous(values), [flat.length], [1]);
  backendFor(out._storage.data).scatter(K.asStrided(out, [out.numel()], [1], 0)._strided(), 0, index._strided(), src._strided(), "assign");
  return out;
}

const takeOp = defineOp({
  name: "take",
  jvp: "linear",
  gradFn: "TakeBackward0",
  save: "inputs",
  forward: ([x, index]) =>
    (index as Tensor).device === "cpu"
      ? K.take(x as Tensor, Int32Array.from((index as Tensor).toTypedArray()), (index as Tensor).shape)
      : K.takeAt(x as Tensor, index as Tensor),
  backward: ([g], c) => {
    const { shape } = c.inputMeta[0] as { shape: readonly number[] };
    return [put(K.full(shape, 0, g.dtype), c.input(1), g, { accumulate: true }), null];
  },
});

/**
 * The elements of `input` (in row-major order) at `index` (int64, any
 * shape; negative values count from the end).
 *
 * @example
 * ```ts
 * const x = torch.tensor([[1, 2], [3, 4]]);
 * console.log(torch.take(x, torch.tensor([0, -1], { dtype: "int64" }))); // tensor([1., 4.])
 * ```
 */
export function take(input: Tensor, index: Tensor): Tensor {
  const x = expectTensor(input, "take", "input");
  const i = expectTensor(index, "take", "index");
  checkFlatIndexDtype("take", i);
  return takeOp([x, flatIndex(flatIndexValues("take", x, i), i, x.numel())], {});
}

const putOp = defineOp<{ accumulate: boolean }>({
  name: "put",
  jvp: "linear",
  gradFn: "PutBackward0",
  save: "inputs",
  forward: ([x, index, src], { accumulate }) =>
    (index as Tensor).device === "cpu"
      ? putFlat(x as Tensor, Int32Array.from((index as Tensor).toTypedArray()), src as Tensor, accumulate)
      : K.putAt(x as Tensor, index as Tensor, src as Tensor, accumulate),
  // Without accumulate the overwritten elements of self get no gradient; source gets the gradient where it went.
  backward: ([g], c) => {
    const index = c.input(1);
    const { shape } = c.inputMeta[2] as { shape: readonly number[] };
    const self = c.attrs.accumulate ? g : put(g, index, K.full(shape, 0, g.dtype));
    return [c.needs[0] ? self : null, null, c.needs[2] ? take(g, index).reshape(shape) : null];
  },
});

function putArgs(op: string, input: Tensor, index: Tensor, source: Tensor): Tensor[] {
  const x = expectTensor(input, op, "input");
  const i = expectTensor(index, op, "index");
  const s = expectTensor(source, op, "source");
  checkFlatIndexDtype("put_", i);
  checkPutSource(x, i, s);
  return [x, flatIndex(flatIndexValues("put_", x, i), i, x.numel()), s];
}

/** The options of put, put_ and indexPut_. */
export interface AccumulateOptions {
  /** Add the values to the elements instead of replacing them (default false). */
  accumulate?: boolean;
}

export const ACCUMULATE_KEYS: OptionKeys<AccumulateOptions> = { accumulate: "boolean" };

/**
 * `input` with its elements (in row-major order) at `index` set to
 * source's, or increased by them with `accumulate`; index and source have
 * the same number of elements.
 *
 * @example
 * ```ts
 * const x = torch.zeros(2, 2);
 * const i = torch.tensor([0, 3, 3], { dtype: "int64" });
 * console.log(torch.put(x, i, torch.tensor([1, 2, 3]), { accumulate: true })); // tensor([[1., 0.],\n        [0., 5.]])
 * ```
 */
export function put(input: Tensor, index: Tensor, source: Tensor, options?: AccumulateOptions): Tensor {
  const accumulate = readOptions(options, "put", ACCUMULATE_KEYS).accumulate ?? false;
  return putOp(putArgs("put", input, index, source), { accumulate });
}

/**
 * In place: sets (or with `accumulate` increases) `input`'s elements at `index` by source's.
 *
 * @example
 * ```ts
 * const x = torch.zeros(3);
 * x.put_(torch.tensor([-1], { dtype: "int64" }), torch.tensor([9]));
 * console.log(x); // tensor([0., 0., 9.])
 * ```
 */
export function put_(input: Tensor, index: Tensor, source: Tensor, options?: AccumulateOptions): Tensor {
  const accumulate = readOptions(options, "put_", ACCUMULATE_KEYS).accumulate ?? false;
  return applyInplace(putOp.def, putArgs("put_", input, index, source), { accumulate });
}

// ----- masked_scatter ----------------------------------------------------------------------

/** The row-major offsets, in `shape`, of the true elements of `mask` broadcast to it. */
function maskOffsets(mask: Tensor, shape: readonly number[]): number[] {
  const m = K.hostValues(K.broadcastTo(mask, shape), "masked_scatter");
  const out: number[] = [];
  for (let i = 0; i < m.length; i++) if (m[i] !== 0) out.push(i);
  return out;
}

const maskedScatterOp = defineOp<MaskedScatterAttrs>({
  name: "masked_scatter",
  jvp: "linear",
  gradFn: "MaskedScatterBackward0",
  save: "inputs",
  // The k-th true element of the (broadcast) mask takes source's k-th element.
  forward: ([x, mask, src], { shape }) => {
    const at = Int32Array.from(maskOffsets(mask as Tensor, shape));
    return putFlat(K.broadcastTo(x as Tensor, shape), at, K.asStrided(K.contiguous(src as Tensor), [at.length], [1]), false);
  },
  // Source's first elements get the gradient at the true places (in order), its others none.
  backward: ([g], c) => {
    const mask = c.input(1);
    const { shape } = c.inputMeta[2] as { shape: readonly number[] };
    let src: Tensor | null = null;
    if (c.needs[2]) {
      const at = maskOffsets(mask, g.shape);
      const picked = take(g, indexTensor(at));
      const rest = numel(shape) - at.length;
      src = (rest > 0 ? cat([picked, K.full([rest], 0, g.dtype)]) : picked).reshape(shape);
    }
    return [c.needs[0] ? g.maskedFill(mask, 0) : null, null, src];
  },
});

/**
 * masked_scatter's op for its checked inputs: a mask on a device is
 * counted there (mask_device.ts); on the CPU, now, against source's size.
 */
function maskedScatterArgs(
  op: string,
  input: Tensor,
  mask: Tensor,
  source: Tensor,
  inplace: boolean,
): [OpDef<MaskedScatterAttrs>, Tensor[], MaskedScatterAttrs] {
  const x = expectTensor(input, op, "input");
  const m = expectTensor(mask, op, "mask");
  const s = expectTensor(source, op, "source");
  checkMaskedScatter(op, x, m, s);
  // In place the mask broadcasts to self; otherwise both broadcast (PyTorch names the mask tensor a).
  const shape = inplace ? m.expand(x.shape).shape : broadcastShapes([m.shape, x.shape], op);
  if (m.device !== "cpu") return [deviceMaskedScatterOp.def, [x, m, s], { shape, op }];
  const count = maskOffsets(m, shape).length;
  if (s.numel() < count) throw sourceTooSmall(op, count, s.numel());
  return [maskedScatterOp.def, [x, m, s], { shape, op }];
}

/**
 * `input` with the elements where `mask` is true replaced, in row-major
 * order, by source's first elements (input and mask broadcast).
 *
 * @example
 * ```ts
 * const x = torch.zeros(2, 2);
 * const mask = torch.tensor([[true, false], [true, true]]);
 * console.log(torch.maskedScatter(x, mask, torch.tensor([1, 2, 3, 4]))); // tensor([[1., 0.],\n        [2., 3.]])
 * ```
 */
export function maskedScatter(input: Tensor, mask: Tensor, source: Tensor): Tensor {
  const [def, inputs, attrs] = maskedScatterArgs("masked_scatter", input, mask, source, false);
  return applyOp(def, inputs, attrs)[0] as Tensor;
}

/**
 * In place: replaces `input`'s elements where `mask` (broadcast to input) is true by source's first elements.
 *
 * @example
 * ```ts
 * const x = torch.zeros(3);
 * x.maskedScatter_(torch.tensor([false, true, true]), torch.tensor([5, 6]));
 * console.log(x); // tensor([0., 5., 6.])
 * ```
 */
export function maskedScatter_(input: Tensor, mask: Tensor, source: Tensor): Tensor {
  const [def, inputs, attrs] = maskedScatterArgs("masked_scatter_", input, mask, source, true);
  return applyInplace(def, inputs, attrs);
}

/** take/put's index as the op takes it: the checked, wrapped values (CPU), or the index wrapped on its device. */
function flatIndex(values: number[] | null, index: Tensor, numel: number): Tensor {
  return values === null ? deviceIndex(index, numel, true) : indexTensor(values, index.shape);
}
