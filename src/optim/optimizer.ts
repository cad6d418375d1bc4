/**
 * The optimizer base class (PyTorch's `torch.optim.Optimizer`): parameter
 * groups with their hyperparameters, per-parameter state, `zeroGrad`, `step`
 * and state dicts in PyTorch's layout.
 *
 * Naming: hyperparameters and state keys are camelCase in memory
 * (`group.weightDecay`, `optimizer.state.get(p).expAvgSq`) and PyTorch's
 * snake_case inside `stateDict()` (`weight_decay`, `exp_avg_sq`), so a state
 * dict has exactly the structure of PyTorch's.
 */

import { readOptions } from "../core/options.js";
import type { Tensor } from "../index.js";
import * as torch from "../index.js";
import { typeName } from "../nn/checks.js";
import { checkLoadedState } from "./state_dict.js";
import { isPlainObject, pyStr, setOwn, toCamel, toSnake } from "./util.js";

/** A value in an optimizer's per-parameter state: a tensor (moment estimates, step counts), a number or null. */
export type StateValue = Tensor | number | null;

/** A hyperparameter value as stored in a state dict's `param_groups`. */
export type HyperValue = number | boolean | string | null | readonly number[];

/**
 * An optimizer's state in PyTorch's layout: `state` maps the index of each
 * parameter (counted across the groups, in order) to its state, and each of
 * `param_groups` lists its hyperparameters (snake_case) and the indices of
 * its parameters.
 */
export interface OptimizerStateDict {
  /** Each parameter's state, by the parameter's index, with snake_case keys (`exp_avg`, `step`, ...). */
  state: Record<number, Record<string, StateValue>>;
  /** Each group's hyperparameters, with snake_case keys, and the indices of its parameters. */
  param_groups: ({
    /** The indices of the group's parameters, the keys of `state`. */
    params: number[];
  } & Record<string, HyperValue>)[];
}

/** The hyperparameters every optimizer has. */
export interface BaseHyperparameters {
  /** The learning rate (PyTorch's `lr`). */
  lr: number;
}

/** A parameter group: its parameters and its hyperparameters (`initialLr` is set by a scheduler). */
export type ParamGroup<H> = H & {
  /** The tensors the group optimizes. */
  params: Tensor[];
  /** The group's learning rate when a scheduler started (PyTorch's `initial_lr`); undefined without a scheduler. */
  initialLr?: number;
};

/** A parameter group as given to a constructor or `addParamGroup`: hyperparameters not given take the defaults. */
export type ParamGroupInput<H> = Partial<H> & {
  /** The tensors to optimize: one tensor or an iterable of them. */
  params: Tensor | Iterable<Tensor>;
};

/** What optimizers optimize: tensors, or parameter groups with their own hyperparameters. */
export type Params<H> = Iterable<Tensor> | Iterable<ParamGroupInput<H>>;

/** Keys PyTorch keeps in param_groups that Kindling has no use for (dropped on load). */
const TORCH_ONLY_KEYS = new Set(["foreach", "differentiable", "capturable", "fused"]);

function copyValue<T>(v: T): T {
  return (Array.isArray(v) ? [...v] : v) as T;
}

function isGroup(x: unknown): x is ParamGroupInput<unknown> {
  return isPlainObject(x);
}

function isIterable(x: unknown): x is Iterable<unknown> {
  return x !== null && x !== undefined && typeof (x as Iterable<unknown>)[Symbol.iterator] === "function";
}

/** A detached copy of a state tensor (cast to `dtype` when given). */
function copyTensor(t: Tensor, dtype?: torch.DType): Tensor {
  return torch.noGrad(() => (dtype !== undefined && dtype !== t.dtype ? t.to(dtype) : t.clone()).detach());
}

/**
 * Base class of the optimizers. Subclasses give their defaults and
 * implement `updateGroup`, which runs under `noGrad`.
 *
 * @example
 * ```ts
 * const w = torch.tensor([1, 2], { requiresGrad: true });
 * const opt = new torch.optim.SGD([w], { lr: 0.5 });
 * console.log(opt instanceof torch.optim.Optimizer); // true
 * console.log(opt.paramGroups.length, opt.paramGroups[0].lr); // 1 0.5
 * ```
 */
export abstract class Optimizer<H extends BaseHyperparameters = BaseHyperparameters, S extends object = Record<string, StateValue>> {
  /** The default hyperparameters; a group gets each one it does not specify (undefined means required). */
  readonly defaults: Readonly<Partial<H>>;
  /** The parameter groups, each with its parameters and hyperparameters. */
  paramGroups: ParamGroup<H>[] = [];
  /** Per-parameter state (moment estimates, step counts, ...), created by the first step. */
  state: Map<Tensor, S> = new Map();

  constructor(params: Params<H>, defaults: Partial<H>) {
    this.defaults = defaults;
    const given: unknown = params;
    if (given instanceof torch.Tensor || !isIterable(given) || typeof given === "string") {
      throw new torch.ArgumentError(
        `params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${typeName(params)}`,
      );
    }
    const list: unknown[] = Array.from(given);
    if (list.length === 0) throw new torch.ArgumentError("optimizer got an empty parameter list");
    const groups = (isGroup(list[0]) ? list : [{ params: list }]) as ParamGroupInput<H>[];
    for (const group of groups) this.addParamGroup(group);
  }

  /** Updates the parameters of one group from their `.grad` (called under `noGrad`). */
  protected abstract updateGroup(group: ParamGroup<H>): void;

  /**
   * Checks a group's hyperparameters (after the defaults are filled in); the
   * optimizers throw PyTorch's ValueErrors ("Invalid learning rate: -1").
   * PyTorch checks only the constructor's values; Kindling checks every
   * group, so no group starts with a negative learning rate.
   */
  protected validateGroup(_group: H): void {}

  /**
   * Performs one optimization step. `closure`, if given, re-evaluates the
   * model and returns the loss (it runs with grad mode on); `step` returns
   * what it returned.
   *
   * @example
   * ```ts
   * const w = torch.tensor([1, 2], { requiresGrad: true });
   * const opt = new torch.optim.SGD([w], { lr: 0.5 });
   * const loss = opt.step(() => {
   *   opt.zeroGrad();
   *   const l = w.mul(w).sum();
   *   l.backward();
   *   return l;
   * });
   * console.log(loss); // tensor(5., grad_fn=<SumBackward0>)
   * console.log(w); // tensor([0., 0.], requires_grad=True)
   * ```
   */
  step<L = Tensor>(closure?: () => L): L | undefined {
    if (closure !== undefined && typeof closure !== "function") {
      throw new torch.ArgumentError(
        `step: the closure must be a function that re-evaluates the model and returns the loss, got ${typeName(closure)}`,
      );
    }
    const loss = closure === undefined ? undefined : torch.enableGrad(closure);
    torch.noGrad(() => {
      for (const group of this.paramGroups) this.updateGroup(group);
    });
    this.keepState();
    return loss;
  }

  /** Optimizer state outlives any torch.scope it was made in. */
  private keepState(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (v instanceof torch.Tensor) torch.keep(v);
  }

  /**
   * Clears the gradients of all optimized tensors: zeroes them in place
   * (PyTorch 1.13's default; a gradient with a `gradFn` is detached first),
   * or with `setToNone` sets `.grad` to null.
   *
   * @example
   * ```ts
   * const w = torch.tensor([1, 2], { requiresGrad: true });
   * const opt = new torch.optim.SGD([w], { lr: 0.1 });
   * w.sum().backward();
   * opt.zeroGrad();
   * console.log(w.grad); // tensor([0., 0.])
   * opt.zeroGrad({ setToNone: true });
   * console.log(w.grad); // null
   * ```
   */
  zeroGrad(options?: { setToNone?: boolean }): void {
    const { setToNone } = readOptions(options, "zeroGrad", { setToNone: "boolean" });
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const g = p.grad;
        if (g === null) continue;
        if (setToNone) {
          p.grad = null;
          continue;
        }
        if (g.gradFn !== null) g.detach_();
        else g.requiresGrad_(false);
        g.zero_();
      }
    }
  }

  /**
   * Adds a parameter group (e.g. layers unfrozen during fine-tuning).
   * Hyperparameters it does not give take the optimizer's defaults.
   *
   * @example
   * ```ts
   * const a = torch.tensor([1], { requiresGrad: true });
   * const b = torch.tensor([2], { requiresGrad: true });
   * const opt = new torch.optim.SGD([a], { lr: 0.1, momentum: 0.9 });
   * opt.addParamGroup({ params: [b], lr: 0.01 });
   * console.log(opt.paramGroups[1].lr, opt.paramGroups[1].momentum); // 0.01 0.9
   * ```
   */
  addParamGroup(paramGroup: ParamGroupInput<H>): void {
    if (!isGroup(paramGroup)) {
      throw new torch.ArgumentError(`param group must be a dict: an object { params, ...hyperparameters }, got ${typeName(paramGroup)}`);
    }
    if (!Object.hasOwn(paramGroup, "params")) throw new torch.ArgumentError("addParamGroup: the parameter group has no 'params'");
    const given: unknown = paramGroup.params;
    if (!(given instanceof torch.Tensor) && !isIterable(given)) {
      throw new torch.ArgumentError(`addParamGroup: 'params' must be a Tensor or an iterable of Tensors, got ${typeName(given)}`);
    }
    const params: unknown[] = given instanceof torch.Tensor ? [given] : Array.from(given);
    for (const p of params) {
      if (!(p instanceof torch.Tensor)) {
        throw new torch.ArgumentError(`optimizer can only optimize Tensors, but one of the params is ${typeName(p)}`);
      }
      if (!(p.isLeaf || p.retainsGrad)) throw new torch.ArgumentError("can't optimize a non-leaf Tensor");
    }
    if (new Set(params).size !== params.length) {
      throw new torch.ArgumentError(
        "addParamGroup: a parameter appears more than once in the group, so each step would update it more than once " +
          "(PyTorch warns: optimizer contains a parameter group with duplicate parameters; in future, this will cause an error)",
      );
    }
    const group: Record<string, unknown> = { ...paramGroup, params };
    for (const [name, value] of Object.entries(this.defaults)) {
      if (group[name] !== undefined) continue;
      if (value === undefined) {
        throw new torch.ArgumentError(`parameter group didn't specify a value of required optimization parameter ${toSnake(name)}`);
      }
      group[name] = copyValue(value);
    }
    const taken = new Set(this.paramGroups.flatMap((g) => g.params));
    if (params.some((p) => taken.has(p as Tensor))) {
      throw new torch.ArgumentError("some parameters appear in more than one parameter group");
    }
    this.validateGroup(group as unknown as H);
    this.paramGroups.push(group as unknown as ParamGroup<H>);
  }

  /**
   * The optimizer's state in PyTorch's layout, with snake_case keys; state
   * tensors are copies, so later steps do not change a saved state dict.
   *
   * @example
   * ```ts
   * const w = torch.tensor([1, 2], { requiresGrad: true });
   * const opt = new torch.optim.SGD([w], { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 });
   * w.sum().backward();
   * opt.step();
   * const sd = opt.stateDict();
   * console.log(sd.state[0].momentum_buffer); // tensor([1.0001, 1.0002])
   * console.log(sd.param_groups[0].weight_decay, sd.param_groups[0].params); // 0.0001 [ 0 ]
   * ```
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    let start = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const packed: Record<string, HyperValue> = {};
      for (const [k, v] of Object.entries(g)) if (k !== "params") setOwn(packed, toSnake(k), copyValue(v as HyperValue));
      g.params.forEach((p, i) => {
        if (!index.has(p)) index.set(p, start + i);
      });
      start += g.params.length;
      return { ...packed, params: g.params.map((p) => index.get(p) as number) };
    });
    const state: Record<number, Record<string, StateValue>> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const entry: Record<string, StateValue> = {};
      for (const [k, v] of Object.entries(s)) setOwn(entry, toSnake(k), v instanceof torch.Tensor ? copyTensor(v) : (v as StateValue));
      state[i] = entry;
    }
    return { state, param_groups: paramGroups };
  }

  /**
   * Loads a state dict made by `stateDict()` (or PyTorch's layout, keys
   * snake_case): the groups' hyperparameters and copies of the state
   * tensors, cast to their parameter's dtype (except `step`).
   *
   * @example
   * ```ts
   * const w = torch.tensor([1, 2], { requiresGrad: true });
   * const opt = new torch.optim.SGD([w], { lr: 0.1 });
   * const opt2 = new torch.optim.SGD([w], { lr: 0.5 });
   * opt2.loadStateDict(opt.stateDict());
   * console.log(opt2.paramGroups[0].lr); // 0.1
   * ```
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    checkLoadedState(stateDict);
    const saved = stateDict.param_groups;
    const groups = this.paramGroups;
    if (groups.length !== saved.length) {
      throw new torch.ArgumentError(
        `loaded state dict has a different number of parameter groups (the optimizer has ${groups.length}, the state dict ${saved.length})`,
      );
    }
    groups.forEach((g, i) => {
      const n = (saved[i] as { params: number[] }).params.length;
      if (g.params.length !== n) {
        throw new torch.ArgumentError(
          `loaded state dict contains a parameter group that doesn't match the size of optimizer's group (group ${i}: the optimizer has ${g.params.length} parameters, the state dict ${n})`,
        );
      }
    });
    const idMap = new Map<number, Tensor>();
    saved.forEach((sg, i) => {
      sg.params.forEach((id, j) => {
        idMap.set(id, (groups[i] as ParamGroup<H>).params[j] as Tensor);
      });
    });
    const state = new Map<Tensor, S>();
    for (const [key, entry] of Object.entries(stateDict.state)) {
      const param = idMap.get(Number(key));
      if (param !== undefined) state.set(param, this.castState(param, entry));
    }
    this.paramGroups = saved.map((sg, i) => this.unpackGroup(sg, (groups[i] as ParamGroup<H>).params));
    this.state = state;
    this.keepState();
    this.afterLoad();
  }

  /**
   * PyTorch's printed form: each group's hyperparameters, sorted by their
   * snake_case names (without PyTorch's foreach/differentiable/... flags).
   *
   * @example
   * ```ts
   * const opt = new torch.optim.Adam([torch.zeros(1, { requiresGrad: true })], { lr: 1e-5 });
   * console.log(String(opt)); // Adam (\nParameter Group 0\n    amsgrad: False\n    betas: (0.9, 0.999)\n    eps: 1e-08\n    lr: 1e-05\n    maximize: False\n    weight_decay: 0\n)
   * ```
   */
  toString(): string {
    let out = `${this.constructor.name} (`;
    this.paramGroups.forEach((group, i) => {
      out += `\nParameter Group ${i}\n`;
      const entries = Object.entries(group).filter(([k]) => k !== "params");
      const named = entries.map(([k, v]) => [toSnake(k), v] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [k, v] of named) out += `    ${k}: ${pyStr(v)}\n`;
    });
    return `${out})`;
  }

  /** @internal Node's console.log uses this. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** Hook for subclasses to normalise loaded state (PyTorch's `__setstate__`). */
  protected afterLoad(): void {}

  private castState(param: Tensor, entry: Record<string, StateValue>): S {
    const floating = param.dtype === "float32" || param.dtype === "float64";
    const out: Record<string, StateValue> = {};
    for (const [k, v] of Object.entries(entry)) {
      setOwn(out, toCamel(k), v instanceof torch.Tensor ? copyTensor(v, k !== "step" && floating ? param.dtype : undefined) : copyValue(v));
    }
    return out as S;
  }

  private unpackGroup(saved: Record<string, HyperValue>, params: Tensor[]): ParamGroup<H> {
    const group: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(saved)) if (k !== "params" && !TORCH_ONLY_KEYS.has(k)) setOwn(group, toCamel(k), copyValue(v));
    for (const [k, v] of Object.entries(this.defaults)) if (!Object.hasOwn(group, k) && v !== undefined) group[k] = copyValue(v);
    group.params = params;
    return group as unknown as ParamGroup<H>;
  }
}
