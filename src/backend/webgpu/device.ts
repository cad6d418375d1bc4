/**
 * The WebGPU device's state: its backend once `torch.webgpu.init()` found an
 * adapter (null before, and after the device is lost).
 */

/// <reference types="@webgpu/types" />

import { setDeviceReady } from "../../core/device.js";
import type { DType, TypedArray } from "../../core/dtype.js";
import { DeviceError } from "../../core/errors.js";
import { registerDevice } from "../index.js";
import { type Buffer, isDeviceBuffer } from "../types.js";
import { type GpuBuffer, WebGpuBackend } from "./backend.js";
import { GpuKernels } from "./kernels.js";

let backend: WebGpuBackend | null = null;

/** The device's backend, or null when the device is not ready. */
export function gpuBackend(): WebGpuBackend | null {
  return backend;
}

/** Makes the device ready on `gpu`'s first adapter; false when it offers none. */
export async function startDevice(gpu: GPU): Promise<boolean> {
  const kernels = await GpuKernels.on(gpu);
  if (kernels === null) return false;
  const b = new WebGpuBackend(kernels);
  backend = b;
  registerDevice("webgpu", b);
  setDeviceReady("webgpu", true);
  // A lost device (driver reset, a page in the background too long) takes its tensors with it.
  kernels.device.lost.then(() => {
    if (backend !== b) return;
    setDeviceReady("webgpu", false);
    registerDevice("webgpu", null);
    backend = null;
  });
  return true;
}

/** The elements of a device buffer (all of it), read back after the work queued before. */
export function readDevice(data: Buffer, dtype: DType): Promise<TypedArray> {
  if (backend === null || !isDeviceBuffer(data)) {
    throw new DeviceError("the webgpu device is not available any more (it was lost): its tensors cannot be read");
  }
  return backend.read(data as GpuBuffer, dtype);
}
