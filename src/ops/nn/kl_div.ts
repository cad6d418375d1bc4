/**
 * torch.xlogy and torch.nn.functional.kl_div, composed as PyTorch 1.13
 * composes it: xlogy(t, t) - t * x (or exp(t) * (t - x) for a log target),
 * then the reduction; "batchmean" is the sum divided by the batch size.
 */

import { isFloating, scalarTypeName } from "../../core/dtype.js";
import { DTypeError } from "../../core/errors.js";
import { type OptionKeys, readOptions } from "../../core/options.js";
import type { Tensor } from "../../tensor.js";
import { binaryCall, type Typed } from "../binary.js";
import { defineOp } from "../define.js";
import * as K from "../kernels.js";
import { expectTensor } from "../scalars.js";
import { reductionArg } from "./common.js";

interface XlogyAttrs extends Typed {
  /** Whether `other` was a number (PyTorch's xlogy.Scalar_Other: XlogyBackward2). */
  scalarOther: boolean;
}

const xlogyOp = defineOp<XlogyAttrs>({
  name: "xlogy",
  jvp: "elementwise",
  gradFn: (a) => (a.scalarOther ? "XlogyBackward2" : "XlogyBackward0"),
  save: "inputs",
  forward: ([a, b], { dtype }) => K.binary("xlogy", a as Tensor, b as Tensor, dtype),
  // PyTorch's formulas: d/dx = xlogy(g, y), zeroed where x = 0 and y <= 0; d/dy = g x / y.
  backward: ([g], c) => {
    const [x, y] = [c.input(0), c.input(1)];
    return [c.needs[0] ? xlogy(g, y).maskedFill(x.eq(0).logicalAnd(y.le(0)), 0) : null, c.needs[1] ? g.mul(x).div(y) : null];
  },
});

/**
 * `input * log(other)`, with 0 where `input` is 0 (unless `other` is NaN),
 * as PyTorch's `torch.xlogy`. The operands broadcast; integers give float32.
 *
 * @example
 * ```ts
 * console.log(torch.xlogy(torch.tensor([0, 2]), torch.tensor([0, Math.E]))); // tensor([0.0000, 2.0000])
 * ```
 */
export function xlogy(input: Tensor, other: Tensor | number): Tensor {
  const scalarOther = typeof other === "number";
  return binaryCall(xlogyOp, "xlogy", input, other, { scalarOther }, (d) => (isFloating(d) ? d : "float32"));
}

/** How `F.klDiv` reduces: as the other losses, or "batchmean" (the sum divided by the batch size). */
export type KlDivReduction = "none" | "mean" | "batchmean" | "sum";

/** `F.klDiv`'s options. */
export interface KlDivOptions {
  /** "mean" (the default: divides by every element, with PyTorch's warning), "batchmean", "sum" or "none". */
  reduction?: KlDivReduction;
  /** Whether `target` holds log-probabilities (default false). */
  logTarget?: boolean;
}

const KL_KEYS: OptionKeys<KlDivOptions> = { reduction: "string", logTarget: "boolean" };

let warnedMean = false;

/**
 * The Kullback-Leibler divergence loss with `input` holding
 * log-probabilities: `target * (log(target) - input)` elementwise (or
 * `exp(target) * (target - input)` with `logTarget`), reduced. "batchmean"
 * gives the KL divergence's definition (sum / batch size); "mean", the
 * default, divides by the number of elements and, as PyTorch, warns about
 * it (once per process).
 *
 * @example
 * ```ts
 * const logp = torch.tensor([[0.25, 0.75]]).log();
 * console.log(torch.F.klDiv(logp, torch.tensor([[0.5, 0.5]]), { reduction: "batchmean" })); // tensor(0.1438)
 * ```
 */
export function klDiv(input: Tensor, target: Tensor, options?: KlDivOptions): Tensor {
  const o = readOptions(options, "kl_div", KL_KEYS);
  const x = expectTensor(input, "kl_div", "input");
  const t = expectTensor(target, "kl_div", "target");
  const reduction = o.reduction ?? "mean";
  const r = reduction === "batchmean" ? "sum" : reductionArg(reduction);
  if (reduction === "mean" && !warnedMean) {
    warnedMean = true;
    console.warn(
      "reduction: 'mean' divides the total loss by both the batch size and the support size.'batchmean' divides only by the batch size, and aligns with the KL div math definition.'mean' will be changed to behave the same as 'batchmean' in the next major release.",
    );
  }
  for (const v of [x, t]) {
    if (!isFloating(v.dtype)) throw new DTypeError(`kl_div: Integral inputs not supported. (got ${scalarTypeName(v.dtype)})`);
  }
  const loss = o.logTarget ? t.exp().mul(t.sub(x)) : xlogy(t, t).sub(t.mul(x));
  const reduced = r === "none" ? loss : r === "sum" ? loss.sum() : loss.mean();
  return reduction === "batchmean" && x.ndim !== 0 ? reduced.div(x.shape[0] as number) : reduced;
}
