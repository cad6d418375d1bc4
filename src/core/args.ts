/**
 * Integer arguments given by the user (sizes, counts, offsets, slice
 * bounds): JavaScript has one number type, so `1.5`, `NaN` or `Infinity`
 * can arrive where PyTorch's parser only lets an int through. Each is
 * refused with PyTorch's TypeError wording, plus what was given.
 */

import { describeValue, pythonTypeName } from "./describe.js";
import { ArgumentError, ShapeError } from "./errors.js";

/** A user's list as an error message shows it: `[2, 1.5]`, `[2, "a"]`, `[2, null]`. */
export function formatList(list: readonly unknown[]): string {
  const item = (s: unknown): string =>
    typeof s === "string"
      ? JSON.stringify(s)
      : Array.isArray(s)
        ? formatList(s)
        : s !== null && typeof s === "object"
          ? "{...}"
          : String(s);
  return `[${list.map(item).join(", ")}]`;
}

/**
 * An integer argument, or PyTorch's TypeError: "narrow(): argument 'start'
 * (position 2) must be int, not float" (position omitted when not given).
 */
export function expectInt(v: unknown, op: string, arg: string, position?: number): number {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  const where = position === undefined ? "" : ` (position ${position})`;
  throw new ArgumentError(`${op}(): argument '${arg}'${where} must be int, not ${pythonTypeName(v)} (got ${describeValue(v)})`);
}

/** PyTorch's parser calls the size of these ops a tuple of "ints"; the others, of "SymInts". */
const PLAIN_INTS = new Set(["rand", "randn", "randint"]);

export interface SizeCheck {
  /** The argument's name in messages (default "size"). */
  arg?: string;
  /** The smallest allowed value (default 0: a size; -Infinity leaves negatives to the op). */
  min?: number;
  /** The list was one bare argument (`zeros(1.5)`): PyTorch says "(position 1) must be tuple of ..., not float". */
  single?: boolean;
}

/**
 * A list of integers given by the user (sizes for creation functions, `view`,
 * `expand`, `repeat`; dims for `permute`), or PyTorch's error: a
 * non-integer element raises "argument 'size' must be tuple of SymInts, but
 * found element of type float at pos 2"; one below `min` raises "Trying to
 * create tensor with negative dimension -1: [2, -1]".
 */
export function checkSizes(list: unknown, op: string, check: SizeCheck = {}): number[] {
  const { arg = "size", min = 0, single = false } = check;
  const kind = PLAIN_INTS.has(op) ? "ints" : "SymInts";
  if (!Array.isArray(list)) {
    throw new ArgumentError(
      `${op}(): argument '${arg}' must be tuple of ${kind}, not ${pythonTypeName(list)} (got ${describeValue(list)})`,
    );
  }
  for (let i = 0; i < list.length; i++) {
    const s: unknown = list[i];
    if (typeof s === "number" && Number.isInteger(s)) continue;
    const head = single
      ? `${op}(): argument '${arg}' (position 1) must be tuple of ${kind}, not ${pythonTypeName(s)}`
      : `${op}(): argument '${arg}' must be tuple of ${kind}, but found element of type ${pythonTypeName(s)} at pos ${i + 1}`;
    const what = `${arg === "size" ? "a size" : `'${arg}'`} is a list of ${min >= 0 ? "non-negative " : ""}integers`;
    throw new ArgumentError(`${head} (got ${formatList(list)}; ${what})`);
  }
  for (const s of list as number[]) {
    if (s < min) throw new ShapeError(`${op}(): Trying to create tensor with negative dimension ${s}: ${formatList(list)}`);
  }
  return list as number[];
}
