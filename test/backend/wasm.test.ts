/**
 * The WebAssembly kernels (src/backend/wasm): sgemm against a float64
 * reference for every transposition, odd sizes, batches and beta, on the
 * calling thread and with the worker pool; the pointwise kernels against
 * Math.*; the pool starting lazily and never keeping a process alive.
 */

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refBackend } from "../../src/backend/ref/index.js";
import { erfc } from "../../src/backend/ref/math.js";
import type { Strided } from "../../src/backend/types.js";
import { SIMD_MEMORY_FLAGS, SIMD_WASM } from "../../src/backend/wasm/binary.generated.js";
import { wasmBackend } from "../../src/backend/wasm/index.js";
import { type KernelExports, kernels, wasmApi, wasmMemoryBytes } from "../../src/backend/wasm/module.js";
import { type BinaryF32, binaryF32, MAX_ULP_ERROR, type UnaryF32, unaryF32 } from "../../src/backend/wasm/pointwise.js";
import { getNumThreads, readyWorkers, releaseWasm, setNumThreads, waitForPool } from "../../src/backend/wasm/pool.js";
import { type MatrixOperand, sgemm } from "../../src/backend/wasm/sgemm.js";
import * as torch from "../../src/index.js";

/** Deterministic uniform numbers in [-1, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  };
}

interface Layout {
  /** Element [i][j] of entry t of a rows x cols operand. */
  at(t: number, i: number, j: number): number;
  operand: MatrixOperand;
}

type Kind = "rowMajor" | "colMajor" | "padded" | "sparse" | "reversed" | "strided";

/** A rows x cols operand of `batch` entries in a buffer of random floats, laid out as `kind`. */
function layout(kind: Kind, batch: number, rows: number, cols: number, rand: () => number, shared = false): Layout {
  let rs: number;
  let cs: number;
  let entry: number;
  let base = 0;
  switch (kind) {
    case "rowMajor":
      [rs, cs, entry] = [cols, 1, rows * cols];
      break;
    case "colMajor":
      [rs, cs, entry] = [1, rows, rows * cols];
      break;
    case "padded":
      [rs, cs, entry, base] = [cols + 3, 1, rows * (cols + 3) + 5, 7];
      break;
    case "sparse": // rows far apart: copied entry by entry, compacted
      [rs, cs, entry, base] = [cols * 9 + 11, 1, rows * (cols * 9 + 11), 2];
      break;
    case "reversed": // negative row stride
      [rs, cs, entry] = [-cols, 1, rows * cols];
      base = (rows - 1) * cols;
      break;
    case "strided":
      [rs, cs, entry, base] = [2 * cols + 1, 2, rows * (2 * cols + 1), 1];
      break;
  }
  const entries = shared ? 1 : batch;
  const data = new Float32Array(entries * entry + base + 8);
  for (let i = 0; i < data.length; i++) data[i] = rand();
  const offsets = Array.from({ length: batch }, (_, t) => base + (shared ? 0 : t) * entry);
  return {
    at: (t, i, j) => data[(offsets[t] as number) + i * rs + j * cs] as number,
    operand: { data, offsets, rowStride: rs, colStride: cs },
  };
}

interface Case {
  M: number;
  N: number;
  K: number;
  batch?: number;
  a?: Kind;
  b?: Kind;
  c?: Kind;
  beta?: 0 | 1;
  sharedB?: boolean;
  sharedA?: boolean;
}

/** Runs sgemm and checks every element against a float64 product within the float32 summation bound. */
function checkSgemm(cs: Case, threads: number, seed: number): void {
  const { M, N, K, batch = 1, beta = 0 } = cs;
  const rand = rng(seed);
  const A = layout(cs.a ?? "rowMajor", batch, M, K, rand, cs.sharedA);
  const B = layout(cs.b ?? "rowMajor", batch, K, N, rand, cs.sharedB);
  const C = layout(cs.c ?? "rowMajor", batch, M, N, rand);
  const before = Float32Array.from(C.operand.data);
  const cIndex = (t: number, i: number, j: number) => (C.operand.offsets[t] as number) + i * C.operand.rowStride + j * C.operand.colStride;
  const touched = new Set<number>();
  sgemm(M, N, K, A.operand, B.operand, C.operand, { beta, threads });
  const u = 2 ** -24;
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        const ci = cIndex(t, i, j);
        touched.add(ci);
        let sum = beta ? (before[ci] as number) : 0;
        let abs = Math.abs(sum);
        for (let k = 0; k < K; k++) {
          const p = A.at(t, i, k) * B.at(t, k, j);
          sum += p;
          abs += Math.abs(p);
        }
        const got = C.operand.data[ci] as number;
        const bound = 1.01 * (K + 2) * u * abs + 1e-30;
        if (!(Math.abs(got - sum) <= bound)) {
          throw new Error(`sgemm ${JSON.stringify(cs)} threads ${threads}: C[${t}][${i}][${j}] = ${got}, expected ${sum} +- ${bound}`);
        }
      }
    }
  }
  // Nothing outside C's elements is written.
  for (let i = 0; i < before.length; i++) {
    if (!touched.has(i) && !Object.is(before[i], C.operand.data[i]))
      throw new Error(`sgemm ${JSON.stringify(cs)} wrote element ${i} outside C`);
  }
}

const SIZES = [1, 3, 4, 5, 8, 17, 63, 65];
const KINDS: Kind[] = ["rowMajor", "colMajor"];

function cases(): Case[] {
  const out: Case[] = [];
  const rand = rng(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(((rand() + 1) / 2) * xs.length)] as T;
  // Every transposition on a grid of odd sizes.
  for (const a of KINDS) {
    for (const b of KINDS) {
      for (const M of [1, 3, 17, 65]) out.push({ M, N: pick(SIZES), K: pick(SIZES), a, b });
      out.push({ M: 63, N: 65, K: 300, a, b }); // K spans two packed slices
      out.push({ M: 37, N: 530, K: 9, a, b }); // N spans two packed blocks
    }
  }
  // Other layouts of A, B and C.
  for (const kind of ["padded", "sparse", "reversed", "strided"] as Kind[]) {
    out.push({ M: 17, N: 19, K: 23, a: kind }, { M: 17, N: 19, K: 23, b: kind }, { M: 17, N: 19, K: 23, c: kind });
  }
  out.push({ M: 9, N: 21, K: 5, c: "colMajor" });
  // Fewer rows or columns than the register tile: vector-matrix and matrix-vector products.
  out.push(
    { M: 1, N: 37, K: 100, b: "colMajor" },
    { M: 2, N: 50, K: 33 },
    { M: 70, N: 1, K: 40 },
    { M: 3, N: 20, K: 19, beta: 1, b: "colMajor" },
  );
  out.push({ M: 1, N: 9, K: 12, a: "colMajor", b: "strided" }, { M: 40, N: 2, K: 9, beta: 1, c: "colMajor" });
  // beta 1 accumulates.
  out.push({ M: 17, N: 33, K: 65, beta: 1 }, { M: 5, N: 8, K: 300, beta: 1, a: "colMajor", b: "colMajor" }, { M: 4, N: 6, K: 0, beta: 1 });
  out.push({ M: 4, N: 6, K: 0 });
  // Batches: distinct entries, a shared B (folded into one taller product), a shared A.
  out.push({ M: 7, N: 9, K: 11, batch: 5 }, { M: 7, N: 9, K: 11, batch: 4, sharedB: true }, { M: 7, N: 9, K: 11, batch: 3, sharedA: true });
  out.push({ M: 3, N: 65, K: 17, batch: 6, a: "colMajor", b: "colMajor", beta: 1 });
  return out;
}

describe("wasm sgemm", () => {
  beforeAll(() => {
    kernels();
  });

  it("matches a float64 product on the calling thread (every transposition, odd sizes, batches, beta 0/1)", () => {
    let seed = 1;
    for (const cs of cases()) checkSgemm(cs, 1, seed++);
  });

  describe("with the worker pool", () => {
    const saved = getNumThreads();
    beforeAll(() => {
      setNumThreads(2);
      expect(waitForPool()).toBe(1);
    });
    afterAll(() => setNumThreads(saved));

    it("splits rows, columns and batches across threads with the same results", () => {
      expect(readyWorkers()).toBe(1);
      let seed = 100;
      // Large enough to pass the parallel threshold: N-split, M-split, batch split.
      const big: Case[] = [
        { M: 65, N: 257, K: 129 },
        { M: 257, N: 63, K: 129, a: "colMajor", b: "colMajor" },
        { M: 130, N: 130, K: 130, beta: 1 },
        { M: 33, N: 65, K: 257, batch: 4 },
        { M: 33, N: 65, K: 257, batch: 3, a: "colMajor" },
        { M: 129, N: 127, K: 200, batch: 2, sharedB: true },
        { M: 100, N: 3, K: 5000, c: "colMajor" },
        { M: 1, N: 3000, K: 1000, b: "colMajor" },
        { M: 2, N: 2000, K: 1500 },
      ];
      for (const cs of big) checkSgemm(cs, 2, seed++);
      for (const cs of cases()) checkSgemm(cs, 2, seed++);
    });
  });
});

describe("wasm backend matmul", () => {
  function strided(data: Float32Array, shape: number[], strides: number[], offset = 0): Strided {
    return { data, dtype: "float32", shape, strides, offset };
  }

  it("agrees with the reference backend on broadcast batches and transposed views", () => {
    const rand = rng(3);
    const a = Float32Array.from({ length: 2 * 3 * 20 * 30 }, rand);
    const b = Float32Array.from({ length: 30 * 40 }, rand);
    // a: [2, 3, 20, 30]; b: [40, 30] viewed transposed and broadcast to [2, 3, 30, 40].
    const A = strided(a, [2, 3, 20, 30], [1800, 600, 30, 1]);
    const B = strided(b, [2, 3, 30, 40], [0, 0, 1, 30]);
    const want = new Float32Array(2 * 3 * 20 * 40);
    const got = new Float32Array(2 * 3 * 20 * 40);
    refBackend.matmul(A, B, strided(want, [2, 3, 20, 40], [2400, 800, 40, 1]));
    wasmBackend.matmul(A, B, strided(got, [2, 3, 20, 40], [2400, 800, 40, 1]));
    for (let i = 0; i < want.length; i++) expect(Math.abs((got[i] as number) - (want[i] as number))).toBeLessThan(1e-5);
  });

  it("runs pointwise ops on strided float32 operands through a dense copy, with the dense kernels' results", () => {
    const rand = rng(5);
    // [64, 128] read transposed from a [128, 64] array, and a gate of a [64, 512] array (split along dim 1).
    const t = Float32Array.from({ length: 128 * 64 }, () => 4 * rand() - 2);
    const g = Float32Array.from({ length: 64 * 512 }, () => 4 * rand() - 2);
    const T = strided(t, [64, 128], [1, 64]);
    const G = strided(g, [64, 128], [512, 1], 128);
    const dense = (x: Strided) => {
      const d = strided(new Float32Array(64 * 128), [64, 128], [128, 1]);
      refBackend.copy(x, d);
      return d;
    };
    const out = () => strided(new Float32Array(64 * 128), [64, 128], [128, 1]);
    for (const op of ["sigmoid", "tanh", "gelu", "exp"] as const) {
      const [got, want] = [out(), out()];
      wasmBackend.unary(op, G, got);
      wasmBackend.unary(op, dense(G), want);
      expect(Array.from(got.data)).toEqual(Array.from(want.data));
    }
    for (const op of ["add", "mul", "div", "sigmoidBackward"] as const) {
      const [got, want] = [out(), out()];
      wasmBackend.binary(op, T, G, got);
      wasmBackend.binary(op, dense(T), dense(G), want);
      expect(Array.from(got.data)).toEqual(Array.from(want.data));
      // and they agree with the reference backend's strided loops to float32 rounding (sigmoidBackward: exactly)
      const ref = out();
      refBackend.binary(op, T, G, ref);
      for (let i = 0; i < ref.data.length; i++) {
        expect(Math.abs((got.data[i] as number) - (ref.data[i] as number))).toBeLessThanOrEqual(1e-6 * Math.abs(ref.data[i] as number));
      }
    }
  });

  it("delegates other dtypes, ops and layouts to the reference backend", () => {
    const x = Float64Array.from({ length: 100 }, (_, i) => i / 7);
    const out = new Float64Array(100);
    wasmBackend.unary(
      "exp",
      { data: x, dtype: "float64", shape: [100], strides: [1], offset: 0 },
      { data: out, dtype: "float64", shape: [100], strides: [1], offset: 0 },
    );
    for (let i = 0; i < 100; i++) expect(out[i]).toBe(Math.exp(i / 7));
    expect(wasmBackend.name).toBe("wasm");
    // Primitives without kernels run the reference backend's loops.
    const s = (data: Float32Array | Uint8Array, dtype: "float32" | "bool") =>
      ({ data, dtype, shape: [3], strides: [1], offset: 0 }) as const;
    const [w, r] = [new Float32Array(3), new Float32Array(3)];
    const args = [
      s(Uint8Array.of(1, 0, 1), "bool"),
      s(Float32Array.of(1, 2, 3), "float32"),
      s(Float32Array.of(4, 5, 6), "float32"),
    ] as const;
    wasmBackend.where(...args, s(w, "float32"));
    refBackend.where(...args, s(r, "float32"));
    expect(Array.from(w)).toEqual([1, 5, 3]);
    expect(Array.from(w)).toEqual(Array.from(r));
  });

  it("runs float32 exp on contiguous views through the kernel", () => {
    const x = Float32Array.from({ length: 300 }, (_, i) => (i - 150) / 10);
    const out = new Float32Array(310);
    wasmBackend.unary("exp", strided(x, [3, 100], [100, 1]), strided(out, [3, 100], [100, 1], 10));
    for (let i = 0; i < 300; i++) {
      const r = Math.exp(x[i] as number);
      expect(Math.abs((out[i + 10] as number) - r)).toBeLessThanOrEqual(MAX_ULP_ERROR.exp * ulp32(r));
    }
  });
});

/** Spacing of float32 numbers at |r| (2^-149 below the normal range). */
function ulp32(r: number): number {
  const f = Math.fround(Math.abs(r));
  const bits = new Uint32Array(new Float32Array([f]).buffer)[0] as number;
  const e = bits >>> 23;
  return e === 0 ? 2 ** -149 : 2 ** (e - 150);
}

/**
 * gelu(x) = x Phi(x) = x erfc(-x / sqrt 2) / 2 in float64 (the reference backend's erfc is accurate in
 * the tail, where PyTorch's x (1 + erf(x / sqrt 2)) / 2 cancels: below x = -5 it keeps few digits).
 */
const gelu = (x: number) => 0.5 * x * erfc(-x * Math.SQRT1_2);
const MATH: Record<UnaryF32, (x: number) => number> = { exp: Math.exp, log: Math.log, sin: Math.sin, cos: Math.cos, tanh: Math.tanh, gelu };

describe("wasm pointwise kernels", () => {
  const SPECIALS = [
    0,
    -0,
    1,
    -1,
    1e-45,
    -1e-45,
    1e-40,
    1.17549435e-38,
    0.5,
    0.625,
    -0.625,
    88.72,
    88.73,
    -87.3,
    -103.9,
    -104,
    -200,
    3e38,
    -3e38,
    4.2e8,
    -4.3e8,
    1e10,
    1e30,
    Math.PI,
    -Math.PI / 2,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.NaN,
  ];

  for (const op of ["exp", "log", "sin", "cos", "tanh", "gelu"] as const) {
    it(`${op} is within ${MAX_ULP_ERROR[op]} ulp of Math.${op} over a sweep of float32 inputs`, () => {
      const stride = 4099;
      const xs: number[] = [...SPECIALS];
      const bits = new Uint32Array(1);
      const f32 = new Float32Array(bits.buffer);
      for (let b = 0; b < 2 ** 32; b += stride) {
        bits[0] = b;
        xs.push(f32[0] as number);
      }
      const x = Float32Array.from(xs);
      // Odd length and offsets exercise the kernels' tails.
      const y = new Float32Array(x.length + 3);
      unaryF32(op, x, y, x.length - 2, 1, 3);
      const f = MATH[op];
      let worst = 0;
      for (let i = 1; i < x.length - 1; i++) {
        const r = f(x[i] as number);
        const got = y[i + 2] as number;
        if (!Number.isFinite(Math.fround(r))) {
          // NaN, infinities and overflow past float32's range.
          if (!Object.is(got, Math.fround(r)) && !(Number.isNaN(r) && Number.isNaN(got)))
            throw new Error(`${op}(${x[i]}) = ${got}, expected ${r}`);
          continue;
        }
        const e = Math.abs(got - r) / ulp32(r);
        if (e > worst) worst = e;
        if (!(e <= MAX_ULP_ERROR[op])) throw new Error(`${op}(${x[i]}) = ${got}, expected ${r} (${e.toFixed(3)} ulp)`);
      }
      expect(worst).toBeGreaterThan(0);
      expect(y[0]).toBe(0);
      expect(y[2]).toBe(0);
      expect(y[x.length + 1]).toBe(0);
    });
  }

  it("add, sub and mul round like float32 arithmetic, in tails and with the pool", () => {
    const rand = rng(11);
    const saved = getNumThreads();
    try {
      for (const threads of [1, 2]) {
        setNumThreads(threads);
        if (threads === 2) waitForPool();
        for (const n of [1, 3, 7, 64, 1001, 300_001]) {
          const a = Float32Array.from({ length: n }, () => rand() * 1e3);
          const b = Float32Array.from({ length: n }, () => rand() * 1e3);
          const out = new Float32Array(n);
          for (const op of ["add", "sub", "mul"] as BinaryF32[]) {
            binaryF32(op, a, b, out);
            for (let i = 0; i < n; i++) {
              const x = a[i] as number;
              const y = b[i] as number;
              const want = Math.fround(op === "add" ? x + y : op === "sub" ? x - y : x * y);
              if (out[i] !== want) throw new Error(`${op} n=${n}: [${i}] ${out[i]} != ${want}`);
            }
          }
        }
      }
      // Long transcendental arrays are split across the pool too.
      const x = Float32Array.from({ length: 100_003 }, () => rand() * 50);
      const y = new Float32Array(x.length);
      unaryF32("sin", x, y);
      for (let i = 0; i < x.length; i++) expect(Math.abs((y[i] as number) - Math.sin(x[i] as number))).toBeLessThanOrEqual(ulp32(1));
    } finally {
      setNumThreads(saved);
    }
  });
});

describe("wasm worker pool", () => {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const run = (code: string) =>
    spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { cwd: root, encoding: "utf8", timeout: 60_000 });

  it("starts lazily, only for kernels big enough to split, and does not keep the process alive", () => {
    const code = `
      import { poolStarted, readyWorkers, setNumThreads, waitForPool } from "./src/backend/wasm/pool.ts";
      import { sgemm } from "./src/backend/wasm/sgemm.ts";
      setNumThreads(2);
      const m = (n) => ({ data: new Float32Array(n * n).fill(1), offsets: [0], rowStride: n, colStride: 1 });
      const log = [poolStarted()];
      sgemm(8, 8, 8, m(8), m(8), m(8));
      log.push(poolStarted());
      sgemm(300, 300, 300, m(300), m(300), m(300));
      log.push(poolStarted(), waitForPool(), readyWorkers());
      const c = m(300);
      sgemm(300, 300, 300, m(300), m(300), c);
      log.push(c.data[0]);
      console.log(JSON.stringify(log));
    `;
    const t0 = performance.now();
    const r = run(code);
    const ms = performance.now() - t0;
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual([false, false, true, 1, 1, 300]);
    // The process ended on its own (spawnSync would time out at 60 s otherwise).
    expect(ms).toBeLessThan(30_000);
  });

  it("stays off where a thread count of 1 is asked for", () => {
    const r = run(`
      import { poolStarted, setNumThreads } from "./src/backend/wasm/pool.ts";
      import { sgemm } from "./src/backend/wasm/sgemm.ts";
      setNumThreads(1);
      const m = (n) => ({ data: new Float32Array(n * n), offsets: [0], rowStride: n, colStride: 1 });
      sgemm(300, 300, 300, m(300), m(300), m(300));
      console.log(poolStarted());
    `);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe("false");
  });

  it("loads with an unshared memory, as in a browser page that is not cross-origin isolated", () => {
    const api = wasmApi();
    if (api === undefined) throw new Error("no WebAssembly");
    const bytes = Uint8Array.from(atob(SIMD_WASM), (ch) => ch.charCodeAt(0));
    expect(bytes[SIMD_MEMORY_FLAGS]).toBe(0x03);
    bytes[SIMD_MEMORY_FLAGS] = 0x01;
    const memory = new api.Memory({ initial: 2, maximum: 16 });
    const ex = new api.Instance(new api.Module(bytes), { env: { memory, sin: Math.sin, cos: Math.cos } })
      .exports as unknown as KernelExports;
    const f32 = new Float32Array(memory.buffer);
    f32.set([0, 1, 2, -1], 1024);
    ex.vexp(4096, 8192, 4);
    expect(Array.from(f32.subarray(2048, 2052))).toEqual([1, Math.fround(Math.E), Math.fround(Math.exp(2)), Math.fround(Math.exp(-1))]);
  });

  it("is sized by torch.setNumThreads / torch.getNumThreads, which reject a bad count by name", () => {
    const saved = torch.getNumThreads();
    try {
      torch.setNumThreads(1);
      expect(torch.getNumThreads()).toBe(1);
      expect(getNumThreads()).toBe(1);
      torch.setNumThreads(2);
      expect(torch.getNumThreads()).toBe(2);
      expect(waitForPool()).toBe(1);
      expect(() => torch.setNumThreads(0)).toThrow("setNumThreads: expected a positive integer for 'n', got 0");
      expect(() => torch.setNumThreads(1.5)).toThrow(torch.ArgumentError);
      expect(torch.getNumThreads()).toBe(2);
    } finally {
      torch.setNumThreads(saved);
    }
  });

  it("releases its memory and workers, and starts afresh on the next call", () => {
    const saved = getNumThreads();
    try {
      setNumThreads(2);
      waitForPool();
      releaseWasm();
      expect(wasmMemoryBytes()).toBe(0);
      checkSgemm({ M: 70, N: 80, K: 90 }, 2, 5);
      expect(wasmMemoryBytes()).toBeGreaterThan(0);
    } finally {
      setNumThreads(saved);
    }
  });
});
