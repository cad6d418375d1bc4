/**
 * The WGSL of the index kernels (indexing.ts), each built per element type
 * `t` and variant. Bindings: 0 the layout uniform (uniform_words.ts), 1 the
 * values read (x or src, array<t>), 2 the index (array<i32>), 3 out (array<t>,
 * or array<atomic<u32>> where entries add or store with atomics on its
 * bits), 4 the fault words. Header word 0 is the invocation count, word 11
 * the fault code recorded for an index out of range (fault.ts).
 */

import { faultWgsl } from "./fault.js";
import type { WgslScalar } from "./operand.js";
import { ENTRY, GROUP, uniformWgsl, WORKGROUP, walkWgsl } from "./uniform_words.js";

/** A shader: its pipeline key's name and its code for an element type and a variant. */
export interface IndexShader {
  readonly name: string;
  code(t: WgslScalar, variant: string): string;
}

function head(blocks: number, t: WgslScalar, outType: string): string {
  return `${uniformWgsl(blocks)}
@group(0) @binding(1) var<storage, read> values: array<${t}>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<${outType}>;
${faultWgsl(4)}
// Whether index entry j is outside [0, size): if so it is recorded (fault code: word 11) for the caller to skip.
fn outside(j: i32, dim: u32, size: u32) -> bool {
  if (j >= 0 && u32(j) < size) { return false; }
  fail(word(11u), j, dim, size);
  return true;
}`;
}

/** The invocation's element `i`, returning past word 0's count. */
const FIRST = `let i = ${GROUP} * ${WORKGROUP}u + t;
  if (i >= word(0u)) { return; }`;

/** Walks `i` over the shape in block 0 (word 1 dims), adding to each named variable its strides from blocks 1, 2, ... */
const walk = (vars: string, extra = "") =>
  walkWgsl(
    "i",
    "word(1u)",
    0,
    vars.split(" ").map((v, b) => [v, b + 1] as const),
    extra,
  );

/** `out[o] += v` with atomics on out's bits: a compare-exchange loop for floats, atomicAdd for i32, or for bool. */
function accumulateWgsl(t: WgslScalar): string {
  if (t === "i32") return "fn accumulate(o: u32, v: i32) { atomicAdd(&out[o], bitcast<u32>(v)); }";
  if (t === "u32") return "fn accumulate(o: u32, v: u32) { atomicOr(&out[o], select(0u, 1u, v != 0u)); }";
  return `fn accumulate(o: u32, v: f32) {
  var old = atomicLoad(&out[o]);
  loop {
    let r = atomicCompareExchangeWeak(&out[o], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (r.exchanged) { return; }
    old = r.old_value;
  }
}`;
}

/**
 * out[oo] = values[ox + index[oi] * stride] over the walk (blocks: shape,
 * index strides, out strides, x strides with dim's zeroed). Header: 2-4 the
 * index, out and x offsets, 5 dim, 6 x's size along it, 7 x's stride along it.
 */
export const GATHER: IndexShader = {
  name: "index:gather",
  code: (t) => `${head(4, t, t)}
${ENTRY} {
  ${FIRST}
  var oi = word(2u);
  var oo = word(3u);
  var ox = word(4u);
  ${walk("oi oo ox")}
  let j = idx[oi];
  if (outside(j, word(5u), word(6u))) { return; }
  out[oo] = values[ox + u32(j) * word(7u)];
}`,
};

/**
 * One invocation per index entry (blocks: the index's extent, index
 * strides, src strides, out strides with dim's zeroed): out at index along
 * dim gets src, added with atomics ("add") or stored ("assign": duplicates in
 * any order). Header: 2-4 the index, src and out offsets, 5 dim, 6 out's
 * size along it, 7 out's stride along it.
 */
export const SCATTER_ATOMIC: IndexShader = {
  name: "index:scatterAtomic",
  code: (t, mode) => `${head(4, t, "atomic<u32>")}
${mode === "add" ? accumulateWgsl(t) : ""}
${ENTRY} {
  ${FIRST}
  var oi = word(2u);
  var os = word(3u);
  var oo = word(4u);
  ${walk("oi os oo")}
  let j = idx[oi];
  if (outside(j, word(5u), word(6u))) { return; }
  let o = oo + u32(j) * word(7u);
  ${mode === "add" ? "accumulate(o, values[os]);" : "atomicStore(&out[o], bitcast<u32>(values[os]));"}
}`,
};

/**
 * One invocation per out element (blocks: out's shape and strides, src and
 * index strides with dim's zeroed, the index's extent with dim's unbounded):
 * an element outside the index's extent is left alone; else it walks the
 * index entries along dim in order and folds the src of each naming its
 * coordinate: added to it ("add"), or the last one ("assign"). Header: 2-4
 * the out, src and index offsets, 5 dim, 6 out's size along it, 7 entries
 * along it, 8 and 9 the src and index strides along it.
 */
export const SCATTER_IN_ORDER: IndexShader = {
  name: "index:scatterInOrder",
  code: (t, mode) => `${head(5, t, t)}
fn add(a: ${t}, b: ${t}) -> ${t} { return ${t === "u32" ? "a | b" : "a + b"}; }
${ENTRY} {
  ${FIRST}
  var oo = word(2u);
  var os = word(3u);
  var oi = word(4u);
  var cd = 0u;
  var inside = true;
  ${walk("oo os oi", "if (d == word(5u)) { cd = c; }\n      if (c >= dimWord(4u, d)) { inside = false; }")}
  if (!inside) { return; }
  var acc = out[oo];
  var hit = false;
  for (var m = 0u; m < word(7u); m++) {
    let j = idx[oi + m * word(9u)];
    if (outside(j, word(5u), word(6u))) { continue; }
    if (u32(j) == cd) {
      acc = ${mode === "add" ? "add(acc, values[os + m * word(8u)])" : "values[os + m * word(8u)]"};
      hit = true;
    }
  }
  if (hit) { out[oo] = acc; }
}`,
};

/**
 * take and putAdd over contiguous operands, one invocation per index entry
 * (the index contiguous from 0). Header: 1 the values' offset, 2 out's, 3
 * the size an entry indexes; take: 4 the fill value's bits, given for -1;
 * put: -1 is skipped, the rest added with atomics.
 */
export const FLAT: IndexShader = {
  name: "index:flat",
  code: (t, variant) =>
    variant === "take"
      ? `${head(0, t, t)}
${ENTRY} {
  ${FIRST}
  let j = idx[i];
  if (j == -1) {
    out[word(2u) + i] = bitcast<${t}>(word(4u));
    return;
  }
  if (outside(j, 0u, word(3u))) { return; }
  out[word(2u) + i] = values[word(1u) + u32(j)];
}`
      : `${head(0, t, "atomic<u32>")}
${accumulateWgsl(t)}
${ENTRY} {
  ${FIRST}
  let j = idx[i];
  if (j == -1 || outside(j, 0u, word(3u))) { return; }
  accumulate(word(2u) + u32(j), values[word(1u) + i]);
}`,
};
