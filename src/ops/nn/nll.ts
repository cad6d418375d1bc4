/**
 * nll_loss and cross_entropy. nll_loss picks -w[t] x[n, t, ...] for every
 * target t (ignore_index: nothing, weight 0); "mean" divides the sum by the
 * total weight of the targets not ignored. Inputs are [C] (0-d target),
 * [N, C], or [N, C, d1, ...]: 4-d inputs are PyTorch's nll_loss2d (node
 * NllLoss2DBackward0), other spatial shapes are viewed as 4-d, as
 * PyTorch's nll_loss_nd. cross_entropy is log_softmax + nll_loss, or the
 * composite formulas for label smoothing and class-probability targets.
 */

import { isFloating, scalarTypeName } from "../../core/dtype.js";
import { ArgumentError, DTypeError, IndexError, ShapeError } from "../../core/errors.js";
import { type OptionKeys, readOptions } from "../../core/options.js";
import { contiguousStrides, formatShape, numel, shapesEqual } from "../../core/shape.js";
import type { Tensor } from "../../tensor.js";
import { logSoftmax } from "../activation.js";
import { addScalar, divScalar, mulScalar } from "../arith.js";
import { defineOp, type Op } from "../define.js";
import { int64Hint } from "../index_checks.js";
import * as K from "../kernels.js";
import { expectTensor } from "../scalars.js";
import { checkKernelDtype, expectNoGrad, gradAt, kb, type Reduction, reduceKernel, reductionArg, zerosOf } from "./common.js";

interface NllAttrs {
  reduction: Reduction;
  ignoreIndex: number;
  /** nll_loss2d (4-d input) rather than nll_loss. */
  twoD: boolean;
}

/** Where each target reads the input, and its coefficient -w[t] (0 when ignored). */
interface Picks {
  /** The input's element each target picks, target-shaped (any value where ignored: its coefficient is 0). */
  pick(x: Tensor): Tensor;
  /** A tensor of the input's shape holding `src` (target-shaped) at the picked elements, zeros elsewhere. */
  spread(src: Tensor, shape: readonly number[]): Tensor;
  /** -w[t] per target element, target-shaped, in the input's dtype. */
  coef: Tensor;
  /** Sum of w[t] over the targets not ignored (0-d, the input's dtype). */
  total: Tensor;
}

/** The picks of x ([C], [N, C] or [N, C, H, W]) by `target`, read on the CPU or, on a device, computed there. */
function picks(x: Tensor, target: Tensor, weight: Tensor | undefined, ignoreIndex: number): Picks {
  return x.device === "cpu" ? hostPicks(x, target, weight, ignoreIndex) : devicePicks(x, target, weight, ignoreIndex);
}

/** Reads the targets, checking their range (PyTorch's error), into flat input offsets. */
function hostPicks(x: Tensor, target: Tensor, weight: Tensor | undefined, ignoreIndex: number): Picks {
  const C = (x.ndim === 1 ? x.shape[0] : x.shape[1]) as number;
  const S = numel(x.shape.slice(2));
  const t = target.toTypedArray();
  const w = weight?.toTypedArray();
  const flat = new Int32Array(t.length);
  const coef = K.empty(target.shape, x.dtype);
  let total = 0;
  for (let k = 0; k < t.length; k++) {
    const cls = t[k] as number;
    if (cls === ignoreIndex) {
      flat[k] = -1;
      continue;
    }
    if (cls < 0 || cls >= C) throw new IndexError(`nll_loss: Target ${cls} is out of bounds.`);
    const n = Math.floor(k / S);
    flat[k] = (n * C + cls) * S + (k % S);
    const wc = w === undefined ? 1 : (w[cls] as number);
    K.storageValues(coef)[k] = -wc;
    total += wc;
  }
  return {
    pick: (v) => K.take(v, flat, target.shape),
    spread: (src, shape) => K.putAdd(shape, flat, src),
    coef,
    total: K.scalar(total, x.dtype),
  };
}

/**
 * The picks as device kernels (the targets stay where they are): a gather
 * along the class dim, and a scatter-add back. A target out of range picks
 * nothing there (the device cannot raise mid-step; PyTorch's CUDA kernels
 * assert on the device instead).
 */
function devicePicks(x: Tensor, target: Tensor, weight: Tensor | undefined, ignoreIndex: number): Picks {
  const dim = x.ndim === 1 ? 0 : 1;
  const valid = K.binary("ne", target, K.scalar(ignoreIndex, target.dtype), "bool");
  const cls = K.where(valid, target, K.scalar(0, target.dtype), target.dtype);
  // The gather index: the target with the class dim inserted (a 1-d input's target is 0-d: one pick).
  const shape = [...target.shape];
  shape.splice(dim, 0, 1);
  const index = K.asStrided(K.contiguous(cls), shape, contiguousStrides(shape), 0);
  const w =
    weight === undefined
      ? K.scalar(1, x.dtype)
      : K.asStrided(
          K.gather(weight, 0, K.asStrided(K.contiguous(cls), [cls.numel()], [1], 0)),
          target.shape,
          contiguousStrides(target.shape),
          0,
        );
  const kept = K.where(valid, w, K.scalar(0, x.dtype), x.dtype);
  const dims = target.shape.map((_, d) => d);
  return {
    pick: (v) => K.asStrided(K.gather(v, dim, index), target.shape, contiguousStrides(target.shape), 0),
    spread: (src, outShape) => {
      const out = K.full(outShape, 0, src.dtype);
      K.scatterAdd(out, dim, index, K.asStrided(K.contiguous(src), shape, contiguousStrides(shape), 0));
      return out;
    },
    coef: K.unary("neg", K.broadcastTo(kept, target.shape)),
    total: K.reduce("sum", K.broadcastTo(kept, target.shape), dims, false),
  };
}

const nllOp: Op<NllAttrs> = defineOp<NllAttrs>({
  name: "nll_loss_forward",
  gradFn: (a) => (a.twoD ? "NllLoss2DBackward0" : "NllLossBackward0"),
  save: "both",
  // Linear in the input (PyTorch's rule: nll_loss of the input's tangent, with the weights as they are).
  jvp: ([tx, , tw], c) => {
    if (tw !== null && tw !== undefined) return c.viaBackward();
    const [x, target, weight] = c.inputs as [Tensor, Tensor, Tensor | undefined];
    const t = tx ?? K.full(x.shape, 0, x.dtype);
    return [nllOp.many(weight === undefined ? [t, target] : [t, target, weight], c.attrs)[0] as Tensor, null];
  },
  forward: ([x, target, weight], a) => {
    const p = picks(x as Tensor, target as Tensor, weight, a.ignoreIndex);
    const losses = kb("mul", p.pick(x as Tensor), p.coef);
    const total = p.total;
    if (a.reduction !== "mean") return [reduceKernel(losses, a.reduction), total];
    return [kb("div", reduceKernel(losses, "sum"), total), total];
  },
  backward: (grads, c) => {
    const g = gradAt(grads, 0);
    if (g === null) return [];
    const weight = c.inputMeta.length > 2 ? [c.input(2)] : [];
    return [nllBackwardOp([g, c.input(0), c.input(1), ...weight, c.result(1).detach()], c.attrs), null, null];
  },
});

// nll_loss_backward: g (per target, or 0-d) times -w[t] (/ total weight for "mean") added at the picked
// elements. Linear in g, so its derivative wrt g is nll_loss of gg; it does not depend on the input.
const nllBackwardOp: Op<NllAttrs> = defineOp<NllAttrs>({
  name: "nll_loss_backward",
  gradFn: (a) => (a.twoD ? "NllLoss2DBackwardBackward0" : "NllLossBackwardBackward0"),
  save: "inputs",
  forward: (inputs, a) => {
    const [g, x, target] = inputs as [Tensor, Tensor, Tensor];
    const total = inputs[inputs.length - 1] as Tensor;
    const p = picks(x, target, inputs.length > 4 ? inputs[3] : undefined, a.ignoreIndex);
    let src = kb("mul", K.broadcastTo(g, target.shape), p.coef);
    if (a.reduction === "mean") src = kb("div", src, total);
    return p.spread(src, x.shape);
  },
  backward: ([gg], c) => {
    const weight = c.inputMeta.length > 4 ? [c.input(3)] : [];
    return [
      c.needs[0] ? nllOp([gg, c.input(2), ...weight], c.attrs) : null,
      c.needs[1] ? zerosOf(c.input(1)) : null,
      ...c.inputMeta.slice(2).map(() => null),
    ];
  },
});

/** `F.nllLoss`'s keyword arguments, as PyTorch's. */
export interface NllOptions {
  /** A weight per class ([C]). */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing (default -100). */
  ignoreIndex?: number;
  /** "mean" (the default), "sum" or "none". */
  reduction?: Reduction;
}

// PyTorch's positional order: nll_loss(input, target, weight, size_average, ignore_index, reduce, reduction).
const NLL_KEYS: OptionKeys<NllOptions> = { weight: true, ignoreIndex: "number", reduction: "string" };

/** A `weight` option: a tensor, or null for none. */
function classWeight(op: string, w: Tensor | null | undefined): Tensor | null {
  return w === null || w === undefined ? null : expectTensor(w, op, "weight");
}

/** PyTorch's target checks, in its order: input rank, batch size, target shape (by input rank), then dtype. */
function checkTarget(op: string, x: Tensor, t: Tensor): void {
  if (x.ndim < 1) throw new ShapeError(`${op}: Expected 1 or more dimensions (got 0)`);
  // A 0-d target has batch size 0 in PyTorch's message.
  if (x.ndim !== 1 && x.shape[0] !== t.shape[0]) {
    throw new ShapeError(`${op}: Expected input batch_size (${x.shape[0]}) to match target batch_size (${t.shape[0] ?? 0}).`);
  }
  const sizes = `(got input: ${formatShape(x.shape)}, target: ${formatShape(t.shape)})`;
  if (x.ndim <= 2) {
    if (t.ndim > 1) throw new ShapeError(`${op}: 0D or 1D target tensor expected, multi-target not supported ${sizes}`);
    if (t.ndim !== x.ndim - 1) throw new ShapeError(`${op}: size mismatch ${sizes}`);
  } else if (x.ndim === 4) {
    if (t.ndim !== 3)
      throw new ShapeError(`${op}: only batches of spatial targets supported (3D tensors) but got targets of dimension: ${t.ndim}`);
    if (!shapesEqual(t.shape.slice(1), x.shape.slice(2))) {
      throw new ShapeError(`${op}: size mismatch (got input: ${formatShape(x.shape)} , target: ${formatShape(t.shape)}`);
    }
  } else if (t.ndim !== x.ndim - 1 || !shapesEqual(t.shape.slice(1), x.shape.slice(2))) {
    const expected = [x.shape[0] as number, ...x.shape.slice(2)];
    throw new ShapeError(`${op}: Expected target size ${formatShape(expected)}, got ${formatShape(t.shape)}`);
  }
  if (t.dtype !== "int64") {
    throw new DTypeError(`${op}: expected scalar type Long but found ${scalarTypeName(t.dtype)}${int64Hint(t, "class targets")}`);
  }
}

function checkWeight(op: string, w: Tensor | null, C: number): void {
  if (w !== null && (w.ndim !== 1 || w.numel() !== C)) {
    throw new ShapeError(
      `${op}: weight tensor should be defined either for all ${C} classes or no classes but got weight tensor of shape: ${formatShape(w.shape)}`,
    );
  }
}

/**
 * Negative log likelihood of log-probabilities `input` ([C], [N, C] or
 * [N, C, d1, ...]) at class-index `target` (int64: [], [N] or [N, d1, ...]).
 * With "mean" the sum is divided by the summed weights of the targets not
 * ignored.
 *
 * @example
 * ```ts
 * const logp = torch.tensor([[-0.5, -1.0], [-2.0, -0.1]]);
 * console.log(torch.F.nllLoss(logp, torch.tensor([0, 1], { dtype: "int64" }))); // tensor(0.3000)
 * ```
 */
export function nllLoss(input: Tensor, target: Tensor, options?: NllOptions): Tensor {
  const op = "nll_loss";
  const o = readOptions(options, op, NLL_KEYS);
  const x = expectTensor(input, op, "input");
  checkKernelDtype(op, "nll_loss_out_frame", x);
  const t = expectTensor(target, op, "target");
  const w = classWeight(op, o.weight);
  const attrs = { reduction: reductionArg(o.reduction), ignoreIndex: o.ignoreIndex ?? -100, twoD: false };
  checkTarget(op, x, t);
  checkWeight(op, w, (x.ndim === 1 ? x.shape[0] : x.shape[1]) as number);
  expectNoGrad(x.ndim === 4 ? "nll_loss2d_forward" : "nll_loss_forward", "weight", w);
  const extra = w === null ? [] : [w];
  if (x.ndim <= 2 || x.ndim === 4) return nllOp([x, t, ...extra], { ...attrs, twoD: x.ndim === 4 });
  // Other spatial shapes run as nll_loss2d on [N, C, 1, d1 * d2 * ...] (PyTorch's nll_loss_nd).
  const [N, C] = x.shape as [number, number];
  const empty = x.numel() === 0;
  const x4 = x.contiguous().view(empty ? [N, C, 0, 0] : [N, C, 1, -1]);
  const t3 = t.contiguous().view(t.numel() === 0 ? [N, 0, 0] : [N, 1, -1]);
  const out = nllOp([x4, t3, ...extra], { ...attrs, twoD: true });
  return attrs.reduction === "none" ? out.view([N, ...x.shape.slice(2)]) : out;
}

/** `F.crossEntropy`'s keyword arguments: `F.nllLoss`'s and label smoothing. */
export interface CrossEntropyOptions extends NllOptions {
  /** Mix the targets with the uniform distribution: (1 - s) target + s / C. */
  labelSmoothing?: number;
}

const CROSS_ENTROPY_KEYS: OptionKeys<CrossEntropyOptions> = { ...NLL_KEYS, labelSmoothing: "number" };

/** Class-probability targets: -sum(w t log_softmax(x)) over classes, "mean" dividing by the batch size. */
function probTargetLoss(x: Tensor, t: Tensor, w: Tensor | null, r: Reduction, smoothing: number, classDim: number): Tensor {
  const C = x.shape[classDim] as number;
  checkWeight("cross_entropy", w, C);
  const logp = logSoftmax(x, classDim);
  const target = smoothing > 0 ? addScalar(mulScalar(t, 1 - smoothing), smoothing / C) : t;
  let prod = logp.mul(target);
  if (w !== null) prod = prod.mul(x.ndim > 1 ? w.view(x.shape.map((s, d) => (d === classDim ? s : 1))) : w);
  if (r === "none") return prod.sum(classDim).neg();
  const total = prod.sum().neg();
  if (r === "sum") return total;
  return x.numel() === 0 ? total.mul(Number.NaN) : divScalar(total, x.numel() / C);
}

/** Label smoothing with class indices: (1 - s) nll + s / C * (the mean, or sum, of -sum_c w_c log p_c). */
function smoothedLoss(
  x: Tensor,
  t: Tensor,
  w: Tensor | null,
  o: { reduction: Reduction; ignoreIndex: number },
  s: number,
  classDim: number,
): Tensor {
  const logp = logSoftmax(x, classDim);
  const nll = nllLoss(logp, t, { weight: w, ignoreIndex: o.ignoreIndex, reduction: o.reduction });
  const C = x.shape[classDim] as number;
  const weighted = w === null ? logp : logp.mul(x.ndim > 1 ? w.view(x.shape.map((v, d) => (d === classDim ? v : 1))) : w);
  const ignored = t.eq(o.ignoreIndex);
  const ret =
    x.device === "cpu"
      ? smoothedTerm(weighted, classDim, t, w, ignored, o.reduction)
      : deviceSmoothedTerm(weighted, classDim, t, w, ignored, o.reduction);
  return mulScalar(nll, 1 - s).add(mulScalar(ret, s / C));
}

/** The smoothing term: -sum_c w_c log p_c per target, ignored targets left out (PyTorch's composition). */
function smoothedTerm(weighted: Tensor, classDim: number, t: Tensor, w: Tensor | null, ignored: Tensor, r: Reduction): Tensor {
  const smooth = weighted.sum(classDim).neg();
  smooth.indexPut_([ignored], 0);
  if (r === "none") return smooth;
  if (r === "sum") return smooth.sum();
  if (w === null) return smooth.index(ignored.logicalNot()).mean();
  return smooth.sum().div(w.index(t.index(ignored.logicalNot())).sum());
}

/**
 * The smoothing term without boolean indexing (whose result's size a device
 * would have to read back): ignored targets masked to 0 and left out of the
 * count or the weight total instead.
 */
function deviceSmoothedTerm(weighted: Tensor, classDim: number, t: Tensor, w: Tensor | null, ignored: Tensor, r: Reduction): Tensor {
  const smooth = weighted.sum(classDim).neg().maskedFill(ignored, 0);
  if (r === "none") return smooth;
  if (r === "sum") return smooth.sum();
  if (w === null) return smooth.sum().div(ignored.logicalNot().sum());
  return smooth.sum().div(w.take(t.maskedFill(ignored, 0)).maskedFill(ignored, 0).sum());
}

/**
 * Cross entropy of unnormalised scores `input` ([C], [N, C] or [N, C, d1, ...])
 * with class-index targets (int64) or class-probability targets (the
 * input's shape): log_softmax over dim 1 (dim 0 for [C]) followed by
 * nll_loss, with optional class weights, ignore_index and label smoothing.
 *
 * @example
 * ```ts
 * const scores = torch.tensor([[2, 0, 0], [0, 1, 0]]);
 * const target = torch.tensor([0, 2], { dtype: "int64" });
 * console.log(torch.F.crossEntropy(scores, target)); // tensor(0.8955)
 * console.log(torch.F.crossEntropy(scores, target, { labelSmoothing: 0.1 })); // tensor(0.9455)
 * ```
 */
export function crossEntropy(input: Tensor, target: Tensor, options?: CrossEntropyOptions): Tensor {
  const op = "cross_entropy";
  const o = readOptions(options, op, CROSS_ENTROPY_KEYS);
  const x = expectTensor(input, op, "input");
  const t = expectTensor(target, op, "target");
  const w = classWeight(op, o.weight);
  const reduction = reductionArg(o.reduction);
  const ignoreIndex = o.ignoreIndex ?? -100;
  const smoothing = o.labelSmoothing ?? 0;
  const classDim = x.ndim === 1 ? 0 : 1;
  if (smoothing > 1) throw new ArgumentError(`${op}: label_smoothing must be between 0.0 and 1.0. Got: ${smoothing}`);
  if (shapesEqual(x.shape, t.shape)) {
    if (!isFloating(t.dtype)) {
      throw new DTypeError(`${op}: Expected floating point type for target with class probabilities, got ${scalarTypeName(t.dtype)}`);
    }
    if (ignoreIndex >= 0) throw new ArgumentError(`${op}: ignore_index is not supported for floating point target`);
    return probTargetLoss(x, t, w, reduction, smoothing, classDim);
  }
  if (smoothing > 0) return smoothedLoss(x, t, w, { reduction, ignoreIndex }, smoothing, classDim);
  return nllLoss(logSoftmax(x, classDim), t, { weight: w, ignoreIndex, reduction });
}
