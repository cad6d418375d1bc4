/**
 * Module attribute names (PyTorch's __setattr__, register_buffer,
 * register_parameter and add_module): which map an assigned value goes to,
 * and PyTorch's checks of names. A name "already exists" when it is a member
 * of the module object (`name in module`: its fields, the methods of its
 * class and of Object.prototype, such as `toString` and `constructor`), since
 * the registered member would hide it.
 */

import * as torch from "../index.js";
import { typeName } from "./checks.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";

/** Python's `hasattr(module, name)`, except that a field declared without a value (TypeScript's `x!: T`) does not count. */
function hasAttribute(m: Module, name: string): boolean {
  if (!(name in m)) return false;
  const own = Object.getOwnPropertyDescriptor(m, name);
  return !(own !== undefined && "value" in own && own.value === undefined);
}

/** PyTorch's checks of a name given to registerParameter / registerBuffer / registerModule. */
export function checkName(m: Module, op: string, what: string, name: unknown, map: Map<string, unknown>): asserts name is string {
  const fail = (msg: string) => new torch.ArgumentError(`${op}: ${msg}`);
  if (typeof name !== "string") throw fail(`${what} name should be a string. Got ${typeName(name)}`);
  if (what === "module" && hasAttribute(m, name) && !map.has(name)) throw fail(`attribute '${name}' already exists`);
  if (name.includes(".")) throw fail(`${what} name can't contain "."${what === "module" ? `, got: ${name}` : ""}`);
  if (name === "") throw fail(`${what} name can't be empty string ""`);
  if (hasAttribute(m, name) && !map.has(name)) throw fail(`attribute '${name}' already exists${fieldHint(m, name)}`);
}

/** For a clash with a field holding a value: how to declare a field that registration fills. */
function fieldHint(m: Module, name: string): string {
  const own = Object.getOwnPropertyDescriptor(m, name);
  if (own === undefined || !("value" in own)) return "";
  return ` (it holds a value; declare the field without one, \`${name}!: Tensor\`, and let the registration set it)`;
}

/**
 * Where an assignment `module.name = value` goes (PyTorch's __setattr__): a
 * Parameter, or null to a parameter name, is a parameter; a Module, or null to
 * a submodule name, a submodule; a tensor or null to a buffer name, a buffer;
 * anything else to a registered name throws; null: an ordinary field.
 */
function assignedKind(m: Module, name: string, value: unknown): "parameter" | "module" | "buffer" | null {
  const fail = (what: string, expected: string) =>
    new torch.ArgumentError(`${m._name()}: cannot assign '${typeName(value)}' as ${what} '${name}' (${expected} or null expected)`);
  if (value instanceof Parameter) return "parameter";
  if (m._parameters.has(name)) {
    if (value === null) return "parameter";
    throw fail("parameter", "torch.nn.Parameter");
  }
  if (value instanceof Module) return "module";
  if (m._modules.has(name)) {
    if (value === null) return "module";
    throw fail("child module", "torch.nn.Module");
  }
  if (!m._buffers.has(name)) return null;
  if (value === null || value instanceof torch.Tensor) return "buffer";
  throw fail("buffer", "torch.Tensor");
}

/**
 * The checks PyTorch's __setattr__ makes of a parameter's name (and Kindling
 * of a submodule's too): no dots, not empty, and not the name of a method or
 * other member of the class, which the new attribute would hide.
 */
function checkAssignedName(m: Module, name: string, kind: "parameter" | "module"): void {
  const fail = (msg: string) => new torch.ArgumentError(`${m._name()}: ${msg}`);
  if (name.includes(".")) throw fail(`${kind} name can't contain "."`);
  if (name === "") throw fail(`${kind} name can't be empty string ""`);
  if (name in m && !Object.hasOwn(m, name)) throw fail(`attribute '${name}' already exists`);
}

/** @internal The body of `Module._register`: registers `value` under `name` if PyTorch's __setattr__ would. */
export function routeAssignment(m: Module, name: string, value: unknown): boolean {
  const kind = assignedKind(m, name, value);
  if (kind === null) return false;
  if (kind === "parameter" || kind === "module") {
    if (value !== null) checkAssignedName(m, name, kind);
    // The name leaves the other maps; in its own map it keeps its place (PyTorch's dict assignment).
    (kind === "parameter" ? m._modules : m._parameters).delete(name);
    m._buffers.delete(name);
    m._nonPersistent.delete(name);
  }
  if (kind === "parameter") m._parameters.set(name, value as Parameter | null);
  else if (kind === "module") m._modules.set(name, value as Module | null);
  else m._buffers.set(name, value as torch.Tensor | null);
  // A module's state outlives any torch.scope it was made or changed in (a Parameter keeps itself).
  if (kind === "buffer" && value !== null) torch.keep(value as torch.Tensor);
  defineAccessor(m, name);
  return true;
}

/** @internal The own property through which `module.name` reads and assigns a registered member. */
export function defineAccessor(m: Module, name: string): void {
  Object.defineProperty(m, name, {
    get: () => m._parameters.get(name) ?? m._buffers.get(name) ?? m._modules.get(name) ?? null,
    set: (v: unknown) => {
      if (m._register(name, v)) return;
      // No longer registered: an ordinary field from now on.
      Reflect.deleteProperty(m, name);
      Object.defineProperty(m, name, { value: v, writable: true, enumerable: true, configurable: true });
    },
    configurable: true,
    enumerable: true,
  });
}
