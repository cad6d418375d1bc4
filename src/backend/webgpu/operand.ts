/**
 * How the WebGPU device keeps a dtype: every element is 4 bytes. float32 as
 * WGSL's f32; int32 and int64 as i32 (WGSL has no 64-bit integers: an int64
 * tensor on the device holds values within int32's range, checked when it
 * is uploaded); bool as u32 holding 0 or 1 (storage buffers have no 8-bit
 * type). float64 has no home on the device (WGSL has no f64), as on
 * PyTorch's MPS device.
 */

/// <reference types="@webgpu/types" />

import type { DType } from "../../core/dtype.js";
import { DTypeError } from "../../core/errors.js";
import type { GpuStrided } from "./kernels.js";

/** An operand of a device kernel: a buffer, a layout into it (in elements) and the dtype its elements hold. */
export interface GpuOperand extends GpuStrided {
  readonly dtype: DType;
}

/** The WGSL scalar type of a dtype's elements on the device. */
export type WgslScalar = "f32" | "i32" | "u32";

/** The WGSL type that holds `dtype`'s elements on the device; float64 raises (it has none). */
export function wgslType(dtype: DType, op = "webgpu"): WgslScalar {
  switch (dtype) {
    case "float32":
      return "f32";
    case "int32":
    case "int64":
      return "i32";
    case "bool":
      return "u32";
    default:
      throw new DTypeError(
        `${op}: the webgpu device has no float64 (WGSL has no 64-bit floats), as PyTorch's MPS device: use float32 instead`,
      );
  }
}
