/**
 * Devices, PyTorch's model in TypeScript idiom: a device is named by a
 * string (`"cpu"`, `"webgpu"`, optionally with an index, `"cpu:0"`,
 * `"webgpu:0"`). Both CPU backends (the WebAssembly one and the reference
 * one) are the "cpu" device; `"webgpu"` is the GPU through WebGPU, there
 * once `await torch.webgpu.init()` found an adapter.
 *
 * Which device an op runs on is its tensor inputs' (ops.define's
 * `runForward` checks that they agree, as PyTorch does); while it runs,
 * that device is the *run device*, on which the op's own allocations land
 * (a backward formula's `zeros`, a scalar operand), so op code never names
 * a device.
 */

import { describeValue } from "./describe.js";
import { ArgumentError, DeviceError } from "./errors.js";

/** The devices a tensor can live on. */
export type Device = "cpu" | "webgpu";

/** How a device is written: `"cpu"`, `"webgpu"`, or with an index, `"cpu:0"`. */
export type DeviceName = Device | `${Device}:${number}`;

/** The device types Kindling knows, in PyTorch's spelling. */
const DEVICE_TYPES: readonly Device[] = ["cpu", "webgpu"];

/** Device types PyTorch knows that Kindling does not have: named in the error, with what to do instead. */
const ELSEWHERE: Readonly<Record<string, string>> = {
  cuda: 'there is no CUDA in JavaScript: the GPU is "webgpu" (await torch.webgpu.init(), then device: "webgpu")',
  mps: 'there is no MPS in JavaScript: the GPU is "webgpu" (await torch.webgpu.init(), then device: "webgpu")',
};

/** Whether `value` names a device (`"cpu"`, `"cpu:0"`), as opposed to a dtype or anything else. */
export function isDeviceName(value: unknown): value is string {
  return typeof value === "string" && /^[a-z]+(:\d+)?$/.test(value) && !["float32", "float64", "int32", "int64", "bool"].includes(value);
}

/** Whether a device is ready to hold tensors (set by the WebGPU device once initialised). */
const ready = new Set<Device>(["cpu"]);

/** @internal the devices ready to hold tensors (the CPU always). */
export function readyDevices(): Device[] {
  return ["cpu", ...[...ready].filter((d) => d !== "cpu")];
}

/** @internal marks a device as ready (or not) to hold tensors. */
export function setDeviceReady(device: Device, on: boolean): void {
  if (on) ready.add(device);
  else ready.delete(device);
}

/**
 * The device `value` names, or PyTorch's error for a device string it does
 * not know ("Expected one of cpu, webgpu device type at start of device
 * string: cuda"), with what Kindling offers instead; `"webgpu"` before
 * `torch.webgpu.init()` found an adapter raises a DeviceError saying so.
 */
export function parseDevice(value: unknown, op: string): Device {
  if (typeof value !== "string") {
    throw new ArgumentError(`${op}(): a device is a string such as "cpu" or "webgpu", got ${describeValue(value)}`);
  }
  const type = value.replace(/:\d+$/, "");
  if ((DEVICE_TYPES as readonly string[]).includes(type) && /^[a-z]+(:0)?$/.test(value)) {
    const device = type as Device;
    if (!ready.has(device)) throw notReady(op);
    return device;
  }
  const why = Object.hasOwn(ELSEWHERE, type) ? ` (${ELSEWHERE[type]})` : "";
  throw new ArgumentError(`${op}(): Expected one of ${DEVICE_TYPES.join(", ")} device type at start of device string: ${value}${why}`);
}

/** The error for using the WebGPU device before it is ready. */
function notReady(op: string): DeviceError {
  return new DeviceError(
    `${op}(): the webgpu device is not available: call \`await torch.webgpu.init()\` first, then check \`torch.webgpu.isAvailable()\` (it is false where the runtime has no WebGPU adapter)`,
  );
}

let runDevice: Device = "cpu";
let defaultDevice: Device = "cpu";

/**
 * Makes `device` the one factories (`torch.zeros`, `torch.tensor`,
 * `torch.randn`, ...) use when their options name none (PyTorch 2's
 * `torch.set_default_device`); `null` or `"cpu"` restores the CPU.
 *
 * @example
 * ```ts
 * await torch.webgpu.init();
 * torch.setDefaultDevice(torch.webgpu.isAvailable() ? "webgpu" : "cpu");
 * console.log(torch.zeros(2).device === torch.getDefaultDevice()); // true
 * torch.setDefaultDevice(null);
 * ```
 */
export function setDefaultDevice(device: DeviceName | null): void {
  const d = device === null ? "cpu" : parseDevice(device, "setDefaultDevice");
  if (runDevice === defaultDevice) runDevice = d;
  defaultDevice = d;
}

/**
 * The device factories use when their options name none (PyTorch's
 * `torch.get_default_device()`): "cpu" unless `setDefaultDevice` changed it.
 *
 * @example
 * ```ts
 * console.log(torch.getDefaultDevice()); // cpu
 * ```
 */
export function getDefaultDevice(): Device {
  return defaultDevice;
}

/** The device the running op allocates on (see the module's comment): the default device outside ops. */
export function currentDevice(): Device {
  return runDevice;
}

/** @internal runs `fn` with `device` as the run device. */
export function onDevice<T>(device: Device, fn: () => T): T {
  if (device === runDevice) return fn();
  const prev = runDevice;
  runDevice = device;
  try {
    return fn();
  } finally {
    runDevice = prev;
  }
}

/** How PyTorch prints a device in messages: with its index (`cuda:0`); the CPU without. */
export function deviceLabel(device: Device): string {
  return device === "cpu" ? "cpu" : `${device}:0`;
}
