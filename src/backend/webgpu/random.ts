/**
 * The WebGPU device's random fill (issue 16): Philox4x32-10, as the
 * reference backend's spec (ref/random.ts) and PyTorch's CUDA generator.
 * One invocation computes one block of four words from its counter alone,
 * so the whole fill is one dispatch and its values do not depend on the
 * workgroup size. The transforms run in float32 with the device's own math
 * (wgsl_math.ts), within a few ulp of the reference's float64 ones.
 */

import type { RandomKind } from "../types.js";
import type { GpuKernels } from "./kernels.js";
import { type GpuOperand, wgslType } from "./operand.js";
import { bitsOf, ENTRY, GROUP, layoutWords, uniformReadersWgsl, uniformWgsl, WORKGROUP } from "./uniform_words.js";
import { f32Bits, withMath } from "./wgsl_math.js";
import { SPECIAL } from "./wgsl_special.js";

const PHILOX = `
// The 64-bit product of two u32s as (high word, low word), from 16-bit halves.
fn mulhilo(a: u32, b: u32) -> vec2<u32> {
  let a0 = a & 0xffffu; let a1 = a >> 16u; let b0 = b & 0xffffu; let b1 = b >> 16u;
  let mid = ((a0 * b0) >> 16u) + ((a0 * b1) & 0xffffu) + ((a1 * b0) & 0xffffu);
  return vec2<u32>(a1 * b1 + ((a0 * b1) >> 16u) + ((a1 * b0) >> 16u) + (mid >> 16u), a * b);
}
fn philox(c0: vec4<u32>, k0: vec2<u32>) -> vec4<u32> {
  var c = c0;
  var k = k0;
  for (var r = 0u; r < 10u; r++) {
    let p0 = mulhilo(0xd2511f53u, c.x);
    let p1 = mulhilo(0xcd9e8d57u, c.z);
    c = vec4<u32>(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
    k = k + vec2<u32>(0x9e3779b9u, 0xbb67ae85u);
  }
  return c;
}
fn unit(w: u32) -> f32 { return f32(w >> 8u) * ${f32Bits(2 ** -24)}; }`;

/**
 * WGSL of `value(w, k)`: the 32 bits element k of a block with words `w`
 * stores in an out of type `t`, from the header words 6-8 (a, b and b - a,
 * as the kind reads them).
 */
function valueWgsl(kind: RandomKind, t: string): string {
  if (kind === "int") {
    const v = "bitcast<i32>(word(6u) + select(w[k] % word(7u), w[k], word(7u) == 0u))";
    const store = t === "f32" ? "bitcast<u32>(f32(v))" : t === "u32" ? "u32(v)" : "bitcast<u32>(v)";
    return `fn value(w: vec4<u32>, k: u32) -> u32 { let v = ${v}; return ${store}; }`;
  }
  const [a, b] = ["bitcast<f32>(word(6u))", "bitcast<f32>(word(7u))"];
  if (kind === "uniform") {
    return `fn value(w: vec4<u32>, k: u32) -> u32 {
  let v = unit(w[k]) * bitcast<f32>(word(8u)) + ${a};
  return bitcast<u32>(select(v, ${a}, v >= ${b}));
}`;
  }
  // Box-Muller over the word pair (0, 1) or (2, 3): the radius from the first, the angle from the second.
  return `fn value(w: vec4<u32>, k: u32) -> u32 {
  let radius = sqrt(-2.0 * logf(1.0 - unit(w[k & 2u])));
  let theta = ${f32Bits(2 * Math.PI)} * unit(w[(k & 2u) + 1u]);
  return bitcast<u32>(radius * select(sinf(theta), cosf(theta), (k & 1u) == 0u) * ${b} + ${a});
}`;
}

function shader(kind: RandomKind, t: string): string {
  const code = `${kind === "normal" ? uniformReadersWgsl(0) : uniformWgsl(0)}
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
${PHILOX}
${valueWgsl(kind, t)}
${ENTRY} {
  let j = ${GROUP} * ${WORKGROUP}u + t;
  let n = word(0u);
  if (j >= (n + 3u) / 4u) { return; }
  // The block's 64-bit counter: the fill's first plus j, carried into the high word.
  let lo = word(2u) + j;
  let w = philox(vec4<u32>(lo, word(3u) + select(0u, 1u, lo < word(2u)), 0u, 0u), vec2<u32>(word(4u), word(5u)));
  for (var k = 0u; k < 4u; k++) {
    if (4u * j + k < n) { out[word(1u) + 4u * j + k] = value(w, k); }
  }
}`;
  return kind === "normal" ? withMath(code, SPECIAL) : code;
}

/** Backend.randomFill on the device: `out` is contiguous; see ref/random.ts for the values. */
export function randomFill(
  k: GpuKernels,
  out: GpuOperand,
  kind: RandomKind,
  key: readonly number[],
  counter: readonly number[],
  a: number,
  b: number,
): void {
  const t = wgslType(out.dtype, "randomFill");
  const n = out.shape.reduce((p, s) => p * s, 1);
  const f = (v: number) => bitsOf(v, "f32");
  const params =
    kind === "int" ? [bitsOf(a, "i32"), b >>> 0, 0] : kind === "uniform" ? [f(a), f(b), f(Math.fround(b - a))] : [f(a), f(b), 0];
  const header = [n, out.offset, counter[0] as number, counter[1] as number, key[0] as number, key[1] as number, ...params];
  k.run(`random:${kind}:${t}`, () => shader(kind, t), layoutWords(header, []), [out.buffer], Math.ceil(Math.ceil(n / 4) / WORKGROUP));
}
