/**
 * The reference backend's Philox4x32-10 (src/backend/ref/random.ts), the
 * spec of Backend.randomFill: Random123's known-answer vectors (kat_vectors,
 * philox4x32 with 10 rounds), then what a fill makes of the words.
 */

import { describe, expect, it } from "vitest";
import { philox, randomFill, wordUniform } from "../../src/backend/ref/random.js";
import type { RandomKind, Strided } from "../../src/backend/types.js";

const hex = (b: Uint32Array) => [...b].map((x) => x.toString(16).padStart(8, "0")).join(" ");

describe("Philox4x32-10", () => {
  it.each([
    [[0, 0, 0, 0], [0, 0], "6627e8d5 e169c58d bc57ac4c 9b00dbd8"],
    [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], "408f276d 41c83b0e a20bc7c6 6d5451fd"],
    [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], "d16cfe09 94fdcceb 5001e420 24126ea1"],
  ])("gives Random123's answer for counter %j, key %j", (c, k, want) => {
    const b = Uint32Array.from(c);
    philox(b, k[0] as number, k[1] as number);
    expect(hex(b)).toBe(want);
  });
});

function fill(
  kind: RandomKind,
  n: number,
  a: number,
  b: number,
  counter = [0, 0],
  dtype: "float32" | "float64" | "int32" = "float32",
): number[] {
  const out: Strided = {
    data: dtype === "int32" ? new Int32Array(n) : dtype === "float32" ? new Float32Array(n) : new Float64Array(n),
    dtype,
    shape: [n],
    strides: [1],
    offset: 0,
  };
  randomFill(out, kind, [1, 2], counter, a, b);
  return Array.from(out.data as ArrayLike<number>);
}

describe("randomFill", () => {
  it("takes block j's words for elements 4j..4j+3, and a later counter continues the stream", () => {
    const block = Uint32Array.of(0, 0, 0, 0);
    philox(block, 1, 2);
    expect(fill("int", 4, 0, 0, [0, 0], "float32").map((v) => v >>> 0)).toEqual([...block].map((w) => Math.fround(w)));
    const whole = fill("uniform", 12, 0, 1);
    expect(fill("uniform", 4, 0, 1, [2, 0])).toEqual(whole.slice(8));
    expect(whole[0]).toBe(wordUniform(block[0] as number));
  });

  it("carries the counter's low word into its high word", () => {
    const across = fill("uniform", 8, 0, 1, [0xffffffff, 0]);
    expect(fill("uniform", 4, 0, 1, [0, 1])).toEqual(across.slice(4));
  });

  it("keeps uniforms in [a, b), integers in [a, a + b), and normals near their mean and std", () => {
    const u = fill("uniform", 4000, -1, 1);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...u)).toBeLessThan(1);
    const i = fill("int", 4000, -3, 7, [0, 0], "int32");
    expect([...new Set(i)].sort((x, y) => x - y)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    const z = fill("normal", 40000, 2, 3, [0, 0], "float64");
    const m = z.reduce((s, v) => s + v, 0) / z.length;
    const sd = Math.sqrt(z.reduce((s, v) => s + (v - m) ** 2, 0) / z.length);
    expect(m).toBeCloseTo(2, 1);
    expect(sd).toBeCloseTo(3, 1);
  });
});
