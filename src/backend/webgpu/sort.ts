/**
 * argsort as WGSL compute shaders (issue 16): the stable order of each slice
 * of a strided input of any device dtype along one dim, ascending or
 * descending, NaN the largest value (last ascending, first descending), as
 * the reference backend's `argsort` (src/backend/ref/reduce.ts).
 *
 * A bitonic sorting network over (key, index) pairs, compared by key and
 * then by index: a total order, so the network's result is the stable sort.
 * Each slice is padded to N, the next power of two, with pads that compare
 * above everything. The network is the variant whose every merge sorts
 * ascending: stage k (2, 4, ..., N) first compares each element of a block of
 * k with its mirror image in the block, then each with the one j = k/4,
 * k/8, ..., 1 after it; each comparison puts the one that comes first at
 * the lower position. A pad is never below a real element, so it never
 * moves and comparisons with pads can be skipped.
 *
 * Blocks of 512 run in workgroup memory: one dispatch runs every stage up
 * to 512 (all of a slice of 512 or fewer elements; a workgroup sorts
 * several short slices), loading each element's key once. Longer slices
 * keep their working order in `out` (indices into the slice, keys read from
 * x through them): per stage k > 512, one dispatch per step with j >= 512
 * (one invocation per pair), then one workgroup-memory dispatch for the
 * steps j = 256 ... 1. A slice of 2^20 takes 78 dispatches.
 */

/// <reference types="@webgpu/types" />

import { DTypeError, ShapeError } from "../../core/errors.js";
import type { GpuKernels } from "./kernels.js";
import { type GpuOperand, type WgslScalar, wgslType } from "./operand.js";
import { ENTRY, GROUP, groupsFor, layoutWords, slicesAlong, uniformWgsl, WORKGROUP, walkWgsl } from "./uniform_words.js";

/** Elements a workgroup sorts in its memory (two per invocation). */
const BLOCK = 2 * WORKGROUP;
/** The index of a pad. */
const PAD = "0xffffffffu";

/**
 * Header words: 0 slices, 1 kept dims, 2 x's offset, 3 out's offset, 4 the
 * slice length n, 5 and 6 its x and out strides, 7 N, 8 the stage k, 9 the
 * step j, 10 descending (0 or 1); blocks: 0 the kept dims' sizes, 1 their x strides, 2 their out strides.
 * `precedes` orders (key, index) pairs: pads last, then keys (NaN the
 * largest, equal to itself), then indices.
 */
function prelude(t: WgslScalar): string {
  const less =
    t === "f32"
      ? `let na = isNan(a);
  let nb = isNan(b);
  if (na || nb) { return !na && nb; }
  return a < b;`
      : "return a < b;";
  return `${uniformWgsl(3)}
@group(0) @binding(1) var<storage, read> x: array<${t}>;
@group(0) @binding(2) var<storage, read_write> out: array<i32>;
fn less(a: ${t}, b: ${t}) -> bool {
  ${less}
}
fn precedes(ka: ${t}, ia: u32, kb: ${t}, ib: u32) -> bool {
  if (ia == ${PAD}) { return false; }
  if (ib == ${PAD}) { return true; }
  // Descending (word 10) swaps the keys, not the indices: equal keys stay in index order.
  let down = word(10u) != 0u;
  if (select(less(ka, kb), less(kb, ka), down)) { return true; }
  if (select(less(kb, ka), less(ka, kb), down)) { return false; }
  return ia < ib;
}
// The x and out offsets of slice s's first element.
fn sliceAt(s: u32) -> vec2<u32> {
  var bx = word(2u);
  var bo = word(3u);
  ${walkWgsl("s", "word(1u)", 0, [
    ["bx", 1],
    ["bo", 2],
  ])}
  return vec2<u32>(bx, bo);
}`;
}

/**
 * Sorts blocks of 512 of the padded slices in workgroup memory: `full` runs
 * stages 2 ... min(N, 512) from the identity order; otherwise the steps
 * j = 256 ... 1 of stage k (word 8), from the order in `out`. Invocation t
 * does one comparison per step; the barriers stay in uniform control flow
 * (loop bounds from the uniform).
 */
function blockShader(t: WgslScalar, full: boolean): string {
  const clean = (j: string) => `for (var j = ${j}; j > 0u; j = j / 2u) {
    let i = (t / j) * 2u * j + t % j;
    exchange(i, i + j);
    workgroupBarrier();
  }`;
  const steps = full
    ? `for (var k = 2u; k <= min(word(7u), ${BLOCK}u); k = k * 2u) {
    let h = k / 2u;
    exchange((t / h) * k + t % h, (t / h) * k + k - 1u - t % h);
    workgroupBarrier();
    ${clean("k / 4u")}
  }`
    : clean(`${WORKGROUP}u`);
  const load = full ? "e" : "u32(out[at.y + e * word(6u)])";
  return `${prelude(t)}
var<workgroup> keys: array<${t}, ${BLOCK}>;
var<workgroup> ids: array<u32, ${BLOCK}>;
fn exchange(i: u32, p: u32) {
  if (precedes(keys[p], ids[p], keys[i], ids[i])) {
    let k = keys[i];
    let d = ids[i];
    keys[i] = keys[p];
    ids[i] = ids[p];
    keys[p] = k;
    ids[p] = d;
  }
}
${ENTRY} {
  let base = ${GROUP} * ${BLOCK}u;
  for (var h = 0u; h < 2u; h++) {
    let l = t + h * ${WORKGROUP}u;
    let s = (base + l) / word(7u);
    let e = (base + l) % word(7u);
    var id = ${PAD};
    var key = ${t}(0);
    if (s < word(0u) && e < word(4u)) {
      let at = sliceAt(s);
      id = ${load};
      key = x[at.x + id * word(5u)];
    }
    keys[l] = key;
    ids[l] = id;
  }
  workgroupBarrier();
  ${steps}
  for (var h = 0u; h < 2u; h++) {
    let l = t + h * ${WORKGROUP}u;
    let s = (base + l) / word(7u);
    let e = (base + l) % word(7u);
    if (s < word(0u) && e < word(4u)) { out[sliceAt(s).y + e * word(6u)] = i32(ids[l]); }
  }
}`;
}

/** One step (k, j) of a stage k > 512 over the order in `out`: one invocation per pair, pairs with a pad skipped. */
function stepShader(t: WgslScalar): string {
  return `${prelude(t)}
${ENTRY} {
  let pairs = word(7u) / 2u;
  let q = ${GROUP} * ${WORKGROUP}u + t;
  if (q >= word(0u) * pairs) { return; }
  let s = q / pairs;
  let r = q % pairs;
  let k = word(8u);
  let j = word(9u);
  var i = (r / j) * 2u * j + r % j;
  var p = i + j;
  if (2u * j == k) {
    // The mirror step: i in the lower half of its block of k, p its image in the block.
    p = (r / j) * k + k - 1u - r % j;
  }
  if (p >= word(4u)) { return; }
  let at = sliceAt(s);
  let ai = at.y + i * word(6u);
  let ap = at.y + p * word(6u);
  let ii = u32(out[ai]);
  let ip = u32(out[ap]);
  if (precedes(x[at.x + ip * word(5u)], ip, x[at.x + ii * word(5u)], ii)) {
    out[ai] = i32(ip);
    out[ap] = i32(ii);
  }
}`;
}

/**
 * The stable order of each slice of `x` along `dim` into `out` (int64, i32 on
 * the device, x's shape, any strides): ascending, or descending, NaN the
 * largest value. `x` may be of any device dtype. Encoded into `k`'s batch.
 */
export function argsort(k: GpuKernels, x: GpuOperand, dim: number, descending: boolean, out: GpuOperand): void {
  const { count, ndim, blocks, n, sx, so } = slicesAlong("argsort", x, dim, out);
  if (wgslType(out.dtype, "argsort") !== "i32") throw new DTypeError(`webgpu argsort: expected an int64 output, got ${out.dtype}`);
  const t = wgslType(x.dtype, "argsort");
  if (count === 0 || n === 0) return;
  let N = 1;
  while (N < n) N *= 2;
  if (count * N >= 2 ** 32) throw new ShapeError(`webgpu argsort: at most 2^32 padded elements, got ${count} slices of ${N}`);
  const run = (kind: string, code: () => string, stage: number, step: number, groups: number) => {
    const layout = layoutWords([count, ndim, x.offset, out.offset, n, sx, so, N, stage, step, descending ? 1 : 0], blocks);
    k.run(`argsort:${kind}:${t}`, code, layout, [x.buffer, out.buffer], groups);
  };
  const blockGroups = Math.ceil((count * N) / BLOCK);
  run("full", () => blockShader(t, true), 0, 0, blockGroups);
  for (let stage = 2 * BLOCK; stage <= N; stage *= 2) {
    for (let step = stage / 2; step >= BLOCK; step /= 2) run("step", () => stepShader(t), stage, step, groupsFor((count * N) / 2));
    run("tail", () => blockShader(t, false), stage, 0, blockGroups);
  }
}
