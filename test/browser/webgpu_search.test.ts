/**
 * The WebGPU binary search (src/backend/webgpu/search.ts) in headless
 * Chromium, diffed against the reference backend's `searchSorted` on the
 * same strided layouts of float32, int32 and int64: left and right, 1-d and
 * n-d boundaries, a sorter, 0-d and empty values, empty rows, NaN and
 * infinities in the boundaries and the values (unsorted rows too: the
 * search must steer through them exactly as the reference's), strided
 * outputs, and sorter entries out of range (recorded in the fault words);
 * then torch.searchsorted and torch.bucketize on the device.
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refBackend } from "../../src/backend/ref/index.js";
import type { Strided } from "../../src/backend/types.js";
import { readFault } from "../../src/backend/webgpu/fault.js";
import type { GpuKernels } from "../../src/backend/webgpu/kernels.js";
import type { GpuOperand } from "../../src/backend/webgpu/operand.js";
import { searchSorted } from "../../src/backend/webgpu/search.js";
import type { DType } from "../../src/core/dtype.js";
import { DTypeError, IndexError, ShapeError } from "../../src/core/errors.js";
import { gpuKernels } from "../helpers/webgpu.js";
import { contiguous, layoutsOf, numel, pair, readAs, sample } from "../helpers/webgpu_operands.js";

let gpu: GpuKernels;
beforeAll(async () => {
  gpu = await gpuKernels();
});
afterAll(() => gpu?.device.destroy());

const [inf, nan] = [Number.POSITIVE_INFINITY, Number.NaN];
const DTYPES = ["float32", "int32", "int64"] as const;

/** A layout: its name, the elements its buffer needs, strides, offset. */
type Layout = [string, number, number[], number];

/** Ascending, NaN last (as torch.sort leaves a sorted sequence). */
const ascending = (a: number, b: number) => (Number.isNaN(a) ? 1 : Number.isNaN(b) ? -1 : a - b);

/**
 * A buffer for `layout` of `shape` whose view's rows (innermost dim) are the
 * rows `row(r)` gives, r counting the view's rows in row-major order (rows
 * sharing memory, as a broadcast's, keep the last one written).
 */
function rowsLaid(shape: readonly number[], [, size, strides, offset]: Layout, row: (r: number) => number[]): number[] {
  const data = new Array<number>(size).fill(0);
  const last = shape.length - 1;
  const lead = shape.slice(0, last);
  for (let r = 0; r < numel(lead); r++) {
    let base = offset;
    let rem = r;
    for (let d = last - 1; d >= 0; d--) {
      base += (rem % (lead[d] as number)) * (strides[d] as number);
      rem = Math.floor(rem / (lead[d] as number));
    }
    row(r).forEach((v, k) => {
      data[base + k * (strides[last] as number)] = v;
    });
  }
  return data;
}

/** n values of `dtype` in [-4, 4) (integers repeat), with NaN and infinities mixed in for float32 when `special`. */
function draw(dtype: DType, n: number, seed: number, special: boolean): number[] {
  const v = sample(dtype, n, seed, -4, 4);
  if (dtype !== "float32" || !special) return v;
  return v.map((x, i) => [nan, inf, -inf][i % 7] ?? x);
}

/** An int64 output of `shape` on both sides (strided when `strides` are given), filled with -7. */
function outputs(shape: readonly number[], strides = contiguous(shape), offset = 0, size = numel(shape) + offset): [Strided, GpuOperand] {
  return pair(gpu, "int64", new Array<number>(size).fill(-7), shape, strides, offset);
}

/** Runs both backends' search and compares the whole output buffers (untouched elements included). */
async function expectSearch(
  what: string,
  [b, gb]: [Strided, GpuOperand],
  [v, gv]: [Strided, GpuOperand],
  sorter: [Strided, GpuOperand] | null,
  right: boolean,
  [out, gout]: [Strided, GpuOperand] = outputs(v.shape),
): Promise<void> {
  refBackend.searchSorted(b, v, sorter?.[0] ?? null, right, out);
  searchSorted(gpu, gb, gv, sorter?.[1] ?? null, right, gout);
  expect(await readAs(gpu, gout.buffer, "int64", out.data.length), what).toEqual(Array.from(out.data as ArrayLike<number>));
  expect(await readFault(gpu), what).toBeNull();
}

describe("WebGPU searchSorted against the reference backend", () => {
  it("searches 1-d boundaries for values on every layout, left and right", async () => {
    for (const dtype of DTYPES) {
      for (const special of [false, true]) {
        const row = draw(dtype, 9, 3, special).sort(ascending);
        const bd = pair(gpu, dtype, row, [9]);
        for (const layout of layoutsOf([4, 5, 6])) {
          const [name, size, strides, offset] = layout;
          const vs = pair(gpu, dtype, draw(dtype, size, 11, special), [4, 5, 6], strides, offset);
          for (const right of [false, true]) await expectSearch(`${dtype} ${special} ${name} ${right}`, bd, vs, null, right);
        }
      }
    }
  });

  it("searches the matching row of n-d boundaries on every layout of both", async () => {
    for (const dtype of DTYPES) {
      for (const layout of layoutsOf([4, 5, 7])) {
        const data = rowsLaid([4, 5, 7], layout, (r) => draw(dtype, 7, 20 + r, true).sort(ascending));
        const bd = pair(gpu, dtype, data, [4, 5, 7], layout[2], layout[3]);
        for (const [name, size, strides, offset] of layoutsOf([4, 5, 3])) {
          const vs = pair(gpu, dtype, draw(dtype, size, 5, true), [4, 5, 3], strides, offset);
          for (const right of [false, true]) await expectSearch(`${dtype} ${layout[0]} / ${name} ${right}`, bd, vs, null, right);
        }
      }
    }
  });

  it("steers through unsorted rows with NaN and infinities as the reference does", async () => {
    for (const [n, seed] of [
      [1, 1],
      [2, 2],
      [5, 3],
      [16, 4],
      [33, 5],
    ] as const) {
      const rows = pair(gpu, "float32", draw("float32", 6 * n, seed, true), [6, n]);
      const vs = pair(gpu, "float32", [...draw("float32", 6 * 8 - 4, seed + 9, true), nan, inf, -inf, -0], [6, 8]);
      for (const right of [false, true]) await expectSearch(`n ${n} ${right}`, rows, vs, null, right);
    }
  });

  it("reads the boundaries through a sorter on every layout", async () => {
    for (const dtype of DTYPES) {
      for (const layout of layoutsOf([3, 4, 6])) {
        // Unsorted rows and, laid the same way, the order that sorts each (NaN last, ties by position).
        const rowsOf = (r: number) => draw(dtype, 6, 40 + r, true);
        const order = (r: number) => [0, 1, 2, 3, 4, 5].sort((i, j) => ascending(rowsOf(r)[i] as number, rowsOf(r)[j] as number) || i - j);
        const bd = pair(gpu, dtype, rowsLaid([3, 4, 6], layout, rowsOf), [3, 4, 6], layout[2], layout[3]);
        const flipped = layoutsOf([3, 4, 6])[4] as Layout;
        const sorter = pair(gpu, "int64", rowsLaid([3, 4, 6], flipped, order), [3, 4, 6], flipped[2], flipped[3]);
        const vs = pair(gpu, dtype, draw(dtype, 3 * 4 * 5, 7, true), [3, 4, 5]);
        for (const right of [false, true]) await expectSearch(`${dtype} ${layout[0]} ${right}`, bd, vs, sorter, right);
        const row = pair(gpu, dtype, rowsOf(0), [6]);
        const rowSorter = pair(gpu, "int64", order(0), [6]);
        await expectSearch(`${dtype} ${layout[0]} 1-d`, row, vs, rowSorter, true);
      }
    }
  });

  it("takes 0-d values, empty values, empty rows and strided int32 outputs", async () => {
    const bd = pair(gpu, "float32", [-1, 0, 0, 2.5, inf, nan], [6]);
    for (const x of [-2, 0, 2.5, 9, inf, -inf, nan]) {
      for (const right of [false, true]) await expectSearch(`0-d ${x} ${right}`, bd, pair(gpu, "float32", [5, x], [], [], 1), null, right);
    }
    await expectSearch("empty values", bd, pair(gpu, "float32", [], [4, 0, 3]), null, false, outputs([4, 0, 3]));
    const noRows = pair(gpu, "int32", [], [0]);
    await expectSearch("empty row", noRows, pair(gpu, "int32", [1, 2, 3], [3]), null, false);
    await expectSearch("empty rows", pair(gpu, "int64", [], [2, 0]), pair(gpu, "int64", [1, 2, 3, 4, 5, 6], [2, 3]), null, true);
    const sorterOfNone = pair(gpu, "int64", [], [2, 0]);
    await expectSearch("empty rows, sorter", pair(gpu, "int64", [], [2, 0]), pair(gpu, "int64", [1, 2], [2, 1]), sorterOfNone, false);
    // An int32 output read transposed, from an offset.
    const [o, go] = outputs([4, 5], [1, 4], 3);
    const int32Out: [Strided, GpuOperand] = [
      { ...o, dtype: "int32", data: Int32Array.from(o.data as ArrayLike<number>) },
      { ...go, dtype: "int32" },
    ];
    await expectSearch("strided int32 out", bd, pair(gpu, "float32", draw("float32", 20, 8, true), [4, 5]), null, false, int32Out);
  });

  it("records a sorter entry out of range, even one no search reads, writing 0 where a search meets it", async () => {
    const bd = pair(gpu, "float32", [1, 2, 3, 4], [4])[1];
    for (const [order, v, bad, written] of [
      [[0, 1, 4, 3], [0, 2.5, 9], 4, [0, 0, 0]],
      [[0, -1, 2, 3], [0, 2.5, 9], -1, [0, 0, 4]],
      // Entry 3 is read by no search of these values, and still checked.
      [[0, 1, 2, 7], [0, 2.5], 7, [0, 2]],
    ] as const) {
      const out = outputs([v.length])[1];
      searchSorted(gpu, bd, pair(gpu, "float32", v, [v.length])[1], pair(gpu, "int64", order, [4])[1], false, out);
      const fault = await readFault(gpu);
      expect(fault).toBeInstanceOf(IndexError);
      expect(fault?.message).toBe(`torch.searchsorted(): sorter index ${bad} out of range for boundaries of size 4 in the last dim`);
      expect(await readFault(gpu), "cleared").toBeNull();
      expect(await readAs(gpu, out.buffer, "int64", v.length)).toEqual(written);
    }
  });

  it("refuses operands that break the contract", () => {
    const f = pair(gpu, "float32", [1, 2, 3], [3])[1];
    const i = pair(gpu, "int64", [1, 2, 3], [3])[1];
    const out = outputs([3])[1];
    expect(() => searchSorted(gpu, f, i, null, false, out)).toThrow(DTypeError);
    expect(() => searchSorted(gpu, { ...f, dtype: "bool" }, { ...f, dtype: "bool" }, null, false, out)).toThrow(DTypeError);
    expect(() => searchSorted(gpu, f, f, null, false, { ...out, dtype: "float32" })).toThrow(DTypeError);
    expect(() => searchSorted(gpu, f, f, null, false, { ...out, shape: [2] })).toThrow(ShapeError);
    expect(() => searchSorted(gpu, { ...f, shape: [3, 1], strides: [1, 1] }, f, null, false, out)).toThrow(ShapeError);
    expect(() => searchSorted(gpu, f, f, { ...i, shape: [2] }, false, out)).toThrow(ShapeError);
    const nine = Array.from({ length: 9 }, () => 2);
    const spread = { ...f, shape: nine, strides: nine.map((_, d) => 3 ** d) };
    expect(() => searchSorted(gpu, f, spread, null, false, { ...out, shape: nine, strides: spread.strides })).toThrow(ShapeError);
  });
});

describe("torch.searchsorted and torch.bucketize on the webgpu device", () => {
  const values = async (t: Tensor) => Array.from((await t.cpuAsync()).toTypedArray() as ArrayLike<number>, Number);
  const gpuTensor = (data: number[], dtype: DType = "float32") => torch.tensor(data, { dtype, device: "webgpu" });

  beforeAll(async () => {
    expect(await torch.webgpu.init()).toBe(true);
  });

  it("gives the CPU's results for tensors, numbers, sorters and n-d boundaries", async () => {
    const seq = [1, 3, 3, 5, nan];
    const v = [nan, 3, 0, 6, inf, -inf];
    for (const right of [false, true]) {
      const cpu = torch.searchsorted(torch.tensor(seq), torch.tensor(v), { right });
      const dev = torch.searchsorted(gpuTensor(seq), gpuTensor(v), { right });
      expect([dev.device, dev.dtype]).toEqual(["webgpu", "int64"]);
      expect(await values(dev)).toEqual(await values(cpu));
    }
    const scalar = torch.searchsorted(gpuTensor([1, 2, 3], "int64"), 2.5, { outInt32: true });
    expect([scalar.shape, scalar.dtype, await values(scalar)]).toEqual([[], "int32", [2]]);
    expect(await values(torch.bucketize(gpuTensor([0, 3, 6, 9], "int32"), gpuTensor([1, 3, 5, 7]), { right: true }))).toEqual([0, 2, 3, 4]);
    expect(await values(torch.bucketize(4, gpuTensor([1, 3, 5, 7])))).toEqual([2]);
    const rows = torch.tensor(
      [
        [1, 3, 5],
        [6, 4, 2],
      ],
      { device: "webgpu" },
    );
    const order = torch.tensor(
      [
        [0, 1, 2],
        [2, 1, 0],
      ],
      { dtype: "int64", device: "webgpu" },
    );
    expect(await values(torch.searchsorted(rows, torch.tensor([[4], [4]], { device: "webgpu" }), { sorter: order }))).toEqual([2, 1]);
  });

  it("raises the CPU's sorter error at the next read, and PyTorch's device errors at once", async () => {
    const seq = gpuTensor([1, 2, 3]);
    const r = torch.searchsorted(seq, gpuTensor([2]), { sorter: torch.tensor([0, 3, 1], { dtype: "int64", device: "webgpu" }) });
    const e = await r.cpuAsync().then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(torch.IndexError);
    expect((e as Error).message).toBe("torch.searchsorted(): sorter index 3 out of range for boundaries of size 3 in the last dim");
    const mixed = () => torch.searchsorted(seq, torch.tensor([2]));
    expect(mixed).toThrow(torch.DeviceError);
    expect(mixed).toThrow(
      "torch.searchsorted(): boundaries and input value tensors should have same device type, but got boundaries tensor device type webgpu:0 and input value tensor device type cpu",
    );
    expect(() => torch.searchsorted(seq, gpuTensor([2]), { sorter: torch.tensor([0, 1, 2], { dtype: "int64" }) })).toThrow(
      "torch.searchsorted(): sorter and boundary tensors should have same device type, but got sorter tensor device type cpu and input value tensor device type webgpu:0",
    );
    expect(() => torch.bucketize(torch.tensor([2]), seq)).toThrow("should have same device type");
  });
});
