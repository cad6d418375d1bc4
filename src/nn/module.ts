/**
 * nn.Module and nn.Parameter. A module registers the parameters, buffers and
 * submodules assigned to its fields (as PyTorch's __setattr__ does), in
 * definition order, so `parameters()`, `stateDict()` and the printed form
 * follow the order the model was written in.
 */

import type { DType } from "../index.js";
import * as torch from "../index.js";
// Parameter extends the class at module evaluation time, before the package
// entry (which re-exports nn) has finished evaluating: import it from its module.
import { Tensor } from "../tensor.js";

/**
 * A tensor that is a module's parameter: a leaf that requires grad (unless
 * asked not to) and that `Module.parameters()` finds. It shares the storage
 * of the tensor it is made from.
 *
 * @example
 * ```ts
 * const p = new torch.nn.Parameter(torch.ones(2));
 * console.log(p.requiresGrad, p.isLeaf); // true true
 * ```
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    super(data._storage, data.shape, data._strides, data._offset, data.dtype);
    this.requiresGrad = requiresGrad;
  }

  /** PyTorch's printed form: `Parameter containing:` then the tensor. */
  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}

export interface StateDict {
  [key: string]: Tensor;
}

/** What `loadStateDict` did not match when not strict. */
export interface IncompatibleKeys {
  missingKeys: string[];
  unexpectedKeys: string[];
}

type ForwardHook = (module: Module, input: unknown[], output: unknown) => unknown;
type ForwardPreHook = (module: Module, input: unknown[]) => unknown[] | undefined | void;

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
    // these traps, which register parameters, tensors already registered as
    // buffers, and modules by name.
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

  /** @internal routes a field to the parameter, buffer or module maps; false when it is an ordinary field. */
  _register(name: string, value: unknown): boolean {
    if (!this._parameters) return false;
    if (value instanceof Parameter) {
      this._buffers.delete(name);
      this._modules.delete(name);
      this._parameters.set(name, value);
    } else if (value instanceof Module) {
      this._parameters.delete(name);
      this._buffers.delete(name);
      this._modules.set(name, value);
    } else if (this._buffers.has(name) && (value === null || value instanceof torch.Tensor)) {
      this._buffers.set(name, value);
    } else if (this._parameters.has(name) && value === null) {
      this._parameters.set(name, null);
    } else {
      return false;
    }
    Object.defineProperty(this, name, {
      get: () => this._parameters.get(name) ?? this._buffers.get(name) ?? this._modules.get(name) ?? null,
      set: (v: unknown) => {
        if (!this._register(name, v)) throw new TypeError(`cannot assign ${typeof v} as parameter, buffer or module '${name}'`);
      },
      configurable: true,
      enumerable: true,
    });
    return true;
  }

  /** The computation; subclasses implement it. */
  forward(..._args: unknown[]): unknown {
    throw new Error(`Module [${this._name()}] is missing the required "forward" function`);
  }

  /** Runs the forward pre-hooks, `forward` and the forward hooks (PyTorch's `module(...)`). */
  call(...args: unknown[]): ReturnType<this["forward"]> {
    let input = args;
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

  /** Registers a parameter (or null) under `name`. */
  registerParameter(name: string, param: Parameter | null): void {
    this._checkName(name, "parameter");
    this._parameters.set(name, param);
    this._register(name, param);
  }

  /** Registers a tensor that is state but not a parameter (e.g. batch norm's running mean); `persistent: false` keeps it out of the state dict. */
  registerBuffer(name: string, tensor: Tensor | null, options: { persistent?: boolean } = {}): void {
    this._checkName(name, "buffer");
    this._buffers.set(name, tensor);
    if (options.persistent === false) this._nonPersistent.add(name);
    else this._nonPersistent.delete(name);
    this._register(name, tensor);
  }

  /** Registers a submodule (PyTorch's add_module). */
  registerModule(name: string, module: Module | null): void {
    this._checkName(name, "module");
    this._modules.set(name, module);
    this._register(name, module);
  }

  private _checkName(name: string, what: string): void {
    if (name === "" || name.includes(".")) throw new Error(`${what} name can't be empty or contain ".", got: "${name}"`);
  }

  // ----- traversal ------------------------------------------------------------------

  /** The direct submodules with their names. */
  namedChildren(): [string, Module][] {
    return [...this._modules].filter((e): e is [string, Module] => e[1] !== null);
  }

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

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Parameters with dotted names, each once (shared parameters are listed under their first name). */
  namedParameters(options: { recurse?: boolean } = {}): [string, Parameter][] {
    return this._namedMembers((m) => m._parameters, options.recurse ?? true) as [string, Parameter][];
  }

  /**
   * The parameters, in registration order.
   *
   * @example
   * ```ts
   * console.log(new torch.nn.Linear(3, 2).parameters().map((p) => p.shape)); // [ [ 2, 3 ], [ 2 ] ]
   * ```
   */
  parameters(options: { recurse?: boolean } = {}): Parameter[] {
    return this.namedParameters(options).map(([, p]) => p);
  }

  namedBuffers(options: { recurse?: boolean } = {}): [string, Tensor][] {
    return this._namedMembers((m) => m._buffers, options.recurse ?? true);
  }

  buffers(options: { recurse?: boolean } = {}): Tensor[] {
    return this.namedBuffers(options).map(([, b]) => b);
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
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    for (const p of this.parameters()) {
      const g = p.grad;
      if (g === null) continue;
      if (options.setToNone) {
        p.grad = null;
      } else {
        if (g.gradFn !== null) g.detach_();
        torch.noGrad(() => g.zero_());
      }
    }
  }

  // ----- dtype --------------------------------------------------------------------------

  /** Converts the floating parameters and buffers to `dtype`, in place (the same Parameter objects). */
  to(dtype: DType): this {
    for (const t of [...this.parameters(), ...this.buffers()]) {
      if (t.dtype !== "float32" && t.dtype !== "float64") continue;
      const converted = torch.noGrad(() => t.to(dtype));
      t._setData(converted);
      if (t.grad !== null) t.grad = null;
    }
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
   * Parameters and persistent buffers by dotted name, detached (sharing storage).
   *
   * @example
   * ```ts
   * console.log(Object.keys(new torch.nn.BatchNorm1d(3).stateDict()).join(" "));
   * // weight bias running_mean running_var num_batches_tracked
   * ```
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [prefix, m] of this.namedModules()) {
      const key = (name: string) => (prefix ? `${prefix}.${name}` : name);
      for (const [name, p] of m._parameters) if (p !== null) out[key(name)] = p.detach();
      for (const [name, b] of m._buffers) if (b !== null && !m._nonPersistent.has(name)) out[key(name)] = b.detach();
    }
    return out;
  }

  /**
   * Copies values from a state dict into the parameters and buffers. With
   * `strict` (default) missing or unexpected keys throw, naming them; shape
   * mismatches always throw.
   */
  loadStateDict(state: StateDict, options: { strict?: boolean } = {}): IncompatibleKeys {
    const strict = options.strict ?? true;
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !(k in state));
    const unexpectedKeys = Object.keys(state).filter((k) => !(k in own));
    const errors: string[] = [];
    if (strict && unexpectedKeys.length > 0)
      errors.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(", ")}. `);
    if (strict && missingKeys.length > 0) errors.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(", ")}. `);
    for (const [key, target] of Object.entries(own)) {
      const src = state[key];
      if (src === undefined) continue;
      if (src.shape.join() !== target.shape.join()) {
        errors.push(
          `size mismatch for ${key}: copying a param with shape torch.Size([${src.shape.join(", ")}]) from checkpoint, the shape in current model is torch.Size([${target.shape.join(", ")}]).`,
        );
      }
    }
    if (errors.length > 0) {
      throw new torch.ShapeError(`Error(s) in loading state_dict for ${this._name()}:\n\t${errors.join("\n\t")}`);
    }
    torch.noGrad(() => {
      for (const [key, target] of Object.entries(own)) {
        const src = state[key];
        if (src !== undefined) target.copy_(src);
      }
    });
    return { missingKeys, unexpectedKeys };
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
