/**
 * Random draws into new tensors, on any device: the one place a random op
 * picks its generator's algorithm. On the CPU the MT19937 generator draws
 * as PyTorch's CPU kernels (so seeded values are PyTorch's); on a device
 * the Philox generator hands out counters and the device's kernel
 * (Backend.randomFill) computes the values where they live, so a dropout
 * mask or an initialisation never crosses to the CPU.
 */

import { backendFor } from "../backend/index.js";
import type { RandomKind } from "../backend/types.js";
import { type Device, deviceLabel } from "../core/device.js";
import type { DType } from "../core/dtype.js";
import { ArgumentError, DTypeError } from "../core/errors.js";
import { numel } from "../core/shape.js";
import type { Generator } from "../random.js";
import type { Tensor } from "../tensor.js";
import * as K from "./kernels.js";

/** What a draw makes: uniform floats in [a, b), normal floats (mean a, std b), or integers in [a, b). */
export interface Draw {
  readonly kind: RandomKind;
  readonly a: number;
  readonly b: number;
}

/** The device's integer draws: a range of at most 2^32 values, and integer dtypes within int32 (the device's int64 is 32 bits). */
function checkDeviceInts(d: Draw, dtype: DType, device: Device, op: string): void {
  if (d.b - d.a > 2 ** 32)
    throw new ArgumentError(
      `${op}(): the ${deviceLabel(device)} device draws integers from ranges of at most 2^32 values, got [${d.a}, ${d.b})`,
    );
  if ((dtype === "int64" || dtype === "int32") && (d.a < -(2 ** 31) || d.b - 1 > 2 ** 31 - 1))
    throw new DTypeError(
      `${op}(): int64 values on the ${deviceLabel(device)} device must lie within int32's range [-2147483648, 2147483647] (WGSL has no 64-bit integers), got the range [${d.a}, ${d.b})`,
    );
}

/** Fills `data` (a fresh CPU tensor's elements) from the CPU generator as PyTorch's CPU kernels draw. */
function drawOnCpu(data: Float32Array | Float64Array, dtype: DType, d: Draw, gen: Generator): void {
  if (d.kind === "uniform") gen.fillUniform(data, dtype, d.a, d.b);
  else if (d.kind === "normal") gen.fillNormal(data, dtype, d.a, d.b);
  else for (let i = 0; i < data.length; i++) data[i] = gen.randomInt(d.a, d.b);
}

/**
 * A new contiguous tensor of `shape` and `dtype` on `device` drawn from
 * `gen` (a generator of that device: `generatorOption` checks it), for `op`.
 */
export function draw(shape: readonly number[], dtype: DType, d: Draw, gen: Generator, device: Device, op: string): Tensor {
  // Every element is written below, on either device.
  const t = K.empty(shape, dtype, false, op, device);
  if (device === "cpu") {
    drawOnCpu(K.storageValues(t) as Float32Array | Float64Array, dtype, d, gen);
    return t;
  }
  if (d.kind === "int") checkDeviceInts(d, dtype, device, op);
  const n = numel(shape);
  if (n === 0) return t;
  const { key, counter } = gen._philox(n);
  const b = d.kind === "int" ? (d.b - d.a) % 2 ** 32 : d.b;
  backendFor(t._storage.data).randomFill(t._strided(), d.kind, key, counter, d.a, b);
  return t;
}

/** 1 where a uniform from `gen` is below `p` (a number, or a tensor of probabilities broadcast to `shape`), else 0, as `dtype`. */
export function drawBelow(shape: readonly number[], dtype: DType, p: number | Tensor, gen: Generator, device: Device, op: string): Tensor {
  const u = draw(shape, "float32", { kind: "uniform", a: 0, b: 1 }, gen, device, op);
  const probs = typeof p === "number" ? K.scalar(p, "float32") : p;
  return K.copy(K.binary("lt", u, K.broadcastTo(probs, shape), "bool"), dtype);
}
