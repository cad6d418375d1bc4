/**
 * Options objects: PyTorch's keyword arguments in TypeScript idiom
 * (`x.sum(1, { keepdim: true })`). JavaScript lets mistakes through that
 * would silently change a result: a PyTorch-style positional value where
 * the options object goes (`x.sum(1, true)`), a misspelt key
 * (`{ keepDim: true }`, `{ requires_grad: true }`), a value of the wrong
 * kind (`{ keepdim: "yes" }`). Every function that takes options reads them
 * through `readOptions`, which rejects each and says what to write.
 */

import { camelCase, describeValue } from "./describe.js";
import { parseDevice } from "./device.js";
import { isDType } from "./dtype.js";
import { ArgumentError, DTypeError } from "./errors.js";

/**
 * What an option holds, checked when it is given (null and undefined always
 * pass: they mean "the default"): `true` for anything the function checks
 * itself, a JavaScript kind, "dtype" (one of Kindling's dtype names) or
 * "device" (a device Kindling has, core/device.ts).
 */
export type OptionKind = true | "boolean" | "number" | "string" | "function" | "dtype" | "device";

/**
 * Every key of an options type with what it holds, in PyTorch's positional
 * order (the hint for a positional value names the first): the type checker
 * keeps the list complete.
 */
export type OptionKeys<T> = { readonly [K in keyof Required<T>]: OptionKind };

const EMPTY = Object.freeze({});

/** How a value is written in a hint: `true`, `"float64"`, `0.5`. */
function literal(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

/** Levenshtein distance between two short strings (one row of the table at a time). */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      next.push(Math.min((row[j] as number) + 1, (next[j - 1] as number) + 1, (row[j - 1] as number) + cost));
    }
    row = next;
  }
  return row[b.length] as number;
}

/**
 * The allowed key a misspelt one was probably meant to be: the same key in
 * another case or in snake_case (`keepDim`, `requires_grad`), else, for keys
 * of 4 or more letters, the nearest one at most 2 edits away (`reductio`).
 */
function closest(key: string, allowed: readonly string[]): string | undefined {
  const k = camelCase(key).toLowerCase();
  const same = allowed.find((a) => a.toLowerCase() === k);
  if (same !== undefined || k.length < 4) return same;
  let best: string | undefined;
  let bestDistance = 3;
  for (const a of allowed) {
    const d = editDistance(k, a.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [a, d];
  }
  return best;
}

/** The error for a value given where `op`'s options object goes. */
function notAnObject(value: unknown, op: string, allowed: readonly string[]): ArgumentError {
  const first = allowed[0];
  const scalar = typeof value === "boolean" || typeof value === "number" || typeof value === "string";
  const hint = first !== undefined && scalar ? ` — keyword arguments go in an options object: { ${first}: ${literal(value)} }` : "";
  return new ArgumentError(`${op}(): expected an options object { ${allowed.join(", ")} }, got ${describeValue(value)}${hint}`);
}

/** The error for an own key `op` does not take. */
function unknownKey(key: string, op: string, allowed: readonly string[]): ArgumentError {
  const guess = closest(key, allowed);
  const takes = allowed.length === 0 ? "takes no options" : `takes { ${allowed.join(", ")} }`;
  return new ArgumentError(
    `${op}() got an unexpected keyword argument '${key}'${guess === undefined ? "" : ` (did you mean '${guess}'?)`}; ${op} ${takes}`,
  );
}

/** Whether `value` is what a Python dict of keyword arguments becomes: `{ ... }` or `Object.create(null)`. */
function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The error for option `key` of `op` holding a value that is not of `kind`. */
function wrongKind(key: string, kind: Exclude<OptionKind, true>, v: unknown, op: string): Error {
  if (kind === "dtype") {
    return new DTypeError(`${op}(): option '${key}' must be a dtype (float32, float64, int32, int64 or bool), got ${describeValue(v)}`);
  }
  return new ArgumentError(`${op}(): option '${key}' must be a ${kind}, got ${describeValue(v)}`);
}

/**
 * `value` checked as the options object of `op`: undefined or null (no
 * options) or a plain object whose own keys are all in `keys`, each of the
 * kind given there.
 */
export function readOptions<T extends object>(value: T | null | undefined, op: string, keys: OptionKeys<T>): T {
  if (value === undefined || value === null) return EMPTY as T;
  if (typeof value !== "object" || !isPlain(value)) throw notAnObject(value, op, Object.keys(keys));
  for (const key in value) {
    // A kind is `true` or a string; what `keys` inherits from Object.prototype (`toString`, `__proto__`) is neither.
    const kind: unknown = (keys as Record<string, unknown>)[key];
    if (kind !== true && typeof kind !== "string") {
      if (Object.hasOwn(value, key)) throw unknownKey(key, op, Object.keys(keys));
      continue;
    }
    const v = (value as Record<string, unknown>)[key];
    if (kind === true || v === undefined || v === null) continue;
    if (kind === "device") parseDevice(v, op);
    else if (kind === "dtype" ? !isDType(v) : typeof v !== kind) throw wrongKind(key, kind as Exclude<OptionKind, true>, v, op);
  }
  return value;
}
