/**
 * Helpers shared by the optimizers and schedulers: PyTorch's number
 * formatting in messages, key case conversion for state dicts, argument checks.
 */

import { camelCase } from "../core/describe.js";
import * as torch from "../index.js";
import { getOwn, typeName } from "../nn/checks.js";
import { Optimizer } from "./optimizer.js";

export { getOwn, isPlainObject, setOwn } from "../nn/checks.js";

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
export const toCamel = camelCase;

/**
 * A hyperparameter check: the option's key, PyTorch's word for it in
 * "Invalid ... : value", and the condition a valid value meets (written so
 * that NaN fails it).
 */
export type HyperCheck = readonly [key: string, label: string, ok: (v: number) => boolean];

export const nonNegative = (v: number): boolean => v >= 0;

/**
 * Throws PyTorch's ValueError (`Invalid learning rate: -1`) for the first
 * value of `values` that fails its check, and a TypeError-like message for a
 * value that is not a number. Keys `values` does not have are skipped.
 */
export function checkHyperparameters(values: object, checks: readonly HyperCheck[]): void {
  for (const [key, label, ok] of checks) {
    const v = getOwn(values, key);
    if (v === undefined) continue;
    if (typeof v !== "number") throw new torch.ArgumentError(`Invalid ${label}: ${pyStr(v)} (expected a number, got ${typeName(v)})`);
    if (!ok(v)) throw new torch.ArgumentError(`Invalid ${label}: ${pyNum(v)}`);
  }
}

/** Throws PyTorch's TypeError (`int is not an Optimizer`) for a scheduler given something else than an optimizer. */
export function checkOptimizer(optimizer: unknown): void {
  if (!(optimizer instanceof Optimizer)) throw new torch.ArgumentError(`${typeName(optimizer)} is not an Optimizer`);
}

/**
 * A multiplicative factor (gamma, a lambda's value): a finite number >= 0.
 * PyTorch takes NaN, infinite or negative factors and schedules NaN,
 * infinite or negative learning rates; Kindling refuses them.
 */
export function checkFactor(op: string, name: string, value: unknown): asserts value is number {
  if (typeof value !== "number") throw new torch.ArgumentError(`${op}: ${name} must be a number, got ${typeName(value)}`);
  if (!(Number.isFinite(value) && value >= 0)) {
    const lr = Number.isNaN(value) ? "NaN" : value < 0 ? "negative" : "infinite";
    throw new torch.ArgumentError(
      `${op}: ${name} must be a finite number >= 0, got ${pyNum(value)} (the learning rate would become ${lr})`,
    );
  }
}

/** A period in epochs (StepLR's stepSize, CosineAnnealingLR's TMax): a number, not NaN (0 throws at the first step, as in PyTorch). */
export function checkPeriod(op: string, name: string, value: unknown): asserts value is number {
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new torch.ArgumentError(`${op}: ${name} must be a number of epochs, got ${typeName(value)} ${String(value)}`);
  }
}

/** PyTorch's ZeroDivisionError of a schedule whose period is 0, raised at the step that divides by it. */
export function zeroPeriod(op: string, name: string): torch.ArgumentError {
  return new torch.ArgumentError(
    `${op}.step: ZeroDivisionError (integer modulo by zero: ${name} is 0; it must be a non-zero number of epochs)`,
  );
}
