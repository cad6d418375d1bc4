/**
 * Argument checks shared by nn, optim and data: the type names PyTorch's
 * messages use, own-property access for user-supplied keys, and options
 * objects that name an option they do not know.
 */

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
 * `torch.FloatTensor`, `int` / `float` (a JavaScript number, by whether it is
 * integral), `str`, `bool`, `list` (an array), `dict` (a plain object); values
 * Python has no word for keep their JavaScript name (`null`, `undefined`,
 * `function`, `Map`, or the class name).
 */
export function typeName(value: unknown): string {
  if (value instanceof torch.Tensor) return `torch.${Object.hasOwn(TENSOR_TYPES, value.dtype) ? TENSOR_TYPES[value.dtype] : "Tensor"}`;
  if (value === null) return "null";
  if (Array.isArray(value)) return "list";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (typeof value === "string") return "str";
  if (typeof value === "boolean") return "bool";
  if (typeof value !== "object") return typeof value;
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return "dict";
  return (value as object).constructor?.name || "object";
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

/** `weight_decay` → `weightDecay`. */
function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Throws PyTorch's "unexpected keyword argument" for an options object with a
 * key `op` does not take (a snake_case key names its camelCase spelling), so a
 * misspelt option is never silently ignored.
 */
export function checkOptions(op: string, options: unknown, allowed: readonly string[]): void {
  if (options === undefined) return;
  if (!isPlainObject(options)) throw new torch.ArgumentError(`${op}: expected an options object, got ${typeName(options)}`);
  for (const key of Object.keys(options)) {
    if (allowed.includes(key)) continue;
    const hint = allowed.includes(camel(key))
      ? ` (did you mean '${camel(key)}'?)`
      : ` (it takes ${allowed.map((k) => `'${k}'`).join(", ")})`;
    throw new torch.ArgumentError(`${op}: got an unexpected keyword argument '${key}'${hint}`);
  }
}
