/**
 * The backend's float32 pointwise ops and sums on the WebAssembly kernels:
 * arithmetic between dense operands or with a broadcast scalar, the common
 * unary functions, the fused backward formulas of relu/sigmoid/tanh/gelu, and sums
 * over all, leading or trailing dims of a contiguous tensor. Each returns
 * false when the operands are not of a form it takes (the caller then uses
 * the reference backend).
 *
 * Operands and results are placed in linear memory by resident.ts (used in
 * place when they are views of it, read from their mirror when they have
 * one, else copied in; results copied out), and the kernels split across the
 * worker pool when long; in the browser without shared memory everything
 * runs on the calling thread.
 */

import { denseLength, isBroadcastElement } from "../ref/iter.js";
import type { BinaryOp, Strided, UnaryOp } from "../types.js";
import { arenaAlloc, inArena, type KernelName, kernels, memF64, resetArena } from "./module.js";
import { ranges, threadsFor } from "./pointwise.js";
import { parallel } from "./pool.js";
import { copyOut as copyOutF32, placeIn, resultAt } from "./resident.js";

/** Elements from which the kernels beat the reference backend's loops (a call costs ~2 us). */
export const ELEMENTWISE_MIN = 2048;
/** Elements from which cheap ops (arithmetic) are split across threads. */
const PARALLEL_MIN_CHEAP = 1 << 20;
/** Elements from which costlier ops (sigmoid, division, sums) are split. */
const PARALLEL_MIN_COSTLY = 1 << 15;

const f32 = (x: Strided): Float32Array => x.data as Float32Array;

/** The byte address of x's n floats (from its offset): see placeIn. */
const place = (x: Strided, n: number): number => placeIn(f32(x), x.offset, n, true);

/** p, when it is an arena copy the kernel may overwrite (not the operand's own memory, nor its mirror), else -1. */
const spare = (p: number): number => (inArena(p) ? p : -1);

/** Where a kernel writes out's n floats: see resultAt. */
const target = (out: Strided, n: number, reuse: number): number => resultAt(f32(out), out.offset, n, reuse, true);

/** Copies the result at p into out, unless the kernel wrote it there. */
const copyOut = (p: number, out: Strided, n: number): void => copyOutF32(p, f32(out), out.offset, n);

/** Runs `fn` over [0, n) split into thread ranges; `args(start, count)` gives each job's arguments. */
function split(fn: KernelName, n: number, min: number, args: (start: number, count: number) => number[]): void {
  parallel(
    fn,
    ranges(n, threadsFor(n, min)).map(([s, e]) => args(s, e - s)),
  );
}

const SCALAR_CODE = { add: 0, sub: 1, rsub: 2, mul: 3, div: 4, rdiv: 5 } as const;
const BACKWARD_CODE: Partial<Record<BinaryOp, number>> = { thresholdBackward: 0, sigmoidBackward: 1, tanhBackward: 2 };
const DENSE_KERNEL: Partial<Record<BinaryOp, KernelName>> = { add: "vadd", sub: "vsub", mul: "vmul", div: "vdiv" };

/** Whether binaryF32Strided has a kernel for op (given dense operands). */
export const hasBinaryKernel = (op: BinaryOp): boolean => op in DENSE_KERNEL || op in BACKWARD_CODE || op === "geluBackward";

/**
 * Rows from this length on take the row-by-row kernels: [4096, 64] + [64]
 * took 0.5-0.9 ms against 1.3-1.5 ms on the reference loop (one call per row
 * is cheap enough there).
 */
const ROW_MIN = 64;

/**
 * k when x's elements are one dense row of k elements repeated (its trailing
 * dims contiguous, the leading ones broadcast with stride 0, as a bias [k]
 * expanded to [rows, k]), else -1.
 */
function repeatedRow(x: Strided): number {
  const { shape, strides } = x;
  let k = 1;
  let d = shape.length - 1;
  for (; d >= 0; d--) {
    const size = shape[d] as number;
    if (size === 1) continue;
    if (strides[d] !== k) break;
    k *= size;
  }
  for (; d >= 0; d--) if (shape[d] !== 1 && strides[d] !== 0) return -1;
  return k;
}

/**
 * k when x's elements are one value per row of k, read densely row after row
 * (its leading dims contiguous, its trailing dims broadcast with stride 0, as
 * a mean [rows, 1] expanded to [rows, k]), else -1.
 */
function perRowValue(x: Strided): number {
  const { shape, strides } = x;
  let k = 1;
  let d = shape.length - 1;
  for (; d >= 0 && (shape[d] === 1 || strides[d] === 0); d--) k *= shape[d] as number;
  let rows = 1;
  for (; d >= 0; d--) {
    const size = shape[d] as number;
    if (size === 1) continue;
    if (strides[d] !== rows) return -1;
    rows *= size;
  }
  return k;
}

const ROW_SCALAR_CODE = { add: [0, 0], sub: [1, 2], mul: [3, 3], div: [4, 5] } as const;

/** out = a op b where one operand is dense and the other one value per row of k (see perRowValue): one kernel call. */
function rowScalar(op: "add" | "sub" | "mul" | "div", a: Strided, b: Strided, out: Strided, n: number, da: boolean): boolean {
  const k = perRowValue(da ? b : a);
  if (k < 2 || k >= n || n % k !== 0) return false;
  const rows = n / k;
  return run(() => {
    const px = place(da ? a : b, n);
    const ps = place(da ? b : a, rows);
    const po = target(out, n, spare(px));
    kernels().exports.vrowscalar(px, ps, po, rows, k, ROW_SCALAR_CODE[op][da ? 0 : 1]);
    copyOut(po, out, n);
  });
}

/** out = a op b for float32 operands, each dense in out's order, a broadcast element, or (one of them) a repeated row or one value per row. */
export function binaryF32Strided(op: BinaryOp, a: Strided, b: Strided, out: Strided, p0: number): boolean {
  if (a.dtype !== "float32" || b.dtype !== "float32" || out.dtype !== "float32") return false;
  const n = denseLength(out);
  if (n < ELEMENTWISE_MIN) return false;
  const da = denseLength(a) === n;
  const db = denseLength(b) === n;
  if (op === "geluBackward") {
    if (!da || !db) return false;
    return run(() => {
      const pg = place(a, n);
      const px = place(b, n);
      const po = target(out, n, spare(pg));
      split("vgeluBackward", n, PARALLEL_MIN_COSTLY, (s, c) => [pg + 4 * s, px + 4 * s, po + 4 * s, c]);
      copyOut(po, out, n);
    });
  }
  const backward = BACKWARD_CODE[op];
  if (backward !== undefined) {
    if (!da || !db) return false;
    return run(() => {
      const pg = place(a, n);
      const py = a.data === b.data && a.offset === b.offset ? pg : place(b, n);
      const po = target(out, n, spare(pg));
      split("vbackward", n, PARALLEL_MIN_CHEAP, (s, c) => [pg + 4 * s, py + 4 * s, po + 4 * s, c, p0, backward]);
      copyOut(po, out, n);
    });
  }
  if (op !== "add" && op !== "sub" && op !== "mul" && op !== "div") return false;
  const alpha = op === "add" || op === "sub" ? p0 : 1;
  if (da && db) {
    return run(() => {
      const pa = place(a, n);
      const pb = a.data === b.data && a.offset === b.offset ? pa : place(b, n);
      const po = target(out, n, Math.max(spare(pa), spare(pb)));
      if (alpha === 1) {
        const fn = DENSE_KERNEL[op] as KernelName;
        split(fn, n, op === "div" ? PARALLEL_MIN_COSTLY : PARALLEL_MIN_CHEAP, (s, c) => [pa + 4 * s, pb + 4 * s, po + 4 * s, c]);
      } else {
        // a + alpha b, or a - alpha b = a + (-alpha) b (the same float32 operations).
        const k = op === "add" ? alpha : -alpha;
        split("vaxpy", n, PARALLEL_MIN_CHEAP, (s, c) => [pa + 4 * s, pb + 4 * s, po + 4 * s, c, k]);
      }
      copyOut(po, out, n);
    });
  }
  // A dense tensor and a repeated row (a bias added to every row): one kernel call per row.
  if (alpha === 1 && (da || db)) {
    const k = repeatedRow(da ? b : a);
    if (k >= ROW_MIN && k < n && n % k === 0) {
      const fn = DENSE_KERNEL[op] as "vadd" | "vsub" | "vmul" | "vdiv";
      return run(() => {
        const pa = place(a, da ? n : k);
        const pb = place(b, db ? n : k);
        const po = target(out, n, spare(da ? pa : pb));
        const kernel = kernels().exports[fn];
        const sa = da ? 4 * k : 0;
        const sb = db ? 4 * k : 0;
        for (let r = 0, rows = n / k; r < rows; r++) kernel(pa + r * sa, pb + r * sb, po + r * 4 * k, k);
        copyOut(po, out, n);
      });
    }
  }
  // A dense tensor and one value per row (a mean subtracted from every row).
  if (alpha === 1 && (da || db) && !isBroadcastElement(da ? b : a) && rowScalar(op, a, b, out, n, da)) return true;
  // Tensor op scalar, or scalar op tensor.
  let code: number;
  let s: number;
  let x: Strided;
  if (da && isBroadcastElement(b)) {
    x = a;
    const v = b.data[b.offset] as number;
    s = op === "add" || op === "sub" ? alpha * v : v;
    code = SCALAR_CODE[op];
  } else if (db && isBroadcastElement(a) && alpha === 1) {
    x = b;
    s = a.data[a.offset] as number;
    code = op === "add" ? SCALAR_CODE.add : op === "sub" ? SCALAR_CODE.rsub : op === "mul" ? SCALAR_CODE.mul : SCALAR_CODE.rdiv;
  } else {
    return false;
  }
  // The scalar is a float32 already (a float32 tensor's element), unless alpha scaled it.
  if (Math.fround(s) !== s && !Number.isNaN(s)) return false;
  return run(() => {
    const px = place(x, n);
    const po = target(out, n, spare(px));
    split("vscalar", n, code >= 4 ? PARALLEL_MIN_COSTLY : PARALLEL_MIN_CHEAP, (st, c) => [px + 4 * st, po + 4 * st, c, s, code]);
    copyOut(po, out, n);
  });
}

const UNARY_CODE: Partial<Record<UnaryOp, number>> = { neg: 0, abs: 1, sqrt: 2, relu: 3, sigmoid: 4, square: 5, reciprocal: 6, clamp: 7 };

/** Whether unaryF32Strided has a kernel for op (given dense operands). */
export const hasUnaryKernel = (op: UnaryOp, p0 = 0): boolean => op in UNARY_CODE || (op === "powScalar" && p0 === 2);

/** out = f(x) for the cheap unary ops (p0, p1: the op's parameters), float32, x dense in out's order. */
export function unaryF32Strided(op: UnaryOp, x: Strided, out: Strided, p0 = 0, p1 = 0): boolean {
  // x ** 2 is x * x.
  const code = op === "powScalar" && p0 === 2 ? UNARY_CODE.square : UNARY_CODE[op];
  if (code === undefined || x.dtype !== "float32" || out.dtype !== "float32") return false;
  // clamp compares with its bounds rounded to float32, which clamps the same float32 inputs to the same values.
  const n = denseLength(out);
  if (n < ELEMENTWISE_MIN || denseLength(x) !== n) return false;
  return run(() => {
    const px = place(x, n);
    const po = target(out, n, spare(px));
    split("vunary", n, code === 4 ? PARALLEL_MIN_COSTLY : PARALLEL_MIN_CHEAP, (s, c) => [px + 4 * s, po + 4 * s, c, code, p0, p1]);
    copyOut(po, out, n);
  });
}

/**
 * Sums of a contiguous float32 tensor over all its dims, a leading run of
 * dims or a trailing run (accumulated in float64, rounded once).
 */
export function sumF32(x: Strided, dims: readonly number[], out: Strided): boolean {
  if (x.dtype !== "float32" || out.dtype !== "float32") return false;
  const n = denseLength(x);
  if (n < ELEMENTWISE_MIN || denseLength(out) < 0) return false;
  const nd = x.shape.length;
  const reduced = new Array<boolean>(nd).fill(false);
  for (const d of dims) reduced[d] = true;
  // Size-1 dims do not matter either way.
  const size = (d: number) => x.shape[d] as number;
  let firstKept = nd;
  for (let d = 0; d < nd; d++) if (!reduced[d] && size(d) !== 1) firstKept = Math.min(firstKept, d);
  let lastKept = -1;
  for (let d = 0; d < nd; d++) if (!reduced[d] && size(d) !== 1) lastKept = d;
  const leading = (d: number) => (d < firstKept ? true : reduced[d] || size(d) === 1);
  let product = 1;
  if (lastKept === -1) {
    // Everything: partial sums per thread, then their sum.
    return run(() => {
      const px = place(x, n);
      const jobs = ranges(n, threadsFor(n, PARALLEL_MIN_COSTLY));
      const partials = arenaAlloc(8 * jobs.length);
      parallel(
        "vsum",
        jobs.map(([s, e], j) => [px + 4 * s, e - s, partials + 8 * j]),
      );
      let total = 0;
      for (let j = 0; j < jobs.length; j++) total += memF64()[(partials >>> 3) + j] as number;
      (out.data as Float32Array)[out.offset] = total;
    });
  }
  // Reduced dims all before the kept ones: column sums of a rows x cols matrix.
  let reducedBeforeKept = true;
  for (let d = firstKept; d < nd; d++) if (reduced[d] && size(d) !== 1) reducedBeforeKept = false;
  if (reducedBeforeKept) {
    for (let d = 0; d < firstKept; d++) if (leading(d)) product *= size(d);
    const rows = product;
    const cols = n / rows;
    return run(() => {
      const px = place(x, n);
      const acc = arenaAlloc(8 * cols);
      const po = target(out, cols, -1);
      kernels().exports.vsumCols(px, rows, cols, po, acc);
      copyOut(po, out, cols);
    });
  }
  // Reduced dims all after the kept ones: row sums.
  let keptBeforeReduced = true;
  for (let d = 0; d <= lastKept; d++) if (reduced[d] && size(d) !== 1) keptBeforeReduced = false;
  if (keptBeforeReduced) {
    for (let d = lastKept + 1; d < nd; d++) product *= size(d);
    const cols = product;
    const rows = n / cols;
    return run(() => {
      const px = place(x, n);
      const scratch = arenaAlloc(8);
      const po = target(out, rows, -1);
      kernels().exports.vsumRows(px, rows, cols, po, scratch);
      copyOut(po, out, rows);
    });
  }
  return false;
}

/** Runs a kernel call with a fresh arena; false (use the reference backend) when WebAssembly memory cannot hold it. */
function run(body: () => void): boolean {
  kernels();
  resetArena();
  try {
    body();
    return true;
  } catch (e) {
    if (e instanceof RangeError) return false;
    throw e;
  } finally {
    resetArena();
  }
}
