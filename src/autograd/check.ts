/**
 * Argument checks of the autograd API for mistakes only JavaScript allows
 * (a number or an array where a tensor goes): they name the argument, what
 * was expected and what was got. Options objects are read by `readOptions`.
 */

import { describeValue, pythonTypeName } from "../core/describe.js";
import { ArgumentError } from "../core/errors.js";
import { Tensor } from "../tensor.js";

/** The autograd API's option names: an object of them in a tensor's place is options one argument too early. */
const OPTION_NAMES = new Set(["retainGraph", "createGraph", "inputs", "allowUnused", "gradOutputs"]);

/**
 * What to write instead, for what JavaScript lets through: small numeric
 * data (wrap it in `torch.tensor`), or an options object in a tensor's place
 * (`x.backward({ createGraph: true })` for `x.backward(null, { ... })`); ""
 * for anything else.
 */
function wrapHint(v: unknown): string {
  if (typeof v === "object" && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype) {
    const keys = Object.keys(v);
    if (keys.length > 0 && keys.every((k) => OPTION_NAMES.has(k))) {
      return ` — that looks like options ({ ${keys.join(", ")} }): they go in the argument after this one, with null here`;
    }
  }
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
