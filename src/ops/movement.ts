/**
 * Movement ops: views that reshape or reorder dims (metadata only, sharing
 * storage) and the copies clone and contiguous. Names and backward formulas
 * follow PyTorch 1.13 (view -> ViewBackward0, reshape ->
 * ReshapeAliasBackward0 or UnsafeViewBackward0, ...). Views of a part of a
 * tensor (select, slice, narrow, diagonal) are in slicing.ts.
 */

import { checkSizes } from "../core/args.js";
import { legacyTypeName } from "../core/dtype.js";
import { ArgumentError, ShapeError } from "../core/errors.js";
import { formatShape, inferShape, normalizeDim, numel, type Shape, viewStrides } from "../core/shape.js";
import type { Tensor } from "../tensor.js";
import { defineOp } from "./define.js";
import * as K from "./kernels.js";
import { expectTensor } from "./scalars.js";

/** Accepts `view(2, 3)` and `view([2, 3])`. */
export function shapeArg(args: readonly (number | Shape)[], op: string, arg = "size"): number[] {
  const list = args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as Shape)] : [...(args as number[])];
  // Negative sizes are each op's to judge (-1 infers a size in view, keeps one in expand).
  checkSizes(list, op, { arg, min: Number.NEGATIVE_INFINITY });
  return list;
}

// ----- view, reshape, flatten --------------------------------------------------

function viewOf(x: Tensor, shape: Shape, op: string): Tensor {
  const strides = viewStrides(x.shape, x._strides, shape);
  if (strides === null) {
    throw new ShapeError(
      `${op}: view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). ` +
        `Use .reshape(...) instead. (input shape ${formatShape(x.shape)}, strides ${formatShape(x._strides)}, requested ${formatShape(shape)})`,
    );
  }
  return K.asStrided(x, shape, strides);
}

const reshapeBack = ([g]: [Tensor, ...Tensor[]], c: { inputMeta: readonly { shape: Shape }[] }) => [
  g.reshape((c.inputMeta[0] as { shape: Shape }).shape),
];

const viewOp = defineOp<{ shape: number[] }>({
  name: "view",
  jvp: "linear",
  gradFn: "ViewBackward0",
  view: true,
  forward: ([x], { shape }) => viewOf(x as Tensor, shape, "view"),
  backward: reshapeBack,
});

const reshapeAliasOp = defineOp<{ shape: number[] }>({
  name: "_reshape_alias",
  jvp: "linear",
  gradFn: "ReshapeAliasBackward0",
  view: true,
  forward: ([x], { shape }) => viewOf(x as Tensor, shape, "reshape"),
  backward: reshapeBack,
});

/** @internal a view that records as UnsafeViewBackward0 (PyTorch's _unsafe_view of a fresh result). */
export function unsafeView(x: Tensor, shape: readonly number[]): Tensor {
  return unsafeViewOp([x], { shape: [...shape] });
}

const unsafeViewOp = defineOp<{ shape: number[] }>({
  name: "_unsafe_view",
  jvp: "linear",
  gradFn: "UnsafeViewBackward0",
  forward: ([x], { shape }) => viewOf(x as Tensor, shape, "reshape"),
  backward: reshapeBack,
});

/**
 * The same data with another shape (a view: no copy). One dim may be -1.
 * Throws when the memory layout cannot be viewed that way (use reshape).
 *
 * @example
 * ```ts
 * const x = torch.arange(6);
 * console.log(x.view(2, 3)); // tensor([[0, 1, 2],\n        [3, 4, 5]])
 * ```
 */
export function view(input: Tensor, ...shape: (number | Shape)[]): Tensor {
  const x = expectTensor(input, "view", "input");
  return viewOp([x], { shape: inferShape(shapeArg(shape, "view"), x.numel(), "view") });
}

/**
 * The same data with another shape: a view when the layout allows, else a copy.
 *
 * @example
 * ```ts
 * console.log(torch.arange(4).reshape(2, -1)); // tensor([[0, 1],\n        [2, 3]])
 * ```
 */
export function reshape(input: Tensor, ...shape: (number | Shape)[]): Tensor {
  const x = expectTensor(input, "reshape", "input");
  const target = inferShape(shapeArg(shape, "reshape"), x.numel(), "reshape");
  if (viewStrides(x.shape, x._strides, target) !== null) return reshapeAliasOp([x], { shape: target });
  return unsafeViewOp([clone(x)], { shape: target });
}

/**
 * Merges dims `startDim`..`endDim` into one.
 *
 * @example
 * ```ts
 * console.log(torch.zeros(2, 3, 4).flatten(1).shape); // [ 2, 12 ]
 * ```
 */
export function flatten(input: Tensor, startDim = 0, endDim = -1): Tensor {
  const x = expectTensor(input, "flatten", "input");
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim(startDim, x.ndim, "flatten");
  const e = normalizeDim(endDim, x.ndim, "flatten");
  if (s > e) throw new ArgumentError("flatten() has invalid args: start_dim cannot come after end_dim");
  if (s === e) return x;
  const shape = [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

// ----- transposes ------------------------------------------------------------

const transposeOp = defineOp<{ d0: number; d1: number; t: boolean }>({
  name: "transpose",
  jvp: "linear",
  gradFn: (a) => (a.t ? "TBackward0" : "TransposeBackward0"),
  view: true,
  forward: ([x], { d0, d1 }) => {
    const t = x as Tensor;
    if (t.ndim === 0) return K.asStrided(t, [], []);
    const shape = [...t.shape];
    const strides = [...t._strides];
    [shape[d0], shape[d1]] = [shape[d1] as number, shape[d0] as number];
    [strides[d0], strides[d1]] = [strides[d1] as number, strides[d0] as number];
    return K.asStrided(t, shape, strides);
  },
  backward: ([g], c) => [c.attrs.t ? g.t() : g.transpose(c.attrs.d0, c.attrs.d1)],
});

/**
 * Swaps dims `dim0` and `dim1` (a view).
 *
 * @example
 * ```ts
 * console.log(torch.zeros(2, 3).transpose(0, 1).shape); // [ 3, 2 ]
 * ```
 */
export function transpose(input: Tensor, dim0: number, dim1: number): Tensor {
  const x = expectTensor(input, "transpose", "input");
  return transposeOp([x], { d0: normalizeDim(dim0, x.ndim, "transpose"), d1: normalizeDim(dim1, x.ndim, "transpose"), t: false });
}

/**
 * Transpose of a matrix (0-d and 1-d tensors are returned as they are).
 *
 * @example
 * ```ts
 * console.log(torch.tensor([[1, 2], [3, 4]]).t()); // tensor([[1., 3.],\n        [2., 4.]])
 * ```
 */
export function t(input: Tensor): Tensor {
  const x = expectTensor(input, "t", "input");
  if (x.ndim > 2) throw new ShapeError(`t() expects a tensor with <= 2 dimensions, but self is ${x.ndim}D`);
  return transposeOp([x], { d0: 0, d1: Math.max(x.ndim - 1, 0), t: true });
}

const permuteOp = defineOp<{ dims: number[] }>({
  name: "permute",
  jvp: "linear",
  gradFn: "PermuteBackward0",
  view: true,
  forward: ([x], { dims }) => {
    const t = x as Tensor;
    return K.asStrided(
      t,
      dims.map((d) => t.shape[d] as number),
      dims.map((d) => t._strides[d] as number),
    );
  },
  backward: ([g], { attrs }) => {
    const inverse = new Array<number>(attrs.dims.length);
    attrs.dims.forEach((d, i) => {
      inverse[d] = i;
    });
    return [g.permute(inverse)];
  },
});

/**
 * Reorders the dims (a view).
 *
 * @example
 * ```ts
 * console.log(torch.zeros(2, 3, 4).permute(2, 0, 1).shape); // [ 4, 2, 3 ]
 * ```
 */
export function permute(input: Tensor, ...dims: (number | Shape)[]): Tensor {
  const x = expectTensor(input, "permute", "input");
  const order = shapeArg(dims, "permute", "dims").map((d) => normalizeDim(d, x.ndim, "permute"));
  if (order.length !== x.ndim) {
    throw new ShapeError(
      `permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${x.ndim} is not equal to len(dims) = ${order.length}`,
    );
  }
  if (new Set(order).size !== order.length)
    throw new ShapeError(`permute(): duplicate dims are not allowed. (got dims ${formatShape(order)})`);
  return permuteOp([x], { dims: order });
}

// ----- expand, squeeze, unsqueeze --------------------------------------------

const expandOp = defineOp<{ shape: number[] }>({
  name: "expand",
  jvp: "linear",
  gradFn: "ExpandBackward0",
  view: true,
  forward: ([x], { shape }) => K.broadcastTo(x as Tensor, shape),
  backward: ([g], c) => [sumTo(g, (c.inputMeta[0] as { shape: Shape }).shape)],
});

/**
 * Broadcasts size-1 dims to larger sizes without copying (-1 keeps a size).
 *
 * @example
 * ```ts
 * console.log(torch.tensor([[1], [2]]).expand(2, 3)); // tensor([[1., 1., 1.],\n        [2., 2., 2.]])
 * ```
 */
export function expand(input: Tensor, ...sizes: (number | Shape)[]): Tensor {
  const x = expectTensor(input, "expand", "input");
  const target = shapeArg(sizes, "expand");
  const lead = target.length - x.ndim;
  if (lead < 0) {
    throw new ShapeError(
      `expand: expand(${legacyTypeName(x.dtype)}{${formatShape(x.shape)}}, size=${formatShape(target)}): the number of sizes provided (${target.length}) must be greater or equal to the number of dimensions in the tensor (${x.ndim})`,
    );
  }
  const shape = target.map((s, i) => {
    const own = i >= lead ? (x.shape[i - lead] as number) : -2;
    if (s === -1 && own !== -2) return own;
    if (s < 0 && own === -2) {
      throw new ShapeError(`expand: The expanded size of the tensor (${s}) isn't allowed in a leading, non-existing dimension ${i}`);
    }
    if (s < 0 || (own !== -2 && own !== 1 && own !== s)) {
      throw new ShapeError(
        `expand: The expanded size of the tensor (${s}) must match the existing size (${own}) at non-singleton dimension ${i}.  Target sizes: ${formatShape(target)}.  Tensor sizes: ${formatShape(x.shape)}`,
      );
    }
    return s;
  });
  return expandOp([x], { shape });
}

/**
 * Expands `input` to the shape of `other`.
 *
 * @example
 * ```ts
 * console.log(torch.tensor([1, 2]).expandAs(torch.zeros(2, 2))); // tensor([[1., 2.],\n        [1., 2.]])
 * ```
 */
export function expandAs(input: Tensor, other: Tensor): Tensor {
  return expand(input, other.shape);
}

/**
 * Sums `grad` down to `shape` (undoing a broadcast): leading dims and dims
 * where `shape` has size 1 are summed, as PyTorch's sum_to.
 */
export function sumTo(grad: Tensor, shape: Shape): Tensor {
  if (shape.length === 0) return grad.ndim === 0 ? grad : grad.sum();
  const lead = grad.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < lead; i++) dims.push(i);
  for (let i = lead; i < grad.ndim; i++) if (shape[i - lead] === 1 && grad.shape[i] !== 1) dims.push(i);
  let r = dims.length > 0 ? grad.sum(dims, { keepdim: true }) : grad;
  if (lead > 0) r = r.view(shape);
  return r;
}

// `inplace`: PyTorch names the node of squeeze_ SqueezeBackward2/3 (matmul of 1-d @ 2-d uses it).
const squeezeOp = defineOp<{ dim: number | null; inplace?: boolean }>({
  name: "squeeze",
  jvp: "linear",
  gradFn: (a) => `SqueezeBackward${(a.dim === null ? 0 : 1) + (a.inplace ? 2 : 0)}`,
  view: true,
  forward: ([x], { dim }) => {
    const t = x as Tensor;
    const keep = t.shape.map((s, d) => (dim === null ? s !== 1 : d !== dim || s !== 1));
    return K.asStrided(
      t,
      t.shape.filter((_, d) => keep[d]),
      t._strides.filter((_, d) => keep[d]),
    );
  },
  backward: ([g], c) => {
    const { shape } = c.inputMeta[0] as { shape: Shape };
    const { dim } = c.attrs;
    let r = g;
    if (dim === null) {
      shape.forEach((s, d) => {
        if (s === 1) r = r.unsqueeze(d);
      });
    } else if (shape[dim] === 1) {
      r = r.unsqueeze(dim);
    }
    return [r];
  },
});

/**
 * Removes size-1 dims: all of them, or only `dim` (if it has size 1).
 *
 * @example
 * ```ts
 * console.log(torch.zeros(2, 1, 3).squeeze().shape); // [ 2, 3 ]
 * ```
 */
export function squeeze(input: Tensor, dim?: number): Tensor {
  const x = expectTensor(input, "squeeze", "input");
  return squeezeOp([x], { dim: dim === undefined ? null : normalizeDim(dim, x.ndim, "squeeze") });
}

/** @internal squeeze of a fresh intermediate, recorded as PyTorch's in-place squeeze_ (SqueezeBackward3). */
export function squeezeFresh(x: Tensor, dim: number): Tensor {
  return squeezeOp([x], { dim: normalizeDim(dim, x.ndim, "squeeze"), inplace: true });
}

const unsqueezeOp = defineOp<{ dim: number }>({
  name: "unsqueeze",
  jvp: "linear",
  gradFn: "UnsqueezeBackward0",
  view: true,
  forward: ([x], { dim }) => {
    const t = x as Tensor;
    const shape = [...t.shape];
    const strides = [...t._strides];
    const stride = dim < t.ndim ? (t.shape[dim] as number) * (t._strides[dim] as number) : 1;
    shape.splice(dim, 0, 1);
    strides.splice(dim, 0, stride);
    return K.asStrided(t, shape, strides);
  },
  backward: ([g], c) => [g.squeeze(c.attrs.dim)],
});

/**
 * Inserts a size-1 dim at `dim` (a view).
 *
 * @example
 * ```ts
 * console.log(torch.zeros(2, 3).unsqueeze(1).shape); // [ 2, 1, 3 ]
 * ```
 */
export function unsqueeze(input: Tensor, dim: number): Tensor {
  const x = expectTensor(input, "unsqueeze", "input");
  return unsqueezeOp([x], { dim: normalizeDim(dim, x.ndim + 1, "unsqueeze") });
}

// ----- copies ------------------------------------------------------------------

const cloneOp = defineOp<Record<string, never>>({
  name: "clone",
  jvp: "linear",
  gradFn: "CloneBackward0",
  forward: ([x]) => K.copy(x as Tensor),
  backward: ([g]) => [g],
});

/**
 * A copy with its own storage; gradients flow back to the original.
 *
 * @example
 * ```ts
 * const x = torch.tensor([1, 2]);
 * const y = x.clone();
 * y.add_(1);
 * console.log(x); // tensor([1., 2.])
 * ```
 */
export function clone(input: Tensor): Tensor {
  return cloneOp([expectTensor(input, "clone", "input")], {});
}

/**
 * The tensor itself if its layout is row-major, else a contiguous copy.
 *
 * @example
 * ```ts
 * const x = torch.zeros(2, 3).t();
 * console.log(x.isContiguous(), x.contiguous().isContiguous()); // false true
 * ```
 */
export function contiguous(input: Tensor): Tensor {
  const x = expectTensor(input, "contiguous", "input");
  return x.isContiguous() ? x : clone(x);
}
