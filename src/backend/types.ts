/**
 * The backend boundary. A backend gets buffers plus a layout (shape,
 * strides, offset) and writes results into output buffers; it never sees a
 * Tensor and knows nothing about autograd.
 */

import type { DType, TypedArray } from "../core/dtype.js";
import type { KindlingError } from "../core/errors.js";
import type { ScratchSpace } from "../core/recycle.js";

/**
 * Host memory a backend manages outside the JS heap (a block of WebAssembly
 * linear memory): only its backend decides where it lives; anyone on the
 * CPU reads and writes it through `view()`.
 */
export interface HostBuffer {
  /** Elements (of the dtype the buffer was made for). */
  readonly length: number;
  /** A typed array over the buffer's memory, valid until the next allocation (memory may move when it grows). */
  view(): TypedArray;
}

/**
 * Memory on a device other than the CPU (a GPUBuffer of the WebGPU device):
 * the CPU cannot read it synchronously; its backend copies it back
 * asynchronously (`x.cpuAsync()`).
 */
export interface DeviceBuffer {
  /** The device that holds it (`"webgpu"`). */
  readonly device: string;
  /** Elements (of the dtype the buffer was made for). */
  readonly length: number;
}

/** A storage's memory: a JS typed array, host memory a backend manages, or a device's memory. */
export type Buffer = TypedArray | HostBuffer | DeviceBuffer;

/**
 * The error an op raises for index `value` outside [0, `size`) met by an
 * index kernel on a device that checks indices as it runs (the WebGPU
 * device records it and raises it at the next read): an op whose index
 * stands for something else (a count of a mask's true elements) names its
 * own error. The CPU's kernels are only given indices in range.
 */
export type IndexFault = (value: number, size: number) => KindlingError;

/** Whether `data` is a device's memory (not readable by the CPU). */
export function isDeviceBuffer(data: Buffer): data is DeviceBuffer {
  return (data as Partial<DeviceBuffer>).device !== undefined;
}

/** A strided view of a buffer (`B`: what the kernels index; the reference kernels take typed arrays). */
export interface Strided<B extends Buffer = TypedArray> {
  readonly data: B;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

/** An operand as the ops layer hands it to a backend: any buffer. */
export type Operand = Strided<Buffer>;

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

/** cummax/cummin: a NaN wins from where it appears on; logcumsumexp: log(sum(exp)) of the prefix, computed stably. */
export type ScanOp = "cumsum" | "cumprod" | "cummax" | "cummin" | "logcumsumexp";

/** What `randomFill` makes of each random word: a uniform float, a normal float, or an integer. */
export type RandomKind = "uniform" | "normal" | "int";

/**
 * What every backend implements. The documented preconditions are the
 * contracts of the boundary (checked.ts): every view lies inside its buffer
 * (integer sizes >= 0, strides and offset; a non-empty view's lowest and
 * highest element offsets within [0, data.length)), the shapes agree as each
 * method says, and every index lands inside the operand it indexes. A 0-d
 * operand takes dim 0 as a dim of size 1. The registry (index.ts) checks the
 * index kernels' contracts on every call and, in the debug mode
 * (KINDLING_DEBUG_BOUNDS=1), every method's; kernels may assume them.
 */
export interface Backend {
  readonly name: string;
  /**
   * A buffer for `length` (an integer >= 0) elements of `dtype`, zero-filled
   * unless `zeroed` is false (the caller then writes every element before
   * anything reads it).
   */
  alloc(dtype: DType, length: number, zeroed?: boolean): Buffer;
  /**
   * A buffer with `data`'s elements. `owned`: Kindling made `data` and
   * nothing else keeps it, so the backend may move it where its kernels want
   * it; otherwise (user memory, `frombuffer`) it is used in place, never moved.
   */
  adopt(data: TypedArray, dtype: DType, owned: boolean): Buffer;
  /** Takes back a buffer nothing uses any more (the caller guarantees it: the backward engine's consumed gradients). */
  free(data: Buffer): void;
  /** Memory the backward engine may use for the gradients it makes and gives back (see core/recycle.ts). */
  readonly scratch?: ScratchSpace;
  /** Copies `src` into `dst` elementwise (same shape), converting to `dst.dtype`. */
  copy(src: Operand, dst: Operand): void;
  /** Writes `value` (a number) to every element of `dst`. */
  fill(dst: Operand, value: number): void;
  /** out = op(x) elementwise; `x` and `out` have the same shape. */
  unary(op: UnaryOp, x: Operand, out: Operand, p0?: number, p1?: number): void;
  /** `a` and `b` are already broadcast to `out.shape` (stride 0 on expanded dims). */
  binary(op: BinaryOp, a: Operand, b: Operand, out: Operand, p0?: number, p1?: number): void;
  /** out = cond ? a : b, all three broadcast to `out.shape`. */
  where(cond: Operand, a: Operand, b: Operand, out: Operand): void;
  /** Reduces `dims` (increasing dims of x) of `x` into `out`, whose shape is x's with those dims set to 1. */
  reduce(op: ReduceOp, x: Operand, dims: readonly number[], out: Operand): void;
  /**
   * Index of the first max/min along `dim` into `out` (int64, x's shape with
   * `dim` set to 1); `x` has at least one element along `dim` unless `out` is empty.
   */
  argReduce(op: ArgReduceOp, x: Operand, dim: number, out: Operand): void;
  /** Inclusive scan along `dim`; `out` has x's shape. */
  scan(op: ScanOp, x: Operand, dim: number, out: Operand): void;
  /**
   * The stable order of each slice of `x` along `dim` into `out` (int64, x's
   * shape): ascending, or descending, with NaN as the largest value (last
   * ascending, first descending, as PyTorch's sort).
   */
  argsort(x: Operand, dim: number, descending: boolean, out: Operand): void;
  /**
   * Binary search (torch.searchsorted): for each element v of `values`, the
   * position in its row of `boundaries` (a row: the innermost dim, of n
   * elements, read in the order `sorter` gives when not null) of the first
   * element e with e >= v (e > v when `right`), n if none; tested as
   * PyTorch's `!(e >= v)` / `!(e > v)` over the halving search, which fixes
   * where a NaN (in either) steers it. `boundaries` and `values` have one
   * dtype (not bool); `boundaries` is at least 1-d: a 1-d one is the row of
   * every value, otherwise `values` has its number of dims and its leading
   * dims, and each value searches the row at its own leading index. `sorter`
   * (integer) has boundaries' shape and holds, per row, the positions of
   * its elements in ascending order, each in [0, n): the op layer checks
   * them on the CPU; a device backend, which cannot read them synchronously,
   * records one outside as a fault raised at the next read (and writes 0 for
   * the values that meet it). `out` (int32 or int64) has values' shape and
   * shares memory with no input.
   */
  searchSorted(boundaries: Operand, values: Operand, sorter: Operand | null, right: boolean, out: Operand): void;
  /** Batched matrix product: a [..., M, K] @ b [..., K, N] -> out [..., M, N], batch dims already broadcast (all three n-d, n >= 2). */
  matmul(a: Operand, b: Operand, out: Operand): void;
  /**
   * out[..., i, ...] = x[..., index[i], ...] along `dim`: `index` is 1-d
   * integer, `out` is x's shape with `dim` set to index's length, and (out
   * non-empty) every index value is in [0, x.shape[dim]). `fault`: the
   * error an index out of range stands for on a device (index_select's by
   * default).
   */
  indexSelect(x: Operand, dim: number, index: Operand, out: Operand, fault?: IndexFault): void;
  /**
   * out[..., index[i], ...] += src[..., i, ...] along `dim`: `index` is 1-d
   * integer, `src` is out's shape with `dim` set to index's length, and (src
   * non-empty) every index value is in [0, out.shape[dim]).
   */
  indexAdd(out: Operand, dim: number, index: Operand, src: Operand): void;
  /**
   * out[i] = x[index[i]], reading x's elements in row-major order; an index
   * of -1 gives `fill`. `x` and `out` are contiguous, `out` has one element
   * per index, and every index is in [-1, numel(x)). Gathers for advanced
   * indexing, im2col and pooling windows.
   */
  take(x: Operand, index: Int32Array, out: Operand, fill: number): void;
  /**
   * out[index[i]] += src[i] over out's elements in row-major order; -1 is
   * skipped. `out` and `src` are contiguous, `src` has one element per index,
   * and every index is in [-1, numel(out)).
   */
  putAdd(out: Operand, index: Int32Array, src: Operand): void;
  /**
   * out[i][j][k] = x[i][index[i][j][k]][k] for dim 1 (torch.gather): `out` has
   * index's shape, `index` (integer) has x's number of dims and is no larger
   * than x at any other dim, and every index value is in [0, x.shape[dim]).
   */
  gather(x: Operand, dim: number, index: Operand, out: Operand): void;
  /**
   * out[i][index[i][j][k]][k] += src[i][j][k] for dim 1 (torch.scatter_add);
   * mode "assign" assigns (torch.scatter). `index` (integer), `src` and `out`
   * have the same number of dims, `index` is no larger than `src` at any dim
   * and than `out` at any other dim, and every index value is in [0, out.shape[dim]).
   */
  scatter(out: Operand, dim: number, index: Operand, src: Operand, mode: "add" | "assign"): void;
  /**
   * Fills `out` (contiguous) with counter-based random numbers, Philox4x32-10
   * (ref/random.ts is the spec): its elements in row-major order take the
   * four words of block Philox(key, counter + j) for j = 0, 1, ... (`key`
   * and `counter` are 64-bit, as [low word, high word]). "uniform": a + (b -
   * a) u with u = word / 2^32 to 24 bits, in [a, b); "normal": Box-Muller
   * over the word pairs of a block, mean a, std b; "int": a + word mod b
   * (b in [1, 2^32), or 0 for 2^32).
   */
  randomFill(out: Operand, kind: RandomKind, key: readonly number[], counter: readonly number[], a: number, b: number): void;
  /**
   * Optional fast path (a capability: the CPU backends leave it out and the
   * ops compose softmax from max, sub, exp, sum and div/log): softmax of
   * `x` along `dim` into `out`, e^(x - m) / sum(e^(x - m)) with m the max
   * along `dim`, or with `log`, log_softmax (x - m) - log(sum(e^(x - m))).
   * `x` and `out` are float32 of one shape (a 0-d one is one row of one
   * element), any strides; `out` shares memory with no input. Each row (the
   * elements along `dim` at one position of the other dims) comes out as the
   * composition's: a NaN, a +inf, or only -inf in a row makes it all NaN.
   */
  softmax?(x: Operand, dim: number, log: boolean, out: Operand): void;
  /**
   * Optional fast path, as `softmax`: the gradient of softmax at its output
   * `y` for the output gradient `g` along `dim` into `out`, y (g - sum(g y)),
   * or with `log`, log_softmax's g - e^y sum(g), the sums along `dim`. `g`,
   * `y` and `out` are float32 of one shape, any strides; `out` shares memory
   * with neither input.
   */
  softmaxBackward?(g: Operand, y: Operand, dim: number, log: boolean, out: Operand): void;
}
