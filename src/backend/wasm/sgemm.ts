/**
 * Single-precision matrix products on the WebAssembly kernels, over ordinary
 * Float32Arrays: operands are copied into the module's arena, multiplied by
 * the blocked SIMD kernel (split across the worker pool when large enough)
 * and the result copied out.
 *
 * Each operand is a strided matrix per batch entry: element [i][j] of entry
 * `t` is `data[offsets[t] + i * rowStride + j * colStride]`, so transposed
 * operands (colStride != 1) and broadcast batches (repeated offsets) need no
 * copy on the caller's side. Accumulation is in float32 (like PyTorch's CPU
 * kernels), so results differ from the float64-accumulating reference backend
 * by float32 rounding, growing like sqrt(K) ulps.
 */

import { arenaAlloc, arenaLimit, kernels, memF32, memU32, resetArena } from "./module.js";
import { getNumThreads, parallel, readyWorkers } from "./pool.js";
import { forgetMirror } from "./resident.js";

export interface MatrixOperand {
  readonly data: Float32Array;
  /** Element offset of [0][0] of each batch entry; its length is the batch size. */
  readonly offsets: ArrayLike<number>;
  readonly rowStride: number;
  readonly colStride: number;
}

export interface SgemmOptions {
  /** 0 overwrites C, 1 adds the product to it. */
  readonly beta?: 0 | 1;
  /** Upper bound on threads (the calling one included); defaults to getNumThreads(). */
  readonly threads?: number;
}

/**
 * Below this many floating-point operations (2 M N K x batch) a product stays
 * on the calling thread. Waking a sleeping worker costs ~20-30 us (0.3 us
 * while it still spins after a job; wasm/bench.ts), and inside a training
 * step, between other ops, two threads only paid from about 20-30 MFLOP
 * (64x1000x100, 12.8 MFLOP: 0.57 vs 0.53 ms; 128x784x256, 51 MFLOP: 1.73 vs
 * 1.16 ms), while splitting smaller products slowed the W1 and W6 benchmarks.
 */
export const PARALLEL_MIN_FLOPS = 2e7;

/** Offsets of `count` batch entries `stride` elements apart. */
export function batchOffsets(offset: number, stride: number, count: number): number[] {
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = offset + i * stride;
  return out;
}

/**
 * C[t] = A[t]·B[t] (+ C[t] with beta 1) for every batch entry t, where A[t] is
 * M x K, B[t] is K x N and C[t] is M x N. C's entries must not overlap.
 */
export function sgemm(
  M: number,
  N: number,
  K: number,
  a: MatrixOperand,
  b: MatrixOperand,
  c: MatrixOperand,
  options: SgemmOptions = {},
): void {
  const batch = c.offsets.length;
  if (a.offsets.length !== batch || b.offsets.length !== batch) {
    throw new RangeError(`sgemm: batch sizes differ (a ${a.offsets.length}, b ${b.offsets.length}, c ${c.offsets.length})`);
  }
  if (batch === 0 || M === 0 || N === 0) return;
  const beta = options.beta ?? 0;
  // A column-major C, or fewer columns than rows below the register tile's
  // width (a matrix-vector product): compute C^T = B^T A^T instead.
  const fewColumns = N < 4 && M > N;
  const fewRows = M < 4 && N > M;
  if (fewColumns || (c.colStride !== 1 && c.rowStride === 1 && M > 1 && !fewRows)) {
    sgemm(N, M, K, transpose(b), transpose(a), transpose(c), options);
    return;
  }
  // Entries of A and C that follow one another row after row, with one B: one taller product.
  if (batch > 1 && sameValues(b.offsets) && rowsFollow(a, M) && rowsFollow(c, M)) {
    sgemm(M * batch, N, K, first(a), first(b), first(c), options);
    return;
  }
  const threads = Math.max(1, Math.min(options.threads ?? getNumThreads(), getNumThreads()));
  const bytes = workingSetBytes(M, N, K, a, b, batch, threads);
  if (bytes > arenaLimit()) {
    if (batch === 1) throw new RangeError(`sgemm: a ${M}x${K} by ${K}x${N} product needs more than the WebAssembly memory limit`);
    const h = batch >> 1;
    sgemm(M, N, K, slice(a, 0, h), slice(b, 0, h), slice(c, 0, h), options);
    sgemm(M, N, K, slice(a, h, batch), slice(b, h, batch), slice(c, h, batch), options);
    return;
  }
  const rt = kernels();
  resetArena();
  try {
    const ap = copyIn(a, M, K);
    const bp = copyIn(b, K, N);
    const cBase = arenaAlloc(batch * M * N * 4);
    if (beta !== 0) copyC(c, M, N, cBase, true);
    let T = 1;
    if (threads > 1 && 2 * M * N * K * batch >= PARALLEL_MIN_FLOPS) T = Math.min(threads, 1 + readyWorkers());
    const scratchBytes = rt.exports.gemmScratchBytes();
    const mr = rt.exports.GEMM_MR.value;
    const nr = rt.exports.GEMM_NR.value;
    const jobs: number[][] = [];
    const pushJob = (t0: number, t1: number, m0: number, m1: number, n0: number, n1: number): void => {
      const count = t1 - t0;
      const table = arenaAlloc(count * 12);
      const scratch = arenaAlloc(scratchBytes);
      const u32 = memU32();
      for (let t = t0; t < t1; t++) {
        const e = (table >>> 2) + (t - t0) * 3;
        u32[e] = (ap.ptrs[t] as number) + m0 * ap.rowStride * 4;
        u32[e + 1] = (bp.ptrs[t] as number) + n0 * bp.colStride * 4;
        u32[e + 2] = cBase + (t * M * N + m0 * N + n0) * 4;
      }
      jobs.push([count, table, m1 - m0, n1 - n0, K, ap.rowStride, ap.colStride, bp.rowStride, bp.colStride, N, beta, scratch]);
    };
    if (T === 1) {
      pushJob(0, batch, 0, M, 0, N);
    } else if (batch >= 2 * T || batch % T === 0) {
      for (let i = 0; i < T; i++) {
        const t0 = Math.floor((batch * i) / T);
        const t1 = Math.floor((batch * (i + 1)) / T);
        if (t1 > t0) pushJob(t0, t1, 0, M, 0, N);
      }
    } else if (N >= M) {
      const cuts = split(N, T, nr);
      for (let i = 0; i + 1 < cuts.length; i++) pushJob(0, batch, 0, M, cuts[i] as number, cuts[i + 1] as number);
    } else {
      const cuts = split(M, T, mr);
      for (let i = 0; i + 1 < cuts.length; i++) pushJob(0, batch, cuts[i] as number, cuts[i + 1] as number, 0, N);
    }
    parallel("sgemmBatch", jobs);
    copyC(c, M, N, cBase, false);
  } finally {
    resetArena();
  }
}

/** Cut points splitting [0, n) into at most `parts` ranges, aligned to `align` (empty ranges dropped). */
function split(n: number, parts: number, align: number): number[] {
  const cuts = [0];
  for (let i = 1; i < parts; i++) {
    const c = Math.min(n, Math.round((n * i) / parts / align) * align);
    if (c > (cuts[cuts.length - 1] as number)) cuts.push(c);
  }
  if ((cuts[cuts.length - 1] as number) < n) cuts.push(n);
  return cuts;
}

function transpose(x: MatrixOperand): MatrixOperand {
  return { data: x.data, offsets: x.offsets, rowStride: x.colStride, colStride: x.rowStride };
}

function first(x: MatrixOperand): MatrixOperand {
  return { data: x.data, offsets: [x.offsets[0] as number], rowStride: x.rowStride, colStride: x.colStride };
}

function slice(x: MatrixOperand, start: number, end: number): MatrixOperand {
  return { data: x.data, offsets: Array.from(x.offsets).slice(start, end), rowStride: x.rowStride, colStride: x.colStride };
}

function sameValues(offsets: ArrayLike<number>): boolean {
  const o = offsets[0];
  for (let i = 1; i < offsets.length; i++) if (offsets[i] !== o) return false;
  return true;
}

/** Whether entry t starts M rows after entry t - 1 (so the batch is one matrix of batch x M rows). */
function rowsFollow(x: MatrixOperand, M: number): boolean {
  const step = M * x.rowStride;
  const o = x.offsets[0] as number;
  for (let i = 1; i < x.offsets.length; i++) if (x.offsets[i] !== o + i * step) return false;
  return true;
}

/** Element range [lo, hi] one entry spans relative to its offset. */
function extent(rows: number, cols: number, rs: number, cs: number): [number, number] {
  const r = (rows - 1) * rs;
  const c = (cols - 1) * cs;
  return [Math.min(0, r) + Math.min(0, c), Math.max(0, r) + Math.max(0, c)];
}

/** Whether an operand is copied as one span of its buffer (else entry by entry, compacted). */
function spanPlan(x: MatrixOperand, rows: number, cols: number): { start: number; length: number; unique: number } {
  const [lo, hi] = extent(rows, cols, x.rowStride, x.colStride);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  const seen = new Set<number>();
  for (let i = 0; i < x.offsets.length; i++) {
    const o = x.offsets[i] as number;
    seen.add(o);
    if (o < min) min = o;
    if (o > max) max = o;
  }
  return { start: min + lo, length: max + hi - (min + lo) + 1, unique: seen.size };
}

function useSpan(plan: { length: number; unique: number }, rows: number, cols: number): boolean {
  return plan.length <= 2 * plan.unique * rows * cols + 4096;
}

function workingSetBytes(M: number, N: number, K: number, a: MatrixOperand, b: MatrixOperand, batch: number, threads: number): number {
  const size = (x: MatrixOperand, rows: number, cols: number): number => {
    const plan = spanPlan(x, rows, cols);
    return (useSpan(plan, rows, cols) ? plan.length : plan.unique * rows * cols) * 4 + 64;
  };
  const scratch = kernels().exports.gemmScratchBytes() + 64 + batch * 12 + 64;
  return size(a, M, K) + size(b, K, N) + batch * M * N * 4 + threads * scratch + 4096;
}

interface Placed {
  /** Byte address of each entry's [0][0]. */
  readonly ptrs: number[];
  readonly rowStride: number;
  readonly colStride: number;
}

/** Copies an operand into the arena: its whole span when dense enough, else each distinct entry compacted row-major. */
function copyIn(x: MatrixOperand, rows: number, cols: number): Placed {
  const plan = spanPlan(x, rows, cols);
  const n = x.offsets.length;
  const ptrs = new Array<number>(n);
  if (useSpan(plan, rows, cols)) {
    const p = arenaAlloc(plan.length * 4);
    memF32().set(x.data.subarray(plan.start, plan.start + plan.length), p >>> 2);
    for (let i = 0; i < n; i++) ptrs[i] = p + ((x.offsets[i] as number) - plan.start) * 4;
    return { ptrs, rowStride: x.rowStride, colStride: x.colStride };
  }
  const placed = new Map<number, number>();
  const size = rows * cols;
  for (let i = 0; i < n; i++) {
    const o = x.offsets[i] as number;
    let p = placed.get(o);
    if (p === undefined) {
      p = arenaAlloc(size * 4);
      const mem = memF32();
      const d = x.data;
      let w = p >>> 2;
      for (let r = 0; r < rows; r++) {
        const row = o + r * x.rowStride;
        if (x.colStride === 1) {
          mem.set(d.subarray(row, row + cols), w);
          w += cols;
        } else {
          for (let j = 0, s = row; j < cols; j++, s += x.colStride) mem[w++] = d[s] as number;
        }
      }
      placed.set(o, p);
    }
    ptrs[i] = p;
  }
  return { ptrs, rowStride: cols, colStride: 1 };
}

/** Copies C between the JS operand and the arena's compact [batch][M][N] block (`toArena` for beta 1). */
function copyC(c: MatrixOperand, M: number, N: number, base: number, toArena: boolean): void {
  const mem = memF32();
  const d = c.data;
  if (!toArena) forgetMirror(d);
  const batch = c.offsets.length;
  const w0 = base >>> 2;
  if (c.colStride === 1 && c.rowStride === N && rowsFollow(c, M)) {
    const o = c.offsets[0] as number;
    const len = batch * M * N;
    if (toArena) mem.set(d.subarray(o, o + len), w0);
    else d.set(mem.subarray(w0, w0 + len), o);
    return;
  }
  for (let t = 0; t < batch; t++) {
    const o = c.offsets[t] as number;
    for (let i = 0; i < M; i++) {
      const row = o + i * c.rowStride;
      const w = w0 + (t * M + i) * N;
      if (c.colStride === 1) {
        if (toArena) mem.set(d.subarray(row, row + N), w);
        else d.set(mem.subarray(w, w + N), row);
      } else if (toArena) {
        for (let j = 0, s = row; j < N; j++, s += c.colStride) mem[w + j] = d[s] as number;
      } else {
        for (let j = 0, s = row; j < N; j++, s += c.colStride) d[s] = mem[w + j] as number;
      }
    }
  }
}
