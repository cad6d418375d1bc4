/** Reading a storage's memory, wherever its backend keeps it. */

import type { TypedArray } from "../core/dtype.js";
import { DeviceError } from "../core/errors.js";
import { recycle } from "../core/recycle.js";
import { type Buffer, isDeviceBuffer } from "./types.js";

/**
 * A synchronous read of a device's memory. Raised where the read happens;
 * an op that read (ops/define.ts runForward, a backward formula) turns it
 * into the error that names the op as one the device does not run yet.
 */
export class SyncReadError extends DeviceError {}

/** The error for an op that `where` runs on a device but reads values on the CPU (PyTorch's MPS wording). */
export function notOnDevice(op: string, device: string): DeviceError {
  return new DeviceError(
    `${op}: The operator '${op}' is not currently implemented for the ${device} device (it reads tensor values on the CPU). Move its inputs to the CPU first: \`await x.cpuAsync()\``,
  );
}

/** The message for a synchronous read of a tensor on a device (`what`: the op or method that tried). */
function asyncReadMessage(what: string, device: string): string {
  return `${what}: this tensor is on the ${device} device, whose memory JavaScript reads asynchronously: use \`await x.cpuAsync()\` (a CPU tensor), \`await x.tolistAsync()\` or \`await x.itemAsync()\``;
}

/**
 * The elements of a buffer as a typed array over its home (the array itself,
 * or a view of a backend's host memory, valid until the next allocation):
 * the one way the rest of Kindling reads or writes a storage's values. A
 * device's memory cannot be read this way: a DeviceError names `what` and
 * the asynchronous reads to use.
 */
export function readBuffer(data: Buffer, what = "reading a tensor's values"): TypedArray {
  if (ArrayBuffer.isView(data)) return data;
  if (isDeviceBuffer(data)) throw new SyncReadError(asyncReadMessage(what, data.device));
  return data.view();
}

/** Gives back a buffer nothing uses any more (the caller guarantees it): to the pool its memory came from. */
export function freeBuffer(data: Buffer): void {
  if (ArrayBuffer.isView(data)) recycle(data);
  else if (isDeviceBuffer(data)) deviceBackends.get(data.device)?.free(data);
}

/** The backends of the devices other than the CPU, by device name (registered when a device is initialised). */
export const deviceBackends = new Map<string, { free(data: Buffer): void }>();
