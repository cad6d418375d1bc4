/**
 * Pointwise float32 kernels over contiguous ranges of Float32Arrays, on the
 * WebAssembly SIMD kernels (operands and results placed by resident.ts;
 * split across the worker pool for long arrays).
 *
 * Error against float64 Math.* measured against the exact value (a correctly
 * rounded result scores 0.5 ulp): exp 0.992, log 0.829 and tanh 1.330 ulp
 * over every float32 input; sin 0.501 and cos 0.501 over 1 in 61 float32 bit
 * patterns (70 M inputs, wasm/bench.ts); gelu 2.19 ulp over 1 in 4099 float32
 * bit patterns (test/backend/wasm.test.ts: it computes x Phi(x) in float64 with
 * a Chebyshev fit of erfc, whose relative error is below 1.2e-7, so unlike
 * PyTorch's x (1 + erf(x / sqrt 2)) / 2 it keeps its digits in the far
 * negative tail). Absolute error where |f| <= 2:
 * below 1e-7. NaN, infinities, overflow, underflow to subnormals and zero
 * match Math.* rounded to float32. Throughput on one thread: exp ~530,
 * log ~280, sin/cos ~225, tanh ~265 M elements/s (JS Math.* loops: 26-85).
 */

import { arenaAlloc, inArena, kernels, memF32, resetArena } from "./module.js";
import { getNumThreads, parallel, readyWorkers } from "./pool.js";
import { copyOut, forgetMirror, placeIn, resultAt } from "./resident.js";

export type UnaryF32 = "exp" | "log" | "sin" | "cos" | "tanh" | "gelu";
export type BinaryF32 = "add" | "sub" | "mul";

/** Error bounds in float32 ulps of the exact value (measured maxima above, rounded up; test/backend/wasm.test.ts enforces them). */
export const MAX_ULP_ERROR: Readonly<Record<UnaryF32, number>> = { exp: 1, log: 1, sin: 0.51, cos: 0.51, tanh: 1.35, gelu: 2.2 };

const UNARY_KERNEL = { exp: "vexp", log: "vlog", sin: "vsin", cos: "vcos", tanh: "vtanh", gelu: "vgelu" } as const;
const BINARY_KERNEL = { add: "vadd", sub: "vsub", mul: "vmul" } as const;

/** Elements from which a transcendental kernel is split across threads. */
export const PARALLEL_MIN_UNARY = 1 << 15;
/** Elements from which add/sub/mul are split across threads. */
export const PARALLEL_MIN_BINARY = 1 << 18;

/** @internal threads worth using for n elements (1 below `min`). */
export function threadsFor(n: number, min: number): number {
  if (n < min) return 1;
  const want = getNumThreads();
  return want < 2 ? 1 : Math.min(want, 1 + readyWorkers());
}

/** @internal splits [0, n) into `parts` ranges aligned to 16 elements (a cache line). */
export function ranges(n: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (let i = 1; i <= parts; i++) {
    const end = i === parts ? n : Math.min(n, Math.round((n * i) / parts / 16) * 16);
    if (end > start) out.push([start, end]);
    start = Math.max(start, end);
  }
  return out;
}

/**
 * out[outOffset + i] = op(x[xOffset + i]) for i < n. `mirror`: x and out are
 * tensor storage seen through the backend, whose mirrors may be used and made
 * (resident.ts); never for arrays written behind the backend's back.
 */
export function unaryF32(op: UnaryF32, x: Float32Array, out: Float32Array, n = x.length, xOffset = 0, outOffset = 0, mirror = false): void {
  if (n <= 0) return;
  kernels();
  resetArena();
  try {
    // Arrays that are views of linear memory (the engine's scratch gradients), or mirrored there, are used in place.
    const p = placeIn(x, xOffset, n, mirror);
    const po = resultAt(out, outOffset, n, inArena(p) ? p : -1, mirror);
    const jobs = ranges(n, threadsFor(n, PARALLEL_MIN_UNARY)).map(([s, e]) => [p + s * 4, po + s * 4, e - s]);
    parallel(UNARY_KERNEL[op], jobs);
    copyOut(po, out, outOffset, n);
  } finally {
    resetArena();
  }
}

/** out[outOffset + i] = a[aOffset + i] op b[bOffset + i] for i < n. */
export function binaryF32(
  op: BinaryF32,
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  n = out.length,
  aOffset = 0,
  bOffset = 0,
  outOffset = 0,
): void {
  if (n <= 0) return;
  kernels();
  resetArena();
  try {
    const pa = arenaAlloc(n * 4);
    const pb = arenaAlloc(n * 4);
    const mem = memF32();
    mem.set(a.subarray(aOffset, aOffset + n), pa >>> 2);
    mem.set(b.subarray(bOffset, bOffset + n), pb >>> 2);
    const jobs = ranges(n, threadsFor(n, PARALLEL_MIN_BINARY)).map(([s, e]) => [pa + s * 4, pb + s * 4, pa + s * 4, e - s]);
    parallel(BINARY_KERNEL[op], jobs);
    forgetMirror(out);
    out.set(memF32().subarray(pa >>> 2, (pa >>> 2) + n), outOffset);
  } finally {
    resetArena();
  }
}
