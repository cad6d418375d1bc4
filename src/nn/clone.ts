/**
 * Deep copies of modules (Python's copy.deepcopy of an nn.Module, which
 * PyTorch's _get_clones uses for the layers of TransformerEncoder and
 * TransformerDecoder): new parameters and buffers with the same values,
 * submodules copied recursively, other fields copied (arrays, plain objects,
 * Maps and Sets) or shared (functions and other class instances). A tensor
 * or module reachable twice is copied once, so sharing inside the module is
 * kept. No random numbers are drawn: the copy's values are the original's.
 */

import * as torch from "../index.js";
import { isPlainObject } from "./checks.js";
import { Module, Parameter } from "./module.js";
import { defineAccessor } from "./names.js";

type Memo = Map<unknown, unknown>;

/** The fields every Module has, copied by `deepCopy` itself. */
const REGISTRY = new Set(["_parameters", "_buffers", "_modules"]);

/** @internal A deep copy of `module`: its class, fields, parameters, buffers and submodules, none shared with the original. */
export function deepCopy<M extends Module>(module: M, memo: Memo = new Map()): M {
  const seen = memo.get(module);
  if (seen !== undefined) return seen as M;
  // Module's constructor (and only it) runs: the copy has the original's class, and the
  // registering proxy, without the subclass constructor drawing random initial values.
  const copy = Reflect.construct(Module, [], module.constructor) as M;
  memo.set(module, copy);
  for (const [name, p] of module._parameters) copy._parameters.set(name, p === null ? null : (copyValue(p, memo) as Parameter));
  for (const [name, b] of module._buffers) copy._buffers.set(name, b === null ? null : torch.keep(copyValue(b, memo) as torch.Tensor));
  for (const [name, m] of module._modules) copy._modules.set(name, m === null ? null : deepCopy(m, memo));
  for (const name of [...module._parameters.keys(), ...module._buffers.keys(), ...module._modules.keys()]) defineAccessor(copy, name);
  for (const key of Reflect.ownKeys(module)) {
    const desc = Object.getOwnPropertyDescriptor(module, key);
    if (desc === undefined || !("value" in desc) || (typeof key === "string" && REGISTRY.has(key))) continue;
    Object.defineProperty(copy, key, { ...desc, value: copyValue(desc.value, memo) });
  }
  return copy;
}

/** A deep copy of a field's value (memoised: what is reached twice is copied once). */
function copyValue(value: unknown, memo: Memo): unknown {
  if (value === null || typeof value !== "object") return value;
  const seen = memo.get(value);
  if (seen !== undefined) return seen;
  let copy: unknown;
  if (value instanceof Module) return deepCopy(value, memo);
  if (value instanceof torch.Tensor) copy = copyTensor(value);
  else if (Array.isArray(value)) copy = value.map((v) => copyValue(v, memo));
  else if (value instanceof Map) copy = new Map([...value].map(([k, v]) => [k, copyValue(v, memo)]));
  else if (value instanceof Set) copy = new Set([...value].map((v) => copyValue(v, memo)));
  else if (isPlainObject(value)) copy = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyValue(v, memo)]));
  else return value;
  memo.set(value, copy);
  return copy;
}

/** A tensor's values in new storage: a Parameter stays a Parameter (PyTorch's Parameter.__deepcopy__), a tensor keeps requiresGrad. */
function copyTensor(t: torch.Tensor): torch.Tensor {
  const data = torch.noGrad(() => t.detach().clone());
  if (t instanceof Parameter) return new Parameter(data, t.requiresGrad);
  return t.requiresGrad ? data.requiresGrad_() : data;
}
