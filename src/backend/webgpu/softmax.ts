/**
 * Fused softmax and log_softmax as WGSL compute shaders (issue 16): the
 * WebGPU device's optional `softmax` / `softmaxBackward` capabilities
 * (types.ts), one dispatch where the composition from max, sub, exp, sum
 * and div/log takes five or six, over strided float32 operands.
 *
 * A row is all the elements along `dim` at one position of the other dims.
 * Each row gets a power of two of lanes (threads), about one per 8 of its
 * elements and at most a workgroup's 256 (a workgroup serves 256 / lanes
 * short rows at once); a lane walks every lanes-th element of its row, and
 * a tree in workgroup memory folds the lanes, as reduce.ts does. Forward,
 * per row: the max m (a NaN wins, tested by its bits), then the sum s of
 * exp(x - m), then out = exp(x - m) / s (softmax; recomputing the exp is
 * cheaper on SwiftShader than writing it and reading it back) or (x - m) -
 * log(s) (log_softmax). Backward, one sum per row, then the formula. Each
 * pass reads the row again. These are the composition's own steps, in its
 * order, so NaN and infinities come out as there (and as PyTorch's): a
 * NaN, a +inf, or only -inf in a row makes the whole row NaN.
 * exp and log are wgsl_math.ts's (the built-ins are inaccurate on
 * SwiftShader). Tested in test/browser/webgpu_softmax.test.ts.
 */

/// <reference types="@webgpu/types" />

import { DTypeError, IndexError, ShapeError } from "../../core/errors.js";
import type { GpuKernels } from "./kernels.js";
import type { GpuOperand } from "./operand.js";
import {
  bitsOf,
  checkStrided,
  coalesce,
  type Dim,
  ENTRY,
  layoutWords,
  numel,
  rowLanesWgsl,
  uniformReadersWgsl,
  WORKGROUP,
  walkWgsl,
} from "./uniform_words.js";
import { withMath } from "./wgsl_math.js";

/** Elements per lane a row gets before it gets more lanes. */
const PER_LANE = 8;

/**
 * Folds each row's lanes in workgroup memory: every lane of the row gets the
 * max (NaN winning) or the sum of the row's `v`s. Called in uniform control
 * flow by every invocation (lanes is the uniform's), so the barriers hold.
 */
const FOLDS = `
var<workgroup> part: array<f32, ${WORKGROUP}>;
fn maxf(a: f32, b: f32) -> f32 { return select(a, b, isNan(b) || (!isNan(a) && b > a)); }
fn rowFold(v: f32, t: u32, lane: u32, lanes: u32, isMax: bool) -> f32 {
  part[t] = v;
  workgroupBarrier();
  for (var s = lanes >> 1u; s > 0u; s = s >> 1u) {
    if (lane < s) { part[t] = select(part[t] + part[t + s], maxf(part[t], part[t + s]), isMax); }
    workgroupBarrier();
  }
  let r = part[t - lane];
  workgroupBarrier();
  return r;
}`;

/**
 * Header words: 0 rows, 1 the walk's dims, 2 the row length n, 3 lanes per
 * row, 4-6 the operands' offsets, 7-9 their strides along the row, 10 the
 * bits of -inf (a shader constant of inf does not compile). Blocks: 0 the
 * other dims' sizes (coalesced), 1-3 each operand's strides over them.
 * `body` runs with the row's lane, `n`, `live` and each operand's row
 * start `b<i>` and stride `s<i>`.
 */
function shader(bindings: readonly string[], body: string): string {
  const decls = bindings.map(
    (name, i) => `@group(0) @binding(${i + 1}) var<storage, ${i === bindings.length - 1 ? "read_write" : "read"}> ${name}: array<f32>;`,
  );
  const starts = bindings.map((_, i) => `var b${i} = word(${4 + i}u);\n  let s${i} = word(${7 + i}u);`);
  const adds = bindings.map((_, i) => [`b${i}`, i + 1] as const);
  return withMath(`${uniformReadersWgsl(bindings.length + 1)}
${decls.join("\n")}
${FOLDS}
${ENTRY} {
  ${rowLanesWgsl("word(0u)", "word(3u)", "r")}
  let n = word(2u);
  ${starts.join("\n  ")}
  if (live) ${walkWgsl("r", "word(1u)", 0, adds)}
  ${body}
}`);
}

/** Per row: the max m, the sum s of exp(x - m), then exp(x - m) / s (or (x - m) - log(s)). */
function forwardShader(log: boolean): string {
  const write = log ? "out[b1 + j * s1] = (x[b0 + j * s0] - m) - ls;" : "out[b1 + j * s1] = expf(x[b0 + j * s0] - m) / s;";
  return shader(
    ["x", "out"],
    `var m = bitcast<f32>(word(10u));
  if (live) { for (var j = lane; j < n; j += lanes) { m = maxf(m, x[b0 + j * s0]); } }
  m = rowFold(m, t, lane, lanes, true);
  var s = 0.0;
  if (live) { for (var j = lane; j < n; j += lanes) { s += expf(x[b0 + j * s0] - m); } }
  s = rowFold(s, t, lane, lanes, false);
  let ls = ${log ? "logf(s)" : "0.0"};
  if (live) { for (var j = lane; j < n; j += lanes) { ${write} } }`,
  );
}

/** Per row: sum(g y) then y (g - sum) (softmax), or sum(g) then g - exp(y) sum (log_softmax). */
function backwardShader(log: boolean): string {
  const term = log ? "g[b0 + j * s0]" : "g[b0 + j * s0] * y[b1 + j * s1]";
  const write = log
    ? "out[b2 + j * s2] = g[b0 + j * s0] - expf(y[b1 + j * s1]) * s;"
    : "out[b2 + j * s2] = y[b1 + j * s1] * (g[b0 + j * s0] - s);";
  return shader(
    ["g", "y", "out"],
    `var s = 0.0;
  if (live) { for (var j = lane; j < n; j += lanes) { s += ${term}; } }
  s = rowFold(s, t, lane, lanes, false);
  if (live) { for (var j = lane; j < n; j += lanes) { ${write} } }`,
  );
}

/**
 * Checks that the operands are float32 of one shape (at most 8 dims) and
 * `dim` is one of their dims (dim 0 of a 0-d operand: one row of one
 * element); their other dims, coalesced, with each operand's strides.
 */
function rowDims(op: string, operands: readonly GpuOperand[], dim: number): Dim[] {
  checkStrided(op, ...operands);
  const x = operands[0] as GpuOperand;
  const nd = x.shape.length;
  for (const o of operands) {
    if (o.dtype !== "float32") throw new DTypeError(`webgpu ${op}: expected float32 operands, got ${o.dtype}`);
    if (o.shape.length !== nd || o.shape.some((s, d) => s !== x.shape[d])) {
      throw new ShapeError(`webgpu ${op}: expected operands of shape [${x.shape.join(", ")}], got [${o.shape.join(", ")}]`);
    }
  }
  if (!Number.isInteger(dim) || dim < 0 || dim >= Math.max(nd, 1)) {
    throw new IndexError(`webgpu ${op}: dim ${dim} is not a dim of a ${nd}-d input`);
  }
  return coalesce(x.shape.flatMap((size, d) => (d === dim ? [] : [{ size, strides: operands.map((o) => o.strides[d] as number) }])));
}

/** Encodes one dispatch of `key`'s shader over the operands' rows along `dim` (see `shader` for the uniform). */
function dispatch(k: GpuKernels, op: string, key: string, code: () => string, operands: readonly GpuOperand[], dim: number): void {
  const kept = rowDims(op, operands, dim);
  const [rows, n] = [numel(kept.map((d) => d.size)), (operands[0] as GpuOperand).shape[dim] ?? 1];
  if (rows === 0 || n === 0) return;
  let lanes = 1;
  while (lanes < WORKGROUP && lanes * PER_LANE < n) lanes *= 2;
  const three = (v: number[]) => [...v, 0, 0, 0].slice(0, 3);
  const header = [
    rows,
    kept.length,
    n,
    lanes,
    ...three(operands.map((o) => o.offset)),
    ...three(operands.map((o) => o.strides[dim] ?? 0)),
    bitsOf(Number.NEGATIVE_INFINITY, "f32"),
  ];
  const blocks = [kept.map((d) => d.size), ...operands.map((_, i) => kept.map((d) => d.strides[i] as number))];
  const buffers = operands.map((o) => o.buffer);
  k.run(key, code, layoutWords(header, blocks), buffers, Math.ceil((rows * lanes) / WORKGROUP));
}

/**
 * softmax (log: log_softmax) of `x` along `dim` into `out`: both float32
 * of one shape, any strides, `out` sharing memory with nothing `x` reads.
 * Encoded into `k`'s batch.
 */
export function softmax(k: GpuKernels, x: GpuOperand, dim: number, log: boolean, out: GpuOperand): void {
  dispatch(k, log ? "log_softmax" : "softmax", `softmax:${log}`, () => forwardShader(log), [x, out], dim);
}

/**
 * The gradient of softmax (log: log_softmax) at its output `y` for the
 * output gradient `g`, along `dim`, into `out`: y (g - sum(g y)), or g -
 * exp(y) sum(g), the sums along `dim`. All float32 of one shape, any
 * strides, `out` sharing memory with neither input.
 */
export function softmaxBackward(k: GpuKernels, g: GpuOperand, y: GpuOperand, dim: number, log: boolean, out: GpuOperand): void {
  const op = log ? "_log_softmax_backward_data" : "_softmax_backward_data";
  dispatch(k, op, `softmaxBackward:${log}`, () => backwardShader(log), [g, y, out], dim);
}
