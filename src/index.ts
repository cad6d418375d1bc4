/**
 * Kindling: PyTorch's autograd in TypeScript.
 *
 * ```ts
 * import * as torch from "kindling";
 * const x = torch.tensor([1, 2, 3], { requiresGrad: true });
 * x.mul(x).sum().backward();
 * console.log(x.grad); // tensor([2., 4., 6.])
 * ```
 */

import "./methods.js";
import { backward, grad } from "./ops/autograd.js";
import { gradcheck, gradgradcheck } from "./ops/gradcheck.js";

export { enableGrad, isGradEnabled, noGrad, setGradEnabled } from "./autograd/grad_mode.js";
export { AccumulateGrad, type Hook, Node, type NodeHook, type NodePreHook } from "./autograd/node.js";
export { getBackend, setBackend } from "./backend/index.js";
export { getNumThreads, setNumThreads } from "./backend/wasm/pool.js";
export type { DType, TypedArray } from "./core/dtype.js";
export { canCast, promoteTypes } from "./core/dtype.js";
export {
  ArgumentError,
  AutogradError,
  DTypeError,
  GradcheckError,
  IndexError,
  KindlingError,
  OutOfMemoryError,
  ShapeError,
} from "./core/errors.js";
export * as F from "./functional.js";
export * as nn from "./nn/index.js";
export { logSoftmax, softmax } from "./ops/activation.js";
export { add, div, mul, pow, rsub, square, sub } from "./ops/arith.js";
export type { BackwardOptions, GradOptions } from "./ops/autograd.js";
export { cat, chunk, flip, repeat, split, stack, tril, triu, unbind } from "./ops/combine.js";
export { eq, ge, gt, le, logicalAnd, logicalOr, logicalXor, lt, maximum, minimum, ne } from "./ops/compare.js";
export { copy_, fill_, normal_, to, uniform_, zero_ } from "./ops/convert.js";
export * from "./ops/creation.js";
export { floorDivide, floorDivide_, fmod, fmod_, remainder, remainder_ } from "./ops/division.js";
export { einsum } from "./ops/einsum.js";
export { amax, amin, argmax, argmin, max, min } from "./ops/extrema.js";
export { gather, maskedScatter, put, scatter, scatterAdd, take } from "./ops/gather_scatter.js";
export type { GradcheckOptions } from "./ops/gradcheck.js";
export { indexAdd, indexCopy, indexFill, indexSelect } from "./ops/index_ops.js";
export { type IndexItem, index, indexPut_, Slice } from "./ops/indexing.js";
export { addmm, bmm, dot, matmul, mm, mv, outer } from "./ops/linalg.js";
export { clone, contiguous, expand, flatten, permute, reshape, squeeze, t, transpose, unsqueeze, view } from "./ops/movement.js";
export * from "./ops/pointwise.js";
export type { Dims, ReduceOptions } from "./ops/reduce.js";
export { all, any, mean, prod, sum } from "./ops/reduce.js";
export * from "./ops/sampling.js";
export type { TensorLike } from "./ops/scalars.js";
export { cumprod, cumsum } from "./ops/scan.js";
export { diagonal, narrow, select, slice, trace } from "./ops/slicing.js";
export { logsumexp, norm, std, var_ as var } from "./ops/statistics.js";
export { clamp, clamp_, maskedFill, where } from "./ops/where.js";
export * as optim from "./optim/index.js";
export { type PrintOptions, setPrintoptions } from "./print.js";
export { Generator, initialSeed, manualSeed } from "./random.js";
export * as serialization from "./serialization/index.js";
export { loadBytes, saveBytes } from "./serialization/index.js";
export { type NestedArray, type RemovableHandle, Tensor } from "./tensor.js";

/** dtype names, as `torch.float32` etc. */
export const float32 = "float32";
export const float = "float32";
export const float64 = "float64";
export const double = "float64";
export const int32 = "int32";
export const int = "int32";
export const int64 = "int64";
export const long = "int64";
export const bool = "bool";

export * as utils from "./utils.js";

/** PyTorch's `torch.autograd`: backward passes, gradients and gradient checks. */
export const autograd = { backward, grad, gradcheck, gradgradcheck } as const;
