/**
 * nn.Module. A module registers the parameters, buffers and
 * submodules assigned to its fields (as PyTorch's __setattr__ does), in
 * definition order, so `parameters()`, `stateDict()` and the printed form
 * follow the order the model was written in.
 */

import type { DeviceName } from "../core/device.js";
import { type OptionKeys, readOptions } from "../core/options.js";
import type { DType } from "../index.js";
import * as torch from "../index.js";
import type { Tensor } from "../tensor.js";
import { typeName } from "./checks.js";
import { moveModule, moveModuleToCpu } from "./module_device.js";
import { checkName, defineAccessor, routeAssignment } from "./names.js";
import { Parameter } from "./parameter.js";
import { loadStateDictInto, stateDictOf } from "./state_dict.js";

export { Parameter } from "./parameter.js";

/**
 * A module's state: its parameters and persistent buffers by dotted name
 * (`fc.weight`), as `stateDict()` returns and `loadStateDict` takes
 * (PyTorch's state_dict, a plain object for its OrderedDict).
 */
export interface StateDict {
  [key: string]: Tensor;
}

/** The options of parameters, buffers and their named forms. */
export interface RecurseOptions {
  /** Include the members of submodules (default true). */
  recurse?: boolean;
}

const RECURSE_KEYS: OptionKeys<RecurseOptions> = { recurse: "boolean" };

/** What `loadStateDict` did not match when not strict. */
export interface IncompatibleKeys {
  /** The module's keys the state dict lacks (PyTorch's `missing_keys`). */
  missingKeys: string[];
  /** The state dict's keys that name no parameter or persistent buffer of the module (PyTorch's `unexpected_keys`). */
  unexpectedKeys: string[];
}

/** A hook run after `forward` with (module, input, output); a value it returns replaces the output. */
export type ForwardHook = (module: Module, input: unknown[], output: unknown) => unknown;
/** A hook run before `forward` with (module, input); an array it returns replaces the input. */
export type ForwardPreHook = (module: Module, input: unknown[]) => unknown[] | undefined | void;

const inspectSymbol = Symbol.for("nodejs.util.inspect.custom");

/**
 * Base class of neural network modules. Subclasses assign parameters,
 * buffers and submodules to fields and implement `forward`; `call(x)` runs
 * the hooks and `forward` (PyTorch's `module(x)`).
 *
 * @example
 * ```ts
 * class Net extends torch.nn.Module {
 *   fc = new torch.nn.Linear(2, 1);
 *   forward(x: torch.Tensor): torch.Tensor {
 *     return this.fc.call(x).sigmoid();
 *   }
 * }
 * const net = new Net();
 * console.log(net.parameters().length, net.call(torch.zeros(3, 2)).shape); // 2 [ 3, 1 ]
 * ```
 */
export class Module {
  /** Whether the module is in training mode (dropout and batch norm behave differently). */
  training = true;
  /** @internal */ _parameters = new Map<string, Parameter | null>();
  /** @internal */ _buffers = new Map<string, Tensor | null>();
  /** @internal */ _modules = new Map<string, Module | null>();
  /** @internal names of buffers left out of the state dict. */
  _nonPersistent = new Set<string>();
  private _forwardHooks = new Map<number, ForwardHook>();
  private _forwardPreHooks = new Map<number, ForwardPreHook>();
  private _hookIds = 0;

  constructor() {
    // Fields assigned in subclasses (class fields and `this.x = ...`) go through
    // these traps, which register parameters, modules, and values assigned to
    // names already registered, as PyTorch's __setattr__ does.
    // biome-ignore lint/correctness/noConstructorReturn: the proxy is how fields register themselves, as PyTorch's __setattr__ does
    return new Proxy(this, {
      set: (target, key, value, receiver) => {
        if (typeof key === "string" && target._register(key, value)) return true;
        return Reflect.set(target, key, value, receiver);
      },
      defineProperty: (target, key, desc) => {
        if (typeof key === "string" && "value" in desc && target._register(key, desc.value)) return true;
        return Reflect.defineProperty(target, key, desc);
      },
    });
  }

  /**
   * @internal Routes an assigned value to the parameter, buffer or module
   * maps (PyTorch's __setattr__); false when it is an ordinary field.
   */
  _register(name: string, value: unknown): boolean {
    return this._parameters !== undefined && routeAssignment(this, name, value);
  }

  /** The computation; subclasses implement it. */
  forward(..._args: unknown[]): unknown {
    throw new torch.KindlingError(`Module [${this._name()}] is missing the required "forward" function`);
  }

  /**
   * Runs the forward pre-hooks, `forward` and the forward hooks (PyTorch's
   * `module(...)`). Typed from `forward`: its arguments and its result.
   */
  call(...args: Parameters<this["forward"]>): ReturnType<this["forward"]> {
    let input: unknown[] = args;
    for (const hook of this._forwardPreHooks.values()) {
      const r = hook(this, input);
      if (r !== undefined && r !== null) input = r as unknown[];
    }
    let output = this.forward(...input);
    for (const hook of this._forwardHooks.values()) {
      const r = hook(this, input, output);
      if (r !== undefined) output = r;
    }
    return output as ReturnType<this["forward"]>;
  }

  /** Registers a hook run after `forward` with (module, input, output); returning a value replaces the output. */
  registerForwardHook(hook: ForwardHook): torch.RemovableHandle {
    const id = this._hookIds++;
    this._forwardHooks.set(id, hook);
    return { remove: () => void this._forwardHooks.delete(id) };
  }

  /** Registers a hook run before `forward` with (module, input); returning an array replaces the input. */
  registerForwardPreHook(hook: ForwardPreHook): torch.RemovableHandle {
    const id = this._hookIds++;
    this._forwardPreHooks.set(id, hook);
    return { remove: () => void this._forwardPreHooks.delete(id) };
  }

  // ----- registration ------------------------------------------------------------

  /**
   * Registers a parameter (or null) under `name`, with PyTorch's checks: the
   * name is a non-empty string without dots that names no other attribute.
   *
   * @example
   * ```ts
   * const m = new torch.nn.Module();
   * m.registerParameter("scale", new torch.nn.Parameter(torch.ones(1)));
   * console.log(m.namedParameters().map(([n]) => n)); // [ 'scale' ]
   * ```
   */
  registerParameter(name: string, param: Parameter | null): void {
    checkName(this, "registerParameter", "parameter", name, this._parameters);
    if (param !== null && !(param instanceof Parameter)) {
      throw new torch.ArgumentError(
        `registerParameter: cannot assign '${typeName(param)}' object to parameter '${name}' (torch.nn.Parameter or null required)`,
      );
    }
    this._parameters.set(name, param);
    defineAccessor(this, name);
  }

  /**
   * Registers a tensor that is state but not a parameter (e.g. batch norm's
   * running mean); `persistent: false` keeps it out of the state dict. The
   * name is checked as by `registerParameter`.
   *
   * @example
   * ```ts
   * const m = new torch.nn.Module();
   * m.registerBuffer("steps", torch.tensor(0, { dtype: "int64" }));
   * console.log(Object.keys(m.stateDict())); // [ 'steps' ]
   * ```
   */
  registerBuffer(name: string, tensor: Tensor | null, options?: { persistent?: boolean }): void {
    const { persistent } = readOptions(options, "registerBuffer", { persistent: "boolean" });
    checkName(this, "registerBuffer", "buffer", name, this._buffers);
    if (tensor !== null && !(tensor instanceof torch.Tensor)) {
      throw new torch.ArgumentError(
        `registerBuffer: cannot assign '${typeName(tensor)}' object to buffer '${name}' (torch Tensor or null required)`,
      );
    }
    this._buffers.set(name, tensor);
    // A module's state outlives any torch.scope it was made or changed in.
    if (tensor !== null) torch.keep(tensor);
    if (persistent === false) this._nonPersistent.add(name);
    else this._nonPersistent.delete(name);
    defineAccessor(this, name);
  }

  /**
   * Registers a submodule (PyTorch's add_module / register_module); the name
   * is checked as by `registerParameter`.
   *
   * @example
   * ```ts
   * const m = new torch.nn.Module();
   * m.registerModule("fc", new torch.nn.Linear(2, 1));
   * console.log(Object.keys(m.stateDict())); // [ 'fc.weight', 'fc.bias' ]
   * ```
   */
  registerModule(name: string, module: Module | null): void {
    if (module !== null && !(module instanceof Module)) {
      throw new torch.ArgumentError(`registerModule: ${typeName(module)} is not a Module subclass`);
    }
    checkName(this, "registerModule", "module", name, this._modules);
    this._modules.set(name, module);
    defineAccessor(this, name);
  }

  // ----- traversal ------------------------------------------------------------------

  /** The direct submodules with their names; a module registered under several names is listed once, under its first. */
  namedChildren(): [string, Module][] {
    const seen = new Set<Module>();
    const out: [string, Module][] = [];
    for (const [name, m] of this._modules) {
      if (m === null || seen.has(m)) continue;
      seen.add(m);
      out.push([name, m]);
    }
    return out;
  }

  /** The direct submodules, each once (PyTorch's `children()`). */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every submodule, depth first, each once, with dotted names ("" for this one). */
  namedModules(prefix = "", seen = new Set<Module>()): [string, Module][] {
    if (seen.has(this)) return [];
    seen.add(this);
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, m] of this.namedChildren()) out.push(...m.namedModules(prefix ? `${prefix}.${name}` : name, seen));
    return out;
  }

  /** This module and every submodule, depth first, each once (PyTorch's `modules()`). */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Parameters with dotted names, each once (shared parameters are listed under their first name). */
  namedParameters(options?: RecurseOptions): [string, Parameter][] {
    const { recurse } = readOptions(options, "namedParameters", RECURSE_KEYS);
    return this._namedMembers((m) => m._parameters, recurse ?? true) as [string, Parameter][];
  }

  /**
   * The parameters, in registration order.
   *
   * @example
   * ```ts
   * console.log(new torch.nn.Linear(3, 2).parameters().map((p) => p.shape)); // [ [ 2, 3 ], [ 2 ] ]
   * ```
   */
  parameters(options?: RecurseOptions): Parameter[] {
    const { recurse } = readOptions(options, "parameters", RECURSE_KEYS);
    return this._namedMembers((m) => m._parameters, recurse ?? true).map(([, p]) => p as Parameter);
  }

  /** Buffers with dotted names, each once (shared buffers are listed under their first name); non-persistent ones included. */
  namedBuffers(options?: RecurseOptions): [string, Tensor][] {
    const { recurse } = readOptions(options, "namedBuffers", RECURSE_KEYS);
    return this._namedMembers((m) => m._buffers, recurse ?? true);
  }

  /** The buffers (e.g. batch norm's running statistics), in registration order, each once; non-persistent ones included. */
  buffers(options?: RecurseOptions): Tensor[] {
    const { recurse } = readOptions(options, "buffers", RECURSE_KEYS);
    return this._namedMembers((m) => m._buffers, recurse ?? true).map(([, b]) => b);
  }

  private _namedMembers(get: (m: Module) => Map<string, Tensor | null>, recurse: boolean): [string, Tensor][] {
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    const modules = recurse ? this.namedModules() : [["", this] as [string, Module]];
    for (const [prefix, m] of modules) {
      for (const [name, t] of get(m)) {
        if (t === null || seen.has(t)) continue;
        seen.add(t);
        out.push([prefix ? `${prefix}.${name}` : name, t]);
      }
    }
    return out;
  }

  /** Applies `fn` to every submodule (children first) and then to this module. */
  apply(fn: (m: Module) => void): this {
    if (typeof fn !== "function") throw new torch.ArgumentError(`apply: expected a function of a module, got ${typeName(fn)}`);
    for (const m of this.children()) m.apply(fn);
    fn(this);
    return this;
  }

  // ----- modes and gradients ---------------------------------------------------------

  /** Sets training mode (true) or evaluation mode (false) on this module and all submodules. */
  train(mode = true): this {
    this.training = mode;
    for (const m of this.children()) m.train(mode);
    return this;
  }

  /** Evaluation mode (PyTorch's `module.eval()`). */
  eval(): this {
    return this.train(false);
  }

  /** Sets requiresGrad on all parameters. */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /**
   * Resets the parameters' gradients: to null (`setToNone`), or to zeros in
   * place (PyTorch 1.13's default).
   */
  zeroGrad(options?: { setToNone?: boolean }): void {
    const { setToNone } = readOptions(options, "zeroGrad", { setToNone: "boolean" });
    for (const p of this.parameters()) {
      const g = p.grad;
      if (g === null) continue;
      if (setToNone) {
        p.grad = null;
      } else {
        if (g.gradFn !== null) g.detach_();
        torch.noGrad(() => g.zero_());
      }
    }
  }

  // ----- dtype and device ----------------------------------------------------------------

  /**
   * Moves the module to a device and/or converts its floating parameters and
   * buffers to a dtype, in place (the same Parameter objects, so an
   * optimizer made before still holds them): PyTorch's `module.to(device)`,
   * `to(dtype)`, `to(device, dtype)`, `to(tensor)`. Devices are "cpu" and
   * "webgpu" (each parameter's gradient moves with it). Back from the GPU
   * needs asynchronous reads: `await model.cpuAsync()`; `to("cpu")` there
   * raises a DeviceError saying so. A move that fails changes nothing.
   *
   * @example
   * ```ts
   * const m = new torch.nn.Linear(2, 1);
   * const w = m.weight;
   * m.to("float64");
   * console.log(m.weight === w, m.weight.dtype); // true float64
   * ```
   */
  to(target: DType | DeviceName | Tensor, dtype?: DType): this {
    moveModule(this, target, dtype);
    return this;
  }

  /**
   * Moves the module's parameters, their gradients and its buffers back to
   * the CPU, in place, reading the GPU asynchronously (PyTorch's
   * `module.cpu()`); resolves to the module. The Parameter objects stay the
   * same, so an optimizer still holds them (its own state, such as momentum
   * buffers, stays where it was: make the optimizer after moving, as in
   * PyTorch). Every value is read before any is swapped in.
   *
   * @example
   * ```ts
   * await torch.webgpu.init();
   * const device = torch.webgpu.isAvailable() ? "webgpu" : "cpu";
   * const model = new torch.nn.Linear(2, 1).to(device);
   * const weight = model.weight;
   * await model.cpuAsync();
   * console.log(model.weight.device, model.weight === weight); // cpu true
   * ```
   */
  async cpuAsync(): Promise<this> {
    await moveModuleToCpu(this);
    return this;
  }

  /** Converts floating parameters and buffers to float64. */
  double(): this {
    return this.to("float64");
  }

  /** Converts floating parameters and buffers to float32. */
  float(): this {
    return this.to("float32");
  }

  // ----- state dict ------------------------------------------------------------------------

  /**
   * Parameters and persistent buffers by dotted name, detached (sharing
   * storage). As in PyTorch, a module or parameter registered under several
   * names appears under each of them.
   *
   * @example
   * ```ts
   * console.log(Object.keys(new torch.nn.BatchNorm1d(3).stateDict()).join(" "));
   * // weight bias running_mean running_var num_batches_tracked
   * ```
   */
  stateDict(): StateDict {
    return stateDictOf(this);
  }

  /**
   * Copies values from a state dict (a plain object of tensors) into the
   * parameters and buffers, as PyTorch's load_state_dict. With `strict`
   * (default) missing or unexpected keys throw, naming them; values that are
   * not tensors or whose shapes differ always throw. Nothing is copied
   * unless every check passes.
   *
   * @example
   * ```ts
   * const a = new torch.nn.Linear(2, 1);
   * const b = new torch.nn.Linear(2, 1);
   * b.loadStateDict(a.stateDict());
   * console.log(b.weight.sub(a.weight).abs().max().item()); // 0
   * ```
   */
  loadStateDict(state: StateDict, options?: { strict?: boolean }): IncompatibleKeys {
    const { strict } = readOptions(options, "loadStateDict", { strict: "boolean" });
    return loadStateDictInto(this, state, strict ?? true);
  }

  // ----- printing ------------------------------------------------------------------------------

  /** @internal the class name PyTorch prints. */
  _name(): string {
    return this.constructor.name;
  }

  /** Extra information printed in the module's parentheses (e.g. `in_features=2, out_features=1`). */
  extraRepr(): string {
    return "";
  }

  /** PyTorch's printed form of the module tree. */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra === "" ? [] : extra.split("\n");
    const childLines = [...this._modules].map(([key, m]) => `(${key}): ${indent(m === null ? "None" : m.toString(), 2)}`);
    const lines = [...extraLines, ...childLines];
    let main = `${this._name()}(`;
    if (lines.length > 0) {
      main += extraLines.length === 1 && childLines.length === 0 ? extraLines[0] : `\n  ${lines.join("\n  ")}\n`;
    }
    return `${main})`;
  }

  /** @internal */
  [inspectSymbol](): string {
    return this.toString();
  }
}

function indent(s: string, spaces: number): string {
  const lines = s.split("\n");
  if (lines.length === 1) return s;
  const [first, ...rest] = lines;
  return [first, ...rest.map((l) => " ".repeat(spaces) + l)].join("\n");
}
