/**
 * Inclusive scans as WGSL compute shaders (issue 16): cumsum, cumprod,
 * cummax, cummin and logcumsumexp along one dim of a strided input of any
 * device dtype (logcumsumexp: float32), as the reference backend's `scan`
 * (src/backend/ref/reduce.ts): cummax/cummin keep a NaN from where it
 * appears on (and take the later of equal values), logcumsumexp adds in
 * log space without overflow, a NaN winning and equal infinities staying
 * themselves. Each element is cast to the output's dtype before it is
 * folded (a bool or int32 cumsum into int64 adds in i32, wrapping past
 * int32's range; a bool output folds with or/and).
 *
 * Each slice gets a power of two of lanes (threads), about one per 8 of its
 * elements and at most a workgroup's 256, each lane owning a contiguous
 * chunk: a lane folds its chunk to a total, the totals go through workgroup
 * memory, and each lane scans its chunk again starting from the fold of the
 * totals before it. A slice is scanned inside one workgroup, so a single
 * very long slice runs on 256 threads (a multi-workgroup scan would need a
 * scratch buffer). The folds are the reference's steps regrouped: exact for
 * integers, cummax and cummin; a float cumsum's error grows with chunk +
 * lanes additions instead of the slice's length.
 */

/// <reference types="@webgpu/types" />

import { DTypeError } from "../../core/errors.js";
import type { ScanOp } from "../types.js";
import type { GpuKernels } from "./kernels.js";
import { type GpuOperand, type WgslScalar, wgslType } from "./operand.js";
import { bitsOf, convertWgsl, ENTRY, layoutWords, rowLanesWgsl, slicesAlong, uniformWgsl, WORKGROUP, walkWgsl } from "./uniform_words.js";

/** Elements per lane a slice gets before it gets more lanes. */
const PER_LANE = 8;

/** log(exp(a) + exp(b)) in float32: a NaN wins, equal infinities stay themselves, else log1p(exp(lo - hi)) + hi. */
const LOG_ADD_EXP = `
fn isInf(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) == 0x7f800000u; }
// log(1 + e) for e in [0, 1]: log(u) * e / (u - 1) with u = 1 + e rounded (exact where u rounds to 1), as WGSL has no log1p.
fn log1pSmall(e: f32) -> f32 {
  let u = 1.0 + e;
  if (u == 1.0) { return e; }
  return log(u) * e / (u - 1.0);
}
fn logAddExp(a: f32, b: f32) -> f32 {
  if (isNan(a) || isNan(b)) { return select(b, a, isNan(a)); }
  let lo = min(a, b);
  let hi = max(a, b);
  if (lo == hi && isInf(lo)) { return lo; }
  return log1pSmall(exp(lo - hi)) + hi;
}`;

/** One step of each scan in the accumulator's type: `a` the running value, `b` the next element. */
function stepExpr(op: ScanOp, t: WgslScalar): string {
  switch (op) {
    case "cumsum":
      return t === "u32" ? "a | b" : "a + b";
    case "cumprod":
      return t === "u32" ? "a & b" : "a * b";
    case "cummax":
      return t === "f32" ? "select(a, b, isNan(b) || (!isNan(a) && b >= a))" : "max(a, b)";
    case "cummin":
      return t === "f32" ? "select(a, b, isNan(b) || (!isNan(a) && b <= a))" : "min(a, b)";
    case "logcumsumexp":
      return "logAddExp(a, b)";
  }
}

/** Each scan's running value before the first element (bool: 0 or 1). */
function initOf(op: ScanOp, t: WgslScalar): number {
  if (op === "cumsum") return 0;
  if (op === "cumprod") return 1;
  if (op === "logcumsumexp") return Number.NEGATIVE_INFINITY;
  const big = t === "f32" ? Number.POSITIVE_INFINITY : t === "i32" ? 2 ** 31 - 1 : 1;
  const small = t === "f32" ? Number.NEGATIVE_INFINITY : t === "i32" ? -(2 ** 31) : 0;
  return op === "cummax" ? small : big;
}

/** Each lane's chunk total, then the fold of the totals of the lanes before it into the lane's start value. */
function totalsWgsl(load: string): string {
  return `var total = acc;
  if (live) { for (var j = start; j < end; j++) { total = fold(total, ${load}); } }
  totals[t] = total;
  workgroupBarrier();
  for (var m = t - lane; m < t; m++) { acc = fold(acc, totals[m]); }`;
}

/**
 * The header words: 0 slices, 1 kept dims, 2 x's offset, 3 out's offset,
 * 4 the slice length, 5 and 6 its x and out strides, 7 the start value's
 * bits, 8 the lanes per slice (a power of two up to 256, in the uniform so
 * that one pipeline serves every slice length; with one lane, a `shared`
 * false shader skips the totals and their barrier); blocks: 0 the kept
 * dims' sizes, 1 their x strides, 2 their out strides.
 */
function shader(op: ScanOp, tin: WgslScalar, tout: WgslScalar, shared: boolean): string {
  const load = (j: string) => convertWgsl(`x[bx + ${j} * word(5u)]`, tin, tout);
  return `${uniformWgsl(3)}
@group(0) @binding(1) var<storage, read> x: array<${tin}>;
@group(0) @binding(2) var<storage, read_write> out: array<${tout}>;
${op === "logcumsumexp" ? LOG_ADD_EXP : ""}
fn fold(a: ${tout}, b: ${tout}) -> ${tout} { return ${stepExpr(op, tout)}; }
${shared ? `var<workgroup> totals: array<${tout}, ${WORKGROUP}>;` : ""}
${ENTRY} {
  ${rowLanesWgsl("word(0u)", "word(8u)", "s")}
  let n = word(4u);
  let chunk = (n + lanes - 1u) / lanes;
  let start = min(lane * chunk, n);
  let end = min(start + chunk, n);
  var bx = word(2u);
  var bo = word(3u);
  if (live) ${walkWgsl("s", "word(1u)", 0, [
    ["bx", 1],
    ["bo", 2],
  ])}
  var acc = bitcast<${tout}>(word(7u));
  ${shared ? totalsWgsl(load("j")) : ""}
  if (live) {
    for (var j = start; j < end; j++) {
      acc = fold(acc, ${load("j")});
      out[bo + j * word(6u)] = acc;
    }
  }
}`;
}

/**
 * The inclusive scan `op` of `x` along `dim` into `out` (x's shape, any
 * strides; a 0-d x is one slice of one element). `out`'s dtype is the one
 * the scan folds in (cumsum/cumprod may widen: bool or int32 into int64);
 * logcumsumexp takes float32 only. Encoded into `k`'s batch.
 */
export function scan(k: GpuKernels, op: ScanOp, x: GpuOperand, dim: number, out: GpuOperand): void {
  const { count, ndim, blocks, n, sx, so } = slicesAlong(op, x, dim, out);
  const [tin, tout] = [wgslType(x.dtype, op), wgslType(out.dtype, op)];
  if (op === "logcumsumexp" && (tin !== "f32" || tout !== "f32")) {
    throw new DTypeError(`webgpu logcumsumexp: expected float32 input and output, got ${x.dtype} and ${out.dtype}`);
  }
  if (count === 0 || n === 0) return;
  let lanes = 1;
  while (lanes < WORKGROUP && lanes * PER_LANE < n) lanes *= 2;
  const header = [count, ndim, x.offset, out.offset, n, sx, so, bitsOf(initOf(op, tout), tout), lanes];
  const groups = Math.ceil((count * lanes) / WORKGROUP);
  const shared = lanes > 1;
  k.run(
    `scan:${op}:${tin}:${tout}:${shared}`,
    () => shader(op, tin, tout, shared),
    layoutWords(header, blocks),
    [x.buffer, out.buffer],
    groups,
  );
}
