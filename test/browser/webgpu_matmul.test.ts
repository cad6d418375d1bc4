/**
 * The WebGPU matrix product (src/backend/webgpu/matmul.ts) in headless
 * Chromium, on SwiftShader's adapter where the machine has no GPU: square,
 * ragged, transposed, offset, broadcast and batched layouts diffed against
 * the reference backend's matmul (the spec; float64 sums, one rounding).
 *
 * Error measure: the GPU sums in float32, so an output may differ from the
 * reference by up to about K * 2^-24 times sum_k |a_ik b_kj| (the classic
 * bound of a float32 dot product of length K). Each output's error is
 * measured against that sum ("componentwise", |a| @ |b| from the reference
 * backend) and must stay under (K + 1) * 2^-24; an index slip gives errors
 * of order 1.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refBackend } from "../../src/backend/ref/index.js";
import type { Strided } from "../../src/backend/types.js";
import type { GpuKernels, GpuStrided } from "../../src/backend/webgpu/kernels.js";
import { matmul } from "../../src/backend/webgpu/matmul.js";
import { contiguous, gpuKernels, numel, values } from "../helpers/webgpu.js";

let gpu: GpuKernels;
beforeAll(async () => {
  gpu = await gpuKernels();
});
afterAll(() => gpu?.device.destroy());

/**
 * A [...batch, rows, cols] operand: stored contiguous (as [..., cols, rows] and
 * read through swapped strides when `transposed`), batch dims flagged in
 * `broadcast` stored once and read with stride 0, starting at `offset`.
 */
interface Spec {
  batch?: number[];
  rows: number;
  cols: number;
  transposed?: boolean;
  broadcast?: boolean[];
  offset?: number;
}

interface Operand {
  cpu: Strided;
  abs: Strided;
  gpu: GpuStrided;
}

function operand(spec: Spec, seed: number, data?: Float32Array): Operand {
  const batch = spec.batch ?? [];
  const stored = [
    ...batch.map((s, d) => (spec.broadcast?.[d] ? 1 : s)),
    ...(spec.transposed ? [spec.cols, spec.rows] : [spec.rows, spec.cols]),
  ];
  const cs = contiguous(stored);
  const strides = [
    ...batch.map((_, d) => (spec.broadcast?.[d] ? 0 : (cs[d] as number))),
    ...(spec.transposed ? [1, spec.rows] : [spec.cols, 1]),
  ];
  const shape = [...batch, spec.rows, spec.cols];
  const offset = spec.offset ?? 0;
  const values_ = data ?? values(offset + numel(stored), seed, -1, 1);
  return {
    cpu: { data: values_, dtype: "float32", shape, strides, offset },
    abs: { data: values_.map(Math.abs), dtype: "float32", shape, strides, offset },
    gpu: { buffer: gpu.upload(values_), shape, strides, offset },
  };
}

/** A contiguous float64 output of `shape` for the reference backend. */
const refOut = (shape: number[]): Strided => ({
  data: new Float64Array(numel(shape)),
  dtype: "float64",
  shape,
  strides: contiguous(shape),
  offset: 0,
});

/** The GPU's product into an output pre-filled with NaN (an output the kernel skips shows). */
async function gpuProduct(a: GpuStrided, b: GpuStrided, shape: number[]): Promise<Float32Array> {
  const n = numel(shape);
  const out: GpuStrided = { buffer: gpu.upload(new Float32Array(n).fill(Number.NaN)), shape, strides: contiguous(shape), offset: 0 };
  matmul(gpu, a, b, out);
  return gpu.read(out.buffer, n);
}

interface Measured {
  /** Largest |gpu - ref| / (|a| @ |b|) over the outputs (NaN: a NaN or a non-zero error where |a| @ |b| is 0). */
  componentwise: number;
  /** max |gpu - ref| / max |ref|. */
  normwise: number;
  got: Float32Array;
  want: Float64Array;
}

/** a @ b on the GPU against the reference backend (float64 here: the exact product before its rounding to float32). */
async function compare(sa: Spec, sb: Spec, seed = 1): Promise<Measured> {
  const [a, b] = [operand(sa, seed), operand(sb, seed + 1)];
  const shape = [...(sa.batch ?? []), sa.rows, sb.cols];
  const [want, bound] = [refOut(shape), refOut(shape)];
  refBackend.matmul(a.cpu, b.cpu, want);
  refBackend.matmul(a.abs, b.abs, bound);
  const got = await gpuProduct(a.gpu, b.gpu, shape);
  const w = want.data as Float64Array;
  const B = bound.data as Float64Array;
  let [componentwise, diff, top] = [0, 0, 0];
  for (let i = 0; i < w.length; i++) {
    const d = Math.abs((got[i] as number) - (w[i] as number));
    componentwise = Math.max(componentwise, (B[i] as number) === 0 ? (d === 0 ? 0 : Number.NaN) : d / (B[i] as number));
    if (Number.isNaN(d)) componentwise = Number.NaN;
    [diff, top] = [Math.max(diff, d), Math.max(top, Math.abs(w[i] as number))];
  }
  return { componentwise, normwise: top === 0 ? diff : diff / top, got, want: w };
}

/** Checks a @ b within the float32 dot-product bound, (K + 1) * 2^-24 componentwise. */
async function expectProduct(what: string, sa: Spec, sb: Spec): Promise<Measured> {
  const m = await compare(sa, sb);
  expect(m.componentwise, `${what}: componentwise error`).toBeLessThanOrEqual((sa.cols + 1) * 2 ** -24);
  return m;
}

describe("WebGPU matmul against the reference backend", () => {
  it("multiplies square and ragged matrices (sizes not multiples of the 64 x 64 tile or the 16-deep k step)", async () => {
    await expectProduct("1x1 @ 1x1", { rows: 1, cols: 1 }, { rows: 1, cols: 1 });
    await expectProduct("3x5 @ 5x7", { rows: 3, cols: 5 }, { rows: 5, cols: 7 });
    await expectProduct("65x33 @ 33x17", { rows: 65, cols: 33 }, { rows: 33, cols: 17 });
    await expectProduct("128x128 @ 128x128", { rows: 128, cols: 128 }, { rows: 128, cols: 128 });
    await expectProduct("1x200 @ 200x1", { rows: 1, cols: 200 }, { rows: 200, cols: 1 });
    await expectProduct("70x1 @ 1x130", { rows: 70, cols: 1 }, { rows: 1, cols: 130 });
  });

  it("gives exact results where float32 sums are exact (small integers)", async () => {
    const ints = (n: number, seed: number) => values(n, seed, -8, 8).map(Math.floor);
    const a = operand({ rows: 65, cols: 33 }, 0, ints(65 * 33, 3));
    const b = operand({ rows: 33, cols: 17, transposed: true }, 0, ints(33 * 17, 4));
    const want = refOut([65, 17]);
    refBackend.matmul(a.cpu, b.cpu, want);
    expect(Array.from(await gpuProduct(a.gpu, b.gpu, [65, 17]))).toEqual(Array.from(want.data));
  });

  it("reads transposed and offset operands (strides swapped), in every combination", async () => {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const what = `65x33${ta ? "^T" : ""} @ 33x17${tb ? "^T" : ""}`;
        await expectProduct(what, { rows: 65, cols: 33, transposed: ta, offset: 5 }, { rows: 33, cols: 17, transposed: tb, offset: 9 });
        await expectProduct(`${what}, 128`, { rows: 128, cols: 128, transposed: ta }, { rows: 128, cols: 128, transposed: tb });
      }
    }
  });

  it("broadcasts batch dims (stride 0) and runs 3-d and 4-d batches", async () => {
    await expectProduct(
      "[4] 20x30 @ broadcast 30x10",
      { batch: [4], rows: 20, cols: 30 },
      { batch: [4], rows: 30, cols: 10, broadcast: [true] },
    );
    await expectProduct(
      "broadcast [4] 20x30 @ 30x10",
      { batch: [4], rows: 20, cols: 30, broadcast: [true] },
      { batch: [4], rows: 30, cols: 10 },
    );
    await expectProduct("[3] 70x40 @ 40x66", { batch: [3], rows: 70, cols: 40, transposed: true }, { batch: [3], rows: 40, cols: 66 });
    await expectProduct(
      "[2, 3] 9x17 @ 17x5, each operand broadcast along a different dim",
      { batch: [2, 3], rows: 9, cols: 17, broadcast: [true, false], offset: 2 },
      { batch: [2, 3], rows: 17, cols: 5, broadcast: [false, true], transposed: true },
    );
    await expectProduct(
      "[2, 1, 3] 5x4 @ 4x6",
      { batch: [2, 1, 3], rows: 5, cols: 4 },
      { batch: [2, 1, 3], rows: 4, cols: 6, broadcast: [false, false, true] },
    );
  });

  it("runs more work units than workgroups (5,000 batches over at most 4,096 workgroups: the shader loops over them)", async () => {
    const m = await expectProduct(
      "[5000] 2x3 @ broadcast 3x2",
      { batch: [5000], rows: 2, cols: 3 },
      { batch: [5000], rows: 3, cols: 2, broadcast: [true] },
    );
    expect(m.got.length).toBe(20000);
  });

  it("writes zeros for k = 0 and dispatches nothing for empty outputs", async () => {
    const m = await compare({ batch: [2], rows: 3, cols: 0 }, { batch: [2], rows: 0, cols: 4 });
    expect(Array.from(m.got)).toEqual(new Array(24).fill(0));
    for (const [batch, M, N] of [
      [[0], 3, 4],
      [[2], 0, 4],
      [[2], 3, 0],
    ] as const) {
      expect((await compare({ batch: [...batch], rows: M, cols: 5 }, { batch: [...batch], rows: 5, cols: N })).got.length).toBe(0);
    }
  });

  it("propagates NaN and infinities as the reference backend does", async () => {
    const a = operand({ rows: 3, cols: 2 }, 0, Float32Array.from([Number.NaN, 1, 1, 1, 0, 1]));
    const b = operand({ rows: 2, cols: 3 }, 0, Float32Array.from([1, Number.POSITIVE_INFINITY, 1, 1, 1, Number.NEGATIVE_INFINITY]));
    const want = refOut([3, 3]);
    refBackend.matmul(a.cpu, b.cpu, want);
    const got = Array.from(await gpuProduct(a.gpu, b.gpu, [3, 3]));
    // NaN in, inf * 0 = NaN, inf - inf = NaN, and inf where only infinities of one sign meet finite values.
    expect(got.map((g) => (Number.isNaN(g) ? "nan" : g))).toEqual(Array.from(want.data, (w) => (Number.isNaN(w) ? "nan" : w)));
  });

  it("pads the tiles with zeros, never with the operands' neighbouring elements (here infinities)", async () => {
    const inf = Number.POSITIVE_INFINITY;
    // a: [2, 3] at the top left of a [3, 4] storage, b: [3, 2] of a [4, 3] one; the rest is inf, where
    // reading past K (or past M, N) would land. inf * 0 would make NaN, so the product is finite only
    // if the padding is zeros.
    const aData = Float32Array.from([1, 2, 3, inf, 4, 5, 6, inf, inf, inf, inf, inf]);
    const bData = Float32Array.from([1, -1, inf, 2, 0.5, inf, -3, 1, inf, inf, inf, inf]);
    const a: GpuStrided = { buffer: gpu.upload(aData), shape: [2, 3], strides: [4, 1], offset: 0 };
    const b: GpuStrided = { buffer: gpu.upload(bData), shape: [3, 2], strides: [3, 1], offset: 0 };
    expect(Array.from(await gpuProduct(a, b, [2, 2]))).toEqual([-4, 3, -4, 4.5]);
  });

  it("multiplies 256 x 256 within a measured float32 error", async () => {
    const sa: Spec = { rows: 256, cols: 256 };
    const m = await compare(sa, { rows: 256, cols: 256 }, 17);
    // Measured on SwiftShader: componentwise 2.27e-7, normwise 6.25e-7, as PyTorch 1.13's CPU float32 matmul
    // and a sequential float32 sum on the same inputs (K = 256's worst-case componentwise bound: 1.5e-5).
    expect(m.componentwise).toBeLessThanOrEqual(1e-6);
    expect(m.normwise).toBeLessThanOrEqual(2e-6);
  });

  it("refuses layouts it cannot index, with a message naming the op", async () => {
    const a = operand({ rows: 2, cols: 3 }, 1).gpu;
    const b = operand({ rows: 3, cols: 4 }, 2).gpu;
    const out: GpuStrided = { buffer: gpu.empty(8), shape: [2, 4], strides: [4, 1], offset: 0 };
    expect(() => matmul(gpu, a, a, out)).toThrow(
      /webgpu matmul: expected a \[\.\.\., M, K\] @ b \[\.\.\., K, N\] -> out \[\.\.\., M, N\], got \[2, 3\] @ \[2, 3\]/,
    );
    expect(() => matmul(gpu, { ...a, shape: [3], strides: [1] }, b, out)).toThrow(/webgpu matmul: operands must have out's 2 dims/);
    expect(() =>
      matmul(gpu, { ...a, shape: [6], strides: [1] }, { ...b, shape: [12], strides: [1] }, { ...out, shape: [8], strides: [1] }),
    ).toThrow(/expected 2 to 8 dims, got 1/);
    expect(() => matmul(gpu, { ...a, strides: [-3, 1], offset: 3 }, b, out)).toThrow(/negative strides/);
    expect(() => matmul(gpu, a, b, { ...out, strides: [1, 2] })).toThrow(/output must be contiguous/);
    expect(() => matmul(gpu, a, b, { ...out, offset: 1 })).toThrow(/output must be contiguous/);
  });
});
