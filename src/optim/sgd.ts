/** Stochastic gradient descent, with momentum, dampening, Nesterov momentum and weight decay (PyTorch's torch.optim.SGD). */

import { type OptionKeys, readOptions } from "../core/options.js";
import type { Tensor } from "../index.js";
import * as torch from "../index.js";
import { Optimizer, type ParamGroup, type Params } from "./optimizer.js";
import { checkHyperparameters, type HyperCheck, nonNegative } from "./util.js";

/** SGD's options (PyTorch's keyword arguments, camelCase). `lr` is required, here or in every group. */
export interface SGDOptions {
  /** Learning rate. */
  lr?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Dampening for momentum (default 0). */
  dampening?: number;
  /** Weight decay, an L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false; needs momentum > 0 and zero dampening). */
  nesterov?: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
}

// The numbers are checked with PyTorch's messages by CHECKS ("Invalid learning rate: -1").
const SGD_KEYS: OptionKeys<SGDOptions> = {
  lr: true,
  momentum: true,
  dampening: true,
  weightDecay: true,
  nesterov: "boolean",
  maximize: "boolean",
};

const CHECKS: readonly HyperCheck[] = [
  ["lr", "learning rate", nonNegative],
  ["momentum", "momentum value", nonNegative],
  ["dampening", "dampening value", (v) => !Number.isNaN(v)],
  ["weightDecay", "weight_decay value", nonNegative],
];

function checkNesterov(o: SGDOptions): void {
  if (o.nesterov && !((o.momentum ?? 0) > 0 && (o.dampening ?? 0) === 0)) {
    throw new torch.ArgumentError("Nesterov momentum requires a momentum and zero dampening");
  }
}

/** The hyperparameters of an SGD parameter group. */
export type SGDHyperparameters = Required<SGDOptions>;

/** SGD's per-parameter state: the momentum buffer (null while momentum is 0, as in PyTorch). */
export interface SGDState {
  /** The momentum buffer b of the update, or null without momentum (PyTorch's `momentum_buffer`). */
  momentumBuffer: Tensor | null;
}

/**
 * Stochastic gradient descent (optionally with momentum), PyTorch's update:
 *
 *     g = grad (+ weightDecay * p)          (-grad when maximizing)
 *     b = g on the first step, then momentum * b + (1 - dampening) * g
 *     g = g + momentum * b (Nesterov), else g = b       (when momentum != 0)
 *     p = p - lr * g
 *
 * @example
 * ```ts
 * const w = torch.tensor([1, -2], { requiresGrad: true });
 * const opt = new torch.optim.SGD([w], { lr: 0.1, momentum: 0.9 });
 * for (let i = 0; i < 2; i++) {
 *   opt.zeroGrad();
 *   w.mul(w).sum().backward(); // grad 2w
 *   opt.step();
 * }
 * console.log(w); // tensor([ 0.4600, -0.9200], requires_grad=True)
 * ```
 */
export class SGD extends Optimizer<SGDHyperparameters, SGDState> {
  constructor(params: Params<SGDHyperparameters>, options?: SGDOptions) {
    const o = readOptions(options, "SGD", SGD_KEYS);
    checkHyperparameters(o, CHECKS);
    checkNesterov(o);
    const { lr, momentum = 0, dampening = 0, weightDecay = 0 } = o;
    super(params, { lr, momentum, dampening, weightDecay, nesterov: o.nesterov ?? false, maximize: o.maximize ?? false });
  }

  protected override validateGroup(group: SGDHyperparameters): void {
    checkHyperparameters(group, CHECKS);
    checkNesterov(group);
  }

  protected override updateGroup(group: ParamGroup<SGDHyperparameters>): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    for (const p of group.params) {
      const grad = p.grad;
      if (grad === null) continue;
      let d = maximize ? grad.neg() : grad;
      if (weightDecay !== 0) d = d.add(p, { alpha: weightDecay });
      let buf = this.state.get(p)?.momentumBuffer ?? null;
      if (momentum !== 0) {
        if (buf === null) buf = d.clone().detach();
        else buf.mul_(momentum).add_(d, { alpha: 1 - dampening });
        d = nesterov ? d.add(buf, { alpha: momentum }) : buf;
      }
      this.state.set(p, { momentumBuffer: buf });
      p.add_(d, { alpha: -lr });
    }
  }
}
