/**
 * The WebGPU device's command machinery (src/backend/webgpu/kernels.ts) in
 * headless Chromium, on SwiftShader's adapter where the machine has no GPU:
 * a shader runs, dispatches past 65,535 workgroups split into a 2-D grid
 * and batch into one submit, the device's errors surface at the next read,
 * and layouts the pointwise kernels cannot index are refused. The
 * pointwise ops themselves: webgpu_pointwise.test.ts.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GpuKernels } from "../../src/backend/webgpu/kernels.js";
import type { GpuOperand } from "../../src/backend/webgpu/operand.js";
import { binary, unary } from "../../src/backend/webgpu/pointwise.js";
import { ShapeError } from "../../src/core/errors.js";
import { contiguous, gpuKernels, values } from "../helpers/webgpu.js";

let gpu: GpuKernels;
beforeAll(async () => {
  gpu = await gpuKernels();
});
afterAll(() => gpu?.device.destroy());

/** A contiguous float32 operand holding `data`. */
function operand(data: Float32Array, shape = [data.length]): GpuOperand {
  return { buffer: gpu.upload(data), shape, strides: contiguous(shape), offset: 0, dtype: "float32" };
}

/** A zeroed contiguous float32 operand. */
function empty(shape: number[]): GpuOperand {
  return { buffer: gpu.empty(shape.reduce((p, s) => p * s, 1)), shape, strides: contiguous(shape), offset: 0, dtype: "float32" };
}

describe("WebGPU command machinery", () => {
  it("finds an adapter and runs a shader", async () => {
    const out = empty([3]);
    unary(gpu, "neg", operand(Float32Array.of(1, -2, 3)), out);
    expect(Array.from(await gpu.read(out.buffer, 3))).toEqual([-1, 2, -3]);
  });

  it("splits dispatches beyond 65,535 workgroups and batches them into one submit", async () => {
    const n = 256 * 65535 + 300;
    const [a, b] = [values(n, 3), values(n, 5)];
    const sum = empty([n]);
    const out = empty([n]);
    binary(gpu, "add", operand(a), operand(b), sum);
    unary(gpu, "neg", sum, out);
    const got = await gpu.read(out.buffer, n);
    for (const i of [0, 1, 256 * 65535 - 1, 256 * 65535, n - 1]) expect(got[i]).toBe(-Math.fround((a[i] as number) + (b[i] as number)));
  });

  it("raises the device's errors at the next read (a shader that does not compile)", async () => {
    const out = gpu.empty(4);
    gpu.run("broken", () => "@compute @workgroup_size(1) fn main() { let x: f32 = ; }", null, [out], 1);
    await expect(gpu.read(out, 4)).rejects.toThrow(/webgpu: the device reported an error/);
    // and the next read is clean again
    const o = empty([1]);
    unary(gpu, "neg", operand(Float32Array.of(2)), o);
    expect(Array.from(await gpu.read(o.buffer, 1))).toEqual([-2]);
  });

  it("refuses layouts it cannot index, with a message naming the op", () => {
    const x = operand(values(4, 1));
    const out = empty([4]);
    expect(() => unary(gpu, "exp", { ...x, shape: [2, 2], strides: [2, 1] }, out)).toThrow(ShapeError);
    expect(() => unary(gpu, "exp", { ...x, shape: [2, 2], strides: [2, 1] }, out)).toThrow(/webgpu exp: operands must be laid out/);
    // 9 dims of size 2 that do not merge (every other dim transposed).
    const shape = new Array<number>(9).fill(2);
    const strides = shape.map((_, d) => 2 ** (d % 2 === 0 ? 8 - d : d));
    const big = { ...operand(values(512, 2)), shape, strides };
    expect(() => unary(gpu, "exp", big, { ...empty([512]), shape, strides: contiguous(shape) })).toThrow(/webgpu exp: at most 8 dims/);
    // 9 contiguous dims merge into one: fine.
    expect(() =>
      unary(gpu, "exp", { ...big, strides: contiguous(shape) }, { ...empty([512]), shape, strides: contiguous(shape) }),
    ).not.toThrow();
  });
});
