/**
 * Module state dicts: `stateDict` walks the module tree as PyTorch's
 * state_dict (a module registered under two names is visited under both, so
 * checkpoints keep PyTorch's keys), and `loadStateDict` checks everything
 * before copying anything. Keys are looked up as own properties only, so
 * `constructor` or `__proto__` are ordinary keys.
 */

import type { Tensor } from "../index.js";
import * as torch from "../index.js";
import { isPlainObject, setOwn, typeName } from "./checks.js";
import type { IncompatibleKeys, Module, StateDict } from "./module.js";

/**
 * Adds `m`'s parameters, persistent buffers and (recursively) its children's
 * under `prefix`. `path` holds the modules being visited, to refuse a module
 * that contains itself (PyTorch recurses until the stack overflows).
 */
function collect(m: Module, prefix: string, out: StateDict, path: Set<Module>): void {
  if (path.has(m)) throw new torch.ArgumentError(`stateDict: module '${prefix.slice(0, -1)}' contains itself`);
  path.add(m);
  for (const [name, p] of m._parameters) if (p !== null) setOwn(out, prefix + name, p.detach());
  for (const [name, b] of m._buffers) if (b !== null && !m._nonPersistent.has(name)) setOwn(out, prefix + name, b.detach());
  for (const [name, child] of m._modules) if (child !== null) collect(child, `${prefix + name}.`, out, path);
  path.delete(m);
}

/** @internal `Module.stateDict`. */
export function stateDictOf(m: Module): StateDict {
  const out: StateDict = {};
  collect(m, "", out, new Set());
  return out;
}

/** A value as the argument check names it: its type, with a hint for the usual JavaScript mix-ups. */
function describe(value: unknown): string {
  if (value instanceof Map) return "Map (pass a plain object: Object.fromEntries(map))";
  if (value instanceof torch.Tensor) return `a Tensor (${typeName(value)})`;
  return typeName(value);
}

function size(shape: readonly number[]): string {
  return `torch.Size([${shape.join(", ")}])`;
}

/** PyTorch's messages for the keys and values of `state` that do not fit `own` (the module's state dict). */
function mismatches(own: StateDict, state: StateDict, strict: boolean): { errors: string[]; onlyShapes: boolean } & IncompatibleKeys {
  const missingKeys = Object.keys(own).filter((k) => !Object.hasOwn(state, k));
  const unexpectedKeys = Object.keys(state).filter((k) => !Object.hasOwn(own, k));
  const quoted = (keys: string[]) => keys.map((k) => `"${k}"`).join(", ");
  const errors: string[] = [];
  if (strict && missingKeys.length > 0) errors.push(`Missing key(s) in state_dict: ${quoted(missingKeys)}. `);
  if (strict && unexpectedKeys.length > 0) errors.push(`Unexpected key(s) in state_dict: ${quoted(unexpectedKeys)}. `);
  let onlyShapes = errors.length === 0;
  for (const [key, target] of Object.entries(own)) {
    if (!Object.hasOwn(state, key)) continue;
    const src: unknown = state[key];
    if (!(src instanceof torch.Tensor)) {
      onlyShapes = false;
      errors.push(
        `While copying the parameter named "${key}", expected torch.Tensor or Tensor-like object from checkpoint but received ${typeName(src)}`,
      );
    } else if (src.shape.join() !== target.shape.join() || src.ndim !== target.ndim) {
      errors.push(
        `size mismatch for ${key}: copying a param with shape ${size(src.shape)} from checkpoint, the shape in current model is ${size(target.shape)}.`,
      );
    }
  }
  return { errors, onlyShapes, missingKeys, unexpectedKeys };
}

/** @internal `Module.loadStateDict`. */
export function loadStateDictInto(m: Module, state: StateDict, strict: boolean): IncompatibleKeys {
  if (!isPlainObject(state)) {
    throw new torch.ArgumentError(`loadStateDict: Expected state_dict to be dict-like, got ${describe(state)}.`);
  }
  const own = stateDictOf(m);
  const { errors, onlyShapes, missingKeys, unexpectedKeys } = mismatches(own, state, strict);
  if (errors.length > 0) {
    const message = `Error(s) in loading state_dict for ${m._name()}:\n\t${errors.join("\n\t")}`;
    throw onlyShapes ? new torch.ShapeError(message) : new torch.ArgumentError(message);
  }
  torch.noGrad(() => {
    for (const [key, target] of Object.entries(own)) if (Object.hasOwn(state, key)) target.copy_(state[key] as Tensor);
  });
  return { missingKeys, unexpectedKeys };
}
