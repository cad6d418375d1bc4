/**
 * Losses of torch.nn.functional. mse_loss, smooth_l1_loss and
 * binary_cross_entropy are ops with their backward as an op of its own (as
 * PyTorch, so second derivatives show its nodes); l1_loss is composite (as
 * in PyTorch 1.13); binary_cross_entropy_with_logits has a composite
 * derivative formula. nll_loss and cross_entropy live in nll.ts.
 */

import { isFloating, scalarTypeName } from "../../core/dtype.js";
import { ArgumentError, DTypeError, ShapeError } from "../../core/errors.js";
import { type OptionKeys, readOptions } from "../../core/options.js";
import { broadcastShapes, formatShape, formatSize, isExpandableTo, shapesEqual } from "../../core/shape.js";
import type { Tensor } from "../../tensor.js";
import { logsigmoid } from "../activation.js";
import { divScalar, mulScalar } from "../arith.js";
import { defineOp, type Op } from "../define.js";
import * as K from "../kernels.js";
import { expectTensor, promote } from "../scalars.js";
import {
  checkKernelDtype,
  expectNoGrad,
  kb,
  ks,
  REDUCTION_KEYS,
  type Reduction,
  type ReductionOptions,
  reduceKernel,
  reductionArg,
} from "./common.js";

export type { Reduction } from "./common.js";
export { crossEntropy, nllLoss } from "./nll.js";

/** @internal the attributes of the elementwise losses. */
export interface LossAttrs {
  reduction: Reduction;
  /** smooth_l1_loss's beta. */
  beta: number;
}

/** N for the mean reduction, 1 otherwise: the divisor of an elementwise derivative. */
export const meanDivisor = (x: { shape: readonly number[] }, r: Reduction) => (r === "mean" ? x.shape.reduce((n, s) => n * s, 1) : 1);

/**
 * The derivative of a backward op B(g) = g * D (linear in the output gradient g) wrt g, contracted with gg:
 * B(gg) for reduction "none"; for mean/sum g is 0-d and it is sum(B(1) * gg) (PyTorch's *_double_backward_grad_output).
 */
export function gradOutputTerm(gg: Tensor, g: Tensor, r: Reduction, backward: (g: Tensor) => Tensor): Tensor {
  if (r === "none") return backward(gg);
  return backward(K.full(g.shape, 1, g.dtype))
    .mul(gg)
    .sum();
}

/** Both operands as their broadcast shape (PyTorch's broadcast_tensors, recording ExpandBackward0 where needed). */
function broadcastPair(op: string, x: Tensor, t: Tensor): [Tensor, Tensor] {
  if (shapesEqual(x.shape, t.shape)) return [x, t];
  const shape = broadcastShapes([x.shape, t.shape], op);
  return [shapesEqual(x.shape, shape) ? x : x.expand(shape), shapesEqual(t.shape, shape) ? t : t.expand(shape)];
}

/** @internal a loss's operands: tensors of a floating promoted dtype, broadcast to one shape. */
export function lossInputs(op: string, kernel: string, input: Tensor, target: Tensor): [Tensor, Tensor] {
  const x = expectTensor(input, op, "input");
  const t = expectTensor(target, op, "target");
  const dtype = promote(x, t);
  if (!isFloating(dtype)) throw new DTypeError(`${op}: "${kernel}" not implemented for '${scalarTypeName(dtype)}'`);
  return broadcastPair(op, x.dtype === dtype ? x : x.to(dtype), t.dtype === dtype ? t : t.to(dtype));
}

// ----- mse_loss ----------------------------------------------------------------------

const mseOp: Op<LossAttrs> = defineOp<LossAttrs>({
  name: "mse_loss",
  gradFn: "MseLossBackward0",
  save: "inputs",
  // PyTorch's mse_loss_jvp: the reduction of 2 (x - t)(dx - dt).
  jvp: ([tx, tt], c) => {
    const [x, t] = c.inputs as [Tensor, Tensor];
    const d = tx === null || tx === undefined ? (tt as Tensor).neg() : tt === null || tt === undefined ? tx : tx.sub(tt);
    const terms = x.sub(t).mul(d).mul(2);
    const r = c.attrs.reduction;
    return [r === "mean" ? terms.mean() : r === "sum" ? terms.sum() : terms];
  },
  forward: ([x, t], a) => {
    const d = kb("sub", x as Tensor, t as Tensor);
    return reduceKernel(kb("mul", d, d), a.reduction);
  },
  // d/dx (x - t)^2 = 2 (x - t); the target's gradient is the same op with the roles swapped.
  backward: ([g], c) => [
    c.needs[0] ? mseBackwardOp([g, c.input(0), c.input(1)], c.attrs) : null,
    c.needs[1] ? mseBackwardOp([g, c.input(1), c.input(0)], c.attrs) : null,
  ],
});

// mse_loss_backward(g, x, t) = (2 / N) (x - t) g; linear in g, and d/dx = 2 g / N (d/dt its negative).
const mseBackwardOp: Op<LossAttrs> = defineOp<LossAttrs>({
  name: "mse_loss_backward",
  gradFn: "MseLossBackwardBackward0",
  save: "inputs",
  forward: ([g, x, t], a) =>
    kb("mul", ks("mul", kb("sub", x as Tensor, t as Tensor), 2 / meanDivisor(x as Tensor, a.reduction)), g as Tensor),
  backward: ([gg], c) => {
    const [g, x, t] = [c.input(0), c.input(1), c.input(2)];
    const r = c.attrs.reduction;
    const second = () => {
      const s = mulScalar(gg.mul(g), 2);
      return r === "mean" ? divScalar(s, meanDivisor(x, r)) : s;
    };
    return [
      c.needs[0] ? gradOutputTerm(gg, g, r, (h) => mseBackwardOp([h, x, t], c.attrs)) : null,
      c.needs[1] ? second() : null,
      c.needs[2] ? second().neg() : null,
    ];
  },
});

/**
 * Mean squared error: mean((input - target)^2) (or the sum, or elementwise
 * with reduction "none"). The operands broadcast.
 *
 * @example
 * ```ts
 * console.log(torch.F.mseLoss(torch.tensor([1, 2]), torch.tensor([0, 0]))); // tensor(2.5000)
 * ```
 */
export function mseLoss(input: Tensor, target: Tensor, options?: ReductionOptions): Tensor {
  const { reduction } = readOptions(options, "mse_loss", REDUCTION_KEYS);
  const [x, t] = lossInputs("mse_loss", "mse_cpu", input, target);
  return mseOp([x, t], { reduction: reductionArg(reduction), beta: 0 });
}

/**
 * Mean absolute error: mean(|input - target|) (composite, as PyTorch 1.13).
 *
 * @example
 * ```ts
 * console.log(torch.F.l1Loss(torch.tensor([1, -2]), torch.tensor([0, 0]), { reduction: "sum" })); // tensor(3.)
 * ```
 */
export function l1Loss(input: Tensor, target: Tensor, options?: ReductionOptions): Tensor {
  const { reduction } = readOptions(options, "l1_loss", REDUCTION_KEYS);
  const [x, t] = lossInputs("l1_loss", "abs_cpu", input, target);
  const r = reductionArg(reduction);
  const loss = x.sub(t).abs();
  return r === "none" ? loss : r === "sum" ? loss.sum() : loss.mean();
}

// ----- smooth_l1_loss ------------------------------------------------------------------

const smoothL1Op: Op<LossAttrs> = defineOp<LossAttrs>({
  name: "smooth_l1_loss",
  gradFn: "SmoothL1LossBackward0",
  save: "inputs",
  // z = |x - t|: 0.5 z^2 / beta below beta, z - 0.5 beta above (beta = 0: plain |x - t|).
  forward: ([x, t], a) => {
    const z = K.unary("abs", kb("sub", x as Tensor, t as Tensor));
    if (a.beta === 0) return reduceKernel(z, a.reduction);
    const quad = ks("div", ks("mul", kb("mul", z, z), 0.5), a.beta);
    return reduceKernel(
      K.where(K.binary("lt", z, K.scalar(a.beta, z.dtype), "bool"), quad, ks("sub", z, 0.5 * a.beta), z.dtype),
      a.reduction,
    );
  },
  backward: ([g], c) => [
    c.needs[0] ? smoothL1BackwardOp([g, c.input(0), c.input(1)], c.attrs) : null,
    c.needs[1] ? smoothL1BackwardOp([g, c.input(1), c.input(0)], c.attrs) : null,
  ],
});

// smooth_l1_loss_backward(g, x, t) = clamp((x - t) / beta, -1, 1) g / N (sign(x - t) g / N for beta = 0).
// Its derivative wrt x is g / (beta N) where |x - t| < beta (zero for beta = 0), wrt t the negative.
const smoothL1BackwardOp: Op<LossAttrs> = defineOp<LossAttrs>({
  name: "smooth_l1_loss_backward",
  gradFn: "SmoothL1LossBackwardBackward0",
  save: "inputs",
  forward: ([g, x, t], a) => {
    const d = kb("sub", x as Tensor, t as Tensor);
    const slope = a.beta === 0 ? K.unary("sign", d) : K.unary("clamp", ks("div", d, a.beta), d.dtype, -1, 1);
    return kb("mul", ks("div", slope, meanDivisor(d, a.reduction)), g as Tensor);
  },
  backward: ([gg], c) => {
    const [g, x, t] = [c.input(0), c.input(1), c.input(2)];
    const { reduction: r, beta } = c.attrs;
    const second = () => {
      if (beta === 0) return K.full(x.shape, 0, x.dtype);
      const s = divScalar(gg.mul(g).mul(x.sub(t).abs().lt(beta).to(gg.dtype)), beta);
      return r === "mean" ? divScalar(s, meanDivisor(x, r)) : s;
    };
    return [
      c.needs[0] ? gradOutputTerm(gg, g, r, (h) => smoothL1BackwardOp([h, x, t], c.attrs)) : null,
      c.needs[1] ? second() : null,
      c.needs[2] ? second().neg() : null,
    ];
  },
});

/** smoothL1Loss's options. */
export interface SmoothL1Options extends ReductionOptions {
  /** Where the loss changes from quadratic to linear (default 1). */
  beta?: number;
}

const SMOOTH_L1_KEYS: OptionKeys<SmoothL1Options> = { reduction: "string", beta: "number" };

/**
 * Huber-style loss: 0.5 (x - t)^2 / beta where |x - t| < beta, else |x - t| - 0.5 beta.
 *
 * @example
 * ```ts
 * console.log(torch.F.smoothL1Loss(torch.tensor([0.5, 3]), torch.tensor([0, 0]), { reduction: "none" })); // tensor([0.1250, 2.5000])
 * ```
 */
export function smoothL1Loss(input: Tensor, target: Tensor, options?: SmoothL1Options): Tensor {
  const o = readOptions(options, "smooth_l1_loss", SMOOTH_L1_KEYS);
  const beta = o.beta ?? 1;
  if (beta < 0) throw new ArgumentError("smooth_l1_loss: smooth_l1_loss does not support negative values for beta.");
  const [x, t] = lossInputs("smooth_l1_loss", "smooth_l1_cpu", input, target);
  return smoothL1Op([x, t], { reduction: reductionArg(o.reduction), beta });
}

// ----- binary_cross_entropy ----------------------------------------------------------------

/** (1 - x) x, kept >= 1e-12 (PyTorch's EPSILON) so the derivative stays finite at 0 and 1. */
function bceDenominator(x: Tensor): Tensor {
  return K.unary("clamp", kb("mul", K.unary("neg", ks("sub", x, 1)), x), x.dtype, 1e-12, Number.POSITIVE_INFINITY);
}

const bceOp: Op<LossAttrs> = defineOp<LossAttrs>({
  name: "binary_cross_entropy",
  gradFn: "BinaryCrossEntropyBackward0",
  save: "inputs",
  // -w (t log x + (1 - t) log(1 - x)), each log clamped to >= -100 as PyTorch.
  forward: ([x, t, w], a) => {
    const clampLog = (v: Tensor) => K.unary("clamp", v, v.dtype, -100, Number.POSITIVE_INFINITY);
    const logX = clampLog(K.unary("log", x as Tensor));
    const log1mX = clampLog(K.unary("log1p", K.unary("neg", x as Tensor)));
    let loss = kb("sub", kb("mul", ks("sub", t as Tensor, 1), log1mX), kb("mul", t as Tensor, logX));
    if (w !== undefined) loss = kb("mul", loss, w);
    return reduceKernel(loss, a.reduction);
  },
  backward: ([g], c) => {
    const [x, t] = [c.input(0), c.input(1)];
    const w = c.inputMeta.length > 2 ? c.input(2) : null;
    return [
      c.needs[0] ? bceBackwardOp([g, x, t, ...(w === null ? [] : [w])], c.attrs) : null,
      c.needs[1] ? bceTargetBackward(g, x, w, c.attrs.reduction) : null,
    ];
  },
});

/** d/dt = (log(1 - x) - log(x)) g w / N: composite, as PyTorch's binary_cross_entropy_target_backward. */
function bceTargetBackward(g: Tensor, x: Tensor, w: Tensor | null, r: Reduction): Tensor {
  let d = x.rsub(1).log().sub(x.log()).mul(g);
  if (w !== null) d = d.mul(w);
  return r === "mean" ? divScalar(d, meanDivisor(x, r)) : d;
}

// binary_cross_entropy_backward(g, x, t, w) = g w (x - t) / max((1 - x) x, eps) / N.
// d/dx = g w (x^2 - 2 x t + t) / ((1 - x) x)^2 / N, d/dt = -g w / ((1 - x) x) / N, and it is linear in g.
const bceBackwardOp: Op<LossAttrs> = defineOp<LossAttrs>({
  name: "binary_cross_entropy_backward",
  gradFn: "BinaryCrossEntropyBackwardBackward0",
  save: "inputs",
  forward: ([g, x, t, w], a) => {
    let d = kb("mul", kb("div", kb("sub", x as Tensor, t as Tensor), bceDenominator(x as Tensor)), g as Tensor);
    if (w !== undefined) d = kb("mul", d, w);
    return ks("div", d, meanDivisor(x as Tensor, a.reduction));
  },
  backward: ([gg], c) => {
    const [g, x, t] = [c.input(0), c.input(1), c.input(2)];
    const w = c.inputMeta.length > 3 ? c.input(3) : null;
    const r = c.attrs.reduction;
    const scale = (v: Tensor) => {
      const s = w === null ? v.mul(gg).mul(g) : v.mul(gg).mul(g).mul(w);
      return r === "mean" ? divScalar(s, meanDivisor(x, r)) : s;
    };
    const onePlus = (v: Tensor, e: number) => v.rsub(1).add(e);
    const dx = () =>
      scale(
        x
          .mul(x)
          .sub(x.mul(t).mul(2))
          .add(t)
          .div(x.add(1e-12).pow(2).mul(onePlus(x, 1e-12).pow(2))),
      );
    return [
      c.needs[0] ? gradOutputTerm(gg, g, r, (h) => bceBackwardOp([h, x, t, ...(w === null ? [] : [w])], c.attrs)) : null,
      c.needs[1] ? dx() : null,
      c.needs[2] ? scale(x.rsub(1).mul(x).clamp({ min: 1e-12 }).reciprocal().neg()) : null,
      null,
    ];
  },
});

function checkSameSize(message: string, x: Tensor, t: Tensor): void {
  if (!shapesEqual(x.shape, t.shape)) throw new ShapeError(message);
}

function lossWeight(op: string, w: Tensor | null | undefined, shape: readonly number[], arg = "weight"): Tensor | null {
  if (w === null || w === undefined) return null;
  const t = expectTensor(w, op, arg);
  if (!isExpandableTo(t.shape, shape)) {
    throw new ShapeError(`${op}: ${arg} of size ${formatShape(t.shape)} cannot be broadcast to the input size ${formatShape(shape)}`);
  }
  return t;
}

/** binaryCrossEntropy's options. */
export interface BCEOptions extends ReductionOptions {
  /** A weight for each element (broadcast to the input's shape). */
  weight?: Tensor | null;
}

const BCE_KEYS: OptionKeys<BCEOptions> = { weight: true, reduction: "string" };

/**
 * Binary cross entropy of probabilities `input` against `target`:
 * -weight (t log x + (1 - t) log(1 - x)), the logs clamped to >= -100.
 *
 * @example
 * ```ts
 * console.log(torch.F.binaryCrossEntropy(torch.tensor([0.8, 0.4]), torch.tensor([1, 0]))); // tensor(0.3670)
 * ```
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options?: BCEOptions): Tensor {
  const op = "binary_cross_entropy";
  const o = readOptions(options, op, BCE_KEYS);
  const x = expectTensor(input, op, "input");
  checkKernelDtype(op, "binary_cross_entropy", x);
  const t = expectTensor(target, op, "target");
  checkSameSize(
    `${op}: Using a target size (${formatSize(t.shape)}) that is different to the input size (${formatSize(x.shape)}) is deprecated. Please ensure they have the same size.`,
    x,
    t,
  );
  const w = lossWeight(op, o.weight, x.shape);
  expectNoGrad(op, "weight", w);
  // A device's values cannot be read here: unchecked there, as PyTorch's CUDA kernel asserts on the device.
  const data = x.device === "cpu" ? x.toTypedArray() : [];
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (!(v >= 0 && v <= 1)) throw new ArgumentError(`${op}: all elements of input should be between 0 and 1`);
  }
  return bceOp([x, t, ...(w === null ? [] : [w.expand(x.shape)])], { reduction: reductionArg(o.reduction), beta: 0 });
}

// ----- binary_cross_entropy_with_logits -------------------------------------------------------

/**
 * (1 - t) x + lw (log(e^-m + e^(-x-m)) + m), m = max(-x, 0): the stable
 * form of -w [pw t log s(x) + (1 - t) log(1 - s(x))], lw = (pw - 1) t + 1.
 */
function bceLogitsForward(inputs: readonly Tensor[], a: LossAttrs & { hasWeight: boolean }): Tensor {
  const [xx, tt] = inputs as [Tensor, Tensor];
  const w = a.hasWeight ? inputs[2] : undefined;
  const pw = inputs[a.hasWeight ? 3 : 2];
  const m = K.unary("clamp", K.unary("neg", xx), xx.dtype, 0, Number.POSITIVE_INFINITY);
  const softplus = kb(
    "add",
    K.unary("log", kb("add", K.unary("exp", K.unary("neg", m)), K.unary("exp", kb("sub", K.unary("neg", xx), m)))),
    m,
  );
  const logWeight = pw === undefined ? null : ks("add", kb("mul", ks("sub", pw, 1), tt), 1);
  let loss = kb("add", kb("mul", K.unary("neg", ks("sub", tt, 1)), xx), logWeight === null ? softplus : kb("mul", logWeight, softplus));
  if (a.hasWeight) loss = kb("mul", loss, w as Tensor);
  return reduceKernel(loss, a.reduction);
}

const bceLogitsOp: Op<LossAttrs & { hasWeight: boolean }> = defineOp<LossAttrs & { hasWeight: boolean }>({
  name: "binary_cross_entropy_with_logits",
  gradFn: "BinaryCrossEntropyWithLogitsBackward0",
  save: "inputs",
  forward: (inputs, a) => bceLogitsForward(inputs, a),
  // d/dx = ((pw t + 1 - t) sigmoid(x) - pw t) g w / N  (pw = 1: sigmoid(x) - t);
  // d/dt = (logsigmoid(-x) - pw logsigmoid(x)) g w / N  (pw = 1: -x g w / N).
  backward: ([g], c) => {
    const [x, t] = [c.input(0), c.input(1)];
    const w = c.attrs.hasWeight ? c.input(2) : null;
    const pw = c.inputMeta.length > (c.attrs.hasWeight ? 3 : 2) ? c.input(c.attrs.hasWeight ? 3 : 2) : null;
    const finish = (d: Tensor) => {
      const dw = w === null ? d.mul(g) : d.mul(g).mul(w);
      return c.attrs.reduction === "mean" ? divScalar(dw, meanDivisor(x, "mean")) : dw;
    };
    const ptw = pw === null ? null : pw.mul(t);
    const dx = () => (ptw === null ? x.sigmoid().sub(t) : ptw.add(1).sub(t).mul(x.sigmoid()).sub(ptw));
    const dt = () => (pw === null ? x.neg() : logsigmoid(x.neg()).sub(logsigmoid(x).mul(pw)));
    return [c.needs[0] ? finish(dx()) : null, c.needs[1] ? finish(dt()) : null, null, null];
  },
});

/** binaryCrossEntropyWithLogits's options. */
export interface BCEWithLogitsOptions extends BCEOptions {
  /** A weight of the positive term, per class (broadcast to the input's shape). */
  posWeight?: Tensor | null;
}

// PyTorch's positional order: (input, target, weight, size_average, reduce, reduction, pos_weight).
const BCE_LOGITS_KEYS: OptionKeys<BCEWithLogitsOptions> = { weight: true, reduction: "string", posWeight: true };

/**
 * Binary cross entropy of logits (sigmoid folded in, numerically stable);
 * `posWeight` weighs the positive term, `weight` each element.
 *
 * @example
 * ```ts
 * const loss = torch.F.binaryCrossEntropyWithLogits(torch.tensor([2, -1]), torch.tensor([1, 0]));
 * console.log(loss); // tensor(0.2201)
 * ```
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options?: BCEWithLogitsOptions): Tensor {
  const op = "binary_cross_entropy_with_logits";
  const o = readOptions(options, op, BCE_LOGITS_KEYS);
  const x = expectTensor(input, op, "input");
  checkKernelDtype(op, "binary_cross_entropy_with_logits", x);
  const t = expectTensor(target, op, "target");
  checkSameSize(`${op}: Target size (${formatSize(t.shape)}) must be the same as input size (${formatSize(x.shape)})`, x, t);
  const w = lossWeight(op, o.weight, x.shape);
  const pw = lossWeight(op, o.posWeight, x.shape, "pos_weight");
  expectNoGrad(op, "weight", w);
  expectNoGrad(op, "pos_weight", pw);
  const inputs = [x, t, ...(w === null ? [] : [w]), ...(pw === null ? [] : [pw])];
  return bceLogitsOp(inputs, { reduction: reductionArg(o.reduction), beta: 0, hasWeight: w !== null });
}
