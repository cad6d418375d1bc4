/**
 * The backend boundary. A backend gets typed arrays plus a layout (shape,
 * strides, offset) and writes results into output buffers; it never sees a
 * Tensor and knows nothing about autograd.
 */

import type { DType, TypedArray } from "../core/dtype.js";
import type { ScratchSpace } from "../core/recycle.js";

/** A strided view of a buffer. */
export interface Strided {
  readonly data: TypedArray;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

/** Pointwise functions of one argument. `p0`/`p1` are the scalar parameters some take. */
export type UnaryOp =
  | "neg"
  | "exp"
  | "log"
  | "log1p"
  | "log2"
  | "expm1"
  | "sqrt"
  | "rsqrt"
  | "abs"
  | "sin"
  | "cos"
  | "tan"
  | "asin"
  | "acos"
  | "atan"
  | "sinh"
  | "cosh"
  | "tanh"
  | "sigmoid"
  | "relu"
  | "reciprocal"
  | "square"
  | "sign"
  | "floor"
  | "ceil"
  | "round"
  | "trunc"
  | "frac"
  | "erf"
  | "erfc"
  | "isnan"
  | "isinf"
  | "isfinite"
  | "logicalNot"
  | "powScalar" // x ** p0
  | "rpowScalar" // p0 ** x
  | "clamp" // min(max(x, p0), p1); NaN bounds mean "none"
  | "leakyRelu" // x > 0 ? x : p0 * x
  | "elu" // x > 0 ? x : p0 * (exp(x) - 1)
  | "softplus" // beta = p0, threshold = p1
  | "gelu" // exact
  | "geluTanh"
  | "silu"
  | "logSigmoid";

/** Pointwise functions of two arguments; `p0`/`p1` are the scalar parameters some take. */
export type BinaryOp =
  | "add" // a + p0 * b
  | "sub" // a - p0 * b
  | "mul"
  | "div"
  | "floorDivide"
  | "remainder"
  | "fmod"
  | "pow"
  | "atan2"
  | "maximum"
  | "minimum"
  | "eq"
  | "ne"
  | "lt"
  | "le"
  | "gt"
  | "ge"
  | "logicalAnd"
  | "logicalOr"
  | "logicalXor"
  | "tanhBackward" // a * (1 - b^2), b = tanh(x)
  | "sigmoidBackward" // a * b * (1 - b), b = sigmoid(x)
  | "thresholdBackward" // b > p0 ? a : 0
  | "leakyReluBackward" // b > 0 ? a : a * p0 (b = x)
  | "eluBackward" // b > 0 ? a : a * p0 * exp(b) (b = x, alpha = p0)
  | "geluBackward" // a * gelu'(b)
  | "geluTanhBackward" // a * d/dx of the tanh approximation at b
  | "softplusBackward" // beta = p0, threshold = p1
  | "logSigmoidBackward" // a * sigmoid(-b)
  | "xlogy";

export type ReduceOp = "sum" | "prod" | "max" | "min" | "any" | "all";

export type ArgReduceOp = "argmax" | "argmin";

export type ScanOp = "cumsum" | "cumprod";

export interface Backend {
  readonly name: string;
  /** A zero-filled buffer for `length` elements of `dtype`. */
  alloc(dtype: DType, length: number): TypedArray;
  /** Memory the backward engine may use for the gradients it makes and gives back (see core/recycle.ts). */
  readonly scratch?: ScratchSpace;
  /** Copies `src` into `dst` elementwise (same shape), converting to `dst.dtype`. */
  copy(src: Strided, dst: Strided): void;
  fill(dst: Strided, value: number): void;
  unary(op: UnaryOp, x: Strided, out: Strided, p0?: number, p1?: number): void;
  /** `a` and `b` are already broadcast to `out.shape` (stride 0 on expanded dims). */
  binary(op: BinaryOp, a: Strided, b: Strided, out: Strided, p0?: number, p1?: number): void;
  /** out = cond ? a : b, all three broadcast to `out.shape`. */
  where(cond: Strided, a: Strided, b: Strided, out: Strided): void;
  /** Reduces `dims` of `x` into `out`, whose shape is x's with those dims set to 1. */
  reduce(op: ReduceOp, x: Strided, dims: readonly number[], out: Strided): void;
  /** Index of the first max/min along `dim` into `out` (int64, x's shape with `dim` set to 1). */
  argReduce(op: ArgReduceOp, x: Strided, dim: number, out: Strided): void;
  /** Inclusive scan along `dim`; `out` has x's shape. */
  scan(op: ScanOp, x: Strided, dim: number, out: Strided): void;
  /** Batched matrix product: a [..., M, K] @ b [..., K, N] -> out [..., M, N], batch dims already broadcast. */
  matmul(a: Strided, b: Strided, out: Strided): void;
  /** out[..., i, ...] = x[..., index[i], ...] along `dim` (index is int64, 1-d). */
  indexSelect(x: Strided, dim: number, index: Strided, out: Strided): void;
  /** out[..., index[i], ...] += src[..., i, ...] along `dim` (index is int64, 1-d). */
  indexAdd(out: Strided, dim: number, index: Strided, src: Strided): void;
  /**
   * out[i] = x[index[i]], reading x's elements in row-major order (x must be
   * contiguous); an index of -1 gives `fill`. Gathers for advanced indexing,
   * im2col and pooling windows.
   */
  take(x: Strided, index: Int32Array, out: Strided, fill: number): void;
  /** out[index[i]] += src[i] over out's elements in row-major order (out contiguous); -1 is skipped. */
  putAdd(out: Strided, index: Int32Array, src: Strided): void;
  /** out[i][j][k] = x[i][index[i][j][k]][k] for dim 1 (torch.gather). */
  gather(x: Strided, dim: number, index: Strided, out: Strided): void;
  /** out[i][index[i][j][k]][k] += src[i][j][k] for dim 1 (torch.scatter_add); with `reduce` "none" it assigns. */
  scatter(out: Strided, dim: number, index: Strided, src: Strided, mode: "add" | "assign"): void;
}
