/** RMSprop (PyTorch's torch.optim.RMSprop, the single-tensor implementation). */

import { type OptionKeys, readOptions } from "../core/options.js";
import type { Tensor } from "../index.js";
import * as torch from "../index.js";
import { Optimizer, type ParamGroup, type Params } from "./optimizer.js";
import { checkHyperparameters, type HyperCheck, nonNegative } from "./util.js";

const CHECKS: readonly HyperCheck[] = [
  ["lr", "learning rate", nonNegative],
  ["eps", "epsilon value", nonNegative],
  ["momentum", "momentum value", nonNegative],
  ["weightDecay", "weight_decay value", nonNegative],
  ["alpha", "alpha value", nonNegative],
];

/** RMSprop's options (PyTorch's keyword arguments, camelCase). */
export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Smoothing constant of the running average of the squared gradient (default 0.99). */
  alpha?: number;
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** Weight decay, an L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Centered RMSprop: normalise by an estimate of the gradient's variance (default false). */
  centered?: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
}

/** The hyperparameters of an RMSprop parameter group. */
export type RMSpropHyperparameters = Required<RMSpropOptions>;

// The numbers are checked with PyTorch's messages by CHECKS ("Invalid alpha value: -1").
const RMSPROP_KEYS: OptionKeys<RMSpropOptions> = {
  lr: true,
  alpha: true,
  eps: true,
  weightDecay: true,
  momentum: true,
  centered: "boolean",
  maximize: "boolean",
};

/** RMSprop's per-parameter state (`step` is a number, as in PyTorch 1.13). */
export interface RMSpropState {
  /** The number of steps taken, a plain number as in PyTorch 1.13 (PyTorch's `step`). */
  step: number;
  /** The moving average of the squared gradient, weighted by `alpha` (PyTorch's `square_avg`). */
  squareAvg: Tensor;
  /** With momentum > 0. */
  momentumBuffer?: Tensor;
  /** When centered. */
  gradAvg?: Tensor;
}

/**
 * RMSprop, with PyTorch's update:
 *
 *     g = grad (+ weightDecay * p)          (-grad when maximizing)
 *     v = alpha * v + (1 - alpha) * g * g
 *     avg = sqrt(v) + eps, or when centered sqrt(v - gAvg^2) + eps with gAvg = alpha * gAvg + (1 - alpha) * g
 *     b = momentum * b + g / avg; p = p - lr * b        (momentum > 0)
 *     p = p - lr * g / avg                              (otherwise)
 *
 * @example
 * ```ts
 * const w = torch.tensor([1, -2], { requiresGrad: true });
 * const opt = new torch.optim.RMSprop([w], { lr: 0.01, alpha: 0.75 });
 * w.mul(w).sum().backward();
 * opt.step(); // v = 0.25 g^2, so each element moves by lr / sqrt(0.25) = 0.02
 * console.log(w); // tensor([ 0.9800, -1.9800], requires_grad=True)
 * ```
 */
export class RMSprop extends Optimizer<RMSpropHyperparameters, RMSpropState> {
  constructor(params: Params<RMSpropHyperparameters>, options?: RMSpropOptions) {
    const o = readOptions(options, "RMSprop", RMSPROP_KEYS);
    checkHyperparameters(o, CHECKS);
    const { lr = 1e-2, alpha = 0.99, eps = 1e-8, weightDecay = 0, momentum = 0 } = o;
    super(params, { lr, momentum, alpha, eps, centered: o.centered ?? false, weightDecay, maximize: o.maximize ?? false });
  }

  protected override validateGroup(group: RMSpropHyperparameters): void {
    checkHyperparameters(group, CHECKS);
  }

  protected override updateGroup(group: ParamGroup<RMSpropHyperparameters>): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group;
    for (const p of group.params) {
      if (p.grad === null) continue;
      let grad = maximize ? p.grad.neg() : p.grad;
      const s = this.stateFor(p, group);
      s.step += 1;
      if (weightDecay !== 0) grad = grad.add(p, { alpha: weightDecay });
      s.squareAvg.mul_(alpha).add_(grad.mul(1 - alpha).mul(grad));
      let avg: Tensor;
      if (centered) {
        const gradAvg = s.gradAvg ?? torch.zerosLike(p);
        s.gradAvg = gradAvg;
        gradAvg.mul_(alpha).add_(grad, { alpha: 1 - alpha });
        // PyTorch's square_avg.addcmul(grad_avg, grad_avg, value=-1): (-1 * a) * a is exactly -(a * a).
        avg = s.squareAvg.sub(gradAvg.mul(gradAvg)).sqrt_();
      } else {
        avg = s.squareAvg.sqrt();
      }
      avg.add_(eps);
      if (momentum > 0) {
        const buf = s.momentumBuffer ?? torch.zerosLike(p);
        s.momentumBuffer = buf;
        buf.mul_(momentum).add_(grad.div(avg));
        p.add_(buf, { alpha: -lr });
      } else {
        p.add_(grad.mul(-lr).div(avg));
      }
    }
  }

  private stateFor(p: Tensor, group: RMSpropHyperparameters): RMSpropState {
    let s = this.state.get(p);
    if (s === undefined) {
      s = { step: 0, squareAvg: torch.zerosLike(p) };
      if (group.momentum > 0) s.momentumBuffer = torch.zerosLike(p);
      if (group.centered) s.gradAvg = torch.zerosLike(p);
      this.state.set(p, s);
    }
    return s;
  }
}
