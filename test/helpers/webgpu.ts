/**
 * What the WebGPU kernels' browser tests share: the device, deterministic
 * inputs and contiguous strides.
 */

import { GpuKernels } from "../../src/backend/webgpu/kernels.js";

/** Kernels on the browser's WebGPU adapter; an error that says how to get one when there is none. */
export async function gpuKernels(): Promise<GpuKernels> {
  const k = await GpuKernels.create();
  if (k === null) throw new Error("no WebGPU adapter: Chromium must run with --enable-unsafe-webgpu (vitest.config.ts)");
  return k;
}

/** n deterministic float32 values in [lo, hi) from a linear congruential generator seeded `seed`. */
export function values(n: number, seed: number, lo = -3, hi = 3): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((hi - lo) * s) / 2 ** 32;
  });
}

export const numel = (shape: readonly number[]): number => shape.reduce((p, s) => p * s, 1);

/** Row-major strides of `shape`. */
export const contiguous = (shape: readonly number[]): number[] => shape.map((_, d) => numel(shape.slice(d + 1)));
