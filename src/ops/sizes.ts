/**
 * What the creation functions share: checks of sizes, integer counts and
 * dtypes with PyTorch's wording (its TypeError for a size element that is
 * not an integer, its RuntimeError for a negative one), the options object
 * after a size, and `finish`.
 */

import { checkSizes } from "../core/args.js";
import { currentDevice, type Device, type DeviceName, parseDevice } from "../core/device.js";
import type { DType } from "../core/dtype.js";
import { DTypeError } from "../core/errors.js";
import { type OptionKeys, readOptions } from "../core/options.js";
import type { Tensor } from "../tensor.js";
import * as K from "./kernels.js";

/** The options of functions whose only keyword argument is a result dtype (softmax, cumsum, ...). */
export interface DTypeOptions {
  /** The dtype of the result (the input is cast to it first). */
  dtype?: DType;
}

export const DTYPE_KEYS: OptionKeys<DTypeOptions> = { dtype: "dtype" };

/**
 * A fresh tensor as the leaf a factory returns: on the device asked for
 * (`options.device`; else `device`, the run device by default: "cpu" outside
 * ops), requiring grad when asked.
 */
export function finish(t: Tensor, options: { requiresGrad?: boolean; device?: DeviceName } | undefined, device?: Device): Tensor {
  const out = K.moveTo(t, optionDevice(options, device));
  if (options?.requiresGrad) out.requiresGrad = true;
  return out;
}

/** The device a factory's options ask for: `options.device`, else `device`, else the run device ("cpu" outside ops). */
export function optionDevice(options: { device?: DeviceName } | undefined, device?: Device): Device {
  const asked = options?.device;
  return asked !== undefined && asked !== null ? parseDevice(asked, "device") : (device ?? currentDevice());
}

/** A size given as numbers (`zeros(2, 3)`) or a list (`zeros([2, 3])`), optionally followed by options. */
export type SizeArgs<O> = (number | readonly number[] | O)[];

/**
 * Whether the last of `args` is the options object: any object but a list,
 * or a string after a size (PyTorch's positional `dtype`, which
 * `readOptions` refuses with the hint `{ dtype: "int64" }`). A trailing null
 * or undefined stays a size element (PyTorch's error for None), since
 * `arange(0, null)` or `zeros(2, undefined)` may be a missing number.
 */
export function endsWithOptions(args: readonly unknown[]): boolean {
  const last = args[args.length - 1];
  if (typeof last === "string") return args.length > 1;
  return last !== null && typeof last === "object" && !Array.isArray(last) && !ArrayBuffer.isView(last);
}

/** A size given as numbers (`2, 3`) or one list (`[2, 3]`), checked. */
export function sizeOf(args: readonly unknown[], op: string): number[] {
  const listed = args.length === 1 && (Array.isArray(args[0]) || ArrayBuffer.isView(args[0]));
  const size = listed ? Array.from(args[0] as ArrayLike<unknown>) : args;
  return checkSizes(size, op, { single: !listed && args.length === 1 });
}

/** Splits `(2, 3, { dtype })` or `([2, 3], { dtype })` into a checked shape and the options, read with `keys`. */
export function sizeAndOptions<O extends object>(args: SizeArgs<O>, op: string, keys: OptionKeys<O>): [number[], O] {
  const rest = [...args];
  const opts = readOptions(endsWithOptions(rest) ? (rest.pop() as O) : undefined, op, keys);
  return [sizeOf(rest, op), opts];
}

/** PyTorch's error for a kernel without a bool version, e.g. `"arange_cpu" not implemented for 'Bool'`. */
export function refuseBool(dtype: DType, op: string, kernel: string): void {
  if (dtype === "bool") throw new DTypeError(`${op}(): "${kernel}" not implemented for 'Bool'`);
}
