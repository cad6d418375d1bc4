/**
 * The WebGPU index kernels (src/backend/webgpu/indexing.ts) in headless
 * Chromium, diffed against the reference backend's on the same strided
 * layouts of every device dtype: contiguous, transposed, offset and
 * broadcast inputs, strided outputs and indices, repeated indices (the
 * accumulations, in index order and with atomics), 0-d and empty operands,
 * an input sharing out's buffer, and indices out of range (written nowhere,
 * recorded in the device's fault words).
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refBackend } from "../../src/backend/ref/index.js";
import type { Strided } from "../../src/backend/types.js";
import { readFault } from "../../src/backend/webgpu/fault.js";
import { DETERMINISTIC_WORK, gather, indexAdd, indexSelect, putAdd, scatter, take } from "../../src/backend/webgpu/indexing.js";
import type { GpuKernels } from "../../src/backend/webgpu/kernels.js";
import type { GpuOperand } from "../../src/backend/webgpu/operand.js";
import type { DType } from "../../src/core/dtype.js";
import { ArgumentError, IndexError, ShapeError } from "../../src/core/errors.js";
import { gpuKernels } from "../helpers/webgpu.js";
import { contiguous, DEVICE_DTYPES, LAYOUTS, layoutsOf, numel, pair, readAs, sample, uploadAs } from "../helpers/webgpu_operands.js";

let gpu: GpuKernels;
beforeAll(async () => {
  gpu = await gpuKernels();
});
afterAll(() => gpu?.device.destroy());

const [inf, nan] = [Number.POSITIVE_INFINITY, Number.NaN];

/** n index values in [0, size), repeats likely. */
const indices = (n: number, size: number, seed: number) => sample("float32", n, seed, 0, size).map(Math.floor);

/** An int64 index of `shape` read through a strided layout: every other element from offset 3. */
function stridedIndex(data: number[], shape: readonly number[]): [Strided, GpuOperand] {
  const spread = new Array<number>(3 + 2 * data.length).fill(-5);
  data.forEach((v, i) => {
    spread[3 + 2 * i] = v;
  });
  return pair(
    gpu,
    "int64",
    spread,
    shape,
    contiguous(shape).map((s) => 2 * s),
    3,
  );
}

/** Values of `dtype`; floats are multiples of 1/8, so every order of adding a few of them gives the same sum. */
const exactSample = (dtype: DType, n: number, seed: number) =>
  sample(dtype, n, seed).map((v) => (dtype === "float32" ? Math.round(8 * v) / 8 : v));

/** The device's output buffer against the reference's, element by element (bool by truth: the reference may hold 2). */
async function expectOutput(ref: Strided, dev: GpuOperand, what: string, tolerance = 0): Promise<void> {
  const n = ref.data.length;
  const got = await readAs(gpu, dev.buffer, dev.dtype, n);
  const want = Array.from(ref.data as ArrayLike<number>);
  if (dev.dtype === "bool") {
    expect(got, what).toEqual(want.map((v) => (v !== 0 ? 1 : 0)));
  } else if (tolerance === 0) {
    expect(got, what).toEqual(want);
  } else {
    want.forEach((w, i) => {
      expect(Math.abs((got[i] as number) - w), `${what} [${i}]`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(w)));
    });
  }
}

/** Output layouts of shape [a, b, c] within `size` elements: contiguous, transposed with an offset. */
function outLayouts(shape: readonly number[]): [string, readonly number[], number, number][] {
  const [a, b, c] = shape as [number, number, number];
  const n = a * b * c;
  return [
    ["contiguous out", contiguous(shape), 0, n],
    ["transposed out", [1, a * c, a], 5, n + 5],
  ];
}

describe("WebGPU indexSelect and gather against the reference backend", () => {
  it("indexSelect of every dtype along every dim on every layout, with a strided index repeating values", async () => {
    for (const dtype of DEVICE_DTYPES) {
      for (const [name, size, strides, offset] of LAYOUTS) {
        const [x, gx] = pair(gpu, dtype, sample(dtype, size, 3), [4, 5, 6], strides, offset);
        for (const dim of [0, 1, 2]) {
          const [index, gindex] = stridedIndex(indices(7, x.shape[dim] as number, dim), [7]);
          const shape = x.shape.map((s, d) => (d === dim ? 7 : s));
          const [out, gout] = pair(gpu, dtype, new Array(numel(shape)).fill(0), shape);
          refBackend.indexSelect(x, dim, index, out);
          indexSelect(gpu, gx, dim, gindex, gout);
          await expectOutput(out, gout, `${dtype} ${name} dim ${dim}`);
        }
      }
    }
  });

  it("gather of every dtype along every dim on every layout, the index smaller than x and transposed", async () => {
    for (const dtype of DEVICE_DTYPES) {
      for (const [name, size, strides, offset] of LAYOUTS) {
        const [x, gx] = pair(gpu, dtype, sample(dtype, size, 5), [4, 5, 6], strides, offset);
        for (const dim of [0, 1, 2]) {
          // index [3, 4, 5] read transposed from [5, 4, 3], values along dim repeating.
          const ishape = [3, 4, 5];
          const [index, gindex] = pair(gpu, "int64", indices(60, x.shape[dim] as number, 11 + dim), ishape, [1, 3, 12]);
          const [out, gout] = pair(gpu, dtype, new Array(60).fill(0), ishape);
          refBackend.gather(x, dim, index, out);
          gather(gpu, gx, dim, gindex, gout);
          await expectOutput(out, gout, `${dtype} ${name} dim ${dim}`);
        }
      }
    }
  });

  it("selects from 0-d inputs and NaN/infinities as they are, and dispatches nothing for empty ones", async () => {
    const [x, gx] = pair(gpu, "float32", [nan], []);
    const [index, gindex] = pair(gpu, "int64", [0], []);
    const [out, gout] = pair(gpu, "float32", [5], []);
    refBackend.indexSelect(x, 0, index, out);
    indexSelect(gpu, gx, 0, gindex, gout);
    expect(Number.isNaN((await readAs(gpu, gout.buffer, "float32", 1))[0])).toBe(true);
    const [y, gy] = pair(gpu, "float32", [inf, -inf, -0], [3]);
    const [i2, gi2] = pair(gpu, "int64", [2, 1, 0, 0], [4]);
    const [o2, go2] = pair(gpu, "float32", [0, 0, 0, 0], [4]);
    refBackend.gather(y, 0, i2, o2);
    gather(gpu, gy, 0, gi2, go2);
    expect(Object.is((await readAs(gpu, go2.buffer, "float32", 4))[0], -0)).toBe(true);
    await expectOutput(o2, go2, "gather specials");
    const [, ge] = pair(gpu, "int64", [], [0]);
    const [, gout0] = pair(gpu, "float32", [], [0]);
    indexSelect(gpu, gy, 0, ge, gout0);
    gather(gpu, gy, 0, ge, gout0);
    expect(await readFault(gpu)).toBeNull();
  });
});

describe("WebGPU indexAdd and scatter against the reference backend", () => {
  it("indexAdd of every dtype along every dim into strided outputs, repeated indices added in the reference's order", async () => {
    for (const dtype of DEVICE_DTYPES) {
      for (const dim of [0, 1, 2]) {
        const shape = [4, 5, 6].map((s, d) => (d === dim ? 9 : s));
        for (const [name, size, strides, offset] of layoutsOf(shape)) {
          // src [.., 9, ..] in each layout, an index of 9 with repeats.
          const [src, gsrc] = pair(gpu, dtype, sample(dtype, size, 7), shape, strides, offset);
          const [index, gindex] = stridedIndex(indices(9, [4, 5, 6][dim] as number, 13 + dim), [9]);
          for (const [oname, ostrides, ooffset, osize] of outLayouts([4, 5, 6])) {
            const [out, gout] = pair(gpu, dtype, sample(dtype, osize, 17), [4, 5, 6], ostrides, ooffset);
            refBackend.indexAdd(out, dim, index, src);
            indexAdd(gpu, gout, dim, gindex, gsrc);
            // Floats exactly: each output adds its entries in index order, as the reference.
            await expectOutput(out, gout, `${dtype} ${name} src, ${oname}, dim ${dim}`);
          }
        }
      }
    }
  });

  for (const mode of ["assign", "add"] as const) {
    it(`scatter ${mode} of every dtype along every dim into strided outputs, duplicates in the reference's order`, async () => {
      for (const dtype of DEVICE_DTYPES) {
        for (const dim of [0, 1, 2]) {
          // index [3, 4, 5] (transposed) into self [4, 5, 6], src [4, 5, 6] broadcast along dim 1.
          const [index, gindex] = pair(gpu, "int64", indices(60, [4, 5, 6][dim] as number, 19 + dim), [3, 4, 5], [1, 3, 12]);
          const [src, gsrc] = pair(gpu, dtype, sample(dtype, 24, 23 + dim), [4, 5, 6], [6, 0, 1]);
          for (const [oname, ostrides, ooffset, osize] of outLayouts([4, 5, 6])) {
            const [out, gout] = pair(gpu, dtype, sample(dtype, osize, 29), [4, 5, 6], ostrides, ooffset);
            refBackend.scatter(out, dim, index, src, mode);
            scatter(gpu, gout, dim, gindex, gsrc, mode);
            await expectOutput(out, gout, `${dtype} ${oname} dim ${dim}`);
          }
        }
      }
    });
  }

  it("adds with atomics past DETERMINISTIC_WORK (indexAdd, scatter add; scatter assign of distinct targets)", async () => {
    // out [1100, 4] and an index of 1000 along dim 0: 4.4M visits in index order, past the 4.19M bound.
    expect(1100 * 4 * 1000).toBeGreaterThan(DETERMINISTIC_WORK);
    for (const dtype of ["float32", "int64", "bool"] as const) {
      const [index, gindex] = pair(gpu, "int64", indices(1000, 1100, 31), [1000]);
      const [src, gsrc] = pair(gpu, dtype, exactSample(dtype, 4000, 37), [1000, 4]);
      const [out, gout] = pair(gpu, dtype, exactSample(dtype, 4400, 41), [1100, 4]);
      refBackend.indexAdd(out, 0, index, src);
      indexAdd(gpu, gout, 0, gindex, gsrc);
      await expectOutput(out, gout, `indexAdd ${dtype}`);
      const [index2, gindex2] = pair(gpu, "int64", indices(4000, 1100, 43), [1000, 4]);
      const [out2, gout2] = pair(gpu, dtype, exactSample(dtype, 4400, 47), [1100, 4]);
      refBackend.scatter(out2, 0, index2, src, "add");
      scatter(gpu, gout2, 0, gindex2, gsrc, "add");
      await expectOutput(out2, gout2, `scatter add ${dtype}`);
    }
    // Float values that are not multiples of 1/8: the order of additions varies, the sum within float32 rounding.
    const [index, gindex] = pair(gpu, "int64", indices(1000, 1100, 53), [1000]);
    const [src, gsrc] = pair(gpu, "float32", sample("float32", 4000, 59), [1000, 4]);
    const [out, gout] = pair(gpu, "float32", new Array(4400).fill(0), [1100, 4]);
    refBackend.indexAdd(out, 0, index, src);
    indexAdd(gpu, gout, 0, gindex, gsrc);
    await expectOutput(out, gout, "indexAdd float32 rounding", 1e-6);
    // A permutation: every target written once, so the assignment is exact.
    const perm = Array.from({ length: 1000 }, (_, i) => (i * 7) % 1100);
    const [pindex, gpindex] = pair(
      gpu,
      "int64",
      perm.flatMap((v) => [v, v, v, v]),
      [1000, 4],
    );
    const [pout, gpout] = pair(gpu, "float32", new Array(4400).fill(0), [1100, 4]);
    refBackend.scatter(pout, 0, pindex, src, "assign");
    scatter(gpu, gpout, 0, gpindex, gsrc, "assign");
    await expectOutput(pout, gpout, "scatter assign");
  });

  it("reads an input that shares out's buffer as it was before the kernel (x.index_add_(0, i, x))", async () => {
    const data = [1, 2, 3, 10, 20, 30];
    const [out, gout] = pair(gpu, "float32", data, [3, 2]);
    const [index, gindex] = pair(gpu, "int64", [1, 2, 0], [3]);
    const before = { ...out, data: Float32Array.from(data) };
    refBackend.indexAdd(out, 0, index, before);
    indexAdd(gpu, gout, 0, gindex, gout);
    await expectOutput(out, gout, "indexAdd aliased");
    const [sout, gsout] = pair(gpu, "int64", [0, 1, 2, 1, 0, 2], [6]);
    const [idx] = pair(gpu, "int64", [0, 1, 2, 1, 0, 2], [6]);
    refBackend.scatter(sout, 0, idx, { ...idx, data: Float64Array.from([0, 1, 2, 1, 0, 2]) }, "add");
    scatter(gpu, gsout, 0, gsout, gsout, "add");
    await expectOutput(sout, gsout, "scatter add with index and src aliasing out");
  });
});

describe("WebGPU take and putAdd against the reference backend", () => {
  it("take of every dtype, -1 giving the fill value, from and into offsets", async () => {
    for (const dtype of DEVICE_DTYPES) {
      const [x, gx] = pair(gpu, dtype, sample(dtype, 40, 61), [5, 6], [6, 1], 10);
      const idx = indices(50, 30, 67).map((v, i) => (i % 7 === 3 ? -1 : v));
      const gidx = uploadAs(gpu, "int32", idx);
      const fill = dtype === "float32" ? -inf : dtype === "bool" ? 1 : -7;
      const [out, gout] = pair(gpu, dtype, new Array(53).fill(0), [5, 10], [10, 1], 3);
      refBackend.take(x, Int32Array.from(idx), out, fill);
      take(gpu, gx, gidx, gout, fill);
      await expectOutput(out, gout, `take ${dtype}`);
    }
  });

  it("putAdd of every dtype with repeated targets and -1 skipped, under heavy contention too", async () => {
    for (const dtype of DEVICE_DTYPES) {
      const idx = indices(300, 20, 71).map((v, i) => (i % 5 === 0 ? -1 : v));
      const [src, gsrc] = pair(gpu, dtype, exactSample(dtype, 302, 73), [300], [1], 2);
      const [out, gout] = pair(gpu, dtype, exactSample(dtype, 24, 79), [4, 5], [5, 1], 4);
      refBackend.putAdd(out, Int32Array.from(idx), src);
      putAdd(gpu, gout, uploadAs(gpu, "int32", idx), gsrc);
      await expectOutput(out, gout, `putAdd ${dtype}`);
    }
    // 20,000 additions into 3 elements: the compare-exchange loop under contention.
    const idx = Array.from({ length: 20_000 }, (_, i) => i % 3);
    const [src, gsrc] = pair(gpu, "float32", exactSample("float32", 20_000, 83), [20_000]);
    const [out, gout] = pair(gpu, "float32", [0, 0, 0], [3]);
    refBackend.putAdd(out, Int32Array.from(idx), src);
    putAdd(gpu, gout, uploadAs(gpu, "int32", idx), gsrc);
    await expectOutput(out, gout, "putAdd contention");
  });
});

describe("WebGPU index kernels and indices out of range", () => {
  it("write nothing for an index out of range and record the first one, as the op's CPU error", async () => {
    const [, gx] = pair(gpu, "float32", [1, 2, 3, 4, 5, 6], [2, 3]);
    const [, g9] = pair(gpu, "float32", [1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3]);
    const bad = pair(gpu, "int64", [0, 3, 1], [3])[1];
    const row = { ...bad, shape: [1, 3], strides: [0, 1] };
    const flat = (values: number[]) => uploadAs(gpu, "int32", values);
    // Each case: the kernel into a zeroed [2, 3], the error, and what it wrote (the bad entry skipped, the rest written).
    const cases: [string, (out: GpuOperand) => void, new (m: string) => Error, string, number[]][] = [
      [
        "indexSelect",
        (o) => indexSelect(gpu, gx, 1, bad, o),
        IndexError,
        "index_select(): index out of range in self (index 3 along dim 1 of size 3",
        [1, 0, 2, 4, 0, 5],
      ],
      [
        "indexAdd",
        (o) => indexAdd(gpu, o, 0, bad, g9),
        IndexError,
        "index_add_(): index out of range in self (index 3 along dim 0 of size 2",
        [1, 2, 3, 7, 8, 9],
      ],
      [
        "gather",
        (o) => gather(gpu, gx, 1, row, { ...o, shape: [1, 3] }),
        ArgumentError,
        "gather(): index 3 is out of bounds for dimension 1 with size 3",
        [1, 0, 2, 0, 0, 0],
      ],
      [
        "scatter",
        (o) => scatter(gpu, o, 1, row, gx, "assign"),
        ArgumentError,
        "scatter(): index 3 is out of bounds for dimension 1 with size 3",
        [1, 3, 0, 0, 0, 0],
      ],
      [
        "scatter add",
        (o) => scatter(gpu, o, 1, row, gx, "add"),
        ArgumentError,
        "scatter_add(): index 3 is out of bounds for dimension 1 with size 3",
        [1, 3, 0, 0, 0, 0],
      ],
      [
        "take",
        (o) => take(gpu, gx, flat([0, 9, 5, 1, 2, 3]), o, 0),
        IndexError,
        "take(): out of range: tried to access index 9 on a tensor of 6 elements.",
        [1, 0, 6, 2, 3, 4],
      ],
      [
        "putAdd",
        (o) => putAdd(gpu, o, flat([0, -2, 1, 2, 3, 4]), gx),
        IndexError,
        "put_(): out of range: tried to access index -2 on a tensor of 6 elements.",
        [1, 3, 4, 5, 6, 0],
      ],
    ];
    for (const [name, run, type, message, written] of cases) {
      const out = pair(gpu, "float32", new Array(6).fill(0), [2, 3])[1];
      run(out);
      const fault = await readFault(gpu);
      expect(fault, name).toBeInstanceOf(type);
      expect(fault?.message, name).toContain(message);
      expect(await readFault(gpu), `${name} cleared`).toBeNull();
      expect(await readAs(gpu, out.buffer, "float32", 6), name).toEqual(written);
    }
  });

  it("index 8-d operands (read transposed), and refuse 9-d ones", async () => {
    const shape = [2, 2, 1, 2, 2, 3, 2, 2];
    const transposed = shape.map((_, d) => numel(shape.slice(0, d)));
    const [x, gx] = pair(gpu, "float32", sample("float32", numel(shape), 89), shape, transposed);
    const ishape = shape.map((s, d) => (d === 5 ? 4 : s));
    const [index, gindex] = pair(gpu, "int64", indices(numel(ishape), 3, 97), ishape);
    const [out, gout] = pair(gpu, "float32", new Array(numel(ishape)).fill(0), ishape);
    refBackend.gather(x, 5, index, out);
    gather(gpu, gx, 5, gindex, gout);
    await expectOutput(out, gout, "gather 8-d");
    const [acc, gacc] = pair(gpu, "float32", exactSample("float32", numel(shape), 101), shape, transposed);
    refBackend.scatter(acc, 5, index, out, "add");
    scatter(gpu, gacc, 5, gindex, gout, "add");
    await expectOutput(acc, gacc, "scatter add 8-d");
    const nine: GpuOperand = { ...gx, shape: [1, ...shape], strides: [0, ...transposed] };
    expect(() => gather(gpu, nine, 5, { ...gindex, shape: [1, ...ishape], strides: [0, ...contiguous(ishape)] }, nine)).toThrow(ShapeError);
  });

  it("refuses operands the contract rules out", () => {
    const [, gx] = pair(gpu, "float32", [1, 2, 3, 4, 5, 6], [2, 3]);
    const [, gi] = pair(gpu, "int64", [0, 1], [2]);
    const [, gf] = pair(gpu, "float32", [0, 1], [2]);
    const [, gout] = pair(gpu, "float32", new Array(4).fill(0), [2, 2]);
    expect(() => indexSelect(gpu, gx, 1, gf, gout)).toThrow("index");
    expect(() => indexSelect(gpu, gx, 2, gi, gout)).toThrow(IndexError);
    expect(() => indexSelect(gpu, gx, 1, gi, { ...gout, shape: [2, 3] })).toThrow(ShapeError);
    expect(() =>
      gather(gpu, gx, 1, { ...gi, shape: [1, 2], strides: [0, 1] }, { ...gout, shape: [1, 2], strides: [2, 1], dtype: "int64" }),
    ).toThrow("one dtype");
    expect(() => take(gpu, gx, uploadAs(gpu, "int32", [0]), gout, 0)).toThrow(ShapeError);
  });
});
