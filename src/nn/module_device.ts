/**
 * Moving a module's parameters (with their gradients) and buffers to a
 * device or dtype in place: each keeps its Parameter object, so optimizers
 * and other references still hold it (PyTorch's `module.to()`, which swaps
 * `param.data`). Every new value is made before any is swapped in, so a
 * move that fails leaves the module as it was.
 */

import { type DeviceName, isDeviceName, parseDevice } from "../core/device.js";
import { ArgumentError, DeviceError } from "../core/errors.js";
import type { DType } from "../index.js";
import * as torch from "../index.js";
import type { Tensor } from "../tensor.js";
import type { Module } from "./module.js";

/** A tensor of a module and its new value and gradient. */
type Move = [tensor: Tensor, data: Tensor, grad: Tensor | null];

/** Swaps the new values in: the same objects, new storage (PyTorch's `param.data = new`). */
function commit(moves: readonly Move[]): void {
  for (const [t, data, grad] of moves) {
    if (data !== t) t._setData(data);
    if (grad !== null && grad !== t.grad) t.grad = grad;
  }
}

/** The parameters and buffers of `m` (each once). */
const tensorsOf = (m: Module): Tensor[] => [...m.parameters(), ...m.buffers()];

/** The DeviceError of a synchronous move to the CPU of a module with tensors on `device`. */
function asyncMoveError(device: string): DeviceError {
  return new DeviceError(
    `Module.to(): the module's parameters are on the ${device} device, whose memory JavaScript reads asynchronously: use \`await model.cpuAsync()\` to move the module back to the CPU (in place, the same Parameter objects)`,
  );
}

/** `module.to(target, dtype)`: floating tensors take the dtype, every tensor the device. */
export function moveModule(m: Module, target: DType | DeviceName | Tensor, dtype: DType | undefined): void {
  const want = moduleDType(target, dtype);
  const device = target instanceof torch.Tensor ? target.device : isDeviceName(target) ? parseDevice(target, "Module.to") : null;
  const moves: Move[] = [];
  for (const t of tensorsOf(m)) {
    const dt = want !== null && (t.dtype === "float32" || t.dtype === "float64") ? want : t.dtype;
    const dev = device ?? t.device;
    const g = t.grad;
    if (dt === t.dtype && dev === t.device && (g === null || g.device === dev)) continue;
    if (dev === "cpu" && (t.device !== "cpu" || (g !== null && g.device !== "cpu"))) throw asyncMoveError(t.device);
    moves.push([t, torch.noGrad(() => t.to(dev, dt)), g === null ? null : torch.noGrad(() => g.to(dev, dt))]);
  }
  commit(moves);
}

/** `module.cpuAsync()`: every tensor on a device (parameter, gradient, buffer) read back, then all swapped in at once. */
export async function moveModuleToCpu(m: Module): Promise<void> {
  const reads = tensorsOf(m)
    .filter((t) => t.device !== "cpu" || (t.grad !== null && t.grad.device !== "cpu"))
    .map(async (t): Promise<Move> => {
      const g = t.grad;
      return [t, await t.cpuAsync(), g === null ? null : await g.cpuAsync()];
    });
  commit(await Promise.all(reads));
}

/** The dtype `module.to(target, dtype)` asks for (null: none, only a device), after checking the device. */
function moduleDType(target: DType | DeviceName | Tensor, dtype: DType | undefined): DType | null {
  const asked: DType | null = target instanceof torch.Tensor ? target.dtype : isDeviceName(target) ? (dtype ?? null) : (target as DType);
  if (isDeviceName(target)) parseDevice(target, "Module.to");
  if (asked !== null && asked !== "float32" && asked !== "float64") {
    throw new ArgumentError(`Module.to(): nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=${asked}`);
  }
  return asked;
}
