/**
 * torch.nn.functional.huber_loss: 0.5 d^2 where |d| < delta, else
 * delta (|d| - 0.5 delta), d = input - target. Its backward is an op of its
 * own (HuberLossBackwardBackward0 in second-order graphs), as PyTorch's.
 */

import { ArgumentError } from "../../core/errors.js";
import { type OptionKeys, readOptions } from "../../core/options.js";
import type { Tensor } from "../../tensor.js";
import { divScalar } from "../arith.js";
import { defineOp, type Op } from "../define.js";
import * as K from "../kernels.js";
import { kb, ks, type ReductionOptions, reduceKernel, reductionArg } from "./common.js";
import { gradOutputTerm, type LossAttrs, lossInputs, meanDivisor } from "./loss.js";

const huberOp: Op<LossAttrs> = defineOp<LossAttrs>({
  name: "huber_loss",
  gradFn: "HuberLossBackward0",
  save: "inputs",
  forward: ([x, t], a) => {
    const z = K.unary("abs", kb("sub", x as Tensor, t as Tensor));
    const quad = ks("mul", kb("mul", z, z), 0.5);
    const linear = ks("mul", ks("sub", z, 0.5 * a.beta), a.beta);
    return reduceKernel(K.where(K.binary("lt", z, K.scalar(a.beta, z.dtype), "bool"), quad, linear, z.dtype), a.reduction);
  },
  backward: ([g], c) => [
    c.needs[0] ? huberBackwardOp([g, c.input(0), c.input(1)], c.attrs) : null,
    c.needs[1] ? huberBackwardOp([g, c.input(1), c.input(0)], c.attrs) : null,
  ],
});

// huber_loss_backward(g, x, t) = clamp(x - t, -delta, delta) g / N; its derivative wrt x is g / N where |x - t| < delta.
const huberBackwardOp: Op<LossAttrs> = defineOp<LossAttrs>({
  name: "huber_loss_backward",
  gradFn: "HuberLossBackwardBackward0",
  save: "inputs",
  forward: ([g, x, t], a) => {
    const d = kb("sub", x as Tensor, t as Tensor);
    const slope = K.unary("clamp", d, d.dtype, -a.beta, a.beta);
    return kb("mul", ks("div", slope, meanDivisor(d, a.reduction)), g as Tensor);
  },
  backward: ([gg], c) => {
    const [g, x, t] = [c.input(0), c.input(1), c.input(2)];
    const { reduction: r, beta } = c.attrs;
    const second = () => {
      const s = gg.mul(g).mul(x.sub(t).abs().lt(beta).to(gg.dtype));
      return r === "mean" ? divScalar(s, meanDivisor(x, r)) : s;
    };
    return [
      c.needs[0] ? gradOutputTerm(gg, g, r, (h) => huberBackwardOp([h, x, t], c.attrs)) : null,
      c.needs[1] ? second() : null,
      c.needs[2] ? second().neg() : null,
    ];
  },
});

/** `F.huberLoss`'s options. */
export interface HuberOptions extends ReductionOptions {
  /** Where the loss changes from quadratic to linear (default 1). */
  delta?: number;
}

const HUBER_KEYS: OptionKeys<HuberOptions> = { reduction: "string", delta: "number" };

/**
 * Huber loss: 0.5 (x - t)^2 where |x - t| < delta, else delta (|x - t| -
 * 0.5 delta) (PyTorch's `F.huber_loss`; `smoothL1Loss` divided by beta is
 * the same curve scaled).
 *
 * @example
 * ```ts
 * console.log(torch.F.huberLoss(torch.tensor([0.5, 3]), torch.tensor([0, 0]), { reduction: "none", delta: 2 })); // tensor([0.1250, 4.0000])
 * ```
 */
export function huberLoss(input: Tensor, target: Tensor, options?: HuberOptions): Tensor {
  const o = readOptions(options, "huber_loss", HUBER_KEYS);
  const delta = o.delta ?? 1;
  if (!(delta > 0)) throw new ArgumentError("huber_loss does not support non-positive values for delta.");
  const [x, t] = lossInputs("huber_loss", "huber_cpu", input, target);
  return huberOp([x, t], { reduction: reductionArg(o.reduction), beta: delta });
}
