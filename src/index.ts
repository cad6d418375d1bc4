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
export type { DType, TypedArray } from "./core/dtype.js";
export { canCast, promoteTypes } from "./core/dtype.js";
export { ArgumentError, AutogradError, DTypeError, IndexError, KindlingError, ShapeError } from "./core/errors.js";
export {
  add,
  clamp,
  clamp_,
  div,
  eq,
  ge,
  gt,
  le,
  logicalAnd,
  logicalOr,
  logicalXor,
  lt,
  maskedFill,
  mul,
  ne,
  pow,
  rsub,
  sub,
  where,
} from "./ops/arith.js";
export type { BackwardOptions, GradOptions } from "./ops/autograd.js";
export { copy_, fill_, to, zero_ } from "./ops/convert.js";
export * from "./ops/creation.js";
export type { GradcheckOptions } from "./ops/gradcheck.js";
export { type IndexItem, index, indexPut_, Slice } from "./ops/indexing.js";
export { bmm, dot, matmul, mm, mv, outer } from "./ops/linalg.js";
export {
  cat,
  clone,
  contiguous,
  expand,
  flatten,
  narrow,
  permute,
  reshape,
  select,
  slice,
  squeeze,
  t,
  transpose,
  unsqueeze,
  view,
} from "./ops/movement.js";
export * from "./ops/pointwise.js";
export type { Dims, ReduceOptions } from "./ops/reduce.js";
export { mean, norm, sum } from "./ops/reduce.js";
export type { TensorLike } from "./ops/scalars.js";
export { type PrintOptions, setPrintoptions } from "./print.js";
export { Generator, initialSeed, manualSeed } from "./random.js";
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

/** PyTorch's `torch.autograd`: backward passes, gradients and gradient checks. */
export const autograd = { backward, grad, gradcheck, gradgradcheck } as const;
