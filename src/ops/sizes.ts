/**
 * What the creation functions share: checks of sizes, integer counts and
 * dtypes with PyTorch's wording (its TypeError for a size element that is
 * not an integer, its RuntimeError for a negative one), and `finish`.
 */

import { pythonTypeName } from "../core/describe.js";
import { type DType, isDType } from "../core/dtype.js";
import { ArgumentError, DTypeError } from "../core/errors.js";
import type { Tensor } from "../tensor.js";

/** Marks a fresh tensor as a leaf that requires grad when asked. */
export function finish(t: Tensor, options: { requiresGrad?: boolean } | undefined): Tensor {
  if (options?.requiresGrad) t.requiresGrad = true;
  return t;
}

/** A size given as numbers (`zeros(2, 3)`) or a list (`zeros([2, 3])`), optionally followed by options. */
export type SizeArgs<O> = (number | readonly number[] | O)[];

/** PyTorch's parser calls the size of these ops a tuple of "ints"; the others, of "SymInts". */
const PLAIN_INTS = new Set(["rand", "randn", "randint"]);

/** A size as the user wrote it: `[2, 1.5]`, `[2, "a"]`, `[2, null]`. */
function formatSize(size: readonly unknown[]): string {
  const item = (s: unknown) => (typeof s === "string" ? JSON.stringify(s) : Array.isArray(s) ? `[${formatSize(s)}]` : String(s));
  return `[${size.map(item).join(", ")}]`;
}

/**
 * `size` as a shape, or PyTorch's error: a non-integer element raises
 * "argument 'size' must be tuple of SymInts, but found element of type
 * float at pos 2" (`single`: the size was one bare argument, "(position 1)
 * must be tuple of SymInts, not float"); a negative one "Trying to create
 * tensor with negative dimension -1: [2, -1]".
 */
export function checkSize(size: readonly unknown[], op: string, single = false): number[] {
  const kind = PLAIN_INTS.has(op) ? "ints" : "SymInts";
  for (let i = 0; i < size.length; i++) {
    const s = size[i];
    if (typeof s === "number" && Number.isInteger(s)) continue;
    const type = pythonTypeName(s);
    const head = single
      ? `${op}(): argument 'size' (position 1) must be tuple of ${kind}, not ${type}`
      : `${op}(): argument 'size' must be tuple of ${kind}, but found element of type ${type} at pos ${i + 1}`;
    throw new ArgumentError(`${head} (got ${formatSize(size)}; a size is a list of non-negative integers)`);
  }
  const shape = size as number[];
  for (const s of shape) {
    if (s < 0) throw new ArgumentError(`${op}(): Trying to create tensor with negative dimension ${s}: [${shape.join(", ")}]`);
  }
  return shape;
}

/** Splits `(2, 3, { dtype })` or `([2, 3], { dtype })` into a checked shape and the options. */
export function sizeAndOptions<O extends object>(args: SizeArgs<O>, op: string): [number[], O | undefined] {
  let opts: O | undefined;
  const rest = [...args];
  const last = rest[rest.length - 1];
  if (last !== null && typeof last === "object" && !Array.isArray(last) && !ArrayBuffer.isView(last)) opts = rest.pop() as O;
  const listed = rest.length === 1 && (Array.isArray(rest[0]) || ArrayBuffer.isView(rest[0]));
  const size = listed ? Array.from(rest[0] as ArrayLike<unknown>) : rest;
  return [checkSize(size, op, !listed && rest.length === 1), opts];
}

/** An integer argument (a count), or PyTorch's TypeError: "eye(): argument 'n' (position 1) must be int, not float". */
export function expectInt(v: unknown, op: string, arg: string, position: number): number {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  throw new ArgumentError(
    `${op}(): argument '${arg}' (position ${position}) must be int, not ${pythonTypeName(v)}${typeof v === "number" ? ` (got ${v})` : ""}`,
  );
}

/** Checks a `dtype` option. */
export function checkDType(dtype: DType | undefined, op: string): void {
  if (dtype !== undefined && !isDType(dtype)) {
    throw new DTypeError(`${op}: unknown dtype '${String(dtype)}' (expected float32, float64, int32, int64 or bool)`);
  }
}

/** PyTorch's error for a kernel without a bool version, e.g. `"arange_cpu" not implemented for 'Bool'`. */
export function refuseBool(dtype: DType, op: string, kernel: string): void {
  if (dtype === "bool") throw new DTypeError(`${op}(): "${kernel}" not implemented for 'Bool'`);
}
