/**
 * What the WebGPU kernel tests of every device dtype share: one layout over
 * a CPU array (for the reference backend, in its storage: int64 as a
 * Float64Array, bool as a Uint8Array) and over a GPU buffer (as the device
 * holds the dtype: f32, i32, or u32 0/1), and reading a device buffer back.
 */

import type { Strided } from "../../src/backend/types.js";
import type { GpuKernels } from "../../src/backend/webgpu/kernels.js";
import type { GpuOperand } from "../../src/backend/webgpu/operand.js";
import { type DType, type TypedArray, typedArrayFor } from "../../src/core/dtype.js";
import { contiguous, numel, values } from "./webgpu.js";

/** The dtypes the device holds. */
export type DeviceDType = "float32" | "int32" | "int64" | "bool";
export const DEVICE_DTYPES: readonly DeviceDType[] = ["float32", "int32", "int64", "bool"];

/** `data` as the reference backend stores `dtype`. */
export function cpuArray(dtype: DType, data: ArrayLike<number>): TypedArray {
  const a = typedArrayFor(dtype, data.length);
  for (let i = 0; i < data.length; i++) a[i] = data[i] as number;
  return a;
}

/** The device's 4-byte words of `data` as `dtype`. */
function deviceWords(dtype: DType, data: ArrayLike<number>): Float32Array | Int32Array | Uint32Array {
  if (dtype === "float32") return Float32Array.from(data);
  if (dtype === "bool") return Uint32Array.from(data, (v) => (v !== 0 ? 1 : 0));
  return Int32Array.from(data);
}

/** A storage buffer holding `data` as the device holds `dtype`. */
export function uploadAs(k: GpuKernels, dtype: DType, data: ArrayLike<number>): GPUBuffer {
  const buffer = k.empty(data.length);
  if (data.length > 0) k.device.queue.writeBuffer(buffer, 0, deviceWords(dtype, data));
  return buffer;
}

/** The first `n` elements of `buffer` as numbers, read as the device holds `dtype`. */
export async function readAs(k: GpuKernels, buffer: GPUBuffer, dtype: DType, n: number): Promise<number[]> {
  const bytes = await k.readBytes(buffer, 4 * n);
  const view = dtype === "float32" ? new Float32Array(bytes) : dtype === "bool" ? new Uint32Array(bytes) : new Int32Array(bytes);
  return Array.from(view);
}

/** The same layout of `data` as a reference operand and a device operand. */
export function pair(
  k: GpuKernels,
  dtype: DType,
  data: ArrayLike<number>,
  shape: readonly number[],
  strides: readonly number[] = contiguous(shape),
  offset = 0,
): [Strided, GpuOperand] {
  return [
    { data: cpuArray(dtype, data), dtype, shape, strides, offset },
    { buffer: uploadAs(k, dtype, data), dtype, shape, strides, offset },
  ];
}

/** n values of `dtype`: floats in [lo, hi), integers rounded from them, bools 0/1 (about half each). */
export function sample(dtype: DType, n: number, seed: number, lo = -3, hi = 3): number[] {
  const v = Array.from(values(n, seed, lo, hi));
  if (dtype === "float32") return v;
  if (dtype === "bool") return v.map((x) => (x > (lo + hi) / 2 ? 1 : 0));
  return v.map((x) => Math.round(x) + 0);
}

/** The device result and the reference result of one output buffer (`size` elements), as numbers. */
export async function results(k: GpuKernels, ref: Strided, gpu: GpuOperand, size: number): Promise<[number[], number[]]> {
  return [await readAs(k, gpu.buffer, gpu.dtype, size), Array.from(ref.data as ArrayLike<number>).slice(0, size)];
}

/**
 * Layouts of an operand of `shape` (its name, the elements its buffer needs,
 * strides, offset): contiguous, read transposed (from the reversed shape),
 * at an offset, broadcast along dim 1, flipped along its first and last
 * dims (negative strides).
 */
export function layoutsOf(shape: readonly number[]): [string, number, number[], number][] {
  const n = numel(shape);
  const kept = shape.map((s, d) => (d === 1 ? 1 : s));
  const dense = contiguous(shape);
  const flipped = dense.map((s, d) => (d === 0 || d === shape.length - 1 ? -s : s));
  // The flipped view starts at the last element of each flipped dim.
  const start = shape.reduce((o, size, d) => ((flipped[d] as number) < 0 ? o + (size - 1) * (dense[d] as number) : o), 0);
  return [
    ["contiguous", n, contiguous(shape), 0],
    ["transposed", n, shape.map((_, d) => numel(shape.slice(0, d))), 0],
    ["offset", n + 37, contiguous(shape), 37],
    ["broadcast", numel(kept), contiguous(kept).map((s, d) => (d === 1 ? 0 : s)), 0],
    ["flipped", n, flipped, start],
  ];
}

/** The layouts of a [4, 5, 6] operand. */
export const LAYOUTS = layoutsOf([4, 5, 6]);

export { contiguous, numel };
