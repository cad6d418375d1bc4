/**
 * Shape ops that copy: cat, stack, split, chunk, unbind, repeat, flip,
 * tril, triu. (Views that share storage are in movement.ts and slicing.ts.)
 */

import { checkSizes, expectInt } from "../core/args.js";
import { type DType, promoteTypes } from "../core/dtype.js";
import { ArgumentError, IndexError, ShapeError } from "../core/errors.js";
import { contiguousStrides, normalizeDim, normalizeDims } from "../core/shape.js";
import type { Tensor } from "../tensor.js";
import { defineOp } from "./define.js";
import * as K from "./kernels.js";
import { unsqueeze } from "./movement.js";
import { expectTensor } from "./scalars.js";
import { narrow, select, slice } from "./slicing.js";

const isEmpty1d = (x: Tensor) => x.ndim === 1 && x.shape[0] === 0;

/** Copies the tensors one after another along `dim` (1-d empty tensors are skipped, as PyTorch's legacy rule). */
function catForward(xs: readonly Tensor[], dim: number): Tensor {
  const first = xs.find((x) => !isEmpty1d(x)) ?? (xs[0] as Tensor);
  const shape = [...first.shape];
  shape[dim] = 0;
  for (const x of xs) if (!isEmpty1d(x)) shape[dim] = (shape[dim] as number) + (x.shape[dim] as number);
  const out = K.empty(shape, first.dtype);
  let at = 0;
  for (const x of xs) {
    if (isEmpty1d(x)) continue;
    const n = x.shape[dim] as number;
    K.copyInto(slice(out, dim, at, at + n), x);
    at += n;
  }
  return out;
}

const catOp = defineOp<{ dim: number }>({
  name: "cat",
  jvp: "linear",
  gradFn: "CatBackward0",
  forward: (xs, { dim }) => catForward(xs, dim),
  // Each input gets its slice of the gradient (empty 1-d inputs get an empty one).
  backward: ([g], c) => {
    let at = 0;
    return c.inputMeta.map(({ shape }) => {
      if (shape.length === 1 && shape[0] === 0) return K.empty([0], g.dtype);
      const n = shape[c.attrs.dim] as number;
      at += n;
      return g.narrow(c.attrs.dim, at - n, n);
    });
  },
});

/**
 * Concatenates tensors along an existing dim; all other sizes must match.
 *
 * @example
 * ```ts
 * console.log(torch.cat([torch.tensor([1, 2]), torch.tensor([3])])); // tensor([1., 2., 3.])
 * ```
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ArgumentError("cat(): expected a non-empty list of Tensors");
  for (const [i, x] of tensors.entries()) expectTensor(x, "cat", `tensors[${i}]`);
  const shaped = tensors.filter((x) => !(x.ndim === 1 && x.shape[0] === 0));
  const ref = shaped[0] ?? (tensors[0] as Tensor);
  if (ref.ndim === 0) throw new ShapeError("cat(): zero-dimensional tensor (at position 0) cannot be concatenated");
  const d = normalizeDim(dim, ref.ndim, "cat");
  let dtype: DType = ref.dtype;
  tensors.forEach((x, i) => {
    dtype = promoteTypes(dtype, x.dtype);
    if (x.ndim === 1 && x.shape[0] === 0) return;
    if (x.ndim !== ref.ndim) {
      throw new ShapeError(`cat(): Tensors must have same number of dimensions: got ${ref.ndim} and ${x.ndim}`);
    }
    x.shape.forEach((s: number, k: number) => {
      if (k !== d && s !== ref.shape[k]) {
        throw new ShapeError(
          `cat(): Sizes of tensors must match except in dimension ${d}. Expected size ${ref.shape[k]} but got size ${s} for tensor number ${i} in the list.`,
        );
      }
    });
  });
  const inputs = tensors.map((x) => (x.dtype === dtype ? x : x.to(dtype)));
  return catOp(inputs, { dim: d });
}

/**
 * `cat` under NumPy's name (PyTorch's `concat`).
 *
 * @example
 * ```ts
 * console.log(torch.concat([torch.tensor([1]), torch.tensor([2])])); // tensor([1., 2.])
 * ```
 */
export function concat(tensors: readonly Tensor[], dim = 0): Tensor {
  return cat(tensors, dim);
}

/**
 * `cat` under NumPy's other name (PyTorch's `concatenate`).
 *
 * @example
 * ```ts
 * console.log(torch.concatenate([torch.tensor([[1]]), torch.tensor([[2]])], 1)); // tensor([[1., 2.]])
 * ```
 */
export function concatenate(tensors: readonly Tensor[], dim = 0): Tensor {
  return cat(tensors, dim);
}

// ----- stack, unbind --------------------------------------------------------------

/**
 * Joins tensors of the same shape along a new dim.
 *
 * @example
 * ```ts
 * console.log(torch.stack([torch.tensor([1, 2]), torch.tensor([3, 4])], 1)); // tensor([[1., 3.],\n        [2., 4.]])
 * ```
 */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ArgumentError("stack expects a non-empty TensorList");
  const first = expectTensor(tensors[0], "stack", "tensors[0]");
  tensors.forEach((t, i) => {
    if (t.shape.join() !== first.shape.join()) {
      throw new ShapeError(
        `stack expects each tensor to be equal size, but got [${first.shape.join(", ")}] at entry 0 and [${t.shape.join(", ")}] at entry ${i}`,
      );
    }
  });
  const d = normalizeDim(dim, first.ndim + 1, "stack");
  return stackOp(tensors, { dim: d });
}

// stack is cat of the tensors unsqueezed at `dim`; its gradient is the slices of the output's.
const stackOp = defineOp<{ dim: number }>({
  name: "stack",
  jvp: "linear",
  gradFn: "StackBackward0",
  forward: (xs, { dim }) =>
    catForward(
      xs.map((x) => unsqueeze(x, dim)),
      dim,
    ),
  backward: ([g], c) => unbind(g, c.attrs.dim),
});

const unbindOp = defineOp<{ dim: number; n: number }>({
  name: "unbind",
  jvp: "linear",
  gradFn: "UnbindBackward0",
  // Several views: none may be modified in place while recording (PyTorch).
  view: "multiple",
  forward: ([x], { dim, n }) => Array.from({ length: n }, (_, i) => select(x as Tensor, dim, i)),
  backward: (grads, c) => [stack(grads, c.attrs.dim)],
});

/**
 * The slices along `dim`, as a list of views.
 *
 * @example
 * ```ts
 * const [a, b] = torch.unbind(torch.tensor([[1, 2], [3, 4]]));
 * console.log(a, b); // tensor([1., 2.]) tensor([3., 4.])
 * ```
 */
export function unbind(input: Tensor, dim = 0): Tensor[] {
  const x = expectTensor(input, "unbind", "input");
  const d = normalizeDim(dim, x.ndim, "unbind");
  return unbindOp.many([x], { dim: d, n: x.shape[d] as number });
}

// ----- split, chunk --------------------------------------------------------------

const splitOp = defineOp<{ dim: number; sizes: number[]; withSizes: boolean }>({
  name: "split",
  jvp: "linear",
  gradFn: (a) => (a.withSizes ? "SplitWithSizesBackward0" : "SplitBackward0"),
  // Several views: none may be modified in place while recording (PyTorch).
  view: "multiple",
  forward: ([x], { dim, sizes }) => {
    let at = 0;
    return sizes.map((n) => {
      at += n;
      return narrow(x as Tensor, dim, at - n, n);
    });
  },
  // Missing pieces were filled with zeros by the node; the input's gradient is their concatenation.
  backward: (grads, c) => [cat(grads, c.attrs.dim)],
});

/**
 * Splits into pieces of `splitSize` along `dim` (the last may be smaller), or
 * into pieces of the given sizes. The pieces are views.
 *
 * @example
 * ```ts
 * const parts = torch.split(torch.arange(5), 2);
 * console.log(parts.map((p) => p.tolist())); // [ [ 0, 1 ], [ 2, 3 ], [ 4 ] ]
 * ```
 */
export function split(input: Tensor, splitSize: number | readonly number[], dim = 0): Tensor[] {
  const x = expectTensor(input, "split", "input");
  const d = normalizeDim(dim, x.ndim, "split");
  const size = x.shape[d] as number;
  if (Array.isArray(splitSize)) {
    const sizes = checkSizes(splitSize, "split_with_sizes", { arg: "split_sizes", min: Number.NEGATIVE_INFINITY });
    const negative = sizes.findIndex((s) => s < 0);
    if (negative >= 0) {
      throw new ArgumentError(
        `split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=[${sizes.join(", ")}]`,
      );
    }
    if (sizes.reduce((a, b) => a + b, 0) !== size) {
      throw new ShapeError(
        `split_with_sizes expects split_sizes to sum exactly to ${size} (input tensor's size at dimension ${d}), but got split_sizes=[${sizes.join(", ")}]`,
      );
    }
    return splitOp.many([x], { dim: d, sizes, withSizes: true });
  }
  const n = expectInt(splitSize, "split", "split_size", 2);
  if (n < 0) throw new ArgumentError(`split expects split_size be non-negative, but got split_size=${n}`);
  if (n === 0 && size !== 0) {
    throw new ArgumentError(`split_size can only be 0 if dimension size is 0, but got dimension size of ${size}`);
  }
  const count = n === 0 ? 1 : Math.max(1, Math.ceil(size / n));
  const sizes = Array.from({ length: count }, (_, i) => Math.min(n, size - i * n));
  return splitOp.many([x], { dim: d, sizes, withSizes: false });
}

/**
 * Splits into `chunks` pieces of equal size along `dim` (the last may be smaller).
 *
 * @example
 * ```ts
 * console.log(torch.chunk(torch.arange(6), 3).map((p) => p.tolist())); // [ [ 0, 1 ], [ 2, 3 ], [ 4, 5 ] ]
 * ```
 */
export function chunk(input: Tensor, chunks: number, dim = 0): Tensor[] {
  const x = expectTensor(input, "chunk", "input");
  if (expectInt(chunks, "chunk", "chunks", 2) <= 0)
    throw new ArgumentError(`chunk expects \`chunks\` to be greater than 0, got: ${chunks}`);
  const d = normalizeDim(dim, x.ndim, "chunk");
  const size = x.shape[d] as number;
  return split(x, Math.max(1, Math.ceil(size / chunks)), d);
}

// ----- repeat, flip, tril, triu -----------------------------------------------------

const repeatOp = defineOp<{ repeats: number[] }>({
  name: "repeat",
  jvp: "linear",
  gradFn: "RepeatBackward0",
  forward: ([x], { repeats }) => {
    const t = x as Tensor;
    const lead = repeats.length - t.ndim;
    const shape = [...new Array<number>(lead).fill(1), ...t.shape];
    // View x as [1, s0, 1, s1, ...], expand to [r0, s0, r1, s1, ...], copy, merge pairs.
    const paired = shape.flatMap((s) => [1, s]);
    const expanded = repeats.flatMap((r, i) => [r, shape[i] as number]);
    const tiled = K.copy(K.broadcastTo(K.asStrided(K.contiguous(t), paired, contiguousStrides(paired)), expanded));
    return K.asStrided(
      tiled,
      repeats.map((r, i) => r * (shape[i] as number)),
      contiguousStrides(repeats.map((r, i) => r * (shape[i] as number))),
      0,
    );
  },
  // Sum the tiles: reshape to [r0, s0, r1, s1, ...] and sum the repeat dims.
  backward: ([g], c) => {
    const { repeats } = c.attrs;
    const { shape } = c.inputMeta[0] as { shape: readonly number[] };
    if (repeats.includes(0)) return [K.full(shape, 0, g.dtype)];
    let grad = g;
    const lead = repeats.length - shape.length;
    for (let i = 0; i < lead; i++) grad = grad.sum(0);
    const gradSize: number[] = [];
    const sumDims: number[] = [];
    shape.forEach((s, d) => {
      const r = repeats[d + lead] as number;
      if (r !== 1) {
        gradSize.push(r);
        sumDims.push(gradSize.length - 1);
      }
      gradSize.push(s);
    });
    return [sumDims.length > 0 ? grad.reshape(gradSize).sum(sumDims) : grad];
  },
});

/**
 * Tiles the tensor: `repeats[i]` copies along dim i (extra leading repeats add dims).
 *
 * @example
 * ```ts
 * console.log(torch.tensor([1, 2]).repeat(2, 2)); // tensor([[1., 2., 1., 2.],\n        [1., 2., 1., 2.]])
 * ```
 */
export function repeat(input: Tensor, ...repeats: (number | readonly number[])[]): Tensor {
  const x = expectTensor(input, "repeat", "input");
  const r = [...checkSizes(repeats.length === 1 && Array.isArray(repeats[0]) ? repeats[0] : repeats, "repeat", { arg: "repeats" })];
  if (r.length < x.ndim) {
    throw new ShapeError(
      `repeat: Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor (${r.length} repeats for a tensor of ${x.ndim} dims)`,
    );
  }
  return repeatOp([x], { repeats: r });
}

const flipOp = defineOp<{ dims: number[] }>({
  name: "flip",
  jvp: "linear",
  gradFn: "FlipBackward0",
  forward: ([x], { dims }) => {
    const t = x as Tensor;
    // A view with negative strides, copied out.
    let offset = t._offset;
    const strides = t._strides.map((s, d) => {
      if (!dims.includes(d)) return s;
      offset += ((t.shape[d] as number) - 1) * s;
      return -s;
    });
    return K.copy(K.asStrided(t, t.shape, strides, offset));
  },
  backward: ([g], c) => [g.flip(c.attrs.dims)],
});

/**
 * Reverses the order of elements along `dims`.
 *
 * @example
 * ```ts
 * console.log(torch.flip(torch.tensor([[1, 2], [3, 4]]), [1])); // tensor([[2., 1.],\n        [4., 3.]])
 * ```
 */
export function flip(input: Tensor, dims: number | readonly number[]): Tensor {
  const x = expectTensor(input, "flip", "input");
  return flipOp([x], { dims: normalizeDims(dims, x.ndim, "flip") });
}

function triangle(kind: "tril" | "triu") {
  const op = defineOp<{ diagonal: number }>({
    name: kind,
    gradFn: kind === "tril" ? "TrilBackward0" : "TriuBackward0",
    forward: ([x], { diagonal }) =>
      K.where(triangleMask(x as Tensor, kind, diagonal), x as Tensor, K.scalar(0, (x as Tensor).dtype), (x as Tensor).dtype),
    backward: ([g], c) => [kind === "tril" ? g.tril(c.attrs.diagonal) : g.triu(c.attrs.diagonal)],
  });
  return (input: Tensor, diagonal = 0): Tensor => {
    const x = expectTensor(input, kind, "input");
    expectInt(diagonal, kind, "diagonal", 2);
    if (x.ndim < 2) {
      throw new IndexError(
        `${kind}: Dimension out of range (expected to be in range of [${-Math.max(x.ndim, 1)}, ${Math.max(x.ndim, 1) - 1}], but got -2) (${kind} needs a tensor of at least 2 dims, got shape [${x.shape.join(", ")}])`,
      );
    }
    return op([x], { diagonal });
  };
}

/** Which elements of the last two dims are kept: j - i <= diagonal (tril) or >= diagonal (triu). */
function triangleMask(x: Tensor, kind: "tril" | "triu", diagonal: number): Tensor {
  const rows = x.shape[x.ndim - 2] as number;
  const cols = x.shape[x.ndim - 1] as number;
  return K.fromHost(
    [rows, cols],
    "bool",
    (m) => {
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) m[i * cols + j] = (kind === "tril" ? j - i <= diagonal : j - i >= diagonal) ? 1 : 0;
      }
    },
    x.device,
  );
}

/**
 * The lower triangle of the last two dims (elements with j - i <= diagonal); the rest zero.
 *
 * @example
 * ```ts
 * console.log(torch.tril(torch.ones(2, 2))); // tensor([[1., 0.],\n        [1., 1.]])
 * ```
 */
export const tril = triangle("tril");

/**
 * The upper triangle of the last two dims (elements with j - i >= diagonal); the rest zero.
 *
 * @example
 * ```ts
 * console.log(torch.triu(torch.ones(2, 2))); // tensor([[1., 1.],\n        [0., 1.]])
 * ```
 */
export const triu = triangle("triu");
