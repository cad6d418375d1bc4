/**
 * Options objects: PyTorch's keyword arguments in TypeScript idiom
 * (`x.sum(1, { keepdim: true })`). JavaScript lets two mistakes through
 * that would silently change a result: a PyTorch-style positional value
 * where the options object goes (`x.sum(1, true)`), and a misspelt key
 * (`{ keepDim: true }`). Every function that takes options reads them
 * through `readOptions`, which rejects both and says what to write.
 */

import { ArgumentError } from "./errors.js";

/** Every key of an options type, each mapped to `true`: the type checker keeps the list complete. */
export type OptionKeys<T> = { readonly [K in keyof Required<T>]: true };

const EMPTY = Object.freeze({});

/** How a value is written in a hint: `true`, `"float64"`, `0.5`. */
function literal(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

/** A key written the way Kindling spells it: `requires_grad` -> `requiresGrad`. */
function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The allowed key a misspelt one was probably meant to be (case, snake_case). */
function closest(key: string, allowed: readonly string[]): string | undefined {
  const k = camel(key).toLowerCase();
  return allowed.find((a) => a.toLowerCase() === k);
}

/**
 * `value` checked as the options object of `op`: undefined (no options) or a
 * plain object whose own keys are all in `keys` (listed in PyTorch's
 * positional order, which the hint for a positional value uses).
 */
export function readOptions<T extends object>(value: T | undefined, op: string, keys: OptionKeys<T>): T {
  if (value === undefined) return EMPTY as T;
  const allowed = Object.keys(keys);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const first = allowed[0];
    const hint = first === undefined ? "" : ` — pass it as an option: { ${first}: ${literal(value)} }`;
    throw new ArgumentError(`${op}(): expected an options object ({ ${allowed.join(", ")} }), got ${literal(value)}${hint}`);
  }
  for (const key of Object.keys(value)) {
    if (Object.hasOwn(keys, key)) continue;
    const guess = closest(key, allowed);
    throw new ArgumentError(
      `${op}(): unknown option '${key}'${guess === undefined ? "" : ` (did you mean '${guess}'?)`}; ` +
        `${op} takes ${allowed.length === 0 ? "no options" : `{ ${allowed.join(", ")} }`}`,
    );
  }
  return value;
}
