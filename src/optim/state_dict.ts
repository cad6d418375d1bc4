/**
 * The form of an optimizer state dict given to `loadStateDict`, checked
 * before anything is loaded so that a wrong argument (a Map, a module's
 * state dict, a truncated JSON) names what is wrong instead of failing
 * half-way or loading garbage.
 */

import * as torch from "../index.js";
import { isPlainObject, typeName } from "../nn/checks.js";
import type { OptimizerStateDict } from "./optimizer.js";

const OP = "loadStateDict";

function fail(message: string): never {
  throw new torch.ArgumentError(`${OP}: ${message}`);
}

function checkGroups(groups: unknown): void {
  if (!Array.isArray(groups)) fail(`'param_groups' must be an array of parameter groups, got ${typeName(groups)}`);
  groups.forEach((g: unknown, i) => {
    if (!isPlainObject(g)) fail(`param_groups[${i}] must be an object, got ${typeName(g)}`);
    const params = Object.hasOwn(g, "params") ? g.params : undefined;
    if (!Array.isArray(params) || !params.every((p) => Number.isInteger(p))) {
      fail(`param_groups[${i}].params must be an array of parameter indices, got ${typeName(params)}`);
    }
  });
}

function isStateValue(v: unknown): boolean {
  return v === null || v instanceof torch.Tensor || typeof v === "number" || typeof v === "boolean";
}

function checkState(state: unknown): void {
  if (!isPlainObject(state)) fail(`'state' must be an object mapping parameter indices to their state, got ${typeName(state)}`);
  for (const [key, entry] of Object.entries(state)) {
    if (!Number.isInteger(Number(key))) fail(`'state' key '${key}' is not a parameter index`);
    if (!isPlainObject(entry)) fail(`state[${key}] must be an object, got ${typeName(entry)}`);
    for (const [name, v] of Object.entries(entry)) {
      if (!isStateValue(v)) fail(`state[${key}].${name} must be a Tensor, a number or null, got ${typeName(v)}`);
    }
  }
}

/** @internal Throws an ArgumentError naming the first thing about `sd` that is not an optimizer state dict. */
export function checkLoadedState(sd: unknown): asserts sd is OptimizerStateDict {
  if (!isPlainObject(sd)) fail(`expected an optimizer state dict { state, param_groups }, got ${typeName(sd)}`);
  if (!Object.hasOwn(sd, "param_groups")) fail("the state dict has no 'param_groups' (is it an optimizer's state dict?)");
  if (!Object.hasOwn(sd, "state")) fail("the state dict has no 'state' (is it an optimizer's state dict?)");
  checkGroups(sd.param_groups);
  checkState(sd.state);
}
