/**
 * Counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror and
 * Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011), the
 * generator PyTorch's CUDA device draws from. Block j of a fill is
 * Philox(key, counter + j): four 32-bit words that depend on nothing else,
 * so a device computes every block at once and the stream does not depend
 * on how the work is split. This file is the spec of `Backend.randomFill`;
 * the WebGPU kernel (webgpu/random.ts) computes the same words.
 */

import type { RandomKind, Strided } from "../types.js";

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** The high 32 bits of the 64-bit product of two u32s (16-bit halves keep every partial product exact). */
function mulhi(a: number, b: number): number {
  const [a0, a1, b0, b1] = [a & 0xffff, a >>> 16, b & 0xffff, b >>> 16];
  const mid = ((a0 * b0) >>> 16) + ((a0 * b1) & 0xffff) + ((a1 * b0) & 0xffff);
  return (a1 * b1 + ((a0 * b1) >>> 16) + ((a1 * b0) >>> 16) + (mid >>> 16)) >>> 0;
}

/** Philox4x32-10 of the 128-bit counter `c` (four u32, modified in place) under the 64-bit key (k0, k1). */
export function philox(c: Uint32Array, k0: number, k1: number): void {
  let [x, y, z, w] = [c[0] as number, c[1] as number, c[2] as number, c[3] as number];
  for (let r = 0; r < 10; r++) {
    const [hi0, lo0] = [mulhi(M0, x), Math.imul(M0, x) >>> 0];
    const [hi1, lo1] = [mulhi(M1, z), Math.imul(M1, z) >>> 0];
    [x, y, z, w] = [(hi1 ^ y ^ k0) >>> 0, lo1, (hi0 ^ w ^ k1) >>> 0, lo0];
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  c.set([x, y, z, w]);
}

/** A 32-bit word as a uniform float in [0, 1): its top 24 bits times 2^-24 (exact in float32). */
export function wordUniform(w: number): number {
  return (w >>> 8) * 2 ** -24;
}

/**
 * The value `kind` makes of block word `k` (of the block's four words `b`):
 * uniform a + (b - a) u in [a, b) (a when rounding reaches b), normal by
 * Box-Muller over the word pairs (0, 1) and (2, 3) (mean a, std b), or the
 * integer a + w mod b (b up to 2^32; 0 stands for 2^32).
 */
function value(kind: RandomKind, words: Uint32Array, k: number, a: number, b: number, single: boolean): number {
  const round = single ? Math.fround : (v: number) => v;
  const w = words[k] as number;
  if (kind === "int") return a + (b === 0 ? w : w % b);
  if (kind === "uniform") {
    const v = round(round(wordUniform(w) * round(b - a)) + a);
    return v < b ? v : a;
  }
  const p = k & ~1;
  const radius = round(Math.sqrt(round(-2 * round(Math.log(1 - wordUniform(words[p] as number))))));
  const theta = round(2 * Math.PI * wordUniform(words[p + 1] as number));
  const z = round(radius * round(k === p ? Math.cos(theta) : Math.sin(theta)));
  return round(round(z * b) + a);
}

/**
 * Backend.randomFill: `out` (contiguous) takes, in row-major order, the
 * values `kind` makes of the words of blocks counter, counter + 1, ...
 * (`counter` and `key` are 64-bit, as [low word, high word]).
 */
export function randomFill(out: Strided, kind: RandomKind, key: readonly number[], counter: readonly number[], a: number, b: number): void {
  const n = out.shape.reduce((p, s) => p * s, 1);
  const block = new Uint32Array(4);
  const single = out.dtype === "float32";
  const [lo, hi] = [counter[0] as number, counter[1] as number];
  for (let j = 0; 4 * j < n; j++) {
    // The 64-bit counter plus j, carried into the high word (exact: lo + j < 2^53).
    block.set([(lo + j) >>> 0, (hi + Math.floor((lo + j) / 2 ** 32)) >>> 0, 0, 0]);
    philox(block, key[0] as number, key[1] as number);
    for (let k = 0; k < 4 && 4 * j + k < n; k++) out.data[out.offset + 4 * j + k] = value(kind, block, k, a, b, single);
  }
}
