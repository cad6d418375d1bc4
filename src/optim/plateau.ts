/** ReduceLROnPlateau (PyTorch's torch.optim.lr_scheduler.ReduceLROnPlateau), re-exported by lr_scheduler.ts. */

import { type OptionKeys, readOptions } from "../core/options.js";
import type { Tensor } from "../index.js";
import * as torch from "../index.js";
import { typeName } from "../nn/checks.js";
import type { SchedulableOptimizer, SchedulerStateDict } from "./lr_scheduler.js";
import { checkOptimizer, isPlainObject, pyExp4, pyNum } from "./util.js";

/** The number options: each must be a number (NaN refused); `factor` must also lie in [0, 1). */
function checkNumbers(o: ReduceLROnPlateauOptions): void {
  const { factor = 0.1 } = o;
  if (typeof factor !== "number") throw new torch.ArgumentError(`ReduceLROnPlateau: factor must be a number, got ${typeName(factor)}`);
  if (!(factor < 1.0)) throw new torch.ArgumentError("Factor should be < 1.0.");
  if (factor < 0) {
    throw new torch.ArgumentError(
      `ReduceLROnPlateau: factor must be >= 0, got ${pyNum(factor)} (a reduction would make the learning rate negative)`,
    );
  }
  for (const key of ["patience", "threshold", "cooldown", "eps"] as const) {
    const v: unknown = o[key];
    if (v !== undefined && (typeof v !== "number" || Number.isNaN(v))) {
      throw new torch.ArgumentError(`ReduceLROnPlateau: ${key} must be a number, got ${typeName(v)} ${String(v)}`);
    }
  }
}

/** ReduceLROnPlateau's options (PyTorch's keyword arguments, camelCase). */
export interface ReduceLROnPlateauOptions {
  /** "min": reduce when the metric stops decreasing; "max": when it stops increasing (default "min"). */
  mode?: "min" | "max";
  /** The factor the learning rates are multiplied by (default 0.1; must be < 1). */
  factor?: number;
  /** How many epochs without improvement are tolerated before reducing (default 10). */
  patience?: number;
  /** The least change that counts as an improvement (default 1e-4). */
  threshold?: number;
  /** "rel": improvement relative to the best value; "abs": absolute (default "rel"). */
  thresholdMode?: "rel" | "abs";
  /** Epochs to wait after a reduction before counting bad epochs again (default 0). */
  cooldown?: number;
  /** A lower bound on the learning rate, for all groups or one per group (default 0). */
  minLr?: number | readonly number[];
  /** A reduction smaller than this is skipped (default 1e-8). */
  eps?: number;
  /** Print a message at each reduction (default false). */
  verbose?: boolean;
}

// PyTorch's positional order; the numbers are checked by `checkNumbers`, mode by the constructor.
const PLATEAU_KEYS: OptionKeys<ReduceLROnPlateauOptions> = {
  mode: true,
  factor: true,
  patience: true,
  threshold: true,
  thresholdMode: true,
  cooldown: true,
  minLr: true,
  eps: true,
  verbose: "boolean",
};

/**
 * Reduces the learning rates by `factor` when a metric has stopped
 * improving for more than `patience` epochs. `step(metric)` takes the
 * metric of each epoch (a number or a one-element tensor).
 *
 * @example
 * ```ts
 * const opt = new torch.optim.SGD([torch.zeros(1, { requiresGrad: true })], { lr: 1 });
 * const sched = new torch.optim.lr_scheduler.ReduceLROnPlateau(opt, { patience: 1, factor: 0.5 });
 * for (const loss of [3, 2, 2, 2, 2]) sched.step(loss);
 * console.log(sched.getLastLr()); // [ 0.5 ]
 * ```
 */
export class ReduceLROnPlateau {
  /** The optimizer whose learning rates this scheduler reduces. */
  readonly optimizer: SchedulableOptimizer;
  /** The factor the learning rates are multiplied by at each reduction (PyTorch's `factor`). */
  factor: number;
  /** The lower bound of each group's learning rate. */
  minLrs: number[];
  /** How many epochs without improvement are tolerated before a reduction (PyTorch's `patience`). */
  patience: number;
  /** Whether each reduction prints a message (PyTorch's `verbose`). */
  verbose: boolean;
  /** Epochs to wait after a reduction before counting bad epochs again (PyTorch's `cooldown`). */
  cooldown: number;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  /** "min": the metric should decrease; "max": it should increase (PyTorch's `mode`). */
  mode: "min" | "max";
  /** The least change that counts as an improvement, relative or absolute per `thresholdMode` (PyTorch's `threshold`). */
  threshold: number;
  /** "rel": an improvement is measured relative to the best value; "abs": in absolute terms (PyTorch's `threshold_mode`). */
  thresholdMode: "rel" | "abs";
  /** The best metric so far. */
  best: number;
  /** Consecutive epochs without improvement. */
  numBadEpochs = 0;
  /** The worst value for the mode (Infinity for "min"). */
  modeWorse: number;
  /** A reduction smaller than this is skipped (PyTorch's `eps`). */
  eps: number;
  /** The number of `step` calls so far. */
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: SchedulableOptimizer, options?: ReduceLROnPlateauOptions) {
    const o = readOptions(options, "ReduceLROnPlateau", PLATEAU_KEYS);
    checkNumbers(o);
    const { mode = "min", factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = "rel", cooldown = 0, minLr = 0 } = o;
    checkOptimizer(optimizer);
    this.factor = factor;
    this.optimizer = optimizer;
    const n = optimizer.paramGroups.length;
    if (typeof minLr === "number") this.minLrs = Array.from({ length: n }, () => minLr);
    else if (!Array.isArray(minLr) || minLr.some((v) => typeof v !== "number")) {
      throw new torch.ArgumentError(`ReduceLROnPlateau: minLr must be a number or an array of numbers, got ${typeName(minLr)}`);
    } else if (minLr.length !== n) throw new torch.ArgumentError(`expected ${n} min_lrs, got ${minLr.length}`);
    else this.minLrs = [...minLr];
    this.patience = patience;
    this.verbose = o.verbose ?? false;
    this.cooldown = cooldown;
    this.eps = o.eps ?? 1e-8;
    this.mode = mode;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.modeWorse = this.initIsBetter();
    this.best = this.modeWorse;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  /** Records one epoch's metric and reduces the learning rates if it has not improved for more than `patience` epochs. */
  step(metric: number | Tensor): void {
    if (typeof metric !== "number" && !(metric instanceof torch.Tensor)) {
      throw new torch.ArgumentError(`ReduceLROnPlateau.step: the metric must be a number or a one-element tensor, got ${typeName(metric)}`);
    }
    const current = typeof metric === "number" ? metric : metric.item();
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs in cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The current learning rates, one per group (PyTorch 1.13 sets them only after the first step). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Whether `a` improves on `best` by more than the threshold. */
  isBetter(a: number, best: number): boolean {
    if (this.mode === "min" && this.thresholdMode === "rel") return a < best * (1 - this.threshold);
    if (this.mode === "min") return a < best - this.threshold;
    if (this.thresholdMode === "rel") return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  /** The scheduler's state in PyTorch's layout (snake_case keys). */
  stateDict(): SchedulerStateDict {
    return {
      factor: this.factor,
      min_lrs: [...this.minLrs],
      patience: this.patience,
      verbose: this.verbose,
      cooldown: this.cooldown,
      cooldown_counter: this.cooldownCounter,
      mode: this.mode,
      threshold: this.threshold,
      threshold_mode: this.thresholdMode,
      best: this.best,
      num_bad_epochs: this.numBadEpochs,
      mode_worse: this.modeWorse,
      eps: this.eps,
      last_epoch: this.lastEpoch,
      _last_lr: [...this.lastLr],
    };
  }

  /** Restores a state saved by `stateDict()`. */
  loadStateDict(stateDict: SchedulerStateDict): void {
    if (!isPlainObject(stateDict)) {
      throw new torch.ArgumentError(`loadStateDict: expected a scheduler state dict (an object), got ${typeName(stateDict)}`);
    }
    const sd = stateDict as Record<string, unknown>;
    const num = (k: string, fallback: number): number => (typeof sd[k] === "number" ? (sd[k] as number) : fallback);
    this.factor = num("factor", this.factor);
    if (Array.isArray(sd.min_lrs)) this.minLrs = [...(sd.min_lrs as number[])];
    this.patience = num("patience", this.patience);
    if (typeof sd.verbose === "boolean") this.verbose = sd.verbose;
    this.cooldown = num("cooldown", this.cooldown);
    this.cooldownCounter = num("cooldown_counter", this.cooldownCounter);
    if (sd.mode === "min" || sd.mode === "max") this.mode = sd.mode;
    this.threshold = num("threshold", this.threshold);
    if (sd.threshold_mode === "rel" || sd.threshold_mode === "abs") this.thresholdMode = sd.threshold_mode;
    this.best = num("best", this.best);
    this.numBadEpochs = num("num_bad_epochs", this.numBadEpochs);
    this.eps = num("eps", this.eps);
    this.lastEpoch = num("last_epoch", this.lastEpoch);
    if (Array.isArray(sd._last_lr)) this.lastLr = [...(sd._last_lr as number[])];
    this.modeWorse = this.initIsBetter();
  }

  private initIsBetter(): number {
    if (this.mode !== "min" && this.mode !== "max") throw new torch.ArgumentError(`mode ${String(this.mode)} is unknown!`);
    if (this.thresholdMode !== "rel" && this.thresholdMode !== "abs") {
      throw new torch.ArgumentError(`threshold mode ${String(this.thresholdMode)} is unknown!`);
    }
    return this.mode === "min" ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((group, i) => {
      const oldLr = group.lr;
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i] as number);
      if (oldLr - newLr > this.eps) {
        group.lr = newLr;
        if (this.verbose) {
          console.log(`Epoch ${String(this.lastEpoch).padStart(5, "0")}: reducing learning rate of group ${i} to ${pyExp4(newLr)}.`);
        }
      }
    });
  }
}
