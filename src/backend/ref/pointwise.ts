/** Pointwise kernels of the reference backend: copy, fill, unary, binary, where. */
// biome-ignore-all lint/complexity/useMathMinMax: relu and clamp are std::max/min's comparisons (PyTorch's); Math.max/min would turn -0 into 0 and lose the NaN rules.

import type { DType } from "../../core/dtype.js";
import type { BinaryOp, Strided, UnaryOp } from "../types.js";
import { denseLength, isBroadcastElement, rows1, rows2, rows3, rows4 } from "./iter.js";
import { divFloor, erf, erfc, log1pExp, pyRemainder, roundHalfEven, sigmoid } from "./math.js";

type F1 = (x: number) => number;
type F2 = (a: number, b: number) => number;

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const SQRT1_2 = Math.SQRT1_2;

/** Scalar definitions of the unary ops; `p0`/`p1` are the op's parameters. */
const UNARY: Record<UnaryOp, (p0: number, p1: number) => F1> = {
  neg: () => (x) => -x,
  exp: () => Math.exp,
  log: () => Math.log,
  log1p: () => Math.log1p,
  log2: () => Math.log2,
  expm1: () => Math.expm1,
  sqrt: () => Math.sqrt,
  rsqrt: () => (x) => 1 / Math.sqrt(x),
  abs: () => Math.abs,
  sin: () => Math.sin,
  cos: () => Math.cos,
  tan: () => Math.tan,
  asin: () => Math.asin,
  acos: () => Math.acos,
  atan: () => Math.atan,
  sinh: () => Math.sinh,
  cosh: () => Math.cosh,
  tanh: () => Math.tanh,
  sigmoid: () => sigmoid,
  // relu and clamp compare as C++'s std::max/min do (PyTorch's kernels): NaN and -0 stay as they are.
  relu: () => (x) => (x < 0 ? 0 : x),
  reciprocal: () => (x) => 1 / x,
  square: () => (x) => x * x,
  sign: () => (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : x),
  floor: () => Math.floor,
  ceil: () => Math.ceil,
  round: () => roundHalfEven,
  trunc: () => Math.trunc,
  frac: () => (x) => x - Math.trunc(x),
  erf: () => erf,
  erfc: () => erfc,
  isnan: () => (x) => (Number.isNaN(x) ? 1 : 0),
  isinf: () => (x) => (x === Number.POSITIVE_INFINITY || x === Number.NEGATIVE_INFINITY ? 1 : 0),
  isfinite: () => (x) => (Number.isFinite(x) ? 1 : 0),
  logicalNot: () => (x) => (x === 0 ? 1 : 0),
  powScalar: (p) => (p === 2 ? (x) => x * x : (x) => x ** p),
  rpowScalar: (p) => (x) => p ** x,
  clamp: (lo, hi) => (x) => clampValue(x, lo, hi),
  leakyRelu: (slope) => (x) => (x > 0 ? x : x * slope),
  elu: (alpha) => (x) => (x > 0 ? x : alpha * Math.expm1(x)),
  softplus: (beta, threshold) => (x) => (x * beta > threshold ? x : log1pExp(x * beta) / beta),
  gelu: () => (x) => 0.5 * x * (1 + erf(x * SQRT1_2)),
  geluTanh: () => (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))),
  silu: () => (x) => x * sigmoid(x),
  logSigmoid: () => (x) => -log1pExp(-x),
};

/** min(max(x, lo), hi) with std::max/min's comparisons: NaN and -0 pass through, lo > hi gives hi. */
function clampValue(x: number, lo: number, hi: number): number {
  const v = x < lo ? lo : x;
  return hi < v ? hi : v;
}

const BINARY: Record<BinaryOp, (p0: number, p1: number) => F2> = {
  add: (alpha) => (alpha === 1 ? (a, b) => a + b : (a, b) => a + alpha * b),
  sub: (alpha) => (alpha === 1 ? (a, b) => a - b : (a, b) => a - alpha * b),
  mul: () => (a, b) => a * b,
  div: () => (a, b) => a / b,
  floorDivide: () => divFloor,
  remainder: () => pyRemainder,
  fmod: () => (a, b) => a % b,
  pow: () => (a, b) => a ** b,
  atan2: () => Math.atan2,
  maximum: () => Math.max, // NaN propagates, as in PyTorch
  minimum: () => Math.min,
  eq: () => (a, b) => (a === b ? 1 : 0),
  ne: () => (a, b) => (a !== b ? 1 : 0),
  lt: () => (a, b) => (a < b ? 1 : 0),
  le: () => (a, b) => (a <= b ? 1 : 0),
  gt: () => (a, b) => (a > b ? 1 : 0),
  ge: () => (a, b) => (a >= b ? 1 : 0),
  logicalAnd: () => (a, b) => (a !== 0 && b !== 0 ? 1 : 0),
  logicalOr: () => (a, b) => (a !== 0 || b !== 0 ? 1 : 0),
  logicalXor: () => (a, b) => ((a !== 0) !== (b !== 0) ? 1 : 0),
  tanhBackward: () => (g, y) => g * (1 - y * y),
  sigmoidBackward: () => (g, y) => g * y * (1 - y),
  thresholdBackward: (threshold) => (g, x) => (x > threshold ? g : 0),
  leakyReluBackward: (slope) => (g, x) => (x > 0 ? g : g * slope),
  eluBackward: (alpha) => (g, x) => (x > 0 ? g : g * alpha * Math.exp(x)),
  // gelu'(x) = Phi(x) + x phi(x).
  geluBackward: () => (g, x) => g * (0.5 * (1 + erf(x * SQRT1_2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI)),
  geluTanhBackward: () => (g, x) => {
    const inner = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
    const t = Math.tanh(inner);
    return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x));
  },
  softplusBackward: (beta, threshold) => (g, x) => {
    if (x * beta > threshold) return g;
    const z = Math.exp(x * beta);
    return (g * z) / (z + 1);
  },
  logSigmoidBackward: () => (g, x) => g * sigmoid(-x),
  xlogy: () => (a, b) => (Number.isNaN(b) ? Number.NaN : a === 0 ? 0 : a * Math.log(b)),
};

const DENSE = 0;
const SCALAR = 1;
const OTHER = 2;

const ZERO_ONE: ReadonlySet<BinaryOp> = new Set(["eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr", "logicalXor"]);

/** How an operand of `n` elements is read in a flat loop: DENSE (its own elements in order), SCALAR (one element) or OTHER. */
function flatKind(x: Strided, n: number): number {
  return denseLength(x) === n ? DENSE : isBroadcastElement(x) ? SCALAR : OTHER;
}

type Buffer = Strided["data"];

/**
 * Flat loops over dense operands: the common ops get a loop of their own so
 * the arithmetic is inline (a loop calling a different function per op is a
 * megamorphic call per element).
 */
function denseUnary(op: UnaryOp, f: F1, a: Buffer, ia: number, o: Buffer, io: number, n: number, p0: number, p1: number): void {
  // x ** 2 is x * x.
  switch (op === "powScalar" && p0 === 2 ? "square" : op) {
    case "clamp":
      for (let i = 0; i < n; i++) o[io + i] = clampValue(a[ia + i] as number, p0, p1);
      return;
    case "powScalar":
      for (let i = 0; i < n; i++) o[io + i] = (a[ia + i] as number) ** p0;
      return;
    case "neg":
      for (let i = 0; i < n; i++) o[io + i] = -(a[ia + i] as number);
      return;
    case "exp":
      for (let i = 0; i < n; i++) o[io + i] = Math.exp(a[ia + i] as number);
      return;
    case "log":
      for (let i = 0; i < n; i++) o[io + i] = Math.log(a[ia + i] as number);
      return;
    case "sqrt":
      for (let i = 0; i < n; i++) o[io + i] = Math.sqrt(a[ia + i] as number);
      return;
    case "sigmoid":
      for (let i = 0; i < n; i++) o[io + i] = 1 / (1 + Math.exp(-(a[ia + i] as number)));
      return;
    case "tanh":
      for (let i = 0; i < n; i++) o[io + i] = Math.tanh(a[ia + i] as number);
      return;
    case "relu":
      for (let i = 0; i < n; i++) {
        const v = a[ia + i] as number;
        o[io + i] = v < 0 ? 0 : v;
      }
      return;
    case "sin":
      for (let i = 0; i < n; i++) o[io + i] = Math.sin(a[ia + i] as number);
      return;
    case "cos":
      for (let i = 0; i < n; i++) o[io + i] = Math.cos(a[ia + i] as number);
      return;
    case "abs":
      for (let i = 0; i < n; i++) o[io + i] = Math.abs(a[ia + i] as number);
      return;
    case "square":
      for (let i = 0; i < n; i++) {
        const v = a[ia + i] as number;
        o[io + i] = v * v;
      }
      return;
    default:
      for (let i = 0; i < n; i++) o[io + i] = f(a[ia + i] as number);
  }
}

function denseBinary(
  op: BinaryOp,
  alpha: number,
  f: F2,
  A: Buffer,
  ia: number,
  ka: number,
  B: Buffer,
  ib: number,
  kb: number,
  O: Buffer,
  io: number,
  n: number,
): void {
  if (ka === DENSE && kb === DENSE) {
    switch (op) {
      case "add":
        if (alpha === 1) for (let i = 0; i < n; i++) O[io + i] = (A[ia + i] as number) + (B[ib + i] as number);
        else for (let i = 0; i < n; i++) O[io + i] = (A[ia + i] as number) + alpha * (B[ib + i] as number);
        return;
      case "sub":
        if (alpha === 1) for (let i = 0; i < n; i++) O[io + i] = (A[ia + i] as number) - (B[ib + i] as number);
        else for (let i = 0; i < n; i++) O[io + i] = (A[ia + i] as number) - alpha * (B[ib + i] as number);
        return;
      case "mul":
        for (let i = 0; i < n; i++) O[io + i] = (A[ia + i] as number) * (B[ib + i] as number);
        return;
      case "div":
        for (let i = 0; i < n; i++) O[io + i] = (A[ia + i] as number) / (B[ib + i] as number);
        return;
      default:
        for (let i = 0; i < n; i++) O[io + i] = f(A[ia + i] as number, B[ib + i] as number);
        return;
    }
  }
  if (ka === DENSE) {
    // tensor op scalar
    const s = B[ib] as number;
    switch (op) {
      case "add": {
        const t = alpha * s;
        for (let i = 0; i < n; i++) O[io + i] = (A[ia + i] as number) + t;
        return;
      }
      case "sub": {
        const t = alpha * s;
        for (let i = 0; i < n; i++) O[io + i] = (A[ia + i] as number) - t;
        return;
      }
      case "mul":
        for (let i = 0; i < n; i++) O[io + i] = (A[ia + i] as number) * s;
        return;
      case "div":
        for (let i = 0; i < n; i++) O[io + i] = (A[ia + i] as number) / s;
        return;
      // +(a > s), not a > s ? 1 : 0: no branch to mispredict on data of mixed signs.
      case "gt":
        for (let i = 0; i < n; i++) O[io + i] = +((A[ia + i] as number) > s);
        return;
      case "ge":
        for (let i = 0; i < n; i++) O[io + i] = +((A[ia + i] as number) >= s);
        return;
      case "lt":
        for (let i = 0; i < n; i++) O[io + i] = +((A[ia + i] as number) < s);
        return;
      case "le":
        for (let i = 0; i < n; i++) O[io + i] = +((A[ia + i] as number) <= s);
        return;
      case "eq":
        for (let i = 0; i < n; i++) O[io + i] = +((A[ia + i] as number) === s);
        return;
      default:
        for (let i = 0; i < n; i++) O[io + i] = f(A[ia + i] as number, s);
        return;
    }
  }
  const s = A[ia] as number;
  if (kb === DENSE) {
    // scalar op tensor
    for (let i = 0; i < n; i++) O[io + i] = f(s, B[ib + i] as number);
    return;
  }
  const v = f(s, B[ib] as number);
  for (let i = 0; i < n; i++) O[io + i] = v;
}

/** How a computed float64 value is stored in a buffer of `dtype` beyond what typed arrays do. */
function storeFix(dtype: DType): F1 | null {
  if (dtype === "bool") return (v) => (v !== 0 ? 1 : 0);
  if (dtype === "int64") return (v) => (Number.isFinite(v) ? Math.trunc(v) : 0);
  return null;
}

export function copy(src: Strided, dst: Strided): void {
  const a = src.data;
  const o = dst.data;
  const fix = src.dtype === dst.dtype ? null : storeFix(dst.dtype);
  rows2(src.shape, src.strides, src.offset, dst.strides, dst.offset, (ia, io, n, sa, so) => {
    if (fix === null) {
      if (sa === 1 && so === 1) {
        o.set(a.subarray(ia, ia + n), io);
        return;
      }
      for (let i = 0; i < n; i++, ia += sa, io += so) o[io] = a[ia] as number;
    } else {
      for (let i = 0; i < n; i++, ia += sa, io += so) o[io] = fix(a[ia] as number);
    }
  });
}

export function fill(dst: Strided, value: number): void {
  const o = dst.data;
  const fix = storeFix(dst.dtype);
  const v = fix === null ? value : fix(value);
  rows1(dst.shape, dst.strides, dst.offset, (io, n, so) => {
    if (so === 1) o.fill(v, io, io + n);
    else for (let i = 0; i < n; i++, io += so) o[io] = v;
  });
}

export function unary(op: UnaryOp, x: Strided, out: Strided, p0 = 0, p1 = 0): void {
  const f = UNARY[op](p0, p1);
  const fix = storeFix(out.dtype);
  const g = fix === null ? f : (v: number) => fix(f(v));
  const a = x.data;
  const o = out.data;
  const n = denseLength(out);
  if (fix === null && n >= 0 && denseLength(x) === n) {
    denseUnary(op, f, a, x.offset, o, out.offset, n, p0, p1);
    return;
  }
  rows2(x.shape, x.strides, x.offset, out.strides, out.offset, (ia, io, n, sa, so) => {
    for (let i = 0; i < n; i++, ia += sa, io += so) o[io] = g(a[ia] as number);
  });
}

export function binary(op: BinaryOp, a: Strided, b: Strided, out: Strided, p0 = 1, p1 = 0): void {
  const alpha = p0;
  const f = op === "mul" && out.dtype === "int32" ? Math.imul : BINARY[op](p0, p1);
  // Comparisons and logical ops give 0 or 1, which every dtype stores as is.
  const fix = ZERO_ONE.has(op) ? null : storeFix(out.dtype);
  const A = a.data;
  const B = b.data;
  const O = out.data;
  // Dense output and operands that are dense in the same order or one broadcast element
  // (same-shape contiguous tensors, 0-d scalars, tensor op scalar): one flat loop.
  const n = denseLength(out);
  // Nothing to compute (the flat loops would still read a broadcast operand's one element).
  if (n === 0) return;
  if (fix === null && n >= 0 && f !== Math.imul) {
    const ka = flatKind(a, n);
    const kb = flatKind(b, n);
    if (ka !== OTHER && kb !== OTHER) {
      denseBinary(op, alpha, f, A, a.offset, ka, B, b.offset, kb, O, out.offset, n);
      return;
    }
  }
  if (fix !== null) {
    rows3(out.shape, a.strides, a.offset, b.strides, b.offset, out.strides, out.offset, (ia, ib, io, n, sa, sb, so) => {
      for (let i = 0; i < n; i++, ia += sa, ib += sb, io += so) O[io] = fix(f(A[ia] as number, B[ib] as number));
    });
    return;
  }
  rows3(out.shape, a.strides, a.offset, b.strides, b.offset, out.strides, out.offset, (ia, ib, io, n, sa, sb, so) => {
    if (op === "add" && alpha === 1 && sa === 1 && sb === 1 && so === 1) {
      for (let i = 0; i < n; i++) O[io + i] = (A[ia + i] as number) + (B[ib + i] as number);
    } else if (op === "mul" && sa === 1 && sb === 1 && so === 1) {
      for (let i = 0; i < n; i++) O[io + i] = (A[ia + i] as number) * (B[ib + i] as number);
    } else {
      for (let i = 0; i < n; i++, ia += sa, ib += sb, io += so) O[io] = f(A[ia] as number, B[ib] as number);
    }
  });
}

/** Whether the arrays are plain typed arrays, not the debug mode's bounds-guarded ones (which have no buffer to alias). */
function rawViews(a: Buffer, b: Buffer, o: Buffer): boolean {
  return ArrayBuffer.isView(a) && ArrayBuffer.isView(b) && ArrayBuffer.isView(o);
}

export function where(cond: Strided, a: Strided, b: Strided, out: Strided): void {
  const C = cond.data;
  const A = a.data;
  const B = b.data;
  const O = out.data;
  const n = denseLength(out);
  if (n >= 0) {
    // Dense or single-element operands: one flat loop (a stride of 1 or 0 per operand).
    const kc = flatKind(cond, n);
    const ka = flatKind(a, n);
    const kb = flatKind(b, n);
    if (kc !== OTHER && ka !== OTHER && kb !== OTHER) {
      const sc = kc === DENSE ? 1 : 0;
      const sa = ka === DENSE ? 1 : 0;
      const sb = kb === DENSE ? 1 : 0;
      const { offset: ic } = cond;
      const { offset: ia } = a;
      const { offset: ib } = b;
      const { offset: io } = out;
      if (
        O instanceof Float32Array &&
        A instanceof Float32Array &&
        B instanceof Float32Array &&
        C instanceof Uint8Array &&
        rawViews(A, B, O)
      ) {
        // Float32 values selected as bits, with a mask of all ones or zeros: no branch per element.
        const A32 = new Int32Array(A.buffer, A.byteOffset, A.length);
        const B32 = new Int32Array(B.buffer, B.byteOffset, B.length);
        const O32 = new Int32Array(O.buffer, O.byteOffset, O.length);
        for (let i = 0; i < n; i++) {
          const m = -(C[ic + sc * i] as number);
          O32[io + i] = ((A32[ia + sa * i] as number) & m) | ((B32[ib + sb * i] as number) & ~m);
        }
        return;
      }
      for (let i = 0; i < n; i++) O[io + i] = (C[ic + sc * i] as number) !== 0 ? (A[ia + sa * i] as number) : (B[ib + sb * i] as number);
      return;
    }
  }
  rows4(
    out.shape,
    [cond.strides, a.strides, b.strides, out.strides],
    [cond.offset, a.offset, b.offset, out.offset],
    (ic, ia, ib, io, n, sc, sa, sb, so) => {
      for (let i = 0; i < n; i++, ic += sc, ia += sa, ib += sb, io += so) {
        O[io] = (C[ic] as number) !== 0 ? (A[ia] as number) : (B[ib] as number);
      }
    },
  );
}
