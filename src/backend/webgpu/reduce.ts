/**
 * Reductions as WGSL compute shaders (issue 16): sum, prod, max, min, any
 * and all over any set of dims, and argmax/argmin along one dim, over
 * strided inputs (transposed, offset, broadcast) of every device dtype, with
 * the reference backend's contract (src/backend/types.ts `reduce` /
 * `argReduce`): `out` has x's shape with the reduced dims set to 1; an empty
 * reduction gives sum 0, prod 1, any false, all true, max -inf and min +inf
 * (float32; max/min of nothing is the caller's error).
 *
 * Types: each element is cast to the output's type before it is folded, as
 * PyTorch casts its input to `dtype` (a bool or int32 sum into int64 folds
 * in i32, wrapping past int32's range); any/all fold 0/1 and write them as
 * the output's type; bool outputs fold with or/and (sum, any / prod, all) so
 * they stay 0 or 1.
 *
 * Each output gets a power of two of lanes (threads), about one per 8
 * elements of its slice and at most a workgroup's 256: each lane folds every
 * lanes-th element, then a tree in workgroup memory folds the lanes (so a
 * sum's rounding error grows with n / 256 + 8 additions, not n, and a
 * workgroup reduces many short slices at once). Dims are coalesced first (a
 * contiguous run of reduced dims indexes as one), so a contiguous full
 * reduction walks one dim. Tested in test/browser/webgpu_reduce.test.ts.
 */

/// <reference types="@webgpu/types" />

import { DTypeError, IndexError, ShapeError } from "../../core/errors.js";
import type { ArgReduceOp, ReduceOp } from "../types.js";
import { type GpuKernels, MAX_DIMS } from "./kernels.js";
import { type GpuOperand, type WgslScalar, wgslType } from "./operand.js";
import { bitsOf, checkStrided, coalesce, convertWgsl, type Dim, ENTRY, rowLanesWgsl, WORKGROUP } from "./uniform_words.js";

/** Elements each lane folds in order before the tree (short slices: one lane per output). */
const PER_LANE = 8;
/** "No index yet": a thread of an arg-reduction that saw no element. */
const NONE = "0xffffffffu";

/**
 * Each value reduction's fold of `a` (the running value) and `b` (the next)
 * in the accumulator's type. Float max/min keep the first NaN they see
 * (PyTorch's rule), tested by its bits: a compiler that assumes no NaN may
 * fold `b > a` into `!(b <= a)`.
 */
function foldExpr(op: ReduceOp, t: WgslScalar): string {
  switch (op) {
    case "sum":
      return t === "u32" ? "a | b" : "a + b";
    case "prod":
    case "all":
      return t === "u32" ? "a & b" : "a * b";
    case "any":
      return "a | b";
    case "max":
      return t === "f32" ? "select(a, b, isNan(b) || (!isNan(a) && b > a))" : "max(a, b)";
    case "min":
      return t === "f32" ? "select(a, b, isNan(b) || (!isNan(a) && b < a))" : "min(a, b)";
  }
}

/** Each reduction's value over no elements, in the accumulator's type (bool: 0 or 1). */
function initOf(op: ReduceOp, t: WgslScalar): number {
  if (op === "sum" || op === "any") return 0;
  if (op === "prod" || op === "all") return 1;
  const big = t === "f32" ? Number.POSITIVE_INFINITY : t === "i32" ? 2 ** 31 - 1 : 1;
  const small = t === "f32" ? Number.NEGATIVE_INFINITY : t === "i32" ? -(2 ** 31) : 0;
  return op === "max" ? small : big;
}

/**
 * The layout uniform: output count, slice length, kept and reduced dim
 * counts, x's and out's offsets, the fold's start value (its bits: a shader
 * constant of inf would not compile), the lanes per output, then the kept
 * dims' sizes, x strides and out strides, and the reduced dims' sizes and x
 * strides (8 u32 each).
 */
function header(tin: WgslScalar): string {
  return `
struct Layout {
  nOut: u32, nRed: u32, kdim: u32, rdim: u32, offX: u32, offOut: u32, init: u32, lanes: u32,
  kShape: array<vec4<u32>, 2>, kStrideX: array<vec4<u32>, 2>, kStrideOut: array<vec4<u32>, 2>,
  rShape: array<vec4<u32>, 2>, rStride: array<vec4<u32>, 2>,
}
@group(0) @binding(0) var<uniform> L: Layout;
@group(0) @binding(1) var<storage, read> x: array<${tin}>;
fn isNan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }
// x's offset of output o's slice, and out's offset of o (o: a linear index over the kept dims).
fn outputAt(o: u32) -> vec2<u32> {
  var rem = o;
  var ix = L.offX;
  var io = L.offOut;
  for (var k = 0u; k < L.kdim; k++) {
    let d = L.kdim - 1u - k;
    let size = L.kShape[d / 4u][d % 4u];
    let c = rem % size;
    rem = rem / size;
    ix += c * L.kStrideX[d / 4u][d % 4u];
    io += c * L.kStrideOut[d / 4u][d % 4u];
  }
  return vec2<u32>(ix, io);
}
// x's offset of element j (a linear index over the reduced dims) of the slice at base.
fn elementAt(base: u32, j: u32) -> u32 {
  var rem = j;
  var ix = base;
  for (var k = 0u; k < L.rdim; k++) {
    let d = L.rdim - 1u - k;
    let size = L.rShape[d / 4u][d % 4u];
    ix += (rem % size) * L.rStride[d / 4u][d % 4u];
    rem = rem / size;
  }
  return ix;
}
`;
}

/** How a shader folds: its running state, one element's step, the shared arrays and their fold, the result. */
interface Fold {
  prelude: string;
  state: string;
  step: string;
  shared: string;
  store: string;
  merge: string;
  load: string;
  result: string;
}

/** A value reduction of `tin` elements into a `tout` output, folding in `tacc`. */
function valueFold(op: ReduceOp, tin: WgslScalar, tout: WgslScalar): Fold {
  const tacc: WgslScalar = op === "any" || op === "all" ? "u32" : tout;
  return {
    prelude: `@group(0) @binding(2) var<storage, read_write> out: array<${tout}>;
fn fold(a: ${tacc}, b: ${tacc}) -> ${tacc} { return ${foldExpr(op, tacc)}; }`,
    state: `var acc = bitcast<${tacc}>(L.init);`,
    step: `let v = x[elementAt(at.x, j)];
      acc = fold(acc, ${convertWgsl("v", tin, tacc)});`,
    shared: `var<workgroup> pv: array<${tacc}, ${WORKGROUP}>;`,
    store: "pv[t] = acc;",
    merge: "pv[t] = fold(pv[t], pv[t + s]);",
    load: "acc = pv[t];",
    result: convertWgsl("acc", tacc, tout),
  };
}

/**
 * argmax/argmin: the state is a value and its index. `takes` says whether
 * (b, bi) replaces (a, ai): a NaN beats any number, then the larger (argmax)
 * or smaller value, and equals (NaN and NaN included) go to the lower index,
 * so the first extreme wins whatever order the threads fold in.
 */
function argFold(op: ArgReduceOp, tin: WgslScalar): Fold {
  const cmp = op === "argmax" ? ">" : "<";
  const nan = tin === "f32" ? "let na = isNan(a);\n  let nb = isNan(b);\n  if (na || nb) { return nb && (!na || bi < ai); }" : "";
  return {
    prelude: `@group(0) @binding(2) var<storage, read_write> out: array<i32>;
fn takes(a: ${tin}, ai: u32, b: ${tin}, bi: u32) -> bool {
  if (bi == ${NONE}) { return false; }
  if (ai == ${NONE}) { return true; }
  ${nan}
  return b ${cmp} a || (b == a && bi < ai);
}`,
    state: `var acc = ${tin}(0);
  var ai = ${NONE};`,
    step: `let v = x[elementAt(at.x, j)];
    if (takes(acc, ai, v, j)) { acc = v; ai = j; }`,
    shared: `var<workgroup> pv: array<${tin}, ${WORKGROUP}>;
var<workgroup> pi: array<u32, ${WORKGROUP}>;`,
    store: "pv[t] = acc; pi[t] = ai;",
    merge: "if (takes(pv[t], pi[t], pv[t + s], pi[t + s])) { pv[t] = pv[t + s]; pi[t] = pi[t + s]; }",
    load: "acc = pv[t]; ai = pi[t];",
    result: "i32(ai)",
  };
}

/**
 * `L.lanes` threads per output (a power of two up to the workgroup's size,
 * in the uniform so that one pipeline serves every slice length), so a
 * workgroup reduces 256 / lanes outputs: each lane folds every lanes-th
 * element of its slice, then (`shared`: more than one lane) a tree in
 * workgroup memory folds the lanes. Barriers stay in uniform control flow:
 * a thread past the last output still reaches them, holding the fold's
 * start value.
 */
function shader(tin: WgslScalar, f: Fold, shared: boolean): string {
  return `${header(tin)}${f.prelude}
${shared ? f.shared : ""}
${ENTRY} {
  ${rowLanesWgsl("L.nOut", "L.lanes", "o")}
  var at = vec2<u32>(0u, 0u);
  ${f.state}
  if (live) {
    at = outputAt(o);
    for (var j = lane; j < L.nRed; j += lanes) {
      ${f.step}
    }
  }
  ${shared ? tree(f) : ""}
  if (o < L.nOut && lane == 0u) { out[at.y] = ${f.result}; }
}`;
}

/** Folds each output's lanes into its lane 0, through workgroup memory (one lane per output needs none). */
function tree(f: Fold): string {
  return `${f.store}
  workgroupBarrier();
  for (var s = lanes >> 1u; s > 0u; s = s >> 1u) {
    if (lane < s) { ${f.merge} }
    workgroupBarrier();
  }
  ${f.load}`;
}

/** Checks the contract (out is x's shape with `dims` set to 1; dims increasing) and splits x's dims into kept and reduced. */
function split(op: string, x: GpuOperand, dims: readonly number[], out: GpuOperand): { kept: Dim[]; red: Dim[] } {
  const n = x.shape.length;
  checkStrided(op, x, out);
  // A 0-d operand takes dim 0 as a dim of size 1.
  if (dims.some((d, i) => !Number.isInteger(d) || d < 0 || d >= Math.max(n, 1) || (i > 0 && d <= (dims[i - 1] as number)))) {
    throw new IndexError(`webgpu ${op}: dims must be increasing dims of a ${n}-d input, got [${dims.join(", ")}]`);
  }
  const want = x.shape.map((s, d) => (dims.includes(d) ? 1 : s));
  if (out.shape.length !== n || out.shape.some((s, d) => s !== want[d])) {
    throw new ShapeError(`webgpu ${op}: expected an output of shape [${want.join(", ")}], got [${out.shape.join(", ")}]`);
  }
  const kept: Dim[] = [];
  const red: Dim[] = [];
  x.shape.forEach((size, d) => {
    if (dims.includes(d)) red.push({ size, strides: [x.strides[d] as number] });
    else kept.push({ size, strides: [x.strides[d] as number, out.strides[d] as number] });
  });
  return { kept: coalesce(kept), red: coalesce(red) };
}

/** The layout uniform's words (see `header`); `init` is the fold's start value as bits. */
function layoutWords(x: GpuOperand, out: GpuOperand, kept: readonly Dim[], red: readonly Dim[], init: number): Uint32Array {
  const u = new Uint32Array(8 + 5 * MAX_DIMS);
  u[0] = kept.reduce((p, d) => p * d.size, 1);
  u[1] = red.reduce((p, d) => p * d.size, 1);
  u[2] = kept.length;
  u[3] = red.length;
  u[4] = x.offset;
  u[5] = out.offset;
  u[6] = init;
  kept.forEach((d, i) => {
    u[8 + i] = d.size;
    u[8 + MAX_DIMS + i] = d.strides[0] as number;
    u[8 + 2 * MAX_DIMS + i] = d.strides[1] as number;
  });
  red.forEach((d, i) => {
    u[8 + 3 * MAX_DIMS + i] = d.size;
    u[8 + 4 * MAX_DIMS + i] = d.strides[0] as number;
  });
  return u;
}

/** Encodes the shader for `key` over a layout, with about `PER_LANE` elements per lane (up to 256 lanes per output). */
function dispatch(
  k: GpuKernels,
  key: string,
  code: (shared: boolean) => string,
  x: GpuOperand,
  out: GpuOperand,
  layout: Uint32Array,
): void {
  const [nOut, nRed] = [layout[0] as number, layout[1] as number];
  let lanes = 1;
  while (lanes < WORKGROUP && lanes * PER_LANE < nRed) lanes *= 2;
  layout[7] = lanes;
  const groups = Math.ceil((nOut * lanes) / WORKGROUP);
  k.run(`${key}:${lanes > 1}`, () => code(lanes > 1), layout, [x.buffer, out.buffer], groups);
}

/**
 * Reduces `dims` (increasing dims of x) of `x` into `out` with sum, prod,
 * max, min, any or all: `out` has x's shape with those dims set to 1 (any
 * strides), of any device dtype (x's elements are cast to it; any/all write
 * 0/1). Float sums and products fold in float32 (the reference backend folds
 * in float64 and rounds once); max/min propagate NaN. Encoded into `k`'s
 * batch (submitted on `k.flush()` or a read).
 */
export function reduce(k: GpuKernels, op: ReduceOp, x: GpuOperand, dims: readonly number[], out: GpuOperand): void {
  const { kept, red } = split(op, x, dims, out);
  const [tin, tout] = [wgslType(x.dtype, op), wgslType(out.dtype, op)];
  const tacc = op === "any" || op === "all" ? "u32" : tout;
  const layout = layoutWords(x, out, kept, red, bitsOf(initOf(op, tacc), tacc));
  dispatch(k, `r:${op}:${tin}:${tout}`, (shared) => shader(tin, valueFold(op, tin, tout), shared), x, out, layout);
}

/**
 * The index (int64, as i32 on the device) of the first largest (argmax) or
 * smallest (argmin) element along `dim` of `x` (any device dtype) into
 * `out`, x's shape with `dim` set to 1; a NaN counts as the extreme (the
 * first NaN wins), as PyTorch's.
 */
export function argReduce(k: GpuKernels, op: ArgReduceOp, x: GpuOperand, dim: number, out: GpuOperand): void {
  const { kept, red } = split(op, x, [dim], out);
  const tin = wgslType(x.dtype, op);
  if (wgslType(out.dtype, op) !== "i32") throw new DTypeError(`webgpu ${op}: expected an int64 output, got ${out.dtype}`);
  const layout = layoutWords(x, out, kept, red, 0);
  if (layout[1] === 0 && layout[0] !== 0) throw new IndexError(`${op}(): Expected reduction dim ${dim} to have non-zero size.`);
  dispatch(k, `r:${op}:${tin}`, (shared) => shader(tin, argFold(op, tin), shared), x, out, layout);
}
