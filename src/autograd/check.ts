/**
 * Argument checks of the autograd API for mistakes only JavaScript allows
 * (a number or an array where a tensor goes, an option of the wrong type):
 * they name the argument, what was expected and what was got.
 */

import { describeValue, pythonTypeName } from "../core/describe.js";
import { ArgumentError } from "../core/errors.js";
import { Tensor } from "../tensor.js";

/** Small numeric data that `torch.tensor` takes, written out as a hint; "" for anything else. */
function wrapHint(v: unknown): string {
  const flat = Array.isArray(v) ? v.flat(8) : [v];
  if (flat.length === 0 || flat.length > 8 || !flat.every((x) => typeof x === "number" || typeof x === "boolean")) return "";
  return ` — wrap it: torch.tensor(${JSON.stringify(v).replaceAll(",", ", ")})`;
}

/**
 * `v` if it is a tensor (or null/undefined where `nullable`); else an error
 * naming `what` in `op`, after PyTorch's wording when `pytorch` gives it
 * (from the Python type name PyTorch would report).
 */
export function expectGradTensor(
  v: unknown,
  op: string,
  what: string,
  nullable: boolean,
  pytorch?: (typeName: string) => string,
): Tensor | null {
  if (v instanceof Tensor) return v;
  if (nullable && (v === null || v === undefined)) return null;
  const expected = nullable ? "a Tensor or null" : "a Tensor";
  const ours = `${what} must be ${expected}, got ${describeValue(v)}${wrapHint(v)}`;
  throw new ArgumentError(pytorch === undefined ? `${op}: ${ours}` : `${op}: ${pytorch(pythonTypeName(v))} (${ours})`);
}

/** A tensor or a list of tensors (null/undefined entries allowed where `nullable`) as an array. */
export function tensorList(
  v: unknown,
  op: string,
  what: string,
  nullable: boolean,
  pytorch?: (typeName: string) => string,
): (Tensor | null)[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) return [expectGradTensor(v, op, what, nullable, pytorch)];
  return v.map((t, i) => expectGradTensor(t, op, `${what}[${i}]`, nullable, pytorch));
}

/**
 * Checks an options object: an object (or undefined), whose keys are among
 * `types` and whose values have the given type (`"boolean"`, or `"tensors"`
 * for a tensor or list of tensors, checked by the caller) or are null/undefined.
 */
export function checkOptions(options: unknown, op: string, types: Record<string, "boolean" | "tensors">): void {
  if (options === undefined || options === null) return;
  const known = Object.keys(types);
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new ArgumentError(`${op}: options must be an object such as { ${known[0]}: true }, got ${describeValue(options)}`);
  }
  for (const [key, value] of Object.entries(options)) {
    if (!Object.hasOwn(types, key)) {
      throw new ArgumentError(`${op}: unknown option '${key}' (the options are ${known.join(", ")})`);
    }
    if (types[key] === "boolean" && value !== undefined && value !== null && typeof value !== "boolean") {
      throw new ArgumentError(`${op}: option ${key} must be a boolean, got ${describeValue(value)}`);
    }
  }
}
