/**
 * Devices, PyTorch's model in TypeScript idiom: a device is named by a
 * string (`"cpu"`, optionally with an index, `"cpu:0"`). Kindling's tensors
 * live on the CPU (both CPU backends, the WebAssembly one and the reference
 * one, are the "cpu" device); a WebGPU device comes later.
 */

import { describeValue } from "./describe.js";
import { ArgumentError } from "./errors.js";

/** The devices a tensor can live on. */
export type Device = "cpu";

/** How a device is written: `"cpu"`, or with an index, `"cpu:0"`. */
export type DeviceName = Device | `${Device}:${number}`;

/** The device types Kindling knows, in PyTorch's spelling. */
const DEVICE_TYPES: readonly Device[] = ["cpu"];

/** Device types PyTorch knows that Kindling does not have: named in the error, with what to do instead. */
const ELSEWHERE: Readonly<Record<string, string>> = {
  cuda: "Kindling runs on the CPU (WebAssembly SIMD); there is no CUDA device in JavaScript",
  mps: "Kindling runs on the CPU (WebAssembly SIMD); there is no MPS device in JavaScript",
  webgpu: "the WebGPU device is not available yet: tensors live on the CPU",
};

/** Whether `value` names a device (`"cpu"`, `"cpu:0"`), as opposed to a dtype or anything else. */
export function isDeviceName(value: unknown): value is string {
  return typeof value === "string" && /^[a-z]+(:\d+)?$/.test(value) && !["float32", "float64", "int32", "int64", "bool"].includes(value);
}

/**
 * The device `value` names, or PyTorch's error for a device string it does
 * not know ("Expected one of cpu device type at start of device string:
 * cuda"), with what Kindling offers instead.
 */
export function parseDevice(value: unknown, op: string): Device {
  if (typeof value !== "string") {
    throw new ArgumentError(`${op}(): a device is a string such as "cpu", got ${describeValue(value)}`);
  }
  const type = value.replace(/:\d+$/, "");
  if ((DEVICE_TYPES as readonly string[]).includes(type) && /^[a-z]+(:0)?$/.test(value)) return type as Device;
  const why = Object.hasOwn(ELSEWHERE, type) ? ` (${ELSEWHERE[type]})` : "";
  throw new ArgumentError(`${op}(): Expected one of ${DEVICE_TYPES.join(", ")} device type at start of device string: ${value}${why}`);
}
