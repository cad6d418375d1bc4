/**
 * Normalisation (layer_norm, batch_norm); embedding and dropout are
 * re-exported from embedding.ts and dropout.ts.
 *
 * Layer and batch norm are one computation over different dims: with the
 * mean mu and invstd r = 1 / sqrt(var + eps) (biased var) taken over the
 * "stat dims", xhat = (x - mu) r and y = xhat w + b. Their backward
 * (native_*_norm_backward) is an op of its own, as in PyTorch, with the
 * second derivatives written out below (normDoubleBackward).
 */

import { isFloating, scalarTypeName } from "../../core/dtype.js";
import { ArgumentError, DTypeError, ShapeError } from "../../core/errors.js";
import { type OptionKeys, readOptions } from "../../core/options.js";
import { formatShape, formatSize, numel } from "../../core/shape.js";
import type { Tensor } from "../../tensor.js";
import { defineOp, type Op } from "../define.js";
import * as K from "../kernels.js";
import { expectTensor } from "../scalars.js";
import { expectNoGrad, gradAt, kb, rawView, spreadMasked } from "./common.js";

/** Where the statistics and the affine parameters live. */
interface NormAttrs {
  /** Dims reduced for mu and r (kept as size 1). */
  statDims: number[];
  /** Dims summed for the weight and bias gradients. */
  paramDims: number[];
  /** Shape of the weight as given, and as viewed to broadcast against the input. */
  weightShape: number[];
  paramShape: number[];
  eps: number;
  /** Batch norm in eval mode: the running statistics, constants. */
  running: { mean: Tensor; var: Tensor } | null;
  /** Batch norm in training mode with running statistics to update in place. */
  update: { mean: Tensor; var: Tensor; momentum: number } | null;
  hasWeight: boolean;
  hasBias: boolean;
  names: readonly [string, string];
}

export { dropout } from "./dropout.js";
export { type EmbeddingOptions, embedding } from "./embedding.js";

type Mask = [boolean, boolean, boolean];

const count = (x: Tensor, dims: readonly number[]) => dims.reduce((n, d) => n * (x.shape[d] as number), 1);
const kmean = (t: Tensor, dims: number[]) => kb("div", K.reduce("sum", t, dims, true), K.scalar(count(t, dims), t.dtype));

/** mu and r over the stat dims (or from the running statistics), updating running statistics when asked. */
function statistics(x: Tensor, a: NormAttrs): [Tensor, Tensor] {
  const invstd = (v: Tensor) => K.unary("rsqrt", kb("add", v, K.scalar(a.eps, x.dtype)));
  // Eval mode: copies of the running statistics (the node must not alias the caller's buffers).
  if (a.running !== null)
    return [K.copy(rawView(a.running.mean, a.paramShape), x.dtype), invstd(K.copy(rawView(a.running.var, a.paramShape), x.dtype))];
  const mean = kmean(x, a.statDims);
  const centered = kb("sub", x, mean);
  const sq = K.reduce("sum", kb("mul", centered, centered), a.statDims, true);
  const n = count(x, a.statDims);
  if (a.update !== null) {
    // running = (1 - m) running + m batch, with the unbiased batch variance.
    const { momentum: m, mean: rm, var: rv } = a.update;
    const blend = (r: Tensor, v: Tensor) =>
      kb("add", K.binary("mul", r, K.scalar(1 - m, r.dtype), r.dtype), K.binary("mul", rawView(v, r.shape), K.scalar(m, r.dtype), r.dtype));
    const unbiased = kb("div", sq, K.scalar(n - 1, x.dtype));
    K.copyInto(rm, blend(rm, mean));
    K.copyInto(rv, blend(rv, unbiased));
    rm._storage.version++;
    rv._storage.version++;
  }
  return [mean, invstd(kb("div", sq, K.scalar(n, x.dtype)))];
}

const normOp: Op<NormAttrs> = defineOp<NormAttrs>({
  name: "native_norm",
  gradFn: (a) => a.names[0],
  save: "both",
  forward: (inputs, a) => {
    const [x, w, b] = unpackParams(inputs, a);
    const [mean, invstd] = statistics(x, a);
    let out = kb("mul", kb("sub", x, mean), invstd);
    if (w !== null) out = kb("mul", out, rawView(w, a.paramShape));
    if (b !== null) out = kb("add", out, rawView(b, a.paramShape));
    return [out, mean, invstd];
  },
  backward: (grads, c) => {
    const g = gradAt(grads, 0);
    if (g === null) return [];
    const w = c.attrs.hasWeight ? c.input(1) : null;
    const biasNeeds = c.needs[c.attrs.hasWeight ? 2 : 1] ?? false;
    const mask: Mask = [c.needs[0] ?? false, c.attrs.hasWeight && (c.needs[1] ?? false), c.attrs.hasBias && biasNeeds];
    const stats = [c.result(1).detach(), c.result(2).detach()];
    const outs = normBackwardOp.many([g, c.input(0), ...stats, ...(w === null ? [] : [w])], { ...c.attrs, mask });
    const [gx, gw, gb] = spreadMasked(outs, mask);
    return [gx, ...(c.attrs.hasWeight ? [gw] : []), ...(c.attrs.hasBias ? [gb] : [])];
  },
});

/** [x, weight | null, bias | null] from an input list holding only the parameters given. */
function unpackParams(inputs: readonly Tensor[], a: NormAttrs): [Tensor, Tensor | null, Tensor | null] {
  const x = inputs[0] as Tensor;
  const w = a.hasWeight ? (inputs[1] as Tensor) : null;
  const b = a.hasBias ? (inputs[a.hasWeight ? 2 : 1] as Tensor) : null;
  return [x, w, b];
}

interface NormBackwardAttrs extends NormAttrs {
  mask: Mask;
}

/**
 * First derivatives (kernels): with a = gO w,
 *   dx = r (a - mean(a) - xhat mean(a xhat)) over the stat dims (dx = a r in eval mode),
 *   dw = sum(gO xhat), db = sum(gO) over the parameter dims.
 */
function normBackwardForward([g, x, mean, invstd, w]: readonly Tensor[], a: NormBackwardAttrs): Tensor[] {
  const gO = g as Tensor;
  const xhat = kb("mul", kb("sub", x as Tensor, mean as Tensor), invstd as Tensor);
  const outs: Tensor[] = [];
  if (a.mask[0]) {
    const ga = w === undefined ? gO : kb("mul", gO, rawView(w, a.paramShape));
    if (a.running !== null) outs.push(kb("mul", ga, invstd as Tensor));
    else {
      const inner = kb("sub", kb("sub", ga, kmean(ga, a.statDims)), kb("mul", xhat, kmean(kb("mul", ga, xhat), a.statDims)));
      outs.push(kb("mul", inner, invstd as Tensor));
    }
  }
  const sumParams = (t: Tensor) => rawView(K.reduce("sum", t, a.paramDims, false), a.weightShape);
  if (a.mask[1]) outs.push(sumParams(kb("mul", gO, xhat)));
  if (a.mask[2]) outs.push(sumParams(gO));
  return outs;
}

const normBackwardOp: Op<NormBackwardAttrs> = defineOp<NormBackwardAttrs>({
  name: "native_norm_backward",
  gradFn: (a) => a.names[1],
  save: "inputs",
  forward: (inputs, a) => normBackwardForward(inputs, a),
  backward: (grads, c) => {
    const [gO, x, mean, invstd] = [0, 1, 2, 3].map((i) => c.input(i)) as [Tensor, Tensor, Tensor, Tensor];
    const w = c.attrs.hasWeight ? c.input(4) : null;
    const gg = spreadMasked(grads, c.attrs.mask);
    const [dgO, dx, dw] = normDoubleBackward(gg, gO, x, w, mean, invstd, c.attrs, c.needs);
    return [dgO, dx, null, null, dw];
  },
});

/**
 * Derivatives of L = <ggI, dx> + <ggW, dw> + <ggB, db> (m: mean over the stat dims, a = gO w):
 *   dL/dgO = w r (ggI - m(ggI) - xhat m(ggI xhat)) + ggW xhat + ggB,
 *   dL/dw  = sum(gO r (ggI - m(ggI) - xhat m(ggI xhat))),
 *   dL/dx  = -r^2 [(m(ggI a) - m(ggI) m(a)) xhat - 3 m(a xhat) m(ggI xhat) xhat
 *                  + m(ggI xhat) (a - m(a)) + m(a xhat) (ggI - m(ggI))] + r (u - m(u) - xhat m(u xhat)), u = ggW gO.
 * In training mode mu and r are recomputed from x so that higher orders see their dependence on x;
 * in eval mode they are constants and everything is linear: dx = ggW gO r, dgO = ggI w r + ggW xhat + ggB.
 */
function normDoubleBackward(
  gg: (Tensor | null)[],
  gO: Tensor,
  x: Tensor,
  w: Tensor | null,
  savedMean: Tensor,
  savedInvstd: Tensor,
  a: NormBackwardAttrs,
  needs: readonly boolean[],
): (Tensor | null)[] {
  const [ggI = null, ggW = null, ggB = null] = gg;
  const n = normalized(x, savedMean, savedInvstd, a);
  const wv = w === null ? null : w.view(a.paramShape);
  const ggWv = ggW === null ? null : ggW.view(a.paramShape);
  const pI = ggI === null ? null : n.P(ggI);
  const dgO = needs[0]
    ? sumAll([
        pI !== null && wv !== null ? pI.mul(wv) : pI,
        ggWv === null ? null : ggWv.mul(n.xhat),
        ggB === null ? null : ggB.view(a.paramShape).expand(gO.shape),
      ])
    : null;
  const dw = needs[4] && pI !== null ? gO.mul(pI).sum(a.paramDims).view(a.weightShape) : null;
  const dx = needs[1] ? inputTerm(ggI, ggWv, wv === null ? gO : gO.mul(wv), gO, n) : null;
  return [dgO, dx, dw];
}

/** The normalisation as the double backward differentiates it. */
interface Normalized {
  /** Mean over the stat dims (kept). */
  m: (t: Tensor) => Tensor;
  r: Tensor;
  xhat: Tensor;
  /** P(v) = r (v - m(v) - xhat m(v xhat)): the (symmetric) map taking a = gO w to dx (v r in eval mode). */
  P: (v: Tensor) => Tensor;
  eval: boolean;
}

function normalized(x: Tensor, savedMean: Tensor, savedInvstd: Tensor, a: NormAttrs): Normalized {
  const m = (t: Tensor) => t.mean(a.statDims, { keepdim: true });
  const evalMode = a.running !== null;
  const xc = x.sub(evalMode ? savedMean : m(x));
  const r = evalMode ? savedInvstd : m(xc.mul(xc)).add(a.eps).rsqrt();
  const xhat = xc.mul(r);
  const P = (v: Tensor) =>
    evalMode
      ? v.mul(r)
      : v
          .sub(m(v))
          .sub(xhat.mul(m(v.mul(xhat))))
          .mul(r);
  return { m, r, xhat, P, eval: evalMode };
}

/** dL/dx: the ggI term (training mode only: mu and r depend on x) plus the ggW term P(ggW gO). */
function inputTerm(ggI: Tensor | null, ggWv: Tensor | null, ga: Tensor, gO: Tensor, n: Normalized): Tensor | null {
  const { m, xhat, r } = n;
  let fromI: Tensor | null = null;
  if (ggI !== null && !n.eval) {
    const [mI, mIx, mA, c] = [m(ggI), m(ggI.mul(xhat)), m(ga), m(ga.mul(xhat))];
    const bracket = m(ggI.mul(ga))
      .sub(mI.mul(mA))
      .sub(c.mul(mIx).mul(3))
      .mul(xhat)
      .add(mIx.mul(ga.sub(mA)))
      .add(c.mul(ggI.sub(mI)));
    fromI = bracket.mul(r.mul(r)).neg();
  }
  return sumAll([fromI, ggWv === null ? null : n.P(ggWv.mul(gO))]);
}

/** The sum of the terms present (null when none is). */
function sumAll(terms: (Tensor | null)[]): Tensor | null {
  return terms.reduce<Tensor | null>((s, t) => (t === null ? s : s === null ? t : s.add(t)), null);
}

function checkParam(op: string, t: Tensor | null, expected: readonly number[], message: (t: Tensor) => string): void {
  if (t !== null && formatShape(t.shape) !== formatShape(expected)) throw new ShapeError(`${op}: ${message(t)}`);
}

function floatInput(op: string, input: Tensor, kernel: string): Tensor {
  const x = expectTensor(input, op, "input");
  if (!isFloating(x.dtype)) throw new DTypeError(`${op}: "${kernel}" not implemented for '${scalarTypeName(x.dtype)}'`);
  return x;
}

const LAYER_NORM_KEYS: OptionKeys<{ eps?: number }> = { eps: "number" };

/**
 * Normalises over the last dims (`normalizedShape`): (x - mean) / sqrt(var + eps)
 * with the biased variance, then scales by `weight` and shifts by `bias`.
 *
 * @example
 * ```ts
 * console.log(torch.F.layerNorm(torch.tensor([[1, 2, 3]]), [3])); // tensor([[-1.2247,  0.0000,  1.2247]])
 * ```
 */
export function layerNorm(
  input: Tensor,
  normalizedShape: number | readonly number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  options?: { eps?: number },
): Tensor {
  const op = "layer_norm";
  const { eps } = readOptions(options, op, LAYER_NORM_KEYS);
  const x = floatInput(op, input, "LayerNormKernelImpl");
  const shape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
  const w = weight ?? null;
  const b = bias ?? null;
  if (shape.length === 0) {
    throw new ShapeError(
      `${op}: Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got normalized_shape = []`,
    );
  }
  const lead = x.ndim - shape.length;
  if (lead < 0 || formatShape(x.shape.slice(lead)) !== formatShape(shape)) {
    throw new ShapeError(
      `${op}: Given normalized_shape=${formatShape(shape)}, expected input with shape [*, ${shape.join(", ")}], but got input of size${formatShape(x.shape)}`,
    );
  }
  for (const [name, t] of [
    ["weight", w],
    ["bias", b],
  ] as const) {
    checkParam(
      op,
      t,
      shape,
      (p) =>
        `Expected ${name} to be of same shape as normalized_shape, but got ${name} of shape ${formatShape(p.shape)} and normalized_shape = ${formatShape(shape)}`,
    );
  }
  const attrs: NormAttrs = {
    statDims: shape.map((_, i) => lead + i),
    paramDims: Array.from({ length: lead }, (_, i) => i),
    weightShape: shape,
    paramShape: shape,
    eps: eps ?? 1e-5,
    running: null,
    update: null,
    hasWeight: w !== null,
    hasBias: b !== null,
    names: ["NativeLayerNormBackward0", "NativeLayerNormBackwardBackward0"],
  };
  return normOp([x, ...(w === null ? [] : [w]), ...(b === null ? [] : [b])], attrs);
}

/** `F.batchNorm`'s keyword arguments, as PyTorch's. */
export interface BatchNormOptions {
  /** Use the batch statistics (and update the running ones) instead of the running statistics (default false). */
  training?: boolean;
  /** Weight of the batch statistics in the running averages (default 0.1). */
  momentum?: number;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

const BATCH_NORM_KEYS: OptionKeys<BatchNormOptions> = { training: "boolean", momentum: "number", eps: "number" };

/**
 * Normalises each channel (dim 1) of [N, C, ...] over the batch and spatial
 * dims, then scales and shifts it. In training mode the batch statistics
 * are used and `runningMean` / `runningVar` (if given) are updated in place
 * with `momentum` (the variance unbiased); in eval mode the running
 * statistics are used.
 *
 * @example
 * ```ts
 * const x = torch.tensor([[1, 10], [3, 20]]);
 * const rm = torch.zeros(2);
 * const rv = torch.ones(2);
 * console.log(torch.F.batchNorm(x, rm, rv, null, null, { training: true })); // tensor([[-1.0000, -1.0000],\n        [ 1.0000,  1.0000]])
 * console.log(rm); // tensor([0.2000, 1.5000])
 * ```
 */
export function batchNorm(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight?: Tensor | null,
  bias?: Tensor | null,
  options?: BatchNormOptions,
): Tensor {
  const op = "batch_norm";
  const o = readOptions(options, op, BATCH_NORM_KEYS);
  const x = floatInput(op, input, "batch_norm");
  if (x.ndim < 2)
    throw new ShapeError(`${op}: expected an input of at least 2 dims [N, C, ...], but got input of size ${formatShape(x.shape)}`);
  const training = o.training ?? false;
  const C = x.shape[1] as number;
  if (training && numel(x.shape) / C === 1) {
    throw new ArgumentError(`${op}: Expected more than 1 value per channel when training, got input size ${formatSize(x.shape)}`);
  }
  const [w, b] = [weight ?? null, bias ?? null];
  for (const [name, t] of [
    ["running_mean", runningMean],
    ["running_var", runningVar],
    ["weight", w],
    ["bias", b],
  ] as const) {
    if (t !== null && t.numel() !== C) throw new ShapeError(`${op}: ${name} should contain ${C} elements not ${t.numel()}`);
  }
  expectNoGrad("native_batch_norm", "running_mean", runningMean);
  expectNoGrad("native_batch_norm", "running_var", runningVar);
  if (!training && (runningMean === null || runningVar === null)) {
    throw new ArgumentError(`${op}: running_${runningMean === null ? "mean" : "var"} must be defined in evaluation mode`);
  }
  const stats = runningMean !== null && runningVar !== null ? { mean: runningMean, var: runningVar } : null;
  const attrs: NormAttrs = {
    statDims: x.shape.map((_, d) => d).filter((d) => d !== 1),
    paramDims: x.shape.map((_, d) => d).filter((d) => d !== 1),
    weightShape: [C],
    paramShape: x.shape.map((s, d) => (d === 1 ? s : 1)),
    eps: o.eps ?? 1e-5,
    running: training ? null : stats,
    update: training && stats !== null ? { ...stats, momentum: o.momentum ?? 0.1 } : null,
    hasWeight: w !== null,
    hasBias: b !== null,
    names: ["NativeBatchNormBackward0", "NativeBatchNormBackwardBackward0"],
  };
  return normOp([x, ...(w === null ? [] : [w]), ...(b === null ? [] : [b])], attrs);
}
