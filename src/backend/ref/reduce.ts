/** Reductions and scans of the reference backend. */

import type { ArgReduceOp, ReduceOp, ScanOp, Strided } from "../types.js";
import { denseLength, forEachIndex, offsetOf } from "./iter.js";

interface Acc {
  init: number;
  step: (acc: number, v: number) => number;
}

// max/min propagate NaN: once the accumulator is NaN it stays NaN.
const ACC: Record<ReduceOp, Acc> = {
  sum: { init: 0, step: (acc, v) => acc + v },
  prod: { init: 1, step: (acc, v) => acc * v },
  max: { init: Number.NEGATIVE_INFINITY, step: (acc, v) => (v > acc || Number.isNaN(v) ? v : acc) },
  min: { init: Number.POSITIVE_INFINITY, step: (acc, v) => (v < acc || Number.isNaN(v) ? v : acc) },
  any: { init: 0, step: (acc, v) => (acc !== 0 || v !== 0 ? 1 : 0) },
  all: { init: 1, step: (acc, v) => (acc !== 0 && v !== 0 ? 1 : 0) },
};

/** Splits x's dims into kept and reduced ones (in order). */
function split(x: Strided, dims: readonly number[]) {
  const reduced = new Set(dims);
  const keptShape: number[] = [];
  const keptStrides: number[] = [];
  const redShape: number[] = [];
  const redStrides: number[] = [];
  x.shape.forEach((s, d) => {
    if (reduced.has(d)) {
      redShape.push(s);
      redStrides.push(x.strides[d] as number);
    } else {
      keptShape.push(s);
      keptStrides.push(x.strides[d] as number);
    }
  });
  return { keptShape, keptStrides, redShape, redStrides };
}

/**
 * Calls `fn` for each slice of x along `dim` (a 0-d x is one slice of one
 * element) with the slice's first element in x and in out, its length and
 * its strides in x and out: the walk argReduce, scan and argsort share.
 */
function forEachSlice(x: Strided, dim: number, out: Strided, fn: (ix: number, io: number, n: number, s: number, so: number) => void): void {
  const { keptShape, keptStrides } = split(x, [dim]);
  const outKept = out.strides.filter((_, d) => d !== dim);
  const n = x.shape[dim] ?? 1;
  const s = x.strides[dim] ?? 0;
  const so = out.strides[dim] ?? 0;
  forEachIndex(keptShape, (kidx) => fn(offsetOf(kidx, keptStrides, x.offset), offsetOf(kidx, outKept, out.offset), n, s, so));
}

/** Sum of n elements from `start`: a flat loop (the common full reduction of a contiguous tensor). */
function flatSum(X: Strided["data"], start: number, n: number): number {
  let acc = 0;
  for (let i = start, end = start + n; i < end; i++) acc += X[i] as number;
  return acc;
}

export function reduce(op: ReduceOp, x: Strided, dims: readonly number[], out: Strided): void {
  const { init, step } = ACC[op];
  const X = x.data;
  const O = out.data;
  if (op === "sum" && dims.length === x.shape.length) {
    const n = denseLength(x);
    if (n >= 0) {
      O[out.offset] = flatSum(X, x.offset, n);
      return;
    }
  }
  const { keptShape, keptStrides, redShape, redStrides } = split(x, dims);
  // Output strides of the kept dims (out has size-1 entries at reduced dims).
  const outKept: number[] = [];
  const reducedSet = new Set(dims);
  out.shape.forEach((_, d) => {
    if (!reducedSet.has(d)) outKept.push(out.strides[d] as number);
  });
  // Innermost reduced dim as a strided row, the rest through an index walk.
  const rowLen = redShape.length > 0 ? (redShape[redShape.length - 1] as number) : 1;
  const rowStride = redStrides.length > 0 ? (redStrides[redStrides.length - 1] as number) : 0;
  const outerRed = redShape.slice(0, -1);
  const outerRedStrides = redStrides.slice(0, -1);
  const fast = op === "sum";
  forEachIndex(keptShape, (kidx) => {
    const base = offsetOf(kidx, keptStrides, x.offset);
    let acc = init;
    const visit = (start: number) => {
      if (fast) {
        for (let i = 0, o = start; i < rowLen; i++, o += rowStride) acc += X[o] as number;
      } else {
        for (let i = 0, o = start; i < rowLen; i++, o += rowStride) acc = step(acc, X[o] as number);
      }
    };
    if (outerRed.length === 0) visit(base);
    else forEachIndex(outerRed, (ridx) => visit(offsetOf(ridx, outerRedStrides, base)));
    O[offsetOf(kidx, outKept, out.offset)] = acc;
  });
}

export function argReduce(op: ArgReduceOp, x: Strided, dim: number, out: Strided): void {
  const X = x.data;
  const O = out.data;
  const better = op === "argmax" ? (v: number, best: number) => v > best : (v: number, best: number) => v < best;
  forEachSlice(x, dim, out, (base, io, n, s) => {
    let best = X[base] as number;
    let at = 0;
    // The first NaN wins (NaN counts as the extreme), then the first extreme value.
    for (let i = 1; i < n && !Number.isNaN(best); i++) {
      const v = X[base + i * s] as number;
      if (Number.isNaN(v) || better(v, best)) {
        best = v;
        at = i;
      }
    }
    O[io] = at;
  });
}

export function scan(op: ScanOp, x: Strided, dim: number, out: Strided): void {
  const X = x.data;
  const O = out.data;
  const [start, step] = SCANS[op];
  forEachSlice(x, dim, out, (ix, io, n, s, so) => {
    let acc = start;
    for (let i = 0; i < n; i++) {
      acc = step(acc, X[ix + i * s] as number);
      O[io + i * so] = acc;
    }
  });
}

/** log(exp(acc) + exp(x)) without overflow; equal infinities stay themselves (PyTorch's log_add_exp). */
function logAddExp(acc: number, x: number): number {
  const lo = Math.min(x, acc);
  const hi = Math.max(x, acc);
  if (lo !== hi || Number.isFinite(lo)) return Math.log1p(Math.exp(lo - hi)) + hi;
  return x;
}

/** Each scan's running value before the first element, and one step: the running value and the next element give the next. */
const SCANS: Readonly<Record<ScanOp, readonly [number, (acc: number, x: number) => number]>> = {
  cumsum: [0, (acc, x) => acc + x],
  cumprod: [1, (acc, x) => acc * x],
  // A NaN is kept from where it appears (PyTorch's cummax/cummin).
  cummax: [Number.NEGATIVE_INFINITY, (acc, x) => (Number.isNaN(x) || x >= acc ? x : acc)],
  cummin: [Number.POSITIVE_INFINITY, (acc, x) => (Number.isNaN(x) || x <= acc ? x : acc)],
  logcumsumexp: [Number.NEGATIVE_INFINITY, logAddExp],
};

/** Orders two values: NaN counts as the largest; equal values keep their positions (a stable sort). */
function ascending(va: number, vb: number): number {
  const na = Number.isNaN(va);
  const nb = Number.isNaN(vb);
  if (na || nb) return na && nb ? 0 : na ? 1 : -1;
  return va < vb ? -1 : va > vb ? 1 : 0;
}

export function argsort(x: Strided, dim: number, descending: boolean, out: Strided): void {
  const X = x.data;
  const O = out.data;
  const n = x.shape[dim] ?? 1;
  const order = new Array<number>(n);
  const values = new Float64Array(n);
  const sign = descending ? -1 : 1;
  forEachSlice(x, dim, out, (base, ob, _n, s, so) => {
    for (let i = 0; i < n; i++) {
      order[i] = i;
      values[i] = Number(X[base + i * s]);
    }
    order.sort((a, b) => sign * ascending(values[a] as number, values[b] as number) || a - b);
    for (let i = 0; i < n; i++) O[ob + i * so] = order[i] as number;
  });
}
