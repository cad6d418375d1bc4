/**
 * Float32 reductions as WGSL compute shaders (issue 16): sum, prod, max and
 * min over any set of dims, and argmax/argmin along one dim, over strided
 * inputs (transposed, offset, broadcast), with the reference backend's
 * contract (src/backend/types.ts `reduce` / `argReduce`): `out` has x's
 * shape with the reduced dims set to 1; an empty reduction gives sum 0,
 * prod 1, max -inf, min +inf (as the reference backend; max/min of nothing
 * is the caller's error).
 *
 * Each output gets a power of two of lanes (threads), about one per 8
 * elements of its slice and at most a workgroup's 256: each lane folds every
 * lanes-th element, then a tree in workgroup memory folds the lanes (so a
 * sum's rounding error grows with n / 256 + 8 additions, not n, and a
 * workgroup reduces many short slices at once). Dims are coalesced
 * first (a contiguous run of reduced dims indexes as one), so a contiguous
 * full reduction walks one dim.
 *
 * argmax/argmin write int32 indices (WGSL has no 64-bit integers; the
 * backend's int64 contract needs a widening copy on readback). Not exported
 * from the package; tested in test/browser/webgpu_reduce.test.ts.
 */

/// <reference types="@webgpu/types" />

import { IndexError, ShapeError } from "../../core/errors.js";
import { type GpuKernels, type GpuStrided, MAX_DIMS } from "./kernels.js";

export type GpuReduceOp = "sum" | "prod" | "max" | "min";
export type GpuArgReduceOp = "argmax" | "argmin";

const WORKGROUP = 256;
/** Elements each lane folds in order before the tree (short slices: one lane per output). */
const PER_LANE = 8;
/** "No index yet": a thread of an arg-reduction that saw no element. */
const NONE = "0xffffffffu";

/**
 * Each value reduction's fold of `a` (the running value) and `b` (the next),
 * and its value over no elements. max/min keep the first NaN they see
 * (PyTorch's rule), tested by its bits: a compiler that assumes no NaN may
 * fold `b > a` into `!(b <= a)`.
 */
const FOLD: Record<GpuReduceOp, { expr: string; init: number }> = {
  sum: { expr: "a + b", init: 0 },
  prod: { expr: "a * b", init: 1 },
  max: { expr: "select(a, b, isNan(b) || (!isNan(a) && b > a))", init: Number.NEGATIVE_INFINITY },
  min: { expr: "select(a, b, isNan(b) || (!isNan(a) && b < a))", init: Number.POSITIVE_INFINITY },
};

/**
 * The layout uniform: output count, slice length, kept and reduced dim
 * counts, x's and out's offsets, the fold's start value (f32 bits: a shader
 * constant of inf would not compile), then the kept dims' sizes, x strides
 * and out strides, and the reduced dims' sizes and x strides (8 u32 each).
 */
const HEADER = `
struct Layout {
  nOut: u32, nRed: u32, kdim: u32, rdim: u32, offX: u32, offOut: u32, init: u32, pad: u32,
  kShape: array<vec4<u32>, 2>, kStrideX: array<vec4<u32>, 2>, kStrideOut: array<vec4<u32>, 2>,
  rShape: array<vec4<u32>, 2>, rStride: array<vec4<u32>, 2>,
}
@group(0) @binding(0) var<uniform> L: Layout;
@group(0) @binding(1) var<storage, read> x: array<f32>;
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

function valueFold(op: GpuReduceOp): Fold {
  return {
    prelude: `@group(0) @binding(2) var<storage, read_write> out: array<f32>;
fn fold(a: f32, b: f32) -> f32 { return ${FOLD[op].expr}; }`,
    state: "var acc = bitcast<f32>(L.init);",
    step: "acc = fold(acc, x[elementAt(at.x, j)]);",
    shared: `var<workgroup> pv: array<f32, ${WORKGROUP}>;`,
    store: "pv[t] = acc;",
    merge: "pv[t] = fold(pv[t], pv[t + s]);",
    load: "acc = pv[t];",
    result: "acc",
  };
}

/**
 * argmax/argmin: the state is a value and its index. `takes` says whether
 * (b, bi) replaces (a, ai): a NaN beats any number, then the larger (argmax)
 * or smaller value, and equals (NaN and NaN included) go to the lower index,
 * so the first extreme wins whatever order the threads fold in.
 */
function argFold(op: GpuArgReduceOp): Fold {
  const cmp = op === "argmax" ? ">" : "<";
  return {
    prelude: `@group(0) @binding(2) var<storage, read_write> out: array<i32>;
fn takes(a: f32, ai: u32, b: f32, bi: u32) -> bool {
  if (bi == ${NONE}) { return false; }
  if (ai == ${NONE}) { return true; }
  let na = isNan(a);
  let nb = isNan(b);
  if (na || nb) { return nb && (!na || bi < ai); }
  return b ${cmp} a || (b == a && bi < ai);
}`,
    state: `var acc = 0.0;
  var ai = ${NONE};`,
    step: `let v = x[elementAt(at.x, j)];
    if (takes(acc, ai, v, j)) { acc = v; ai = j; }`,
    shared: `var<workgroup> pv: array<f32, ${WORKGROUP}>;
var<workgroup> pi: array<u32, ${WORKGROUP}>;`,
    store: "pv[t] = acc; pi[t] = ai;",
    merge: "if (takes(pv[t], pi[t], pv[t + s], pi[t + s])) { pv[t] = pv[t + s]; pi[t] = pi[t + s]; }",
    load: "acc = pv[t]; ai = pi[t];",
    result: "i32(ai)",
  };
}

/**
 * `lanes` threads per output (a power of two up to the workgroup's size), so
 * a workgroup reduces 256 / lanes outputs: each lane folds every lanes-th
 * element of its slice, then a tree in workgroup memory folds the lanes.
 * Barriers stay in uniform control flow: a thread past the last output still
 * reaches them, holding the fold's start value.
 */
function shader(f: Fold, lanes: number): string {
  return `${HEADER}${f.prelude}
${lanes > 1 ? f.shared : ""}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let first = (wg.x + wg.y * ng.x) * ${WORKGROUP / lanes}u;
  if (first >= L.nOut) { return; }
  let o = first + t / ${lanes}u;
  let lane = t % ${lanes}u;
  var at = vec2<u32>(0u, 0u);
  ${f.state}
  if (o < L.nOut) {
    at = outputAt(o);
    for (var j = lane; j < L.nRed; j += ${lanes}u) {
      ${f.step}
    }
  }
  ${lanes > 1 ? tree(f, lanes) : ""}
  if (o < L.nOut && lane == 0u) { out[at.y] = ${f.result}; }
}`;
}

/** Folds each output's lanes into its lane 0, through workgroup memory (one lane per output needs none). */
function tree(f: Fold, lanes: number): string {
  return `${f.store}
  workgroupBarrier();
  for (var s = ${lanes >> 1}u; s > 0u; s = s >> 1u) {
    if (lane < s) { ${f.merge} }
    workgroupBarrier();
  }
  ${f.load}`;
}

/** A dim of a loop nest: its size and its stride in each operand. */
interface Dim {
  size: number;
  strides: number[];
}

/**
 * Drops size-1 dims and merges each dim into the one outside it where every
 * operand steps over the inner dim exactly once per outer step (outer stride
 * = inner stride * inner size): the same elements, in the same order, with
 * fewer dims to index.
 */
function coalesce(dims: readonly Dim[]): Dim[] {
  const merged: Dim[] = [];
  for (const d of dims) {
    if (d.size === 1) continue;
    const last = merged[merged.length - 1];
    if (last?.strides.every((s, i) => s === (d.strides[i] as number) * d.size)) {
      merged[merged.length - 1] = { size: last.size * d.size, strides: d.strides };
    } else merged.push({ size: d.size, strides: [...d.strides] });
  }
  return merged;
}

/** Checks the contract (out is x's shape with `dims` set to 1; dims increasing) and splits x's dims into kept and reduced. */
function split(op: string, x: GpuStrided, dims: readonly number[], out: GpuStrided): { kept: Dim[]; red: Dim[] } {
  const n = x.shape.length;
  if (n > MAX_DIMS) throw new ShapeError(`webgpu ${op}: at most ${MAX_DIMS} dims, got ${n}`);
  // A 0-d operand takes dim 0 as a dim of size 1.
  if (dims.some((d, i) => !Number.isInteger(d) || d < 0 || d >= Math.max(n, 1) || (i > 0 && d <= (dims[i - 1] as number)))) {
    throw new IndexError(`webgpu ${op}: dims must be increasing dims of a ${n}-d input, got [${dims.join(", ")}]`);
  }
  const want = x.shape.map((s, d) => (dims.includes(d) ? 1 : s));
  if (out.shape.length !== n || out.shape.some((s, d) => s !== want[d])) {
    throw new ShapeError(`webgpu ${op}: expected an output of shape [${want.join(", ")}], got [${out.shape.join(", ")}]`);
  }
  for (const v of [x, out]) {
    if (v.strides.some((s) => s < 0) || v.offset < 0) throw new ShapeError(`webgpu ${op}: negative strides or offsets are not supported`);
  }
  const kept: Dim[] = [];
  const red: Dim[] = [];
  x.shape.forEach((size, d) => {
    if (dims.includes(d)) red.push({ size, strides: [x.strides[d] as number] });
    else kept.push({ size, strides: [x.strides[d] as number, out.strides[d] as number] });
  });
  return { kept: coalesce(kept), red: coalesce(red) };
}

/** The layout uniform's words (see `HEADER`). */
function layoutWords(x: GpuStrided, out: GpuStrided, kept: readonly Dim[], red: readonly Dim[], init: number): Uint32Array {
  const u = new Uint32Array(8 + 5 * MAX_DIMS);
  u[0] = kept.reduce((p, d) => p * d.size, 1);
  u[1] = red.reduce((p, d) => p * d.size, 1);
  u[2] = kept.length;
  u[3] = red.length;
  u[4] = x.offset;
  u[5] = out.offset;
  u[6] = new Uint32Array(Float32Array.of(init).buffer)[0] as number;
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

/** Encodes the shader for `op` over a layout, with about `PER_LANE` elements per lane (up to 256 lanes per output). */
function dispatch(k: GpuKernels, op: string, fold: Fold, x: GpuStrided, out: GpuStrided, layout: Uint32Array): void {
  const [nOut, nRed] = [layout[0] as number, layout[1] as number];
  let lanes = 1;
  while (lanes < WORKGROUP && lanes * PER_LANE < nRed) lanes *= 2;
  const groups = Math.ceil((nOut * lanes) / WORKGROUP);
  k.run(`r:${op}:${lanes}`, () => shader(fold, lanes), layout, [x.buffer, out.buffer], groups);
}

/**
 * Reduces `dims` (increasing dims of x) of the float32 `x` into `out` with
 * sum, prod, max or min: `out` has x's shape with those dims set to 1 (any
 * strides). Sums and products fold in float32 (the reference backend folds
 * in float64 and rounds once); max/min propagate NaN. Encoded into `k`'s
 * batch (submitted on `k.flush()` or a read).
 */
export function reduce(k: GpuKernels, op: GpuReduceOp, x: GpuStrided, dims: readonly number[], out: GpuStrided): void {
  const { kept, red } = split(op, x, dims, out);
  dispatch(k, op, valueFold(op), x, out, layoutWords(x, out, kept, red, FOLD[op].init));
}

/**
 * The index (int32) of the first largest (argmax) or smallest (argmin)
 * element along `dim` of the float32 `x` into `out`, x's shape with `dim`
 * set to 1; a NaN counts as the extreme (the first NaN wins), as PyTorch's.
 */
export function argReduce(k: GpuKernels, op: GpuArgReduceOp, x: GpuStrided, dim: number, out: GpuStrided): void {
  const { kept, red } = split(op, x, [dim], out);
  const layout = layoutWords(x, out, kept, red, 0);
  if (layout[1] === 0 && layout[0] !== 0) throw new IndexError(`${op}(): Expected reduction dim ${dim} to have non-zero size.`);
  dispatch(k, op, argFold(op), x, out, layout);
}
