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

// Every export is named: what PyTorch has at the top level of `torch`, in
// Kindling's naming, and Kindling's own API. Ops PyTorch has only as methods
// and the op table's helpers are not exported (test/docs/public_api.test.ts).

import "./methods.js";
import "./devtools.js";

export { isAnomalyCheckNanEnabled, isAnomalyEnabled } from "./autograd/anomaly.js";
export type { BackwardOptions, GradOptions, Grads } from "./autograd/api.js";
export { enableGrad, isGradEnabled, noGrad, setGradEnabled } from "./autograd/grad_mode.js";
export type { GradcheckFunction, GradcheckOptions } from "./autograd/gradcheck.js";
export * as autograd from "./autograd/namespace.js";
export { AccumulateGrad, type Edge, type Hook, Node, type NodeHook, type NodePreHook } from "./autograd/node.js";
export { keep, scope } from "./autograd/scope.js";
export { getBackend, setBackend } from "./backend/index.js";
export { getNumThreads, ready, setNumThreads } from "./backend/wasm/pool.js";
export { type Device, type DeviceName, getDefaultDevice, setDefaultDevice } from "./core/device.js";
export type { DType, TypedArray } from "./core/dtype.js";
export { canCast, promoteTypes } from "./core/dtype.js";
export {
  ArgumentError,
  AutogradError,
  DeviceError,
  DTypeError,
  FreedTensorError,
  GradcheckError,
  IndexError,
  KindlingError,
  OutOfMemoryError,
  ShapeError,
} from "./core/errors.js";
export type { Shape } from "./core/shape.js";
export * as F from "./functional.js";
export * as nn from "./nn/index.js";
export type { GeluOptions, InplaceOptions, SoftplusOptions } from "./ops/activation.js";
export { logSoftmax, softmax } from "./ops/activation.js";
export type { AlphaOptions, DivOptions } from "./ops/arith.js";
export { add, div, mul, pow, rsub, square, sub } from "./ops/arith.js";
export { cat, chunk, concat, concatenate, flip, split, stack, tril, triu, unbind } from "./ops/combine.js";
export {
  allclose,
  type CloseOptions,
  eq,
  equal,
  ge,
  gt,
  isclose,
  le,
  logicalAnd,
  logicalOr,
  logicalXor,
  lt,
  maximum,
  minimum,
  ne,
} from "./ops/compare.js";
export { fill_, zero_ } from "./ops/convert.js";
export {
  arange,
  type CreationOptions,
  empty,
  emptyLike,
  eye,
  frombuffer,
  full,
  fullLike,
  linspace,
  ones,
  onesLike,
  type TensorData,
  tensor,
  trilIndices,
  triuIndices,
  zeros,
  zerosLike,
} from "./ops/creation.js";
export { cummax, cummin, logcumsumexp } from "./ops/cumulative.js";
export { floorDivide, fmod, remainder } from "./ops/division.js";
export { einsum } from "./ops/einsum.js";
export { amax, amin, argmax, argmin, max, min } from "./ops/extrema.js";
export type { AccumulateOptions } from "./ops/gather_scatter.js";
export { gather, maskedScatter, put, scatter, scatterAdd, take } from "./ops/gather_scatter.js";
export { indexAdd, indexCopy, indexFill, indexSelect } from "./ops/index_ops.js";
export { type IndexItem, indexPut_, Slice } from "./ops/indexing.js";
export { cartesianProd, type MeshgridOptions, meshgrid, moveaxis, movedim, unflatten } from "./ops/layout.js";
export type { AddmmOptions } from "./ops/linalg.js";
export { addmm, bmm, dot, matmul, mm, mv, outer } from "./ops/linalg.js";
export { clone, flatten, permute, reshape, squeeze, t, transpose, unsqueeze } from "./ops/movement.js";
export { xlogy } from "./ops/nn/kl_div.js";
export {
  abs,
  abs_,
  cos,
  cos_,
  exp,
  exp_,
  expm1,
  expm1_,
  log,
  log_,
  log1p,
  log1p_,
  log2,
  log2_,
  neg,
  neg_,
  relu,
  relu_,
  rsqrt,
  rsqrt_,
  sigmoid,
  sigmoid_,
  sin,
  sin_,
  sqrt,
  sqrt_,
  tanh,
  tanh_,
} from "./ops/pointwise.js";
export { bernoulli, type MultinomialOptions, multinomial, normal } from "./ops/random_ops.js";
export { diag, roll, rot90 } from "./ops/rearrange.js";
export type { Dims, ReduceOptions, SumOptions } from "./ops/reduce.js";
export { all, any, countNonzero, mean, nanmean, nansum, prod, sum } from "./ops/reduce.js";
export {
  ceil,
  ceil_,
  floor,
  floor_,
  frac,
  frac_,
  isfinite,
  isinf,
  isnan,
  logicalNot,
  round,
  round_,
  sgn,
  sign,
  trunc,
  trunc_,
} from "./ops/rounding.js";
export { type RandomOptions, rand, randint, randLike, randn, randnLike, randperm } from "./ops/sampling.js";
export type { TensorLike } from "./ops/scalars.js";
export { cumprod, cumsum } from "./ops/scan.js";
export { type BucketizeOptions, bucketize, type SearchsortedOptions, searchsorted } from "./ops/search.js";
export { type AminmaxOptions, aminmax, mode, nanmedian } from "./ops/selection.js";
export type { DTypeOptions, SizeArgs } from "./ops/sizes.js";
export { diagonal, narrow, select, trace } from "./ops/slicing.js";
export {
  argsort,
  type KeepdimOptions,
  kthvalue,
  median,
  type SortOptions,
  sort,
  type TopkOptions,
  topk,
} from "./ops/sorting.js";
export type { VarOptions } from "./ops/statistics.js";
export { logsumexp, norm, std, stdMean, var_ as var, varMean } from "./ops/statistics.js";
export {
  acos,
  acos_,
  asin,
  asin_,
  atan,
  atan_,
  cosh,
  cosh_,
  erf,
  erf_,
  erfc,
  erfc_,
  reciprocal,
  reciprocal_,
  sinh,
  sinh_,
  tan,
  tan_,
} from "./ops/transcendental.js";
export {
  type UniqueConsecutiveOptions,
  type UniqueOptions,
  type UniqueResult,
  unique,
  uniqueConsecutive,
} from "./ops/unique.js";
export type { ClampOptions } from "./ops/where.js";
export { clamp, clamp_, maskedFill, where } from "./ops/where.js";
export * as optim from "./optim/index.js";
export { type PrintOptions, type PrintOptionsInput, setPrintoptions } from "./print.js";
export type { GeneratorInit, GeneratorOptions } from "./random.js";
export { Generator, initialSeed, manualSeed } from "./random.js";
export * as serialization from "./serialization/index.js";
export { loadBytes, saveBytes, saveBytesAsync } from "./serialization/index.js";
export { type NestedArray, type RemovableHandle, Tensor } from "./tensor.js";
export * as webgpu from "./webgpu.js";

/** The float32 dtype (`torch.float32`; Kindling's default floating dtype). */
export const float32 = "float32";
/** The float32 dtype, by PyTorch's other name (`torch.float`). */
export const float = "float32";
/** The float64 dtype (`torch.float64`). */
export const float64 = "float64";
/** The float64 dtype, by PyTorch's other name (`torch.double`). */
export const double = "float64";
/** The int32 dtype (`torch.int32`). */
export const int32 = "int32";
/** The int32 dtype, by PyTorch's other name (`torch.int`). */
export const int = "int32";
/** The int64 dtype (`torch.int64`; exact up to 2^53 in Kindling). */
export const int64 = "int64";
/** The int64 dtype, by PyTorch's other name (`torch.long`). */
export const long = "int64";
/** The bool dtype (`torch.bool`). */
export const bool = "bool";

export * as utils from "./utils.js";
