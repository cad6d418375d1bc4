/**
 * Argument checks shared by nn, optim and data: the type names PyTorch's
 * messages use and own-property access for user-supplied keys. (Options
 * objects are read by `readOptions`, src/core/options.ts.)
 */

import { pythonTypeName } from "../core/describe.js";
import * as torch from "../index.js";

const TENSOR_TYPES: Readonly<Record<string, string>> = {
  float32: "FloatTensor",
  float64: "DoubleTensor",
  int32: "IntTensor",
  int64: "LongTensor",
  bool: "BoolTensor",
};

/**
 * The name of a value's type as PyTorch's messages print it (`torch.typename`):
 * `torch.FloatTensor` for a float32 tensor, else Python's name of the value
 * (`int` / `float` for a JavaScript number by whether it is integral, `str`,
 * `bool`, `list`, `dict`, `NoneType`, or the class name).
 */
export function typeName(value: unknown): string {
  if (value instanceof torch.Tensor) return `torch.${Object.hasOwn(TENSOR_TYPES, value.dtype) ? TENSOR_TYPES[value.dtype] : "Tensor"}`;
  return pythonTypeName(value);
}

/** Whether `value` is a plain object (`{...}` or `Object.create(null)`): what a Python dict becomes. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `obj[key] = value` as an own data property, even for keys such as `__proto__`. */
export function setOwn(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** `obj[key]` if it is an own property of `obj` (never an inherited one such as `constructor`), else undefined. */
export function getOwn(obj: object, key: string): unknown {
  return Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}
