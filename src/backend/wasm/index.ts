/**
 * The WebAssembly backend: the reference backend's kernels, except for
 * float32 tensors large enough to pay for a call (a few thousand elements):
 * matmul (blocked SIMD sgemm, split across worker threads when large),
 * exp/log/sin/cos/tanh and the cheap unary ops, arithmetic between dense
 * operands or with a broadcast scalar, the relu/sigmoid/tanh backward
 * formulas, and sums over all, leading or trailing dims (elementwise.ts).
 * Everything else, and every layout these do not take, delegates to
 * `refBackend`.
 *
 * Tensor storage stays in JS typed arrays (the GC reclaims it): each call
 * copies its operands into the module's memory and the result out, except
 * the backward engine's own gradients, which live in scratch blocks of that
 * memory (scratch.ts) and are used in place, and arrays with a mirror there
 * (resident.ts). Every method forgets the mirror of the array it writes
 * before it runs (`writing`), so the reference loops cannot leave one stale.
 *
 * Results differ from the reference backend by float32 rounding: sgemm and
 * the arithmetic round in float32 (the reference computes in float64 and
 * rounds once), and the transcendental kernels are within MAX_ULP_ERROR ulps.
 */

import { contiguousStrides, numel, shapesEqual } from "../../core/shape.js";
import { refBackend } from "../ref/index.js";
import { denseLength, forEachIndex, isBroadcastElement, offsetOf } from "../ref/iter.js";
import type { Backend, BinaryOp, ReduceOp, Strided, UnaryOp } from "../types.js";
import { binaryF32Strided, ELEMENTWISE_MIN, hasBinaryKernel, hasUnaryKernel, sumF32, unaryF32Strided } from "./elementwise.js";
import { wasmAvailable } from "./module.js";
import { type UnaryF32, unaryF32 } from "./pointwise.js";
import { forgetMirror, settle } from "./resident.js";
import { wasmScratch } from "./scratch.js";
import { sgemm } from "./sgemm.js";

export { wasmAvailable, wasmMemoryBytes } from "./module.js";
export { type BinaryF32, binaryF32, MAX_ULP_ERROR, type UnaryF32, unaryF32 } from "./pointwise.js";
export { getNumThreads, hardwareThreads, releaseWasm, setNumThreads, waitForPool } from "./pool.js";
export { batchOffsets, type MatrixOperand, type SgemmOptions, sgemm } from "./sgemm.js";

/** Products below this many multiply-adds (M N K x batch) stay on the reference backend (a wasm call costs ~3 us). */
export const MATMUL_MIN_MACS = 4096;
/** Transcendental ops on fewer elements stay on the reference backend. */
export const UNARY_MIN = 64;

const UNARY_WASM: Partial<Record<UnaryOp, UnaryF32>> = {
  exp: "exp",
  log: "log",
  sin: "sin",
  cos: "cos",
  tanh: "tanh",
  gelu: "gelu",
};

function matmul(a: Strided, b: Strided, out: Strided): void {
  const nd = out.shape.length;
  if (a.dtype !== "float32" || b.dtype !== "float32" || out.dtype !== "float32" || nd < 2 || !wasmAvailable()) {
    refBackend.matmul(a, b, out);
    return;
  }
  const M = out.shape[nd - 2] as number;
  const N = out.shape[nd - 1] as number;
  const K = a.shape[nd - 1] as number;
  const batchShape = out.shape.slice(0, nd - 2);
  const batch = numel(batchShape);
  if (batch * M * N * K < MATMUL_MIN_MACS) {
    refBackend.matmul(a, b, out);
    return;
  }
  const ao: number[] = [];
  const bo: number[] = [];
  const co: number[] = [];
  forEachIndex(batchShape, (idx) => {
    ao.push(offsetOf(idx, a.strides, a.offset));
    bo.push(offsetOf(idx, b.strides, b.offset));
    co.push(offsetOf(idx, out.strides, out.offset));
  });
  try {
    sgemm(
      M,
      N,
      K,
      { data: a.data as Float32Array, offsets: ao, rowStride: a.strides[nd - 2] as number, colStride: a.strides[nd - 1] as number },
      { data: b.data as Float32Array, offsets: bo, rowStride: b.strides[nd - 2] as number, colStride: b.strides[nd - 1] as number },
      { data: out.data as Float32Array, offsets: co, rowStride: out.strides[nd - 2] as number, colStride: out.strides[nd - 1] as number },
    );
  } catch (e) {
    // Operands beyond what WebAssembly memory can hold (4 GiB, or what the engine grants).
    if (!(e instanceof RangeError)) throw e;
    refBackend.matmul(a, b, out);
  }
}

function unary(op: UnaryOp, x: Strided, out: Strided, p0?: number, p1?: number): void {
  if (wasmAvailable() && unaryF32Strided(op, x, out, p0, p1)) return;
  const dn = denseLength(out);
  if (
    wasmAvailable() &&
    dn >= ELEMENTWISE_MIN &&
    out.dtype === "float32" &&
    wantsDense(x, dn) &&
    (op in UNARY_WASM || hasUnaryKernel(op, p0))
  ) {
    unary(op, dense(x, dn), out, p0, p1);
    return;
  }
  const f = UNARY_WASM[op];
  const n = numel(out.shape);
  if (
    f === undefined ||
    x.dtype !== "float32" ||
    out.dtype !== "float32" ||
    n < UNARY_MIN ||
    !shapesEqual(x.shape, out.shape) ||
    denseLength(x) < 0 ||
    denseLength(out) < 0 ||
    !wasmAvailable()
  ) {
    refBackend.unary(op, x, out, p0, p1);
    return;
  }
  try {
    unaryF32(f, x.data as Float32Array, out.data as Float32Array, n, x.offset, out.offset, true);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    refBackend.unary(op, x, out, p0, p1);
  }
}

/**
 * A dense copy of a float32 operand laid out in `out`'s shape (a view with
 * other strides: a transpose, a `split` gate, a broadcast along inner dims).
 * One strided copy on the reference backend, then the dense kernels, beats
 * the reference backend's strided loops for the op itself.
 */
function dense(x: Strided, n: number): Strided {
  const d: Strided = { data: new Float32Array(n), dtype: "float32", shape: x.shape, strides: contiguousStrides(x.shape), offset: 0 };
  refBackend.copy(x, d);
  return d;
}

/** Whether the kernels want x densified first: float32, not dense, not one broadcast element. */
const wantsDense = (x: Strided, n: number): boolean => x.dtype === "float32" && denseLength(x) !== n && !isBroadcastElement(x);

function binary(op: BinaryOp, a: Strided, b: Strided, out: Strided, p0 = 1, p1 = 0): void {
  if (wasmAvailable() && binaryF32Strided(op, a, b, out, p0)) return;
  const n = denseLength(out);
  if (wasmAvailable() && hasBinaryKernel(op) && n >= ELEMENTWISE_MIN && out.dtype === "float32") {
    const [wa, wb] = [wantsDense(a, n), wantsDense(b, n)];
    if ((wa || wb) && binaryF32Strided(op, wa ? dense(a, n) : a, wb ? dense(b, n) : b, out, p0)) return;
  }
  refBackend.binary(op, a, b, out, p0, p1);
}

function reduce(op: ReduceOp, x: Strided, dims: readonly number[], out: Strided): void {
  if (op === "sum" && wasmAvailable() && sumF32(x, dims, out)) return;
  refBackend.reduce(op, x, dims, out);
}

/** The kernels: not the memory methods, nor the optional capabilities (softmax), which the CPU backends leave out. */
type Method = Exclude<keyof Backend, "name" | "alloc" | "adopt" | "free" | "scratch" | "softmax" | "softmaxBackward">;

/** The argument each method writes (every method must be listed: an unlisted writer would leave a stale mirror). */
const WRITES: Readonly<Record<Method, number>> = {
  copy: 1,
  fill: 0,
  unary: 2,
  binary: 3,
  where: 3,
  reduce: 3,
  argReduce: 3,
  scan: 3,
  argsort: 3,
  searchSorted: 4,
  matmul: 2,
  indexSelect: 3,
  indexAdd: 0,
  take: 2,
  putAdd: 0,
  gather: 3,
  scatter: 0,
  randomFill: 0,
};

type AnyMethod = (a?: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown, f?: unknown) => void;

/**
 * `fn`, forgetting the mirror of the array it writes (argument `at`) before
 * it runs, whichever path writes it, and dropping the mirrors a failed
 * kernel made (resident.ts). Fixed arity: no rest array per call.
 */
function writing(fn: AnyMethod, at: number): AnyMethod {
  return (a, b, c, d, e, f) => {
    forgetMirror(((at === 0 ? a : at === 1 ? b : at === 2 ? c : at === 3 ? d : e) as Strided).data);
    try {
      fn(a, b, c, d, e, f);
    } finally {
      settle();
    }
  };
}

const methods: Record<Method, AnyMethod> = { ...refBackend, matmul, unary, binary, reduce } as unknown as Record<Method, AnyMethod>;
const wrapped = Object.fromEntries(Object.entries(WRITES).map(([name, at]) => [name, writing(methods[name as Method], at)]));

/** The reference backend with WebAssembly SIMD kernels for float32 matmul, pointwise ops and sums. */
export const wasmBackend: Backend = { ...refBackend, ...(wrapped as unknown as Pick<Backend, Method>), name: "wasm", scratch: wasmScratch };
