/** Adam and AdamW (PyTorch's torch.optim.Adam / AdamW, the single-tensor implementations). */

import { type OptionKeys, readOptions } from "../core/options.js";
import type { Tensor } from "../index.js";
import * as torch from "../index.js";
import { typeName } from "../nn/checks.js";
import { Optimizer, type ParamGroup, type Params } from "./optimizer.js";
import { checkHyperparameters, type HyperCheck, nonNegative, pyNum } from "./util.js";

/** Adam's and AdamW's options (PyTorch's keyword arguments, camelCase). */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** Weight decay: an L2 penalty for Adam (default 0), decoupled for AdamW (default 1e-2). */
  weightDecay?: number;
  /** Use the AMSGrad variant: normalise by the maximum of the second moments so far (default false). */
  amsgrad?: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
}

/** The hyperparameters of an Adam or AdamW parameter group. */
export type AdamHyperparameters = Required<AdamOptions>;

/** Adam's per-parameter state: the step count (a float32 0-d tensor, as PyTorch's) and the moment estimates. */
export interface AdamState {
  /** The number of steps taken, a 0-d float32 tensor (PyTorch's `step`). */
  step: Tensor;
  /** The moving average of the gradient, m (PyTorch's `exp_avg`). */
  expAvg: Tensor;
  /** The moving average of the squared gradient, v (PyTorch's `exp_avg_sq`). */
  expAvgSq: Tensor;
  /** With amsgrad: the running maximum of `expAvgSq`. */
  maxExpAvgSq?: Tensor;
}

// lr, betas, eps and weightDecay are checked with PyTorch's messages by `validate` ("Invalid learning rate: -1").
const ADAM_KEYS: OptionKeys<AdamOptions> = {
  lr: true,
  betas: true,
  eps: true,
  weightDecay: true,
  amsgrad: "boolean",
  maximize: "boolean",
};

/** PyTorch's checks, in its order (the betas come between eps and weight_decay). */
function validate(o: AdamOptions): void {
  checkHyperparameters(o, [
    ["lr", "learning rate", nonNegative],
    ["eps", "epsilon value", nonNegative],
  ]);
  const betas: unknown = o.betas;
  if (betas !== undefined) {
    if (!Array.isArray(betas) || betas.length !== 2) {
      throw new torch.ArgumentError(`Invalid betas: expected two numbers [beta1, beta2], got ${typeName(betas)}`);
    }
    betas.forEach((b: unknown, i) => {
      if (typeof b !== "number") throw new torch.ArgumentError(`Invalid beta parameter at index ${i}: ${String(b)} (expected a number)`);
      if (!(b >= 0 && b < 1)) throw new torch.ArgumentError(`Invalid beta parameter at index ${i}: ${pyNum(b)}`);
    });
  }
  checkHyperparameters(o, [["weightDecay", "weight_decay value", nonNegative] as HyperCheck]);
}

function resolve(op: string, options: AdamOptions | undefined, weightDecay: number): Required<AdamOptions> {
  const o = readOptions(options, op, ADAM_KEYS);
  validate(o);
  const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8 } = o;
  const [amsgrad, maximize] = [o.amsgrad ?? false, o.maximize ?? false];
  return { lr, betas: [betas[0], betas[1]] as const, eps, weightDecay: o.weightDecay ?? weightDecay, amsgrad, maximize };
}

function initState(p: Tensor, amsgrad: boolean): AdamState {
  const s: AdamState = { step: torch.tensor(0), expAvg: torch.zerosLike(p), expAvgSq: torch.zerosLike(p) };
  if (amsgrad) s.maxExpAvgSq = torch.zerosLike(p);
  return s;
}

/**
 * One Adam/AdamW step for a group, as torch/optim/adam.py's
 * `_single_tensor_adam` (and adamw.py's): `decoupled` applies the weight
 * decay to the parameter (AdamW) instead of adding it to the gradient.
 * `addcmul_`/`addcdiv_` are composed as `self + (value * t1) * t2` and
 * `self + (value * t1) / t2`, PyTorch's evaluation order.
 */
function adamUpdate(group: ParamGroup<AdamHyperparameters>, states: Map<Tensor, AdamState>, decoupled: boolean): void {
  const { lr, eps, weightDecay, amsgrad, maximize } = group;
  const [beta1, beta2] = group.betas;
  for (const p of group.params) {
    if (p.grad === null) continue;
    let grad = maximize ? p.grad.neg() : p.grad;
    let s = states.get(p);
    if (s === undefined) {
      s = initState(p, amsgrad);
      states.set(p, s);
    }
    s.step.add_(1);
    if (decoupled) p.mul_(1 - lr * weightDecay);
    else if (weightDecay !== 0) grad = grad.add(p, { alpha: weightDecay });
    s.expAvg.mul_(beta1).add_(grad, { alpha: 1 - beta1 });
    s.expAvgSq.mul_(beta2).add_(grad.mul(1 - beta2).mul(grad));
    const step = s.step.item();
    const biasCorrection1 = 1 - beta1 ** step;
    const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
    const stepSize = lr / biasCorrection1;
    let second = s.expAvgSq;
    if (amsgrad) {
      const max = s.maxExpAvgSq ?? torch.zerosLike(p);
      s.maxExpAvgSq = max.copy_(torch.maximum(max, s.expAvgSq));
      second = max;
    }
    const denom = second.sqrt().div(biasCorrection2Sqrt).add_(eps);
    p.add_(s.expAvg.mul(-stepSize).div(denom));
  }
}

/** PyTorch's `__setstate__`: a step saved as a number becomes a float32 0-d tensor. */
function stepsToTensors(states: Map<Tensor, AdamState>): void {
  for (const s of states.values()) if (typeof (s.step as unknown) === "number") s.step = torch.tensor(s.step as unknown as number);
}

/**
 * Adam, with PyTorch's bias-corrected update:
 *
 *     g = grad (+ weightDecay * p)        (-grad when maximizing)
 *     m = beta1 * m + (1 - beta1) * g;    v = beta2 * v + (1 - beta2) * g * g
 *     denom = sqrt(v) / sqrt(1 - beta2^t) + eps     (v: its running max with amsgrad)
 *     p = p - lr / (1 - beta1^t) * m / denom
 *
 * @example
 * ```ts
 * const w = torch.tensor([1, -2], { requiresGrad: true });
 * const opt = new torch.optim.Adam([w], { lr: 0.1 });
 * w.mul(w).sum().backward();
 * opt.step(); // the first step moves each element by lr against its gradient's sign
 * console.log(w); // tensor([ 0.9000, -1.9000], requires_grad=True)
 * ```
 */
export class Adam extends Optimizer<AdamHyperparameters, AdamState> {
  constructor(params: Params<AdamHyperparameters>, options?: AdamOptions) {
    super(params, resolve("Adam", options, 0));
  }

  protected override validateGroup(group: AdamHyperparameters): void {
    validate(group);
  }

  protected override updateGroup(group: ParamGroup<AdamHyperparameters>): void {
    adamUpdate(group, this.state, false);
  }

  protected override afterLoad(): void {
    stepsToTensors(this.state);
  }
}

/**
 * AdamW: Adam with decoupled weight decay (default 1e-2); each step first
 * shrinks the parameter, `p = p * (1 - lr * weightDecay)`, then applies
 * Adam's update with the plain gradient.
 *
 * @example
 * ```ts
 * const w = torch.tensor([1, -2], { requiresGrad: true });
 * const opt = new torch.optim.AdamW([w], { lr: 0.1, weightDecay: 0.5 });
 * w.mul(w).sum().backward();
 * opt.step(); // 1 * (1 - 0.05) - 0.1 and -2 * (1 - 0.05) + 0.1
 * console.log(w); // tensor([ 0.8500, -1.8000], requires_grad=True)
 * ```
 */
export class AdamW extends Optimizer<AdamHyperparameters, AdamState> {
  constructor(params: Params<AdamHyperparameters>, options?: AdamOptions) {
    super(params, resolve("AdamW", options, 1e-2));
  }

  protected override validateGroup(group: AdamHyperparameters): void {
    validate(group);
  }

  protected override updateGroup(group: ParamGroup<AdamHyperparameters>): void {
    adamUpdate(group, this.state, true);
  }

  protected override afterLoad(): void {
    stepsToTensors(this.state);
  }
}
