/**
 * Containers: Sequential, ModuleList and ModuleDict. They hold modules only
 * (anything else throws PyTorch's "... is not a Module subclass"), index like
 * Python sequences (negative indices count from the end), and list a module
 * added twice twice: `sequential.forward` runs it twice, as PyTorch does.
 */

import type { Tensor } from "../index.js";
import * as torch from "../index.js";
import { isPlainObject, typeName } from "./checks.js";
import { Module } from "./module.js";

function checkModule(op: string, value: unknown): asserts value is Module {
  if (!(value instanceof Module)) throw new torch.ArgumentError(`${op}: ${typeName(value)} is not a Module subclass`);
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return value !== null && value !== undefined && typeof (value as Iterable<unknown>)[Symbol.iterator] === "function";
}

function checkInteger(op: string, what: string, value: unknown): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new torch.ArgumentError(`${op}: ${what} must be an integer, got ${typeName(value)} ${String(value)}`);
  }
}

/** Python's `seq[i]`: -n <= i < n, negatives counting from the end. */
function itemIndex(op: string, index: unknown, n: number): number {
  checkInteger(op, "index", index);
  if (index < -n || index >= n) throw new torch.IndexError(`${op}: index ${index} is out of range`);
  return index < 0 ? index + n : index;
}

/** Python's `seq[start:end]` bounds (clamped; negatives counting from the end), as Array.prototype.slice. */
function sliceBounds(op: string, start: unknown, end: unknown, n: number): [number, number] {
  checkInteger(op, "start", start);
  checkInteger(op, "end", end);
  const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  return [clamp(start), clamp(end)];
}

/** The base of Sequential and ModuleList: a list of modules registered under "0", "1", ... */
abstract class ModuleSequence extends Module {
  /** The number of modules (PyTorch's `len`). */
  get length(): number {
    return this._modules.size;
  }

  /** The module at `index` (negative counts from the end), PyTorch's `seq[index]`. */
  at(index: number): Module {
    const list = [...this._modules.values()];
    return list[itemIndex(`${this._name()}.at`, index, list.length)] as Module;
  }

  /** Appends a module; returns this container. */
  append(module: Module): this {
    checkModule(`${this._name()}.append`, module);
    this.registerModule(this.nextKey(), module);
    return this;
  }

  /**
   * Inserts `module` before position `index` (-length <= index <= length;
   * negatives count from the end, as Python's `list.insert`); the modules
   * are renumbered "0", "1", ... Returns this container.
   */
  insert(index: number, module: Module): this {
    const op = `${this._name()}.insert`;
    checkModule(op, module);
    const list = [...this._modules.values()] as Module[];
    checkInteger(op, "index", index);
    if (index < -list.length || index > list.length) throw new torch.IndexError(`${op}: Index out of range: ${index}`);
    list.splice(index < 0 ? index + list.length : index, 0, module);
    this.renumber(list);
    return this;
  }

  /** Appends every module of `modules`; returns this container. */
  extend(modules: Iterable<Module>): this {
    const op = `${this._name()}.extend`;
    if (!isIterable(modules)) throw new torch.ArgumentError(`${op} should be called with an iterable, but got ${typeName(modules)}`);
    const list = [...modules];
    for (const m of list) checkModule(op, m);
    for (const m of list) this.registerModule(this.nextKey(), m);
    return this;
  }

  /** Iterates over the modules in order (PyTorch's `iter(seq)`). */
  [Symbol.iterator](): Iterator<Module> {
    return ([...this._modules.values()] as Module[])[Symbol.iterator]();
  }

  /** "n" for n modules, unless a slice kept other keys: then one past the largest. */
  private nextKey(): string {
    const n = this._modules.size;
    if (!this._modules.has(String(n))) return String(n);
    return String(Math.max(...[...this._modules.keys()].map(Number).filter(Number.isInteger)) + 1);
  }

  private renumber(list: readonly Module[]): void {
    for (const key of [...this._modules.keys()]) {
      this._modules.delete(key);
      Reflect.deleteProperty(this, key);
    }
    list.forEach((m, i) => {
      this.registerModule(String(i), m);
    });
  }
}

/**
 * Modules applied one after another. `new Sequential(a, b, c)` names them
 * "0", "1", "2"; `new Sequential(new Map([["conv", a], ["act", b]]))` gives
 * them names (PyTorch's `Sequential(OrderedDict(...))`). `seq.at(-1)` is
 * PyTorch's `seq[-1]`, `seq.slice(1)` / `seq.slice(1, 3)` its `seq[1:]` /
 * `seq[1:3]` (a Sequential keeping the modules' names, negative bounds
 * counting from the end, no step).
 *
 * @example
 * ```ts
 * const model = new torch.nn.Sequential(new torch.nn.Linear(4, 3), new torch.nn.ReLU(), new torch.nn.Linear(3, 1));
 * console.log(model.at(0).toString()); // Linear(in_features=4, out_features=3, bias=True)
 * console.log(model.slice(1).toString()); // Sequential(\n  (1): ReLU()\n  (2): Linear(in_features=3, out_features=1, bias=True)\n)
 * ```
 */
export class Sequential extends ModuleSequence {
  constructor(...modules: Module[] | [Map<string, Module>]) {
    super();
    const [first] = modules;
    if (modules.length === 1 && first instanceof Map) {
      for (const [name, m] of first) {
        checkModule("Sequential", m);
        this.registerModule(name, m);
      }
      return;
    }
    for (const m of modules) checkModule("Sequential", m);
    modules.forEach((m, i) => {
      this.registerModule(String(i), m as Module);
    });
  }

  /**
   * The modules from `start` up to (not including) `end`, as a new
   * Sequential that keeps their names (PyTorch's `seq[start:end]`).
   *
   * @example
   * ```ts
   * const seq = new torch.nn.Sequential(new torch.nn.ReLU(), new torch.nn.Tanh(), new torch.nn.Sigmoid());
   * console.log(seq.slice(-2).toString()); // Sequential(\n  (1): Tanh()\n  (2): Sigmoid()\n)
   * ```
   */
  slice(start = 0, end = this.length): Sequential {
    const entries = [...this._modules] as [string, Module][];
    const [s, e] = sliceBounds("Sequential.slice", start, end, entries.length);
    return new Sequential(new Map(entries.slice(s, e)));
  }

  /** Runs the modules in order, each on the previous one's output (typed as tensors, the common case). */
  override forward(input: Tensor): Tensor {
    let x: unknown = input;
    for (const [name, m] of this._modules) {
      if (m === null) throw new torch.ArgumentError(`Sequential: module '${name}' is null and cannot be called`);
      x = m.call(x);
    }
    return x as Tensor;
  }
}

/**
 * A list of modules registered as submodules (their parameters are the
 * list's). `list.at(i)` is PyTorch's `list[i]`, `list.slice(1)` its
 * `list[1:]` (a new ModuleList, renumbered).
 *
 * @example
 * ```ts
 * const layers = new torch.nn.ModuleList([new torch.nn.Linear(2, 2), new torch.nn.Linear(2, 2)]);
 * layers.insert(0, new torch.nn.ReLU()).extend([new torch.nn.Tanh()]);
 * console.log(layers.length, layers.parameters().length, layers.at(-1).toString()); // 4 4 Tanh()
 * ```
 */
export class ModuleList extends ModuleSequence {
  constructor(modules: Iterable<Module> = []) {
    super();
    this.extend(modules);
  }

  /** The modules from `start` up to (not including) `end` as a new ModuleList. */
  slice(start = 0, end = this.length): ModuleList {
    const list = [...this._modules.values()] as Module[];
    const [s, e] = sliceBounds("ModuleList.slice", start, end, list.length);
    return new ModuleList(list.slice(s, e));
  }
}

/** The [key, module] pairs of ModuleDict's argument: a plain object, a Map, or an iterable of pairs. */
function pairs(op: string, modules: unknown): [unknown, unknown][] {
  if (modules instanceof Map || modules instanceof ModuleDict) return [...modules.entries()];
  if (isPlainObject(modules)) return Object.entries(modules);
  if (!isIterable(modules) || typeof modules === "string") {
    throw new torch.ArgumentError(`${op} should be called with an iterable of key/value pairs, but got ${typeName(modules)}`);
  }
  return [...modules].map((pair, j) => {
    if (!Array.isArray(pair))
      throw new torch.ArgumentError(`ModuleDict update sequence element #${j} should be a [key, module] pair; is ${typeName(pair)}`);
    if (pair.length !== 2)
      throw new torch.ArgumentError(`ModuleDict update sequence element #${j} has length ${pair.length}; 2 is required`);
    return [pair[0], pair[1]];
  });
}

/**
 * Named submodules, in insertion order. Keys are checked as module names
 * (a key naming a method, such as "train" or "keys", is refused as in PyTorch).
 *
 * @example
 * ```ts
 * const heads = new torch.nn.ModuleDict({ a: new torch.nn.Linear(2, 1), b: new torch.nn.Linear(2, 3) });
 * console.log(heads.keys(), heads.has("a"), heads.length); // [ 'a', 'b' ] true 2
 * ```
 */
export class ModuleDict extends Module {
  constructor(modules: Record<string, Module> | Map<string, Module> | Iterable<readonly [string, Module]> = {}) {
    super();
    this.update(modules);
  }

  /** Adds or replaces the modules of `modules` (a plain object, a Map, a ModuleDict or [key, module] pairs). */
  update(modules: Record<string, Module> | Map<string, Module> | Iterable<readonly [string, Module]>): void {
    const list = pairs("ModuleDict.update", modules);
    for (const [, m] of list) checkModule("ModuleDict.update", m);
    for (const [k, m] of list) this.registerModule(k as string, m as Module);
  }

  /** The module under `key`, or undefined. */
  get(key: string): Module | undefined {
    return this._modules.get(key) ?? undefined;
  }

  /** Adds or replaces the module under `key`. */
  set(key: string, module: Module): void {
    checkModule("ModuleDict.set", module);
    this.registerModule(key, module);
  }

  /** Whether a module is registered under `key` (PyTorch's `key in moduleDict`). */
  has(key: string): boolean {
    return this._modules.has(key);
  }

  /** The number of modules (PyTorch's `len`). */
  get length(): number {
    return this._modules.size;
  }

  /** The keys, in insertion order (PyTorch's `keys()`). */
  keys(): string[] {
    return [...this._modules.keys()];
  }

  /** The modules, in insertion order (PyTorch's `values()`). */
  values(): Module[] {
    return [...this._modules.values()] as Module[];
  }

  /** The [key, module] pairs, in insertion order (PyTorch's `items()`). */
  entries(): [string, Module][] {
    return [...this._modules] as [string, Module][];
  }
}
