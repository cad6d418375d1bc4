/**
 * Learning-rate schedulers (PyTorch's torch.optim.lr_scheduler): each
 * `step()` sets the `lr` of every parameter group of its optimizer. The
 * formulas are PyTorch 1.13's chainable (recursive) `get_lr`, so a schedule
 * composes with other changes made to the learning rates.
 */

import { type OptionKeys, readOptions } from "../core/options.js";
import * as torch from "../index.js";
import { typeName } from "../nn/checks.js";
import type { BaseHyperparameters, Optimizer } from "./optimizer.js";
import { checkFactor, checkOptimizer, checkPeriod, getOwn, isPlainObject, pyExp4, toCamel, toSnake, zeroPeriod } from "./util.js";

export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from "./plateau.js";

/** What a scheduler drives: any optimizer (all have an `lr` per group). */
export type SchedulableOptimizer = Optimizer<BaseHyperparameters, object>;

/** A value in a scheduler's state dict. */
export type SchedulerStateValue = number | boolean | string | null | readonly (number | null)[] | Readonly<Record<number, number>>;

/** A scheduler's state in PyTorch's layout (snake_case keys, `optimizer` left out). */
export type SchedulerStateDict = Record<string, SchedulerStateValue>;

/** Options every scheduler takes. */
export interface LRSchedulerOptions {
  /** The index of the last epoch when resuming (default -1: start, setting each group's `initialLr`). */
  lastEpoch?: number;
  /** Print a message at each update (default false). */
  verbose?: boolean;
}

const SCHEDULER_KEYS: OptionKeys<LRSchedulerOptions> = { lastEpoch: "number", verbose: "boolean" };

/** The options of StepLR, MultiStepLR (PyTorch's positional order: gamma, last_epoch, verbose). */
export interface DecayOptions extends LRSchedulerOptions {
  /** The decay factor (default 0.1). */
  gamma?: number;
}

const DECAY_KEYS: OptionKeys<DecayOptions> = { gamma: true, ...SCHEDULER_KEYS };

/** The options common to all schedulers, as a subclass passes them on to `LRScheduler`. */
function baseOptions(o: LRSchedulerOptions): LRSchedulerOptions {
  return { lastEpoch: o.lastEpoch, verbose: o.verbose };
}

/**
 * Base class of the epoch-based schedulers (PyTorch's `_LRScheduler`).
 * Construction records each group's `initialLr` (when `lastEpoch` is -1) and
 * performs the initial step (`lastEpoch` becomes 0). Subclasses implement
 * `getLr` and pass their own hyperparameters as `fields`: they are set on
 * the instance before that initial step (PyTorch sets them before calling
 * `super().__init__`; a TypeScript field initialiser would run too late, so
 * declare them with `declare`) and saved in the state dict, snake_case.
 * Differences from PyTorch 1.13: no deprecated `step(epoch)` (closed form),
 * and no warnings about the order of `optimizer.step()` and `scheduler.step()`.
 *
 * @example
 * ```ts
 * class HalveLR extends torch.optim.lr_scheduler.LRScheduler {
 *   protected getLr(): number[] {
 *     return this.optimizer.paramGroups.map((g) => (this.lastEpoch === 0 ? g.lr : g.lr / 2));
 *   }
 * }
 * const opt = new torch.optim.SGD([torch.zeros(1, { requiresGrad: true })], { lr: 1 });
 * const sched = new HalveLR(opt);
 * sched.step();
 * sched.step();
 * console.log(sched.getLastLr(), sched.lastEpoch); // [ 0.25 ] 2
 * ```
 */
export abstract class LRScheduler {
  /** The optimizer whose learning rates this scheduler sets. */
  readonly optimizer: SchedulableOptimizer;
  /** Each group's `initialLr`. */
  baseLrs: number[];
  /** The number of steps taken (0 after construction). */
  lastEpoch: number;
  /** Whether each update prints a message. */
  verbose: boolean;
  /** PyTorch's `_step_count`: steps including the initial one. */
  protected stepCount = 0;
  private lastLr: number[] = [];
  private readonly fieldNames: string[];

  constructor(optimizer: SchedulableOptimizer, options?: LRSchedulerOptions, fields: Record<string, unknown> = {}) {
    const o = readOptions(options, new.target.name, SCHEDULER_KEYS);
    checkOptimizer(optimizer);
    this.optimizer = optimizer;
    const lastEpoch = o.lastEpoch ?? -1;
    optimizer.paramGroups.forEach((group, i) => {
      if (lastEpoch === -1) group.initialLr ??= group.lr;
      else if (group.initialLr === undefined) {
        throw new torch.ArgumentError(`param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer`);
      }
    });
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
    this.verbose = o.verbose ?? false;
    this.fieldNames = Object.keys(fields);
    Object.assign(this, fields);
    this.step();
  }

  /** The learning rates for the current `lastEpoch`, from the groups' current ones (chainable form). */
  protected abstract getLr(): number[];

  /** Advances one epoch and sets each group's `lr`; if the schedule throws, nothing changes. */
  step(): void {
    this.stepCount += 1;
    this.lastEpoch += 1;
    let values: number[];
    try {
      values = this.getLr();
      values.forEach((lr, i) => {
        if (typeof lr !== "number")
          throw new torch.ArgumentError(`${this.constructor.name}.step: the learning rate of group ${i} is ${typeName(lr)}, not a number`);
      });
    } catch (e) {
      this.stepCount -= 1;
      this.lastEpoch -= 1;
      throw e;
    }
    this.optimizer.paramGroups.forEach((group, i) => {
      const lr = values[i];
      if (lr === undefined) return;
      group.lr = lr;
      if (this.verbose) console.log(`Adjusting learning rate of group ${i} to ${pyExp4(lr)}.`);
    });
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The learning rates the last step set, one per group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The scheduler's state in PyTorch's layout: its hyperparameters and counters, snake_case. */
  stateDict(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const name of this.fieldNames) out[toSnake(name)] = copy((this as unknown as Record<string, SchedulerStateValue>)[name] ?? null);
    return {
      ...out,
      base_lrs: [...this.baseLrs],
      last_epoch: this.lastEpoch,
      verbose: this.verbose,
      _step_count: this.stepCount,
      _get_lr_called_within_step: false,
      _last_lr: [...this.lastLr],
    };
  }

  /** Restores a state saved by `stateDict()` (keys it does not know are ignored). */
  loadStateDict(stateDict: SchedulerStateDict): void {
    if (!isPlainObject(stateDict)) {
      throw new torch.ArgumentError(`loadStateDict: expected a scheduler state dict (an object), got ${typeName(stateDict)}`);
    }
    const self = this as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(stateDict)) {
      if (key === "_step_count") this.stepCount = value as number;
      else if (key === "_last_lr") this.lastLr = [...(value as number[])];
      else if (key === "base_lrs") this.baseLrs = [...(value as number[])];
      else if (key === "last_epoch") this.lastEpoch = value as number;
      else if (key === "verbose") this.verbose = value as boolean;
      else if (this.fieldNames.includes(toCamel(key)) && key !== "lr_lambdas") self[toCamel(key)] = copy(value);
    }
  }
}

function copy<T>(v: T): T {
  if (Array.isArray(v)) return [...v] as T;
  if (typeof v === "object" && v !== null) return { ...v };
  return v;
}

/** Python's `%` (the result takes the divisor's sign). */
function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

function currentLrs(optimizer: SchedulableOptimizer): number[] {
  return optimizer.paramGroups.map((g) => g.lr);
}

/**
 * Multiplies the learning rates by `gamma` every `stepSize` epochs.
 *
 * @example
 * ```ts
 * const opt = new torch.optim.SGD([torch.zeros(1, { requiresGrad: true })], { lr: 1 });
 * const sched = new torch.optim.lr_scheduler.StepLR(opt, 2, { gamma: 0.5 });
 * const lrs = [];
 * for (let epoch = 0; epoch < 5; epoch++) {
 *   lrs.push(sched.getLastLr()[0]);
 *   opt.step();
 *   sched.step();
 * }
 * console.log(lrs); // [ 1, 1, 0.5, 0.5, 0.25 ]
 * ```
 */
export class StepLR extends LRScheduler {
  /** The period of decay, in epochs. */
  declare stepSize: number;
  /** The decay factor (default 0.1). */
  declare gamma: number;

  constructor(optimizer: SchedulableOptimizer, stepSize: number, options?: DecayOptions) {
    const o = readOptions(options, "StepLR", DECAY_KEYS);
    checkPeriod("StepLR", "stepSize", stepSize);
    checkFactor("StepLR", "gamma", o.gamma ?? 0.1);
    super(optimizer, baseOptions(o), { stepSize, gamma: o.gamma ?? 0.1 });
  }

  protected override getLr(): number[] {
    const lrs = currentLrs(this.optimizer);
    if (this.lastEpoch === 0) return lrs;
    if (this.stepSize === 0) throw zeroPeriod("StepLR", "stepSize");
    if (this.lastEpoch % this.stepSize !== 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }
}

/**
 * Multiplies the learning rates by `gamma` at each milestone epoch (by
 * `gamma ** k` at a milestone listed k times).
 *
 * @example
 * ```ts
 * const opt = new torch.optim.SGD([torch.zeros(1, { requiresGrad: true })], { lr: 1 });
 * const sched = new torch.optim.lr_scheduler.MultiStepLR(opt, [1, 3], { gamma: 0.5 });
 * const lrs = [];
 * for (let epoch = 0; epoch < 4; epoch++) {
 *   lrs.push(sched.getLastLr()[0]);
 *   opt.step();
 *   sched.step();
 * }
 * console.log(lrs); // [ 1, 0.5, 0.5, 0.25 ]
 * ```
 */
export class MultiStepLR extends LRScheduler {
  /** How many times each milestone epoch was given (PyTorch's Counter). */
  declare milestones: Record<number, number>;
  /** The decay factor (default 0.1). */
  declare gamma: number;

  constructor(optimizer: SchedulableOptimizer, milestones: Iterable<number>, options?: DecayOptions) {
    const o = readOptions(options, "MultiStepLR", DECAY_KEYS);
    checkFactor("MultiStepLR", "gamma", o.gamma ?? 0.1);
    const given: unknown = milestones;
    if (given === null || typeof given !== "object" || typeof (given as Iterable<unknown>)[Symbol.iterator] !== "function") {
      throw new torch.ArgumentError(`MultiStepLR: '${typeName(given)}' object is not iterable (milestones must be an array of epochs)`);
    }
    const counts: Record<number, number> = {};
    for (const m of given as Iterable<unknown>) {
      if (typeof m !== "number") throw new torch.ArgumentError(`MultiStepLR: milestones must be numbers (epochs), got ${typeName(m)}`);
      counts[m] = ((getOwn(counts, String(m)) as number | undefined) ?? 0) + 1;
    }
    super(optimizer, baseOptions(o), { milestones: counts, gamma: o.gamma ?? 0.1 });
  }

  protected override getLr(): number[] {
    const lrs = currentLrs(this.optimizer);
    const k = getOwn(this.milestones, String(this.lastEpoch));
    if (typeof k !== "number") return lrs;
    return lrs.map((lr) => lr * this.gamma ** k);
  }
}

/**
 * Multiplies the learning rates by `gamma` every epoch.
 *
 * @example
 * ```ts
 * const opt = new torch.optim.SGD([torch.zeros(1, { requiresGrad: true })], { lr: 1 });
 * const sched = new torch.optim.lr_scheduler.ExponentialLR(opt, 0.5);
 * opt.step();
 * sched.step();
 * opt.step();
 * sched.step();
 * console.log(sched.getLastLr()); // [ 0.25 ]
 * ```
 */
export class ExponentialLR extends LRScheduler {
  /** The decay factor. */
  declare gamma: number;

  constructor(optimizer: SchedulableOptimizer, gamma: number, options?: LRSchedulerOptions) {
    checkFactor("ExponentialLR", "gamma", gamma);
    super(optimizer, options, { gamma });
  }

  protected override getLr(): number[] {
    const lrs = currentLrs(this.optimizer);
    return this.lastEpoch === 0 ? lrs : lrs.map((lr) => lr * this.gamma);
  }
}

/**
 * Cosine annealing from each group's initial lr down to `etaMin` over `TMax`
 * epochs (then back up, periodically). PyTorch's recursive form: each step
 * scales the current lr, so when nothing else changes the learning rates
 * they follow `etaMin + (base - etaMin) * (1 + cos(pi * t / TMax)) / 2`.
 *
 * @example
 * ```ts
 * const opt = new torch.optim.SGD([torch.zeros(1, { requiresGrad: true })], { lr: 1 });
 * const sched = new torch.optim.lr_scheduler.CosineAnnealingLR(opt, 2);
 * const lrs = [];
 * for (let epoch = 0; epoch < 5; epoch++) {
 *   lrs.push(sched.getLastLr()[0].toFixed(4));
 *   opt.step();
 *   sched.step();
 * }
 * console.log(lrs.join(" ")); // 1.0000 0.5000 0.0000 0.5000 1.0000
 * ```
 */
export class CosineAnnealingLR extends LRScheduler {
  /** The half period, in epochs (PyTorch's `T_max`). */
  declare TMax: number;
  /** The minimum learning rate (default 0; PyTorch's `eta_min`). */
  declare etaMin: number;

  constructor(optimizer: SchedulableOptimizer, TMax: number, options?: LRSchedulerOptions & { etaMin?: number }) {
    const o = readOptions(options, "CosineAnnealingLR", { etaMin: true, ...SCHEDULER_KEYS });
    checkPeriod("CosineAnnealingLR", "TMax", TMax);
    checkFactor("CosineAnnealingLR", "etaMin", o.etaMin ?? 0);
    super(optimizer, baseOptions(o), { TMax, etaMin: o.etaMin ?? 0 });
  }

  protected override getLr(): number[] {
    const { lastEpoch: t, TMax, etaMin } = this;
    const groups = this.optimizer.paramGroups;
    if (t === 0) return currentLrs(this.optimizer);
    if (TMax === 0) throw zeroPeriod("CosineAnnealingLR", "TMax");
    if (this.stepCount === 1 && t > 0) {
      return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((t * Math.PI) / TMax))) / 2);
    }
    if (pyMod(t - 1 - TMax, 2 * TMax) === 0) {
      return groups.map((g, i) => g.lr + (((this.baseLrs[i] as number) - etaMin) * (1 - Math.cos(Math.PI / TMax))) / 2);
    }
    return groups.map(
      (g) => ((1 + Math.cos((Math.PI * t) / TMax)) / (1 + Math.cos((Math.PI * (t - 1)) / TMax))) * (g.lr - etaMin) + etaMin,
    );
  }
}

function notCallable(value: unknown): torch.ArgumentError {
  return new torch.ArgumentError(
    `LambdaLR: '${typeName(value)}' object is not callable (lrLambda must be a function of the epoch, or an array of one per parameter group)`,
  );
}

/**
 * Sets each group's learning rate to its initial lr times `lrLambda(epoch)`
 * (one function for all groups, or one per group).
 *
 * @example
 * ```ts
 * const opt = new torch.optim.SGD([torch.zeros(1, { requiresGrad: true })], { lr: 2 });
 * const sched = new torch.optim.lr_scheduler.LambdaLR(opt, (epoch) => 1 / (epoch + 1));
 * opt.step();
 * sched.step();
 * console.log(sched.getLastLr()); // [ 1 ]
 * ```
 */
export class LambdaLR extends LRScheduler {
  /** The functions of the epoch giving each group's factor. */
  declare lrLambdas: ((epoch: number) => number)[];

  constructor(
    optimizer: SchedulableOptimizer,
    lrLambda: ((epoch: number) => number) | readonly ((epoch: number) => number)[],
    options?: LRSchedulerOptions,
  ) {
    readOptions(options, "LambdaLR", SCHEDULER_KEYS);
    checkOptimizer(optimizer);
    const n = optimizer.paramGroups.length;
    let lambdas: ((epoch: number) => number)[];
    if (typeof lrLambda === "function") lambdas = Array.from({ length: n }, () => lrLambda);
    else if (!Array.isArray(lrLambda)) throw notCallable(lrLambda);
    else if (lrLambda.length !== n) throw new torch.ArgumentError(`LambdaLR: Expected ${n} lr_lambdas, but got ${lrLambda.length}`);
    else lambdas = [...lrLambda];
    for (const f of lambdas) if (typeof f !== "function") throw notCallable(f);
    super(optimizer, options, { lrLambdas: lambdas });
  }

  /** Each group's initial lr times its lambda's factor, which must be a finite number >= 0. */
  protected override getLr(): number[] {
    return this.baseLrs.map((base, i) => {
      const factor = (this.lrLambdas[i] as (epoch: number) => number)(this.lastEpoch);
      checkFactor("LambdaLR.step", `lr_lambda(${this.lastEpoch})${this.lrLambdas.length > 1 ? ` of group ${i}` : ""}`, factor);
      return base * factor;
    });
  }

  /** The state dict; functions are not saved (`lr_lambdas` holds null for each, as PyTorch does for plain functions). */
  override stateDict(): SchedulerStateDict {
    const { lr_lambdas: _, ...rest } = super.stateDict();
    return { ...rest, lr_lambdas: this.lrLambdas.map(() => null) };
  }
}
