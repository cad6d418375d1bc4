/**
 * Helpers shared by the optimizers and schedulers: PyTorch's number
 * formatting in messages, key case conversion for state dicts, argument checks.
 */

import * as torch from "../index.js";
import { Optimizer } from "./optimizer.js";

/**
 * A number as Python's `str(float)`/`str(int)` prints it: integers without a
 * fraction (JavaScript cannot tell `-1` from `-1.0`), and scientific notation
 * below 1e-4 or from 1e16 on, with a two-digit exponent (`1e-05`).
 */
export function pyNum(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return String(x);
  const [mantissa, exp] = x.toExponential().split("e") as [string, string];
  const e = Number(exp);
  if (e >= -4 && e < 16) return String(x);
  return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
}

/** A hyperparameter as Python's `str` prints it: `True`, `None`, `(0.9, 0.999)`, `1e-08`. */
export function pyStr(v: unknown): string {
  if (typeof v === "number") return pyNum(v);
  if (typeof v === "boolean") return v ? "True" : "False";
  if (v === null || v === undefined) return "None";
  if (Array.isArray(v)) return `(${v.map(pyStr).join(", ")})`;
  return String(v);
}

/** Python's `"{:.4e}".format(x)`, used by verbose schedulers. */
export function pyExp4(x: number): string {
  const [mantissa, exp] = x.toExponential(4).split("e") as [string, string];
  const e = Number(exp);
  return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
}

/** `weightDecay` → `weight_decay`; a leading capital stays (`TMax` → `T_max`). */
export function toSnake(key: string): string {
  return key.replace(/(?!^)[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** `weight_decay` → `weightDecay`, `T_max` → `TMax`. */
export function toCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Throws PyTorch's ValueError (`Invalid learning rate: -1`) unless `value >= 0`. */
export function checkNonNegative(value: number, what: string): void {
  if (!(value >= 0)) throw new torch.ArgumentError(`Invalid ${what}: ${pyNum(value)}`);
}

/** Python's `torch.typename` for a value given where a tensor was expected. */
export function typeName(value: unknown): string {
  if (value instanceof torch.Tensor) {
    const names: Record<string, string> = {
      float32: "FloatTensor",
      float64: "DoubleTensor",
      int32: "IntTensor",
      int64: "LongTensor",
      bool: "BoolTensor",
    };
    return `torch.${names[value.dtype] ?? "Tensor"}`;
  }
  if (value === null) return "NoneType";
  if (Array.isArray(value)) return "list";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (typeof value === "string") return "str";
  if (typeof value === "boolean") return "bool";
  return typeof value === "object" ? "dict" : typeof value;
}

/** Throws PyTorch's TypeError (`int is not an Optimizer`) for a scheduler given something else than an optimizer. */
export function checkOptimizer(optimizer: unknown): void {
  if (!(optimizer instanceof Optimizer)) {
    const proto = typeof optimizer === "object" && optimizer !== null ? Object.getPrototypeOf(optimizer) : null;
    const isClassInstance = proto !== null && proto !== Object.prototype && proto !== Array.prototype;
    const name = isClassInstance ? (optimizer as object).constructor.name : typeName(optimizer);
    throw new torch.ArgumentError(`${name} is not an Optimizer`);
  }
}
