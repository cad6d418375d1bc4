/**
 * The WebGPU reductions (src/backend/webgpu/reduce.ts) in headless Chromium,
 * diffed against the reference backend's `reduce` and `argReduce` on the
 * same strided layouts: every set of dims of a [4, 5, 6] input read
 * contiguous, transposed, offset and broadcast; long rows; many outputs;
 * empty reductions; NaN and infinities; ties.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refBackend } from "../../src/backend/ref/index.js";
import type { ArgReduceOp, ReduceOp, Strided } from "../../src/backend/types.js";
import type { GpuKernels } from "../../src/backend/webgpu/kernels.js";
import type { GpuOperand } from "../../src/backend/webgpu/operand.js";
import { argReduce, reduce } from "../../src/backend/webgpu/reduce.js";
import type { DType } from "../../src/core/dtype.js";
import { DTypeError, IndexError, ShapeError } from "../../src/core/errors.js";
import { contiguous, gpuKernels, numel, values } from "../helpers/webgpu.js";
import { DEVICE_DTYPES, LAYOUTS, pair, readAs, sample } from "../helpers/webgpu_operands.js";

let gpu: GpuKernels;
beforeAll(async () => {
  gpu = await gpuKernels();
});
afterAll(() => gpu?.device.destroy());

const keptShape = (shape: readonly number[], dims: readonly number[]) => shape.map((s, d) => (dims.includes(d) ? 1 : s));

/** The same layout over a CPU array (for the reference backend) and over a GPU buffer. */
function operand(data: Float32Array, shape: number[], strides = contiguous(shape), offset = 0): [Strided, GpuOperand] {
  return [
    { data, dtype: "float32", shape, strides, offset },
    { buffer: gpu.upload(data), dtype: "float32", shape, strides, offset },
  ];
}

/** Layouts of a [4, 5, 6] input: contiguous, read transposed from [6, 5, 4], at an offset, broadcast along dim 1. */
function layouts(seed: number, lo?: number, hi?: number): [string, Strided, GpuOperand][] {
  const shape = [4, 5, 6];
  const make = (name: string, n: number, strides: number[], offset: number): [string, Strided, GpuOperand] => [
    name,
    ...operand(values(n, seed, lo, hi), shape, strides, offset),
  ];
  return [
    make("contiguous", 120, [30, 6, 1], 0),
    make("transposed", 120, [1, 4, 20], 0),
    make("offset", 160, [30, 6, 1], 37),
    make("broadcast", 24, [6, 0, 1], 0),
  ];
}

const DIM_SETS = [[], [0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]];

/** The reference backend's result (float32, contiguous in x's shape with `dims` set to 1). */
function expected(op: ReduceOp, x: Strided, dims: number[]): Float32Array {
  const shape = keptShape(x.shape, dims);
  const want = new Float32Array(numel(shape));
  refBackend.reduce(op, x, dims, { data: want, dtype: "float32", shape, strides: contiguous(shape), offset: 0 });
  return want;
}

async function gpuReduce(op: ReduceOp, gx: GpuOperand, dims: number[]): Promise<Float32Array> {
  const shape = keptShape(gx.shape, dims);
  const out: GpuOperand = { buffer: gpu.empty(numel(shape)), dtype: "float32", shape, strides: contiguous(shape), offset: 0 };
  reduce(gpu, op, gx, dims, out);
  return gpu.read(out.buffer, numel(shape));
}

/** Both results, and |x| summed over each output's slice (the scale of a sum's rounding error). */
async function both(op: ReduceOp, x: Strided, gx: GpuOperand, dims: number[]) {
  const scale = expected("sum", { ...x, data: (x.data as Float32Array).map(Math.abs) }, dims);
  return { got: await gpuReduce(op, gx, dims), want: expected(op, x, dims), scale };
}

/** Largest error of a sum, relative to the sum of magnitudes over the slice. */
function sumError(got: Float32Array, want: Float32Array, scale: Float32Array): number {
  return Math.max(0, ...Array.from(want, (w, i) => Math.abs((got[i] as number) - w) / Math.max(scale[i] as number, 1e-30)));
}

/** Same value (NaN matches NaN; 0 matches -0: the GPU's tree may meet equal zeros in another order). */
const same = (g: number, w: number) => (Number.isNaN(w) ? Number.isNaN(g) : g === w);

function expectSame(got: Float32Array, want: Float32Array, what: string): void {
  expect(got.length, what).toBe(want.length);
  want.forEach((w, i) => {
    expect(same(got[i] as number, w), `${what} [${i}]: got ${got[i]}, expected ${w}`).toBe(true);
  });
}

describe("WebGPU reduce against the reference backend", () => {
  it("sum over every set of dims on every layout (float32 error within a few ulp of the slice's magnitude)", async () => {
    for (const [name, x, gx] of layouts(7)) {
      for (const dims of DIM_SETS) {
        const { got, want, scale } = await both("sum", x, gx, dims);
        expect(sumError(got, want, scale), `sum ${name} [${dims}]`).toBeLessThanOrEqual(4e-7);
      }
    }
  });

  it("prod over every set of dims on every layout", async () => {
    for (const [name, x, gx] of layouts(9, 0.7, 1.4)) {
      for (const dims of DIM_SETS) {
        const got = await gpuReduce("prod", gx, dims);
        const want = expected("prod", x, dims);
        // 120 float32 products: each rounds once (2^-24), the reference backend once in all.
        want.forEach((w, i) => {
          expect(Math.abs((got[i] as number) - w) / w, `prod ${name} [${dims}]`).toBeLessThanOrEqual(1e-5);
        });
      }
    }
  });

  for (const op of ["max", "min"] as const) {
    it(`${op} over every set of dims on every layout, exactly`, async () => {
      for (const [name, x, gx] of layouts(11)) {
        for (const dims of DIM_SETS) expectSame(await gpuReduce(op, gx, dims), expected(op, x, dims), `${op} ${name} [${dims}]`);
      }
    });
  }

  it("sums long rows (100,000 and 1,000,000 elements) within float32 rounding of the float64 sum", async () => {
    const n = 100_000;
    const mixed = operand(values(3 * n, 23), [3, n]);
    const transposed = operand(values(3 * n, 25), [n, 3]);
    const cases: [string, Strided, GpuOperand, number[], number][] = [
      // Positive: the error relative to the sum. Measured on SwiftShader: 0 for both (the result rounds to the
      // float64 sum; a float32 loop in order is off by 7e-6 and 1.1e-6 on these rows).
      ["positive 1e5", ...operand(values(n, 21, 0, 1), [n]), [0], 2.4e-7],
      ["positive 1e6", ...operand(values(10 * n, 21, 0, 1), [10 * n]), [0], 2.4e-7],
      // Mixed signs: relative to the sum of magnitudes. Measured: 8.0e-9, 8.5e-9, 8.8e-9.
      ["mixed rows", ...mixed, [1], 5e-8],
      ["transposed columns", ...transposed, [0], 5e-8],
      ["all of [3, n]", ...mixed, [0, 1], 5e-8],
    ];
    for (const [name, x, gx, dims, tol] of cases) {
      const { got, want, scale } = await both("sum", x, gx, dims);
      expect(sumError(got, want, scale), name).toBeLessThanOrEqual(tol);
    }
  });

  it("handles rows around each count of lanes (one per 8 elements, up to 256)", async () => {
    for (const n of [1, 8, 9, 17, 255, 256, 257, 2048, 2049, 5000]) {
      const [x, gx] = operand(values(5 * n, n), [5, n]);
      for (const op of ["max", "min"] as const) expectSame(await gpuReduce(op, gx, [1]), expected(op, x, [1]), `${op} n=${n}`);
      const { got, want, scale } = await both("sum", x, gx, [1]);
      expect(sumError(got, want, scale), `sum n=${n}`).toBeLessThanOrEqual(1e-6);
    }
  });

  it("reduces many short rows, and more outputs than one dispatch dimension holds", async () => {
    const [x, gx] = operand(values(70_000 * 40, 31), [70_000, 40]);
    expectSame(await gpuReduce("max", gx, [1]), expected("max", x, [1]), "max over 70,000 rows");
    // 256 * 65,535 + 300 rows of 3 (one lane each): 65,537 workgroups; the input broadcast from one row.
    const n = 256 * 65535 + 300;
    const row = Float32Array.of(1.5, -2, 0.25);
    const gy: GpuOperand = { buffer: gpu.upload(row), dtype: "float32", shape: [n, 3], strides: [0, 1], offset: 0 };
    const got = await gpuReduce("sum", gy, [1]);
    for (const i of [0, 255, 256 * 65535 - 1, 256 * 65535, n - 1]) expect(got[i], `row ${i}`).toBe(-0.25);
  });

  it("writes through out's strides and offset (a transposed output)", async () => {
    const [x, gx] = operand(values(120, 41), [4, 5, 6]);
    const out: GpuOperand = { buffer: gpu.empty(40), dtype: "float32", shape: [4, 1, 6], strides: [1, 0, 4], offset: 10 };
    reduce(gpu, "max", gx, [1], out);
    const got = await gpu.read(out.buffer, 40);
    const want = new Float32Array(40);
    refBackend.reduce("max", x, [1], { data: want, dtype: "float32", shape: [4, 1, 6], strides: [1, 0, 4], offset: 10 });
    expectSame(got, want, "strided out");
  });

  it("gives sum 0, prod 1, max -inf, min +inf over nothing, and reduces 0-d inputs", async () => {
    const [e, ge] = operand(new Float32Array(0), [3, 0]);
    for (const op of ["sum", "prod", "max", "min"] as const) {
      expectSame(await gpuReduce(op, ge, [1]), expected(op, e, [1]), `${op} of [3, 0] over dim 1`);
      expectSame(await gpuReduce(op, ge, [0, 1]), expected(op, e, [0, 1]), `${op} of [3, 0] over all`);
      expect(await gpuReduce(op, ge, [0]), `${op} of [3, 0] over dim 0`).toHaveLength(0);
      const [s, gs] = operand(Float32Array.of(2.5), []);
      expectSame(await gpuReduce(op, gs, []), expected(op, s, []), `${op} of a 0-d input`);
      expectSame(await gpuReduce(op, gs, [0]), expected(op, s, [0]), `${op} of a 0-d input over dim 0`);
    }
  });

  it("propagates NaN and infinities as the reference backend, in short and long rows", async () => {
    const [inf, nan] = [Number.POSITIVE_INFINITY, Number.NaN];
    const rows = [
      [1, nan, 3],
      [nan, -inf, inf],
      [inf, 1, 2],
      [inf, -inf, 0],
      [-inf, -inf, -inf],
      [0, inf, 5],
    ];
    const short = Float32Array.from(rows.flat());
    // Long rows (more than one lane each): the same specials at the start, middle and end of 300 values near 1.
    const long = values(rows.length * 300, 5, 0.9, 1.1);
    for (const [i, r] of rows.entries()) for (const [j, v] of r.entries()) long[i * 300 + (j === 0 ? 0 : j === 1 ? 150 : 299)] = v;
    for (const [data, n] of [
      [short, 3],
      [long, 300],
    ] as const) {
      const [x, gx] = operand(data, [rows.length, n]);
      for (const op of ["sum", "prod", "max", "min"] as const) {
        const got = await gpuReduce(op, gx, [1]);
        expected(op, x, [1]).forEach((w, i) => {
          const g = got[i] as number;
          const ok = Number.isFinite(w) ? Math.abs(g - w) <= 5e-5 * Math.abs(w) : same(g, w);
          expect(ok, `${op} row ${i} of ${n}: got ${g}, expected ${w}`).toBe(true);
        });
      }
    }
  });
});

/** The reference backend's argmax/argmin and the GPU's, both int32, x's shape with `dim` set to 1. */
async function args(op: ArgReduceOp, x: Strided, gx: GpuOperand, dim: number): Promise<[Int32Array, Int32Array]> {
  const shape = keptShape(x.shape, [dim]);
  const want = new Int32Array(numel(shape));
  refBackend.argReduce(op, x, dim, { data: want, dtype: "int32", shape, strides: contiguous(shape), offset: 0 });
  const out: GpuOperand = { buffer: gpu.empty(numel(shape)), dtype: "int64", shape, strides: contiguous(shape), offset: 0 };
  argReduce(gpu, op, gx, dim, out);
  return [new Int32Array((await gpu.read(out.buffer, numel(shape))).buffer), want];
}

describe("WebGPU argReduce against the reference backend", () => {
  for (const op of ["argmax", "argmin"] as const) {
    it(`${op} along every dim on every layout, with ties (the first index wins)`, async () => {
      // Values rounded to {-3, ..., 3}: every slice has ties.
      for (const [name, x, gx] of layouts(13).map(([n, a, g]) => {
        const data = (a.data as Float32Array).map(Math.round);
        return [n, { ...a, data }, { ...g, buffer: gpu.upload(data) }] as const;
      })) {
        for (const dim of [0, 1, 2]) {
          const [got, want] = await args(op, x, gx, dim);
          expect(Array.from(got), `${op} ${name} dim ${dim}`).toEqual(Array.from(want));
        }
      }
    });

    it(`${op} of long rows with ties and NaN (the first NaN wins)`, async () => {
      const n = 100_000;
      const data = values(4 * n, 17).map(Math.round);
      data[n + 70_000] = Number.NaN;
      data[n + 90_000] = Number.NaN;
      data[2 * n + 5] = Number.POSITIVE_INFINITY;
      data[2 * n + 99_999] = Number.NEGATIVE_INFINITY;
      data[3 * n + 256] = 1e30;
      data[3 * n + 257] = -1e30;
      const [x, gx] = operand(data, [4, n]);
      const [got, want] = await args(op, x, gx, 1);
      expect(Array.from(got)).toEqual(Array.from(want));
      const [xt, gxt] = operand(data, [n, 4], [1, n]);
      const [gotT, wantT] = await args(op, xt, gxt, 0);
      expect(Array.from(gotT), "transposed").toEqual(Array.from(wantT));
      expect(Array.from(want)).toContain(70_000);
    });
  }

  it("refuses an empty dim with PyTorch's message, and shapes and dims outside the contract", () => {
    const [, ge] = operand(new Float32Array(0), [3, 0]);
    const out: GpuOperand = { buffer: gpu.empty(3), dtype: "float32", shape: [3, 1], strides: [1, 1], offset: 0 };
    const index: GpuOperand = { ...out, dtype: "int64" };
    expect(() => argReduce(gpu, "argmax", ge, 1, index)).toThrow(IndexError);
    expect(() => argReduce(gpu, "argmax", ge, 1, index)).toThrow("argmax(): Expected reduction dim 1 to have non-zero size.");
    expect(() => argReduce(gpu, "argmax", ge, 1, out)).toThrow(DTypeError);
    const [, gx] = operand(values(6, 1), [2, 3]);
    expect(() => reduce(gpu, "sum", gx, [1], { ...out, shape: [2, 3] })).toThrow(ShapeError);
    expect(() => reduce(gpu, "sum", gx, [1, 0], { ...out, shape: [1, 1] })).toThrow(IndexError);
    expect(() => reduce(gpu, "sum", gx, [2], { ...out, shape: [2, 3] })).toThrow(IndexError);
  });
});

/** PyTorch's output dtype of each reduction of `dtype` (any/all give bool; sum/prod widen integers and bool to int64). */
const outDType = (op: ReduceOp, dtype: DType): DType =>
  op === "any" || op === "all" ? "bool" : (op === "sum" || op === "prod") && dtype !== "float32" ? "int64" : dtype;

/** Both results of reducing `dims` of x into an output of `dtype`, as numbers (x's shape with dims set to 1). */
async function reduced(op: ReduceOp, x: Strided, gx: GpuOperand, dims: number[], dtype = outDType(op, x.dtype)) {
  const shape = keptShape(x.shape, dims);
  const [out, gout] = pair(gpu, dtype, new Array<number>(numel(shape)).fill(0), shape);
  refBackend.reduce(op, x, dims, out);
  reduce(gpu, op, gx, dims, gout);
  return { got: await readAs(gpu, gout.buffer, dtype, numel(shape)), want: Array.from(out.data) };
}

describe("WebGPU reduce and argReduce of every device dtype", () => {
  it("sum, prod, max, min, any and all over sets of dims on every layout (integers and bools exactly)", async () => {
    for (const dtype of DEVICE_DTYPES) {
      for (const [name, size, strides, offset] of LAYOUTS) {
        for (const op of ["sum", "prod", "max", "min", "any", "all"] as const) {
          // prod: factors near 1 (integers in {-1, 0, 1}: no overflow), else values in [-3, 3).
          const data = op !== "prod" ? sample(dtype, size, 3) : sample(dtype, size, 5, dtype === "float32" ? 0.7 : -1.4, 1.4);
          const [x, gx] = pair(gpu, dtype, data, [4, 5, 6], strides, offset);
          for (const dims of [[], [1], [0, 2], [0, 1, 2]]) {
            const { got, want } = await reduced(op, x, gx, dims);
            const what = `${op} ${dtype} ${name} [${dims}]`;
            // Integers compare as values (the reference's int64 storage may hold -0).
            if (dtype !== "float32" || op === "max" || op === "min" || op === "any" || op === "all")
              expect(got, what).toEqual(want.map((v) => v + 0));
            else {
              const scale =
                op === "sum"
                  ? expected("sum", { ...x, data: (x.data as Float32Array).map(Math.abs) }, dims)
                  : Float32Array.from(want, Math.abs);
              want.forEach((w, i) => {
                expect(Math.abs((got[i] as number) - w), `${what} [${i}]`).toBeLessThanOrEqual(4e-6 * (scale[i] as number));
              });
            }
          }
        }
      }
    }
  });

  it("any/all test floats by their bits: NaN and the smallest subnormal are true, -0 is false", async () => {
    const rows = [
      [Number.NaN, 0],
      [-0, 0],
      [1e-45, 0],
      [-0, -0],
      [Number.NEGATIVE_INFINITY, 2],
    ];
    const [x, gx] = pair(gpu, "float32", rows.flat(), [5, 2]);
    for (const op of ["any", "all"] as const) {
      const { got, want } = await reduced(op, x, gx, [1]);
      expect(got, op).toEqual(want);
    }
    expect((await reduced("any", x, gx, [1])).got).toEqual([1, 0, 1, 0, 1]);
  });

  it("casts each element to the output's dtype first, as PyTorch: bool and int32 into int64, int32 into float32, floats into bool", async () => {
    for (const [op, from, to] of [
      ["sum", "bool", "int64"],
      ["sum", "int32", "int64"],
      ["sum", "int32", "float32"],
      ["prod", "bool", "int64"],
      ["sum", "float32", "bool"],
      ["sum", "float32", "int64"],
      ["max", "bool", "bool"],
    ] as const) {
      const data = sample(from, 120, 7).map((v) => (from === "float32" ? v / 2 : v));
      const [, gx] = pair(gpu, from, data, [4, 5, 6], [1, 4, 20]);
      // The reference reduces the cast elements (it would cast only the result: a sum of floats into bool is not an or).
      const cast = data.map((v) => (to === "bool" ? Number(v !== 0) : to === "float32" ? v : Math.trunc(v) + 0));
      const [x] = pair(gpu, to, cast, [4, 5, 6], [1, 4, 20]);
      for (const dims of [[1], [0, 2]]) {
        const shape = keptShape(x.shape, dims);
        const [out, gout] = pair(gpu, to, new Array<number>(numel(shape)).fill(0), shape);
        refBackend.reduce(op, x, dims, out);
        reduce(gpu, op, gx, dims, gout);
        const got = await readAs(gpu, gout.buffer, to, numel(shape));
        expect(got, `${op} ${from} -> ${to} [${dims}]`).toEqual(Array.from(out.data, (v) => (to === "bool" ? Number(v !== 0) : v)));
      }
    }
  });

  it("reduces 8-d inputs read transposed (no dims merge)", async () => {
    const shape = [2, 3, 1, 2, 2, 3, 2, 2];
    const transposed = shape.map((_, d) => numel(shape.slice(0, d)));
    const [x, gx] = pair(gpu, "int32", sample("int32", numel(shape), 107), shape, transposed);
    for (const dims of [[1, 3, 5, 7], [0, 2, 4, 6], [6]]) {
      const { got, want } = await reduced("sum", x, gx, dims);
      expect(got, `sum [${dims}]`).toEqual(want);
    }
  });

  it("reduces nothing to sum 0, prod 1, any false, all true in every dtype", async () => {
    for (const dtype of DEVICE_DTYPES) {
      const [e, ge] = pair(gpu, dtype, [], [3, 0]);
      for (const op of ["sum", "prod", "any", "all"] as const) {
        const { got, want } = await reduced(op, e, ge, [1]);
        expect(got, `${op} ${dtype}`).toEqual(want);
      }
    }
  });

  it("argmax/argmin of integers and bools along every dim on every layout, ties to the first", async () => {
    for (const dtype of ["int32", "int64", "bool"] as const) {
      for (const [name, size, strides, offset] of LAYOUTS) {
        const [x, gx] = pair(gpu, dtype, sample(dtype, size, 9), [4, 5, 6], strides, offset);
        for (const op of ["argmax", "argmin"] as const) {
          for (const dim of [0, 1, 2]) {
            const shape = keptShape(x.shape, [dim]);
            const [out, gout] = pair(gpu, "int64", new Array<number>(numel(shape)).fill(0), shape);
            refBackend.argReduce(op, x, dim, out);
            argReduce(gpu, op, gx, dim, gout);
            expect(await readAs(gpu, gout.buffer, "int64", numel(shape)), `${op} ${dtype} ${name} dim ${dim}`).toEqual(
              Array.from(out.data),
            );
          }
        }
      }
    }
  });
});
