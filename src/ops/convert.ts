/** dtype conversion and the basic in-place writes (zero_, fill_, copy_). */

import type { TensorMeta } from "../autograd/node.js";
import { wgslType } from "../backend/webgpu/operand.js";
import { describeValue, pythonTypeName } from "../core/describe.js";
import { type Device, type DeviceName, isDeviceName, parseDevice } from "../core/device.js";
import { convertValue, type DType, fitsInteger, isDType, isFloating } from "../core/dtype.js";
import { ArgumentError, DeviceError, DTypeError } from "../core/errors.js";
import { readOptions } from "../core/options.js";
import { checkNormalStd, checkUniformBounds, GENERATOR_KEYS, type Generator, type GeneratorOptions, generatorOption } from "../random.js";
import { Tensor } from "../tensor.js";
import { defineOp } from "./define.js";
import { draw } from "./draw.js";
import { applyInplace } from "./inplace.js";
import * as K from "./kernels.js";
import { expectTensor } from "./scalars.js";

const toCopyOp = defineOp<{ dtype: DType; device: Device }>({
  name: "_to_copy",
  jvp: "linear",
  gradFn: "ToCopyBackward0",
  forward: ([x], { dtype, device }) => toDevice(K.copy(x as Tensor, dtype), device),
  backward: ([g], c) => {
    const { dtype, device } = c.inputMeta[0] as TensorMeta;
    if (device !== g.device && device === "cpu") throw gradientToCpu(g.device);
    return [g.to(device, dtype)];
  },
});

/** `x` (a fresh copy nothing else holds) on `device`: uploaded from the CPU; a device cannot come back synchronously. */
function toDevice(x: Tensor, device: Device): Tensor {
  if (x.device === device) return x;
  if (device === "cpu") {
    throw new DeviceError(
      `to(): this tensor is on the ${x.device} device, whose memory JavaScript reads asynchronously: use \`await x.cpuAsync()\` for a CPU copy (or \`await x.tolistAsync()\`, \`await x.itemAsync()\` for its values)`,
    );
  }
  return K.fromArray(K.storageValues(x), x.shape, x.dtype, device);
}

/** The error for a gradient that would have to come back from a device to a CPU tensor during backward. */
function gradientToCpu(device: Device): DeviceError {
  return new DeviceError(
    `ToCopyBackward0: the gradient of a copy from cpu to ${device} would have to come back to the CPU, which JavaScript reads asynchronously: create the tensor on the ${device} device (torch.tensor(data, { device: "${device}", requiresGrad: true })), or move a module with module.to("${device}"), before computing with it`,
  );
}

/** The multi-index of flat element `i` of `shape`, as `[1, 0]`. */
export function unravel(i: number, shape: readonly number[]): string {
  const idx: number[] = [];
  let rest = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d] as number;
    idx.unshift(rest % size);
    rest = Math.floor(rest / size);
  }
  return `[${idx.join(", ")}]`;
}

/**
 * Throws PyTorch's overflow error ("value cannot be converted to type int64
 * without overflow") when an element of `x` does not fit the integer dtype
 * it is being cast to: NaN, ±Infinity, beyond int32's range, beyond 2^53
 * for int64. (PyTorch's cast is undefined behaviour there and wraps.) Casts
 * that cannot overflow (to floats or bool, int32 to int64) cost nothing;
 * the others take a min and a max reduction of the source.
 */
export function checkCast(x: Tensor, dtype: DType, op: string): void {
  const overflows = dtype === "int64" ? isFloating(x.dtype) : dtype === "int32" && (isFloating(x.dtype) || x.dtype === "int64");
  // A device's values cannot be read here: its cast saturates (WGSL's conversion), unchecked, as PyTorch's CUDA casts are.
  if (!overflows || x.numel() === 0 || x.device !== "cpu") return;
  const dims = x.shape.map((_, d) => d);
  const lo = K.reduce("min", x, dims, false);
  const hi = K.reduce("max", x, dims, false);
  const int = dtype as "int32" | "int64";
  if (fitsInteger(lo.item(), int) && fitsInteger(hi.item(), int)) return;
  const values = x.toTypedArray();
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!fitsInteger(v, int)) convertValue(v, dtype, op, "data", `element ${unravel(i, x.shape)}`);
  }
}

/**
 * The tensor converted to a dtype, a device, a device and a dtype, or
 * another tensor's dtype and device (PyTorch's `x.to(...)` forms); the
 * tensor itself when nothing changes. Floats truncate toward zero into
 * integer dtypes; an element the integer dtype cannot hold (NaN,
 * ±Infinity, out of range) raises instead of wrapping. Devices are `"cpu"`
 * and `"webgpu"` (docs/webgpu.md): a GPU tensor comes back to the CPU with
 * `await x.cpuAsync()` (JavaScript reads the GPU asynchronously).
 *
 * @example
 * ```ts
 * console.log(torch.tensor([1.7, -1.7]).to("int64")); // tensor([ 1, -1])
 * console.log(torch.tensor([1, 2]).to("cpu", "float64")); // tensor([1., 2.], dtype=torch.float64)
 * ```
 */
export function to(input: Tensor, target: DType | DeviceName | Tensor, dtype?: DType): Tensor {
  const x = expectTensor(input, "to", "input");
  const want = targetDType(x, target, dtype);
  const device = target instanceof Tensor ? target.device : isDeviceName(target) ? parseDevice(target, "to") : x.device;
  if (x.dtype === want && x.device === device) return x;
  if (device === "cpu" && x.device !== "cpu") return toDevice(x, "cpu");
  return cast(x, want, device);
}

/** The dtype `to(target, dtype)` asks for: a dtype, a device and an optional dtype, or another tensor's (PyTorch's overloads). */
function targetDType(x: Tensor, target: DType | DeviceName | Tensor, dtype: DType | undefined): DType {
  if (target instanceof Tensor) return target.dtype;
  if (isDType(target)) {
    if (dtype !== undefined) throw new ArgumentError(`to(): a dtype was given twice (${target} and ${String(dtype)})`);
    return target;
  }
  if (isDeviceName(target)) {
    parseDevice(target, "to");
    if (dtype !== undefined && !isDType(dtype)) throw new DTypeError(`to(): unknown dtype '${String(dtype)}'`);
    return dtype ?? x.dtype;
  }
  throw new DTypeError(
    `to(): expected a dtype (float32, float64, int32, int64 or bool), a device ("cpu", "webgpu") or a tensor, got ${typeof target === "string" ? `'${target}'` : describeValue(target)}`,
  );
}

/** `x` cast to `dtype` (checked: an element the dtype cannot hold raises). */
function cast(x: Tensor, dtype: DType, device: Device = x.device): Tensor {
  checkCast(x, dtype, "to");
  if (device !== "cpu") wgslType(dtype, "to()");
  return toCopyOp([x], { dtype, device });
}

const recordedCopyOp = defineOp<Record<string, never>>({
  name: "copy",
  jvp: "linear",
  gradFn: "CopyBackwards",
  forward: ([x]) => K.copy(x as Tensor),
  backward: ([g]) => [g],
});

/** @internal a copy recorded as CopyBackwards (the first `.grad` under createGraph, as PyTorch). */
export function recordedCopy(x: Tensor): Tensor {
  return recordedCopyOp([x], {});
}

const zeroOp = defineOp<Record<string, never>>({
  name: "zero",
  gradFn: "ZeroBackward0",
  fills: true,
  forward: ([x], _, into) => K.fill(x as Tensor, 0, into),
  backward: ([g]) => [K.full(g.shape, 0, g.dtype)],
});

/**
 * Fills the tensor with zeros in place (PyTorch's `zero_`), e.g. to reset a gradient.
 *
 * @example
 * ```ts
 * const x = torch.ones(2);
 * x.zero_();
 * console.log(x); // tensor([0., 0.])
 * ```
 */
export function zero_(input: Tensor): Tensor {
  return applyInplace(zeroOp.def, [expectTensor(input, "zero_", "input")], {});
}

const fillOp = defineOp<{ value: number }>({
  name: "fill",
  gradFn: "FillBackward2",
  fills: true,
  forward: ([x], { value }, into) => K.fill(x as Tensor, value, into),
  backward: ([g]) => [K.full(g.shape, 0, g.dtype)],
});

/**
 * Fills the tensor with `value` in place; a value its dtype cannot hold
 * raises PyTorch's overflow error.
 *
 * @example
 * ```ts
 * const x = torch.zeros(2, { dtype: "int64" });
 * x.fill_(7.9);
 * console.log(x); // tensor([7, 7])
 * ```
 */
export function fill_(input: Tensor, value: number | boolean): Tensor {
  const x = expectTensor(input, "fill_", "input");
  if (typeof value !== "number" && typeof value !== "boolean") {
    throw new ArgumentError(
      `fill_() received an invalid combination of arguments - got (${pythonTypeName(value)}), but expected one of: (Number value)`,
    );
  }
  return applyInplace(fillOp.def, [x], { value: convertValue(Number(value), x.dtype, "fill_") });
}

const copyOp = defineOp<Record<string, never>>({
  name: "copy",
  crossDevice: true,
  jvp: "linear",
  gradFn: "CopyBackwards",
  forward: ([self, src]) => {
    const out = K.empty((self as Tensor).shape, (self as Tensor).dtype);
    K.copyInto(out, src as Tensor);
    return out;
  },
  // self's old values are overwritten (zero gradient); src gets the gradient (summed and cast by the engine).
  backward: ([g]) => [K.full(g.shape, 0, g.dtype), g],
});

/**
 * Copies `src` (broadcast, converted) into this tensor in place.
 *
 * @example
 * ```ts
 * const x = torch.zeros(2, 2);
 * x.copy_(torch.tensor([1, 2]));
 * console.log(x); // tensor([[1., 2.],\n        [1., 2.]])
 * ```
 */
export function copy_(input: Tensor, src: Tensor): Tensor {
  const self = expectTensor(input, "copy_", "input");
  const source = expectTensor(src, "copy_", "src");
  checkCast(source, self.dtype, "copy_");
  return applyInplace(copyOp.def, [self, source], {});
}

interface RandomFill {
  kind: "uniform" | "normal";
  a: number;
  b: number;
  generator: Generator;
}

// In-place random fills (nn.init builds on them). The values do not depend
// on the old ones, so the gradient is zero.
const randomFillOp = defineOp<RandomFill>({
  name: "random_fill",
  fills: true,
  gradFn: (a) => (a.kind === "uniform" ? "UniformBackward0" : "NormalBackward0"),
  forward: ([x], { kind, a, b, generator }) => {
    const t = x as Tensor;
    if (!isFloating(t.dtype)) throw new DTypeError(`${kind}_: expected a floating point tensor, got ${t.dtype}`);
    return draw(t.shape, t.dtype, { kind, a, b }, generator, t.device, `${kind}_`);
  },
  backward: ([g]) => [K.full(g.shape, 0, g.dtype)],
});

/**
 * Fills the tensor in place with uniform samples from [from, to), drawing
 * from the generator as PyTorch's uniform_ does.
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * console.log(torch.empty(3).uniform_(-1, 1)); // tensor([-0.0075,  0.5364, -0.8230])
 * ```
 */
export function uniform_(input: Tensor, from = 0, to = 1, options?: GeneratorOptions): Tensor {
  const o = readOptions(options, "uniform_", GENERATOR_KEYS);
  const self = expectTensor(input, "uniform_", "input");
  checkUniformBounds(from, to, self.dtype);
  return applyInplace(randomFillOp.def, [self], {
    kind: "uniform",
    a: from,
    b: to,
    generator: generatorOption(o.generator, "uniform_", self.device),
  });
}

/**
 * Fills the tensor in place with normal samples of the given mean and std.
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * console.log(torch.empty(2).normal_(0, 1)); // tensor([ 1.5410, -0.2934])
 * ```
 */
export function normal_(input: Tensor, mean = 0, std = 1, options?: GeneratorOptions): Tensor {
  const o = readOptions(options, "normal_", GENERATOR_KEYS);
  checkNormalStd(std);
  const self = expectTensor(input, "normal_", "input");
  return applyInplace(randomFillOp.def, [self], {
    kind: "normal",
    a: mean,
    b: std,
    generator: generatorOption(o.generator, "normal_", self.device),
  });
}
