/**
 * The WebGPU device's fused softmax / log_softmax kernels and their
 * backwards (src/backend/webgpu/softmax.ts) in headless Chromium: the
 * kernels diffed against the composition's formulas row by row (in float64
 * over the same float32 inputs) on strided layouts (the row along the first,
 * a middle or the last dim, transposed, offset, flipped, strided outputs),
 * rows shorter than a lane's share and longer than a workgroup, 0-d and
 * empty operands, NaN and infinities; then the ops on device tensors against
 * the CPU's composition, forward and backward, through the capability.
 */

import * as torch from "kindling";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { deviceBackend } from "../../src/backend/index.js";
import type { Strided } from "../../src/backend/types.js";
import type { WebGpuBackend } from "../../src/backend/webgpu/backend.js";
import type { GpuKernels } from "../../src/backend/webgpu/kernels.js";
import type { GpuOperand } from "../../src/backend/webgpu/operand.js";
import { softmax, softmaxBackward } from "../../src/backend/webgpu/softmax.js";
import { gpuKernels, values } from "../helpers/webgpu.js";
import { contiguous, layoutsOf, numel, pair, readAs } from "../helpers/webgpu_operands.js";

let gpu: GpuKernels;
beforeAll(async () => {
  gpu = await gpuKernels();
  expect(await torch.webgpu.init()).toBe(true);
});
afterAll(() => gpu?.device.destroy());

const [inf, nan] = [Number.POSITIVE_INFINITY, Number.NaN];

/** The storage offsets of `v`'s elements in row-major order. */
function offsets(v: { shape: readonly number[]; strides: readonly number[]; offset: number }): number[] {
  return Array.from({ length: numel(v.shape) }, (_, i) => {
    let [rem, o] = [i, v.offset];
    for (let d = v.shape.length - 1; d >= 0; d--) {
      const size = v.shape[d] as number;
      o += (rem % size) * (v.strides[d] as number);
      rem = Math.floor(rem / size);
    }
    return o;
  });
}

/** The row-major positions of each row along `dim` of `shape` (a 0-d shape: one row of one element). */
function rows(shape: readonly number[], dim: number): number[][] {
  const n = shape[dim] ?? 1;
  const inner = numel(shape.slice(dim + 1));
  const outer = numel(shape) / Math.max(n * inner, 1);
  const out: number[][] = [];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) out.push(Array.from({ length: n }, (_, j) => (o * n + j) * inner + i));
  }
  return numel(shape) === 0 ? [] : out;
}

/** The composition's forward in float64 for one row: softmax e / s, or log_softmax (x - m) - log(s); a NaN max propagates. */
function wantForward(row: number[], log: boolean): [number[], number[]] {
  const m = row.reduce((a, b) => (Number.isNaN(a) || b > a || Number.isNaN(b) ? b : a), -inf);
  // x - m as float32 computes it.
  const shifted = row.map((v) => Math.fround(v - m));
  const e = shifted.map(Math.exp);
  const s = e.reduce((a, b) => a + b, 0);
  const want = log ? shifted.map((v) => v - Math.log(s)) : e.map((v) => v / s);
  // The scale of each result's rounding error.
  return [want, want.map((w, j) => (log ? Math.max(1, Math.abs(shifted[j] as number), Math.log(s)) : Math.abs(w)))];
}

/** The composition's backward in float64 for one row: y (g - sum(g y)), or g - e^y sum(g), and each result's error scale. */
function wantBackward(g: number[], y: number[], log: boolean): [number[], number[]] {
  const sum = (f: (j: number) => number) => g.reduce((a, _, j) => a + f(j), 0);
  if (log) {
    const s = sum((j) => g[j] as number);
    const abs = sum((j) => Math.abs(g[j] as number));
    return [g.map((v, j) => v - Math.exp(y[j] as number) * s), g.map((v, j) => Math.abs(v) + Math.exp(y[j] as number) * abs)];
  }
  const s = sum((j) => (g[j] as number) * (y[j] as number));
  const abs = sum((j) => Math.abs((g[j] as number) * (y[j] as number)));
  return [g.map((v, j) => (y[j] as number) * (v - s)), g.map((v, j) => Math.abs(y[j] as number) * (Math.abs(v) + abs))];
}

/** Compares `got` (row-major) with the rows' wants: NaN and infinities exactly, the rest within 2e-6 of each scale. */
function expectRows(got: number[], shape: readonly number[], dim: number, want: (row: number[]) => [number[], number[]]): void {
  const bad: string[] = [];
  for (const row of rows(shape, dim)) {
    const [w, scale] = want(row);
    row.forEach((p, j) => {
      const [g, e] = [got[p] as number, w[j] as number];
      const ok = Number.isFinite(e) ? Math.abs(g - e) <= 2e-6 * (scale[j] as number) + 1e-30 : Number.isNaN(e) ? Number.isNaN(g) : g === e;
      if (!ok) bad.push(`[${p}]: got ${g}, expected ${e}`);
    });
  }
  expect(bad.slice(0, 5)).toEqual([]);
}

/** `data` in row-major order of the layout (strides, offset) over a buffer of `size` elements, as a CPU and a device operand. */
function operand(
  data: ArrayLike<number>,
  shape: readonly number[],
  size: number,
  strides: number[],
  offset: number,
): [Strided, GpuOperand] {
  const storage = new Array<number>(size).fill(0);
  offsets({ shape, strides, offset }).forEach((o, i) => {
    storage[o] = data[i] as number;
  });
  return pair(gpu, "float32", storage, shape, strides, offset);
}

/** The output operand (`strides` transposed: reversed-shape strides) and its row-major values after the kernel. */
async function runKernel(shape: readonly number[], transposedOut: boolean, run: (out: GpuOperand) => void): Promise<number[]> {
  const n = numel(shape);
  const strides = transposedOut ? shape.map((_, d) => numel(shape.slice(0, d))) : contiguous(shape);
  const [, out] = pair(gpu, "float32", new Array<number>(n + 3).fill(0), shape, strides, 3);
  run(out);
  const storage = await readAs(gpu, out.buffer, "float32", n + 3);
  return offsets(out).map((o) => storage[o] as number);
}

/** Forward and backward kernels on `data` (row-major, of `shape`) in a layout, against the row formulas. */
async function checkKernels(raw: number[], shape: number[], dim: number, layout: [number, number[], number], transposedOut = false) {
  const [size, strides, offset] = layout;
  const data = raw.map(Math.fround);
  const [, x] = operand(data, shape, size, strides, offset);
  const g = Array.from(values(data.length, 91, -2, 2));
  for (const log of [false, true]) {
    const y = await runKernel(shape, transposedOut, (out) => softmax(gpu, x, dim, log, out));
    expectRows(y, shape, dim, (row) =>
      wantForward(
        row.map((p) => data[p] as number),
        log,
      ),
    );
    const [, gy] = operand(g, shape, size, strides, offset);
    const [, yy] = operand(y, shape, numel(shape), contiguous(shape), 0);
    const dx = await runKernel(shape, transposedOut, (out) => softmaxBackward(gpu, gy, yy, dim, log, out));
    expectRows(dx, shape, dim, (row) =>
      wantBackward(
        row.map((p) => g[p] as number),
        row.map((p) => y[p] as number),
        log,
      ),
    );
  }
}

describe("the fused softmax kernels match the composition's formulas", () => {
  // Rows of 6 (one lane each), 20 (4 lanes) and 37 (8 lanes).
  const shape = [6, 20, 37];
  const data = Array.from(values(numel(shape), 7, -4, 4));
  for (const [name, size, strides, offset] of layoutsOf(shape).filter(([n]) => n !== "broadcast")) {
    it.each([0, 1, 2])(`${name}, along dim %i`, async (dim) => {
      await checkKernels(data, shape, dim, [size, strides, offset]);
    });
  }

  it("writes strided outputs", async () => {
    await checkKernels(data, shape, 1, [numel(shape), contiguous(shape), 0], true);
  });

  it.each([
    [[1000], 0],
    [[3, 1000], 1],
    [[1000, 3], 0],
    [[2, 70000], 1],
    [[7, 3], 1],
    [[300, 1], 1],
    [[1, 9], 1],
  ])("rows of shape %j along dim %i (short rows share workgroups, long rows loop)", async (s, dim) => {
    const x = Array.from(values(numel(s), 11, -6, 6));
    await checkKernels(x, s, dim, [numel(s), contiguous(s), 0]);
  });

  it("takes a 0-d operand as one row of one element", async () => {
    await checkKernels([2.5], [], 0, [1, [], 0]);
    await checkKernels([-inf], [], 0, [1, [], 0]);
  });

  it("does nothing for empty operands", async () => {
    for (const [s, dim] of [
      [[3, 0, 2], 1],
      [[3, 0, 2], 0],
      [[0], 0],
    ] as const) {
      const out = await runKernel(s, false, (o) => softmax(gpu, operand([], s, 1, contiguous(s), 0)[1], dim, false, o));
      expect(out).toEqual([]);
    }
  });

  it("gives NaN rows as the composition: a NaN, a +inf, or only -inf", async () => {
    const rowsOf = [
      [1, nan, 2, 3],
      [1, inf, 2, 3],
      [-inf, -inf, -inf, -inf],
      [inf, -inf, 0, 1],
      [1, -inf, 2, -inf],
      [-1e30, 1e30, 0, 3e38],
      [nan, nan, nan, nan],
    ];
    await checkKernels(rowsOf.flat(), [7, 4], 1, [28, contiguous([7, 4]), 0]);
    await checkKernels(rowsOf.flat(), [4, 7], 0, [28, [1, 4], 0]);
  });
});

/** `data` as a device tensor and a CPU tensor, both of `shape` and requiring grad. */
function leaves(data: Float32Array, shape: number[]): [torch.Tensor, torch.Tensor] {
  const cpu = torch.tensor(Array.from(data)).reshape(shape);
  return [cpu.to("webgpu").requiresGrad_(), cpu.clone().requiresGrad_()];
}

/** Expects the device tensor `a` to equal the CPU tensor `b` within float32 tolerance. */
async function expectClose(what: string, a: torch.Tensor, b: torch.Tensor): Promise<void> {
  expect(a.device, what).toBe("webgpu");
  expect(a.shape, what).toEqual(b.shape);
  const [got, want] = [await a.toTypedArrayAsync(), b.toTypedArray()];
  want.forEach((w, i) => {
    const g = got[i] as number;
    if (!Number.isFinite(w)) expect(Number.isNaN(w) ? Number.isNaN(g) : g === w, `${what}[${i}]`).toBe(true);
    else expect(Math.abs(g - (w as number)), `${what}[${i}]: ${g} vs ${w}`).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(w as number));
  });
}

describe("softmax and log_softmax on device tensors use the capability", () => {
  const views: [string, (t: torch.Tensor) => torch.Tensor, number][] = [
    ["contiguous, last dim", (t) => t, -1],
    ["contiguous, first dim", (t) => t, 0],
    ["transposed, middle dim", (t) => t.transpose(0, 2), 1],
    ["narrowed (an offset)", (t) => t.narrow(1, 1, 3), 1],
  ];
  for (const [name, view, dim] of views) {
    for (const log of [false, true]) {
      const [op, f] = log ? (["logSoftmax", torch.logSoftmax] as const) : (["softmax", torch.softmax] as const);
      it(`${op}: ${name}`, async () => {
        const b = deviceBackend("webgpu") as WebGpuBackend;
        const fused = vi.spyOn(b, "softmax");
        const fusedBack = vi.spyOn(b, "softmaxBackward");
        const [xd, xc] = leaves(values(4 * 5 * 6, 3, -5, 5), [4, 5, 6]);
        const [yd, yc] = [f(view(xd), dim), f(view(xc), dim)];
        expect(yd.gradFn?.name).toBe(log ? "LogSoftmaxBackward0" : "SoftmaxBackward0");
        await expectClose("y", yd, yc);
        const g = torch.tensor(Array.from(values(yc.numel(), 5, -1, 1))).reshape(yc.shape);
        yd.backward(g.to("webgpu"));
        yc.backward(g);
        await expectClose("x.grad", xd.grad as torch.Tensor, xc.grad as torch.Tensor);
        expect(fused).toHaveBeenCalledTimes(1);
        expect(fusedBack).toHaveBeenCalledTimes(1);
        fused.mockRestore();
        fusedBack.mockRestore();
      });
    }
  }

  it("keeps double backward (the backward ops' own backward)", async () => {
    for (const [op, f] of [
      ["softmax", torch.softmax],
      ["logSoftmax", torch.logSoftmax],
    ] as const) {
      const [xd, xc] = leaves(values(12, 8, -2, 2), [3, 4]);
      const grads = (x: torch.Tensor) => {
        const y = f(x, 1);
        const w = torch
          .tensor(Array.from(values(12, 4)))
          .reshape([3, 4])
          .to(x.device);
        const [gx] = torch.autograd.grad([y.mul(w).sum()], [x], { createGraph: true });
        return torch.autograd.grad([(gx as torch.Tensor).pow(2).sum()], [x])[0] as torch.Tensor;
      };
      await expectClose(`${op} grad of grad`, grads(xd), grads(xc));
    }
  });

  it("converts an integer input to the float32 it is asked for", async () => {
    const x = torch.tensor([
      [1, 2, 3],
      [4, 5, 9],
    ]);
    await expectClose("softmax", torch.softmax(x.to("webgpu"), 1, { dtype: "float32" }), torch.softmax(x, 1, { dtype: "float32" }));
  });
});
