/** Adagrad (PyTorch's torch.optim.Adagrad, the single-tensor dense implementation). */

import { type OptionKeys, readOptions } from "../core/options.js";
import type { Tensor } from "../index.js";
import * as torch from "../index.js";
import { Optimizer, type ParamGroup, type Params } from "./optimizer.js";
import { checkHyperparameters, type HyperCheck, nonNegative } from "./util.js";

const CHECKS: readonly HyperCheck[] = [
  ["lr", "learning rate", nonNegative],
  ["lrDecay", "lr_decay value", nonNegative],
  ["weightDecay", "weight_decay value", nonNegative],
  ["initialAccumulatorValue", "initial_accumulator_value value", nonNegative],
  ["eps", "epsilon value", nonNegative],
];

/** Adagrad's options (PyTorch's keyword arguments, camelCase). */
export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Learning rate decay: step t uses lr / (1 + (t - 1) * lrDecay) (default 0). */
  lrDecay?: number;
  /** Weight decay, an L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Starting value of the sum of squared gradients (default 0). */
  initialAccumulatorValue?: number;
  /** Added to the denominator for numerical stability (default 1e-10). */
  eps?: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
}

/** The hyperparameters of an Adagrad parameter group. */
export type AdagradHyperparameters = Required<AdagradOptions>;

// The numbers are checked with PyTorch's messages by CHECKS ("Invalid lr_decay value: -1").
const ADAGRAD_KEYS: OptionKeys<AdagradOptions> = {
  lr: true,
  lrDecay: true,
  weightDecay: true,
  initialAccumulatorValue: true,
  eps: true,
  maximize: "boolean",
};

/** Adagrad's per-parameter state: the step count (a float32 0-d tensor) and the sum of squared gradients. */
export interface AdagradState {
  /** The number of steps taken, a 0-d float32 tensor (PyTorch's `step`). */
  step: Tensor;
  /** The running sum of squared gradients, starting at `initialAccumulatorValue` (PyTorch's `sum`). */
  sum: Tensor;
}

/**
 * Adagrad, with PyTorch's update:
 *
 *     g = grad (+ weightDecay * p)          (-grad when maximizing)
 *     sum = sum + g * g
 *     p = p - lr / (1 + (t - 1) * lrDecay) * g / (sqrt(sum) + eps)
 *
 * The state is created for every parameter at construction, as in PyTorch.
 *
 * @example
 * ```ts
 * const w = torch.tensor([1, -2], { requiresGrad: true });
 * const opt = new torch.optim.Adagrad([w], { lr: 0.5 });
 * w.mul(w).sum().backward();
 * opt.step(); // the first step moves each element by lr against its gradient's sign
 * console.log(w); // tensor([ 0.5000, -1.5000], requires_grad=True)
 * ```
 */
export class Adagrad extends Optimizer<AdagradHyperparameters, AdagradState> {
  constructor(params: Params<AdagradHyperparameters>, options?: AdagradOptions) {
    const o = readOptions(options, "Adagrad", ADAGRAD_KEYS);
    checkHyperparameters(o, CHECKS);
    const { lr = 1e-2, lrDecay = 0, weightDecay = 0, initialAccumulatorValue = 0, eps = 1e-10 } = o;
    super(params, { lr, lrDecay, eps, weightDecay, initialAccumulatorValue, maximize: o.maximize ?? false });
    for (const group of this.paramGroups) for (const p of group.params) this.initState(p, group);
  }

  protected override validateGroup(group: AdagradHyperparameters): void {
    checkHyperparameters(group, CHECKS);
  }

  protected override updateGroup(group: ParamGroup<AdagradHyperparameters>): void {
    const { lr, lrDecay, weightDecay, eps, maximize } = group;
    for (const p of group.params) {
      if (p.grad === null) continue;
      // Groups added after construction get their state here (PyTorch would fail on them).
      const s = this.state.get(p) ?? this.initState(p, group);
      s.step.add_(1);
      const step = s.step.item();
      let grad = maximize ? p.grad.neg() : p.grad;
      if (weightDecay !== 0) grad = grad.add(p, { alpha: weightDecay });
      const clr = lr / (1 + (step - 1) * lrDecay);
      s.sum.add_(grad.mul(grad));
      const std = s.sum.sqrt().add_(eps);
      p.add_(grad.mul(-clr).div(std));
    }
  }

  protected override afterLoad(): void {
    for (const s of this.state.values()) if (typeof (s.step as unknown) === "number") s.step = torch.tensor(s.step as unknown as number);
  }

  private initState(p: Tensor, group: AdagradHyperparameters): AdagradState {
    const s = { step: torch.tensor(0), sum: torch.fullLike(p, group.initialAccumulatorValue) };
    this.state.set(p, s);
    return s;
  }
}
