/**
 * The WebGPU scans and argsort (src/backend/webgpu/scan.ts, sort.ts) in
 * headless Chromium, diffed against the reference backend's `scan` and
 * `argsort` on the same strided layouts of every device dtype: contiguous,
 * transposed, offset, broadcast, strided outputs, 0-d and empty inputs,
 * slices around each count of lanes and past one workgroup's block, NaN and
 * infinities, ties (argsort must be stable).
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refBackend } from "../../src/backend/ref/index.js";
import type { ScanOp, Strided } from "../../src/backend/types.js";
import type { GpuKernels } from "../../src/backend/webgpu/kernels.js";
import type { GpuOperand } from "../../src/backend/webgpu/operand.js";
import { scan } from "../../src/backend/webgpu/scan.js";
import { argsort } from "../../src/backend/webgpu/sort.js";
import type { DType } from "../../src/core/dtype.js";
import { DTypeError, IndexError, ShapeError } from "../../src/core/errors.js";
import { gpuKernels } from "../helpers/webgpu.js";
import { contiguous, DEVICE_DTYPES, LAYOUTS, numel, pair, readAs, sample } from "../helpers/webgpu_operands.js";

let gpu: GpuKernels;
beforeAll(async () => {
  gpu = await gpuKernels();
});
afterAll(() => gpu?.device.destroy());

const [inf, nan] = [Number.POSITIVE_INFINITY, Number.NaN];

/** The output dtype PyTorch gives each scan of `dtype` (cumsum/cumprod widen integers and bool to int64). */
const scanDType = (op: ScanOp, dtype: DType): DType => ((op === "cumsum" || op === "cumprod") && dtype !== "float32" ? "int64" : dtype);

/** An output of `shape` (contiguous unless strides are given) on both sides, zeroed. */
function outputs(
  dtype: DType,
  shape: readonly number[],
  size = numel(shape),
  strides = contiguous(shape),
  offset = 0,
): [Strided, GpuOperand] {
  return pair(gpu, dtype, new Array<number>(size).fill(0), shape, strides, offset);
}

async function runScan(op: ScanOp, x: Strided, gx: GpuOperand, dim: number, outDType = scanDType(op, x.dtype)) {
  const [out, gout] = outputs(outDType, x.shape);
  refBackend.scan(op, x, dim, out);
  scan(gpu, op, gx, dim, gout);
  return { got: await readAs(gpu, gout.buffer, outDType, numel(x.shape)), want: Array.from(out.data) };
}

/**
 * Each output's error against the reference, relative to the scale of its
 * prefix (the running sum of |x| along the slice for cumsum, |want| for the
 * rest); NaN must match NaN and infinities exactly.
 */
function worstError(got: number[], want: number[], scale: (i: number) => number): number {
  let worst = 0;
  want.forEach((w, i) => {
    const g = got[i] as number;
    if (!Number.isFinite(w)) {
      expect(Number.isNaN(w) ? Number.isNaN(g) : g === w, `[${i}]: got ${g}, expected ${w}`).toBe(true);
      return;
    }
    worst = Math.max(worst, Math.abs(g - w) / Math.max(scale(i), 1e-30));
  });
  return worst;
}

/** The running sum of |x| along `dim` (the scale of a cumsum's rounding), contiguous in x's shape. */
function prefixScale(x: Strided, dim: number): number[] {
  const abs = { ...x, dtype: "float64" as const, data: Float64Array.from(x.data as ArrayLike<number>, Math.abs) };
  const out = {
    data: new Float64Array(numel(x.shape)),
    dtype: "float64" as const,
    shape: x.shape,
    strides: contiguous(x.shape),
    offset: 0,
  };
  refBackend.scan("cumsum", abs, dim, out);
  return Array.from(out.data);
}

describe("WebGPU scan against the reference backend", () => {
  for (const op of ["cumsum", "cumprod", "cummax", "cummin"] as const) {
    it(`${op} of every dtype along every dim on every layout`, async () => {
      for (const dtype of DEVICE_DTYPES) {
        for (const [name, size, strides, offset] of LAYOUTS) {
          // cumprod: factors near 1 (integers in {0, 1}, floats in [0.7, 1.4)).
          const data = op === "cumprod" ? sample(dtype, size, 3, 0.7, 1.4) : sample(dtype, size, 5);
          const [x, gx] = pair(gpu, dtype, data, [4, 5, 6], strides, offset);
          for (const dim of [0, 1, 2]) {
            const { got, want } = await runScan(op, x, gx, dim);
            const what = `${op} ${dtype} ${name} dim ${dim}`;
            if (dtype !== "float32" || op === "cummax" || op === "cummin") expect(got, what).toEqual(want);
            else if (op === "cumsum") {
              const scale = prefixScale(x, dim);
              expect(
                worstError(got, want, (i) => scale[i] as number),
                what,
              ).toBeLessThanOrEqual(3e-7);
            } else
              expect(
                worstError(got, want, (i) => Math.abs(want[i] as number)),
                what,
              ).toBeLessThanOrEqual(2e-6);
          }
        }
      }
    });
  }

  it("logcumsumexp along every dim on every layout (float32)", async () => {
    for (const [name, size, strides, offset] of LAYOUTS) {
      const [x, gx] = pair(gpu, "float32", sample("float32", size, 7, -20, 20), [4, 5, 6], strides, offset);
      for (const dim of [0, 1, 2]) {
        const { got, want } = await runScan("logcumsumexp", x, gx, dim);
        // Relative to max(|want|, 1): SwiftShader's exp and log are good to a few float32 ulp.
        expect(
          worstError(got, want, (i) => Math.max(Math.abs(want[i] as number), 1)),
          `${name} dim ${dim}`,
        ).toBeLessThanOrEqual(1e-6);
      }
    }
  });

  it("logcumsumexp keeps the small terms a naive log(1 + e) would round away", async () => {
    // log(1 + e^-20) = 2.06e-9: 1 + e^-20 rounds to 1 in float32, so the log needs the log1p form.
    const [x, gx] = pair(gpu, "float32", [0, -20, -25, -inf], [4]);
    const { got, want } = await runScan("logcumsumexp", x, gx, 0);
    expect(
      worstError(got, want, (i) => Math.abs(want[i] as number)),
      `${got} vs ${want}`,
    ).toBeLessThanOrEqual(1e-5);
  });

  it("widens: a bool or int32 cumsum into int64, an int32 one into float32", async () => {
    for (const [from, to] of [
      ["bool", "int64"],
      ["int32", "int64"],
      ["int32", "float32"],
      ["bool", "float32"],
    ] as const) {
      const [x, gx] = pair(gpu, from, sample(from, 120, 9), [4, 5, 6]);
      const { got, want } = await runScan("cumsum", x, gx, 2, to);
      expect(got, `${from} -> ${to}`).toEqual(want);
    }
  });

  it("scans slices around each count of lanes (one per 8 elements, up to 256) and long ones", async () => {
    for (const n of [1, 2, 8, 9, 17, 255, 256, 257, 2048, 2049, 5000, 100_000]) {
      const rows = n > 5000 ? 1 : 3;
      const [x, gx] = pair(gpu, "float32", sample("float32", rows * n, n), [rows, n]);
      const { got, want } = await runScan("cumsum", x, gx, 1);
      const scale = prefixScale(x, 1);
      // Measured on SwiftShader: at most 1.2e-7 of the prefix's magnitude (2 float32 ulp).
      expect(
        worstError(got, want, (i) => scale[i] as number),
        `cumsum n=${n}`,
      ).toBeLessThanOrEqual(2.4e-7);
      for (const op of ["cummax", "cummin"] as const) {
        const r = await runScan(op, x, gx, 1);
        expect(r.got, `${op} n=${n}`).toEqual(r.want);
      }
      const [xi, gxi] = pair(gpu, "int64", sample("int64", rows * n, n + 1), [rows, n]);
      const ints = await runScan("cumsum", xi, gxi, 1);
      expect(ints.got, `int64 cumsum n=${n}`).toEqual(ints.want);
    }
  });

  it("keeps NaN from where it appears (cummax/cummin), and infinities, in short and long rows", async () => {
    const rows = [
      [1, nan, 3, 5],
      [nan, -inf, inf, 2],
      [inf, 1, -inf, nan],
      [-inf, -inf, -inf, -inf],
      [0, -0, 2, -0],
    ];
    const long = sample("float32", rows.length * 300, 11);
    for (const [i, r] of rows.entries()) for (const [j, v] of r.entries()) long[i * 300 + (j === 3 ? 299 : 100 * j)] = v;
    for (const [data, n] of [
      [rows.flat(), 4],
      [long, 300],
    ] as const) {
      const [x, gx] = pair(gpu, "float32", data, [rows.length, n]);
      for (const op of ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"] as const) {
        const { got, want } = await runScan(op, x, gx, 1);
        const err = worstError(got, want, (i) => Math.max(Math.abs(want[i] as number), 1) * (op === "cumsum" ? n : 1));
        expect(err, `${op} of ${n}`).toBeLessThanOrEqual(op === "cumprod" ? 1e-4 : 1e-5);
      }
    }
  });

  it("writes through out's strides and offset, and scans 0-d and empty inputs", async () => {
    const [x, gx] = pair(gpu, "int64", sample("int64", 120, 13), [4, 5, 6]);
    const [out, gout] = outputs("int64", [4, 5, 6], 200, [1, 4, 20], 50);
    refBackend.scan("cumsum", x, 1, out);
    scan(gpu, "cumsum", gx, 1, gout);
    expect(await readAs(gpu, gout.buffer, "int64", 200)).toEqual(Array.from(out.data));
    const [s, gs] = pair(gpu, "float32", [2.5], []);
    for (const op of ["cumsum", "cummax", "logcumsumexp"] as const) expect((await runScan(op, s, gs, 0)).got, op).toEqual([2.5]);
    const [e, ge] = pair(gpu, "float32", [], [3, 0]);
    for (const dim of [0, 1]) expect((await runScan("cumsum", e, ge, dim)).got).toEqual([]);
  });

  it("scans and sorts 8-d inputs read transposed (no dims merge)", async () => {
    const shape = [2, 3, 1, 2, 2, 3, 2, 2];
    const transposed = shape.map((_, d) => numel(shape.slice(0, d)));
    const [x, gx] = pair(gpu, "int64", sample("int64", numel(shape), 103), shape, transposed);
    for (const dim of [0, 5, 7]) {
      const { got, want } = await runScan("cumsum", x, gx, dim);
      expect(got, `cumsum dim ${dim}`).toEqual(want);
      const [order, wantOrder] = await orders(x, gx, dim, true);
      expect(order, `argsort dim ${dim}`).toEqual(wantOrder);
    }
  });

  it("refuses what the contract rules out", () => {
    const [, gx] = pair(gpu, "int64", [1, 2, 3], [3]);
    const [, gout] = outputs("int64", [3]);
    expect(() => scan(gpu, "logcumsumexp", gx, 0, gout)).toThrow(DTypeError);
    expect(() => scan(gpu, "cumsum", gx, 1, gout)).toThrow(IndexError);
    expect(() => scan(gpu, "cumsum", gx, 0, { ...gout, shape: [2] })).toThrow(ShapeError);
  });
});

/** The reference's order and the device's (both as numbers), x's shape contiguous. */
async function orders(x: Strided, gx: GpuOperand, dim: number, descending: boolean): Promise<[number[], number[]]> {
  const [out, gout] = outputs("int64", x.shape);
  refBackend.argsort(x, dim, descending, out);
  argsort(gpu, gx, dim, descending, gout);
  return [await readAs(gpu, gout.buffer, "int64", numel(x.shape)), Array.from(out.data)];
}

describe("WebGPU argsort against the reference backend", () => {
  it("sorts every dtype along every dim on every layout, both ways, stably (ties everywhere)", async () => {
    for (const dtype of DEVICE_DTYPES) {
      for (const [name, size, strides, offset] of LAYOUTS) {
        // Floats rounded to halves: ties in every slice, as in the integers.
        const data = sample(dtype, size, 17).map((v) => (dtype === "float32" ? Math.round(2 * v) / 2 : v));
        const [x, gx] = pair(gpu, dtype, data, [4, 5, 6], strides, offset);
        for (const dim of [0, 1, 2]) {
          for (const descending of [false, true]) {
            const [got, want] = await orders(x, gx, dim, descending);
            expect(got, `${dtype} ${name} dim ${dim} ${descending ? "descending" : "ascending"}`).toEqual(want);
          }
        }
      }
    }
  });

  it("puts NaN last ascending and first descending, -0 and 0 as equals, infinities in place", async () => {
    const row = [3, nan, -inf, 0, -0, inf, nan, -1, 0, inf, -inf, 2];
    const [x, gx] = pair(gpu, "float32", [...row, ...row.reverse()], [2, 12]);
    for (const descending of [false, true]) {
      const [got, want] = await orders(x, gx, 1, descending);
      expect(got, descending ? "descending" : "ascending").toEqual(want);
    }
  });

  it("sorts slices past one workgroup's block of 512 (the stages across blocks) and many short slices", async () => {
    for (const [rows, n] of [
      [2, 513],
      [3, 1000],
      [1, 1024],
      [2, 1025],
      [1, 5000],
      [3000, 5],
      [700, 1],
    ] as const) {
      // Few distinct values: long runs of ties the order must keep.
      const data = sample("float32", rows * n, n, 0, 50).map(Math.floor);
      if (n > 5) data[7] = nan;
      const [x, gx] = pair(gpu, "float32", data, [rows, n]);
      for (const descending of [false, true]) {
        const [got, want] = await orders(x, gx, 1, descending);
        expect(got, `[${rows}, ${n}] ${descending ? "descending" : "ascending"}`).toEqual(want);
      }
      const [xt, gxt] = pair(gpu, "int32", data, [n, rows], [1, n]);
      const [got, want] = await orders(xt, gxt, 0, false);
      expect(got, `int32 [${n}, ${rows}] transposed`).toEqual(want);
    }
  });

  it("writes through out's strides and offset, and sorts 0-d and empty inputs", async () => {
    const [x, gx] = pair(gpu, "float32", sample("float32", 120, 19), [4, 5, 6]);
    const [out, gout] = outputs("int64", [4, 5, 6], 200, [1, 4, 20], 50);
    refBackend.argsort(x, 2, true, out);
    argsort(gpu, gx, 2, true, gout);
    expect(await readAs(gpu, gout.buffer, "int64", 200)).toEqual(Array.from(out.data));
    const [s, gs] = pair(gpu, "float32", [2.5], []);
    expect((await orders(s, gs, 0, false))[0]).toEqual([0]);
    const [e, ge] = pair(gpu, "float32", [], [0, 3]);
    expect((await orders(e, ge, 1, false))[0]).toEqual([]);
  });

  it("refuses outputs that are not int64 in x's shape", () => {
    const [, gx] = pair(gpu, "float32", [1, 2, 3], [3]);
    expect(() => argsort(gpu, gx, 0, false, { ...gx, dtype: "float32" })).toThrow(DTypeError);
    expect(() => argsort(gpu, gx, 0, false, { ...gx, shape: [2], dtype: "int64" })).toThrow(ShapeError);
    expect(() => argsort(gpu, gx, 1, false, { ...gx, dtype: "int64" })).toThrow(IndexError);
  });
});
