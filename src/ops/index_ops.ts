/**
 * Ops that index along one dim with a vector of indices: index_select,
 * index_add, index_copy, index_fill and their in-place forms. Their rules
 * (index_checks.ts) run before the kernels (the backend's indexSelect,
 * indexAdd and scatter), which then only see indices inside their operands.
 */

import { backendFor } from "../backend/index.js";
import { IndexError, ShapeError } from "../core/errors.js";
import { readOptions } from "../core/options.js";
import { normalizeDim, numel, shapesEqual } from "../core/shape.js";
import { Tensor } from "../tensor.js";
import { ALPHA_KEYS, type AlphaOptions } from "./arith.js";
import { defineOp, type Op } from "./define.js";
import { checkIndexAddSource, checkIndexCopySource, checkIndexVector, deviceIndex, indexVectorValues, opMessage } from "./index_checks.js";
import { applyInplace } from "./inplace.js";
import * as K from "./kernels.js";
import { expectTensor } from "./scalars.js";
import { where } from "./where.js";

/** @internal `t`, or a 0-d `t` viewed as [1]: the kernels index dims, and PyTorch treats a 0-d operand as [1]. */
export function atLeast1d(t: Tensor): Tensor {
  return t.ndim === 0 ? K.asStrided(t, [1], [1]) : t;
}

/** @internal An int64 tensor of `shape` holding `values` (indices already checked). */
export function indexTensor(values: ArrayLike<number>, shape: readonly number[] = [values.length]): Tensor {
  return Tensor._fromData(Float64Array.from(values), shape, "int64");
}

/** A checked index vector as the kernels take it: int64 and 1-d. */
function asVector(index: Tensor): Tensor {
  const i = index.dtype === "int64" ? index : K.copy(index, "int64");
  return atLeast1d(i);
}

/** `index` [n] viewed as `shape` (n along `dim`, stride 0 elsewhere): the scatter index that writes slice i at index[i]. */
function alongDim(index: Tensor, dim: number, shape: readonly number[]): Tensor {
  return K.asStrided(
    index,
    shape,
    shape.map((_, d) => (d === dim ? (index._strides[0] ?? 0) : 0)),
  );
}

/** The gradient of an input from gradients selected along `dim` (a 0-d self's one element fed every index). */
function selectedGrad(g: Tensor, dim: number, index: Tensor, shape: readonly number[]): Tensor {
  return g.ndim === 0 ? g.expand(shape) : indexSelect(g, dim, index);
}

// ----- index_select ------------------------------------------------------------------

const indexSelectOp = defineOp<{ dim: number }>({
  name: "index_select",
  jvp: "linear",
  gradFn: "IndexSelectBackward0",
  save: "inputs",
  forward: ([x, index], { dim }) => {
    const t = atLeast1d(x as Tensor);
    const i = index as Tensor;
    const out = K.empty(
      t.shape.map((s, d) => (d === dim ? i.numel() : s)),
      t.dtype,
    );
    if (out.numel() > 0) backendFor(out._storage.data).indexSelect(t._strided(), dim, i._strided(), out._strided());
    // A 0-d self gives its one element, however many (zero) indices picked it.
    return (x as Tensor).ndim === 0 ? K.asStrided(out, [], [], 0) : out;
  },
  // Rows picked several times collect all their gradients.
  backward: ([g], c) => {
    const index = c.input(1);
    const { shape } = c.inputMeta[0] as { shape: readonly number[] };
    return [shape.length === 0 ? g : indexAdd(K.full(shape, 0, g.dtype), c.attrs.dim, index, g), null];
  },
});

/**
 * The entries at `index` (a 1-d int64 or int32 tensor) along `dim`.
 *
 * @example
 * ```ts
 * const x = torch.tensor([[1, 2], [3, 4], [5, 6]]);
 * console.log(torch.indexSelect(x, 0, torch.tensor([2, 0], { dtype: "int64" }))); // tensor([[5., 6.],\n        [1., 2.]])
 * ```
 */
export function indexSelect(input: Tensor, dim: number, index: Tensor): Tensor {
  const op = "index_select";
  const x = expectTensor(input, op, "input");
  const d = normalizeDim(dim, x.ndim, op);
  const i = expectTensor(index, op, "index");
  checkIndexVector(op, "index_select", i);
  indexVectorValues(op, "index_select", x, d, i);
  if (x.ndim === 0 && i.numel() === 0) throw new IndexError(`${op}(): Index to scalar can have only 1 value, got 0 value(s)`);
  return indexSelectOp([x, asVector(i)], { dim: d });
}

// ----- index_add -----------------------------------------------------------------------

interface IndexAddAttrs {
  dim: number;
  alpha: number;
}

const indexAddOp: Op<IndexAddAttrs> = defineOp<IndexAddAttrs>({
  name: "index_add",
  jvp: "linear",
  gradFn: "IndexAddBackward0",
  save: "inputs",
  forward: ([x, index, src], { dim, alpha }) => {
    const out = K.copy(x as Tensor);
    const s = alpha === 1 ? (src as Tensor) : K.binary("mul", src as Tensor, K.scalar(alpha, out.dtype), out.dtype);
    if (s.numel() > 0)
      backendFor(out._storage.data).indexAdd(atLeast1d(out)._strided(), dim, (index as Tensor)._strided(), atLeast1d(s)._strided());
    return out;
  },
  backward: ([g], c) => {
    const { dim, alpha } = c.attrs;
    const index = c.input(1);
    const { shape } = c.inputMeta[2] as { shape: readonly number[] };
    const picked = c.needs[2] ? selectedGrad(g, dim, index, shape) : null;
    return [c.needs[0] ? g : null, null, picked === null || alpha === 1 ? picked : picked.mul(alpha)];
  },
});

/**
 * index_add's source as self's shape with `dim` of size n: each slice
 * source.select(dim, i) broadcast to self's slices (differentiable, so its
 * gradient sums back over the broadcast). 0-d and 1-d selfs take it as is.
 */
function fullSource(source: Tensor, self: Tensor, dim: number, n: number): Tensor {
  const shape = self.shape.map((s, d) => (d === dim ? n : s));
  if (self.ndim <= 1 || shapesEqual(source.shape, shape)) return source;
  const toFront = [dim, ...source.shape.map((_, d) => d).filter((d) => d !== dim)];
  const slice = source.shape.filter((_, d) => d !== dim);
  const selfSlice = self.shape.filter((_, d) => d !== dim);
  const ones = new Array<number>(selfSlice.length - slice.length).fill(1);
  const front = source
    .permute(toFront)
    .reshape([n, ...ones, ...slice])
    .expand([n, ...selfSlice]);
  const back = shape.map((_, d) => (d < dim ? d + 1 : d === dim ? 0 : d));
  return front.permute(back);
}

function indexAddArgs(op: string, input: Tensor, dim: number, index: Tensor, source: Tensor, alpha = 1): [Tensor[], IndexAddAttrs] {
  const x = expectTensor(input, op, "input");
  const d = normalizeDim(dim, x.ndim, op);
  const i = expectTensor(index, op, "index");
  const s = expectTensor(source, op, "source");
  checkIndexVector(op, "index_add", i);
  checkIndexAddSource(op, x, d, i.numel(), s);
  indexVectorValues(op, "index_add", x, d, i);
  return [[x, asVector(i), fullSource(s, x, d, i.numel())], { dim: d, alpha }];
}

/**
 * `input` with alpha * source[..., i, ...] added at index[i] along `dim`
 * (each slice of source broadcasts to a slice of input).
 *
 * @example
 * ```ts
 * const i = torch.tensor([0, 0], { dtype: "int64" });
 * console.log(torch.indexAdd(torch.zeros(2), 0, i, torch.tensor([1, 2]))); // tensor([3., 0.])
 * ```
 */
export function indexAdd(input: Tensor, dim: number, index: Tensor, source: Tensor, options?: AlphaOptions): Tensor {
  const { alpha } = readOptions(options, "index_add", ALPHA_KEYS);
  const [inputs, attrs] = indexAddArgs("index_add", input, dim, index, source, alpha ?? 1);
  return indexAddOp(inputs, attrs);
}

/**
 * In place: adds alpha * source[..., i, ...] into `input` at index[i] along `dim`.
 *
 * @example
 * ```ts
 * const x = torch.zeros(3);
 * x.indexAdd_(0, torch.tensor([2, 2], { dtype: "int64" }), torch.tensor([1, 2]), { alpha: 2 });
 * console.log(x); // tensor([0., 0., 6.])
 * ```
 */
export function indexAdd_(input: Tensor, dim: number, index: Tensor, source: Tensor, options?: AlphaOptions): Tensor {
  const { alpha } = readOptions(options, "index_add_", ALPHA_KEYS);
  const [inputs, attrs] = indexAddArgs("index_add_", input, dim, index, source, alpha ?? 1);
  return applyInplace(indexAddOp.def, inputs, attrs);
}

// ----- index_copy ----------------------------------------------------------------------

const indexCopyOp = defineOp<{ dim: number }>({
  name: "index_copy",
  jvp: "linear",
  gradFn: "IndexCopyBackward0",
  save: "inputs",
  forward: ([x, index, src], { dim }) => {
    const out = K.copy(x as Tensor);
    const s = atLeast1d(src as Tensor);
    const at = alongDim(index as Tensor, dim, s.shape);
    if (s.numel() > 0) backendFor(out._storage.data).scatter(atLeast1d(out)._strided(), dim, at._strided(), s._strided(), "assign");
    return out;
  },
  // The copied-over slices of self get no gradient; slice i of source gets the gradient at index[i]
  // (every slice, as PyTorch, even one a repeated index overwrote).
  backward: ([g], c) => {
    const { dim } = c.attrs;
    const index = c.input(1);
    const { shape } = c.inputMeta[2] as { shape: readonly number[] };
    return [c.needs[0] ? indexFill(g, dim, index, 0) : null, null, c.needs[2] ? selectedGrad(g, dim, index, shape) : null];
  },
});

function indexCopyArgs(op: string, input: Tensor, dim: number, index: Tensor, source: Tensor): [Tensor[], { dim: number }] {
  const x = expectTensor(input, op, "input");
  const d = normalizeDim(dim, x.ndim, op);
  const i = expectTensor(index, op, "index");
  const s = expectTensor(source, op, "source");
  checkIndexVector(op, "index_copy", i);
  checkIndexCopySource(op, x, d, i.numel(), s);
  indexVectorValues(op, "index_copy", x, d, i);
  return [[x, asVector(i), s], { dim: d }];
}

/**
 * `input` with source[..., i, ...] copied to index[i] along `dim` (a later
 * repeat of an index wins).
 *
 * @example
 * ```ts
 * const i = torch.tensor([2, 0], { dtype: "int64" });
 * console.log(torch.indexCopy(torch.zeros(3, 2), 0, i, torch.tensor([[1, 2], [3, 4]]))); // tensor([[3., 4.],\n        [0., 0.],\n        [1., 2.]])
 * ```
 */
export function indexCopy(input: Tensor, dim: number, index: Tensor, source: Tensor): Tensor {
  const [inputs, attrs] = indexCopyArgs("index_copy", input, dim, index, source);
  return indexCopyOp(inputs, attrs);
}

/**
 * In place: copies source[..., i, ...] into `input` at index[i] along `dim`.
 *
 * @example
 * ```ts
 * const x = torch.zeros(2, 3);
 * x.indexCopy_(1, torch.tensor([1], { dtype: "int64" }), torch.tensor([[5], [6]]));
 * console.log(x); // tensor([[0., 5., 0.],\n        [0., 6., 0.]])
 * ```
 */
export function indexCopy_(input: Tensor, dim: number, index: Tensor, source: Tensor): Tensor {
  const [inputs, attrs] = indexCopyArgs("index_copy_", input, dim, index, source);
  return applyInplace(indexCopyOp.def, inputs, attrs);
}

// ----- index_fill ----------------------------------------------------------------------

/** `x` with the slices at `index` along `dim` set to the 0-d `value` (of x's dtype). */
function fillSlices(x: Tensor, index: Tensor, dim: number, value: Tensor): Tensor {
  const out = K.copy(x);
  const o = atLeast1d(out);
  const shape = o.shape.map((s, d) => (d === dim ? index.numel() : s));
  if (numel(shape) > 0) {
    backendFor(o._storage.data).scatter(
      o._strided(),
      dim,
      alongDim(index, dim, shape)._strided(),
      K.broadcastTo(value, shape)._strided(),
      "assign",
    );
  }
  return out;
}

const indexFillOp = defineOp<{ dim: number; value: number }>({
  name: "index_fill",
  jvp: "elementwise",
  gradFn: "IndexFillBackward0",
  save: "inputs",
  forward: ([x, index], { dim, value }) => fillSlices(x as Tensor, index as Tensor, dim, K.scalar(value, (x as Tensor).dtype)),
  backward: ([g], c) => [indexFill(g, c.attrs.dim, c.input(1), 0), null],
});

/**
 * The sum of `g` over the slices at `index` along `dim`, each slice once
 * however often the index names it: the selected distinct slices on the CPU;
 * on a device (whose index cannot be read synchronously), `g` where a mask of
 * the filled slices (the index filled into a zero vector) is true.
 */
function filledSum(g: Tensor, dim: number, index: Tensor): Tensor {
  if (index.device === "cpu") return indexSelect(g, dim, indexTensor([...new Set(index.toTypedArray())])).sum();
  const size = g.ndim === 0 ? 1 : (g.shape[dim] as number);
  const filled = fillSlices(K.full([size], 0, "bool", undefined, g.device), index, 0, K.scalar(1, "bool"));
  const along = K.asStrided(
    filled,
    g.shape,
    g.shape.map((_, d) => (d === dim ? 1 : 0)),
  );
  return where(along, g, 0).sum();
}

// With a 0-d tensor as the value, the value gets the gradient summed over the filled slices (each once).
const indexFillTensorOp = defineOp<{ dim: number }>({
  name: "index_fill",
  jvp: "linear",
  gradFn: "IndexFillBackward1",
  save: "inputs",
  forward: ([x, index, value], { dim }) => fillSlices(x as Tensor, index as Tensor, dim, value as Tensor),
  backward: ([g], c) => {
    const { dim } = c.attrs;
    const index = c.input(1);
    return [c.needs[0] ? indexFill(g, dim, index, 0) : null, null, c.needs[2] ? filledSum(g, dim, index) : null];
  },
});

function indexFillWith(op: string, input: Tensor, dim: number, index: Tensor, value: number | boolean | Tensor, inplace: boolean): Tensor {
  const x = expectTensor(input, op, "input");
  const i = expectTensor(index, op, "index");
  if (value instanceof Tensor && value.ndim !== 0) {
    throw new ShapeError(
      opMessage(op, `index_fill_ only supports a 0-dimensional value tensor, but got tensor with ${value.ndim} dimension(s).`),
    );
  }
  checkIndexVector(op, "index_fill", i);
  const d = normalizeDim(dim, x.ndim, op);
  // Negative indices count from the end: the kernel gets them wrapped.
  const values = indexVectorValues(op, "index_fill", x, d, i);
  const idx = values === null ? deviceIndex(i, x.ndim === 0 ? 1 : (x.shape[d] as number), true) : indexTensor(values);
  if (value instanceof Tensor) {
    const inputs = [x, idx, value.dtype === x.dtype ? value : value.to(x.dtype)];
    return inplace ? applyInplace(indexFillTensorOp.def, inputs, { dim: d }) : indexFillTensorOp(inputs, { dim: d });
  }
  const attrs = { dim: d, value: Number(value) };
  return inplace ? applyInplace(indexFillOp.def, [x, idx], attrs) : indexFillOp([x, idx], attrs);
}

/**
 * `input` with the slices at `index` along `dim` set to `value` (a number,
 * or a 0-d tensor that then receives gradient); negative indices count from
 * the end.
 *
 * @example
 * ```ts
 * const x = torch.ones(2, 3);
 * console.log(torch.indexFill(x, 1, torch.tensor([0, -1], { dtype: "int64" }), 0)); // tensor([[0., 1., 0.],\n        [0., 1., 0.]])
 * ```
 */
export function indexFill(input: Tensor, dim: number, index: Tensor, value: number | boolean | Tensor): Tensor {
  return indexFillWith("index_fill", input, dim, index, value, false);
}

/**
 * In place: sets the slices of `input` at `index` along `dim` to `value`.
 *
 * @example
 * ```ts
 * const x = torch.zeros(3);
 * x.indexFill_(0, torch.tensor([1], { dtype: "int64" }), 7);
 * console.log(x); // tensor([0., 7., 0.])
 * ```
 */
export function indexFill_(input: Tensor, dim: number, index: Tensor, value: number | boolean | Tensor): Tensor {
  return indexFillWith("index_fill_", input, dim, index, value, true);
}
