/**
 * Convolutions (conv1d, conv2d) by im2col: every output position reads a
 * window of the input, so the input is gathered (K.take, -1 reading the
 * zero padding) into a [N, G, Cg*KH*KW, OH*OW] column matrix and one batched
 * matmul per group multiplies it by the [G, Og, Cg*KH*KW] weight. The
 * adjoint, col2im, scatter-adds columns back (K.putAdd). A 1-d convolution
 * is a 2-d one of height 1.
 *
 * As in PyTorch, the backward is an op of its own (convolution_backward,
 * node ConvolutionBackwardBackward0) whose derivative is again made of
 * convolutions and convolution_backward, so every order is differentiable.
 */

import { scalarTypeName } from "../../core/dtype.js";
import { ArgumentError, DTypeError, ShapeError } from "../../core/errors.js";
import { type OptionKeys, readOptions } from "../../core/options.js";
import { contiguousStrides, formatShape, numel } from "../../core/shape.js";
import type { Tensor } from "../../tensor.js";
import { defineOp, type Op } from "../define.js";
import * as K from "../kernels.js";
import { expectTensor } from "../scalars.js";
import { checkKernelDtype, intList, rawView, spreadMasked } from "./common.js";

/** Convolution parameters, always for two spatial dims (height 1 for conv1d). */
interface ConvAttrs {
  stride: number[];
  padding: number[];
  dilation: number[];
  groups: number;
}

/** Sizes of one convolution: input [N, C, H, W], weight [O, C/G, KH, KW], output [N, O, OH, OW]. */
interface Geometry {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  KH: number;
  KW: number;
  OH: number;
  OW: number;
  G: number;
  /** The output shape as the caller sees it (3-d for conv1d). */
  outShape: number[];
}

/** [N, C, H, W] of a 3-d (1-d conv) or 4-d shape. */
function as4d(shape: readonly number[]): [number, number, number, number] {
  const [a = 0, b = 0] = shape;
  return shape.length === 3 ? [a, b, 1, shape[2] as number] : [a, b, shape[2] as number, shape[3] as number];
}

/** Output length of one spatial dim: floor((size + 2 pad - dilation (k - 1) - 1) / stride) + 1. */
function outSize(size: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
}

function geometry(xShape: readonly number[], wShape: readonly number[], a: ConvAttrs): Geometry {
  const [N, C, H, W] = as4d(xShape);
  const [O, , KH, KW] = as4d(wShape);
  const [sh, sw] = a.stride as [number, number];
  const [ph, pw] = a.padding as [number, number];
  const [dh, dw] = a.dilation as [number, number];
  const OH = outSize(H, KH, sh, ph, dh);
  const OW = outSize(W, KW, sw, pw, dw);
  const outShape = xShape.length === 3 ? [N, O, OW] : [N, O, OH, OW];
  return { N, C, H, W, O, KH, KW, OH, OW, G: a.groups, outShape };
}

const indexCache = new Map<string, Int32Array>();

/**
 * The im2col gather index, laid out [N, C, KH, KW, OH, OW] (= [N, G, Cg*KH*KW, OH*OW]):
 * element (n, c, ki, kj, oi, oj) reads x[n, c, oi*sh - ph + ki*dh, oj*sw - pw + kj*dw],
 * or -1 (zero) when that falls in the padding. Cached by geometry.
 */
function im2colIndex(g: Geometry, a: ConvAttrs): Int32Array {
  const key = JSON.stringify([g.N, g.C, g.H, g.W, g.KH, g.KW, a]);
  const hit = indexCache.get(key);
  if (hit !== undefined) return hit;
  const [sh, sw] = a.stride as [number, number];
  const [ph, pw] = a.padding as [number, number];
  const [dh, dw] = a.dilation as [number, number];
  const idx = new Int32Array(g.N * g.C * g.KH * g.KW * g.OH * g.OW);
  let p = 0;
  for (let plane = 0; plane < g.N * g.C; plane++) {
    const base = plane * g.H * g.W;
    for (let ki = 0; ki < g.KH; ki++) {
      for (let kj = 0; kj < g.KW; kj++) {
        for (let oi = 0; oi < g.OH; oi++) {
          const ih = oi * sh - ph + ki * dh;
          const rowOk = ih >= 0 && ih < g.H;
          for (let oj = 0; oj < g.OW; oj++) {
            const iw = oj * sw - pw + kj * dw;
            idx[p++] = rowOk && iw >= 0 && iw < g.W ? base + ih * g.W + iw : -1;
          }
        }
      }
    }
  }
  if (indexCache.size >= 32) indexCache.delete(indexCache.keys().next().value as string);
  indexCache.set(key, idx);
  return idx;
}

/** Rows of one group's column matrix: Cg * KH * KW. */
const colRows = (g: Geometry) => (g.C / g.G) * g.KH * g.KW;

function im2col(x: Tensor, g: Geometry, a: ConvAttrs): Tensor {
  return K.take(x, im2colIndex(g, a), [g.N, g.G, colRows(g), g.OH * g.OW]);
}

/** out[n, g] = W[g] @ cols[n, g], plus the bias per output channel. */
function convForward(x: Tensor, w: Tensor, b: Tensor | undefined, a: ConvAttrs): Tensor {
  const g = geometry(x.shape, w.shape, a);
  const wm = rawView(w, [g.G, g.O / g.G, colRows(g)]);
  let out = rawView(K.matmul(wm, im2col(x, g, a), x.dtype), [g.N, g.O, g.OH * g.OW]);
  if (b !== undefined) out = K.binary("add", out, rawView(b, [g.O, 1]), x.dtype);
  return rawView(out, g.outShape);
}

/** Input gradient (col2im of W^T @ gO): a transposed convolution of gO. */
function gradInput(gO: Tensor, w: Tensor, xShape: readonly number[], a: ConvAttrs): Tensor {
  const g = geometry(xShape, w.shape, a);
  const Og = g.O / g.G;
  const rows = colRows(g);
  const wt = K.asStrided(rawView(w, [g.G, Og, rows]), [g.G, rows, Og], [Og * rows, 1, rows]);
  const cols = K.matmul(wt, rawView(gO, [g.N, g.G, Og, g.OH * g.OW]), gO.dtype);
  return K.putAdd(xShape, im2colIndex(g, a), cols);
}

/** Weight gradient: sum over the batch of gO[n, g] @ cols[n, g]^T. */
function gradWeight(gO: Tensor, x: Tensor, wShape: readonly number[], a: ConvAttrs): Tensor {
  const g = geometry(x.shape, wShape, a);
  const L = g.OH * g.OW;
  const rows = colRows(g);
  const cols = im2col(x, g, a);
  const colsT = K.asStrided(cols, [g.N, g.G, L, rows], [g.G * rows * L, rows * L, 1, L]);
  const perSample = K.matmul(rawView(gO, [g.N, g.G, g.O / g.G, L]), colsT, gO.dtype);
  return rawView(K.reduce("sum", perSample, [0], false), wShape);
}

/** Bias gradient: gO summed over the batch and the spatial positions. */
function gradBias(gO: Tensor): Tensor {
  const [N = 0, O = 0] = gO.shape;
  return K.reduce("sum", rawView(gO, [N, O, numel(gO.shape.slice(2))]), [0, 2], false);
}

const convolutionOp: Op<ConvAttrs> = defineOp<ConvAttrs>({
  name: "convolution",
  gradFn: "ConvolutionBackward0",
  save: "inputs",
  forward: ([x, w, b], a) => convForward(x as Tensor, w as Tensor, b, a),
  backward: ([g], c) =>
    convolutionBackward(g, c.input(0), c.input(1), c.attrs, [c.needs[0] ?? false, c.needs[1] ?? false, c.needs[2] ?? false]),
});

type Mask = [boolean, boolean, boolean];

interface ConvBackwardAttrs extends ConvAttrs {
  /** Which of (input, weight, bias) gradients to compute; the op's outputs are those, in order. */
  mask: Mask;
}

const convolutionBackwardOp: Op<ConvBackwardAttrs> = defineOp<ConvBackwardAttrs>({
  name: "convolution_backward",
  gradFn: "ConvolutionBackwardBackward0",
  save: "inputs",
  forward: ([gO, x, w], a) => {
    const outs: Tensor[] = [];
    if (a.mask[0]) outs.push(gradInput(gO as Tensor, w as Tensor, (x as Tensor).shape, a));
    if (a.mask[1]) outs.push(gradWeight(gO as Tensor, x as Tensor, (w as Tensor).shape, a));
    if (a.mask[2]) outs.push(gradBias(gO as Tensor));
    return outs;
  },
  backward: (grads, c) => convDoubleBackward(spreadMasked(grads, c.attrs.mask), c.input(0), c.input(1), c.input(2), c.attrs, c.needs),
});

/** PyTorch's convolution_backward: the gradients of input, weight and bias selected by `mask`. */
function convolutionBackward(gO: Tensor, x: Tensor, w: Tensor, a: ConvAttrs, mask: Mask): (Tensor | null)[] {
  if (!mask.some((m) => m)) return [null, null, null];
  const { stride, padding, dilation, groups } = a;
  return spreadMasked(convolutionBackwardOp.many([gO, x, w], { stride, padding, dilation, groups, mask }), mask);
}

/**
 * Derivatives of L = <ggI, dI> + <ggW, dW> + <ggB, dB> where (dI, dW, dB) = convolution_backward(gO, x, w):
 * dI = conv^T(gO, w) and dW = corr(x, gO) are bilinear, so
 *   dL/dgO = conv(ggI, w) + conv(x, ggW) + ggB (per channel),
 *   dL/dx = conv^T(gO, ggW)  (the input gradient with weight ggW),
 *   dL/dw = corr(ggI, gO)    (the weight gradient with input ggI).
 */
function convDoubleBackward(
  [ggI, ggW, ggB]: (Tensor | null)[],
  gO: Tensor,
  x: Tensor,
  w: Tensor,
  a: ConvBackwardAttrs,
  needs: readonly boolean[],
): (Tensor | null)[] {
  // An empty input has no second derivatives (PyTorch returns undefined gradients).
  if (x.numel() === 0) return [null, null, null];
  const attrs: ConvAttrs = { stride: a.stride, padding: a.padding, dilation: a.dilation, groups: a.groups };
  let ggO: Tensor | null = null;
  if (needs[0]) {
    const terms: Tensor[] = [];
    if (ggI) terms.push(convolutionOp([ggI, w], attrs));
    if (ggW) terms.push(convolutionOp([x, ggW], attrs));
    if (ggB) terms.push(ggB.view([1, gO.shape[1] as number, ...gO.shape.slice(2).map(() => 1)]).expand(gO.shape));
    ggO = terms.reduce<Tensor | null>((s, t) => (s === null ? t : s.add(t)), null);
  }
  const gx = needs[1] && ggW ? convolutionBackward(gO, x, ggW, attrs, [true, false, false])[0] : null;
  const gw = needs[2] && ggI ? convolutionBackward(gO, ggI, w, attrs, [false, true, false])[1] : null;
  return [ggO, gx ?? null, gw ?? null];
}

// ----- constant padding (for padding="same" with an even kernel) -------------------

/** Gather index of constant_pad_nd: output element -> input element, -1 in the padding. */
function padIndex(inShape: readonly number[], outShape: readonly number[], before: readonly number[]): Int32Array {
  const inStrides = contiguousStrides(inShape);
  const idx = new Int32Array(numel(outShape));
  const at = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < idx.length; i++) {
    let off = 0;
    for (let d = 0; d < outShape.length && off >= 0; d++) {
      const src = (at[d] as number) - (before[d] as number);
      off = src >= 0 && src < (inShape[d] as number) ? off + src * (inStrides[d] as number) : -1;
    }
    idx[i] = off;
    for (let d = outShape.length - 1; d >= 0; d--) {
      at[d] = (at[d] as number) + 1;
      if ((at[d] as number) < (outShape[d] as number)) break;
      at[d] = 0;
    }
  }
  return idx;
}

/** PyTorch's constant_pad_nd with value 0: `pad` lists (before, after) pairs from the last dim; negative pads crop. */
const constantPadOp: Op<{ pad: number[] }> = defineOp<{ pad: number[] }>({
  name: "constant_pad_nd",
  gradFn: "ConstantPadNdBackward0",
  forward: ([x], { pad }) => {
    const t = x as Tensor;
    const before = t.shape.map((_, d) => pad[2 * (t.ndim - 1 - d)] ?? 0);
    const outShape = t.shape.map((s, d) => s + (before[d] as number) + (pad[2 * (t.ndim - 1 - d) + 1] ?? 0));
    return K.take(t, padIndex(t.shape, outShape, before), outShape);
  },
  backward: ([g], c) => [constantPadOp([g], { pad: c.attrs.pad.map((p) => -p) })],
});

// ----- argument checks and the public functions -----------------------------------

/** `F.conv1d`/`F.conv2d`'s keyword arguments: stride, padding, dilation and groups, as PyTorch's. */
export interface ConvOptions {
  /** Step of the window per spatial dim (default 1). */
  stride?: number | readonly number[];
  /** Implicit zero padding per side, or "valid" (none) or "same" (output as large as the input; stride 1 only). */
  padding?: number | readonly number[] | "same" | "valid";
  /** Spacing between kernel elements (default 1). */
  dilation?: number | readonly number[];
  /** Number of blocked connections from input to output channels (default 1). */
  groups?: number;
}

export const CONV_KEYS: OptionKeys<ConvOptions> = { stride: true, padding: true, dilation: true, groups: true };

function convParams(op: string, n: number, o: ConvOptions): { stride: number[]; dilation: number[]; groups: number } {
  const stride = intList(op, "stride", o.stride ?? 1, n);
  const dilation = intList(op, "dilation", o.dilation ?? 1, n);
  const groups = o.groups ?? 1;
  if (stride.some((s) => s <= 0)) throw new ArgumentError(`${op}: non-positive stride is not supported`);
  if (dilation.some((d) => d <= 0)) {
    throw new ArgumentError(`${op}: dilation should be greater than zero, but got [${dilation.join(", ")}]`);
  }
  if (!Number.isInteger(groups) || groups <= 0) throw new ArgumentError(`${op}: non-positive groups is not supported`);
  return { stride, dilation, groups };
}

/**
 * Symmetric padding for the convolution, padding the input on the right first
 * when "same" needs one more element there (even kernels), as PyTorch does.
 */
function resolvePadding(op: string, x: Tensor, w: Tensor, o: ConvOptions, p: { stride: number[]; dilation: number[] }): [Tensor, number[]] {
  const n = p.stride.length;
  const pad = o.padding ?? 0;
  if (pad === "valid") return [x, new Array<number>(n).fill(0)];
  if (pad !== "same") {
    if (typeof pad === "string") throw new ArgumentError(`${op}: Invalid padding string: '${pad as string}'`);
    const list = intList(op, "padding", pad, n);
    if (list.some((v) => v < 0)) throw new ArgumentError(`${op}: negative padding is not supported`);
    return [x, list];
  }
  if (p.stride.some((s) => s !== 1)) throw new ArgumentError(`${op}: padding='same' is not supported for strided convolutions`);
  // Total padding d (k - 1) keeps the size; the odd element goes on the right.
  const total = p.dilation.map((d, i) => d * ((w.shape[i + 2] as number) - 1));
  const left = total.map((t) => Math.floor(t / 2));
  const extra = total.map((t, i) => t - 2 * (left[i] as number));
  if (extra.every((e) => e === 0)) return [x, left];
  const padNd = extra.flatMap((_, i) => [0, extra[n - 1 - i] as number]);
  return [constantPadOp([x], { pad: padNd }), left];
}

function checkShapes(op: string, x: Tensor, w: Tensor, b: Tensor | null, a: ConvAttrs): void {
  const C = x.shape[1] as number;
  const O = w.shape[0] as number;
  const G = a.groups;
  if (O % G !== 0) {
    throw new ShapeError(
      `${op}: Given groups=${G}, expected weight to be divisible by ${G} at dimension 0, but got weight of size ${formatShape(w.shape)} instead`,
    );
  }
  if ((w.shape[1] as number) * G !== C) {
    throw new ShapeError(
      `${op}: Given groups=${G}, weight of size ${formatShape(w.shape)}, expected input${formatShape(x.shape)} to have ${(w.shape[1] as number) * G} channels, but got ${C} channels instead`,
    );
  }
  if (b !== null && (b.ndim !== 1 || b.shape[0] !== O)) {
    throw new ShapeError(
      `${op}: Given weight of size ${formatShape(w.shape)}, expected bias to be 1-dimensional with ${O} elements, but got bias of size ${formatShape(b.shape)} instead`,
    );
  }
  const spatial = x.shape.slice(2);
  const padded = spatial.map((s, i) => s + 2 * (a.padding[a.padding.length - spatial.length + i] as number));
  const kernel = w.shape.slice(2).map((k, i) => (a.dilation[a.dilation.length - spatial.length + i] as number) * (k - 1) + 1);
  if (padded.some((s, i) => s < (kernel[i] as number))) {
    throw new ShapeError(
      `${op}: Calculated padded input size per channel: (${padded.join(" x ")}). Kernel size: (${kernel.join(" x ")}). Kernel size can't be greater than actual input size`,
    );
  }
}

function checkDTypes(op: string, x: Tensor, w: Tensor, b: Tensor | null): void {
  for (const t of b === null ? [w] : [w, b]) {
    if (t.dtype !== x.dtype) {
      throw new DTypeError(`${op}: expected scalar type ${scalarTypeName(x.dtype)} but found ${scalarTypeName(t.dtype)}`);
    }
  }
}

/** conv1d / conv2d: batchify, resolve the padding, check, convolve (as a 2-d convolution). */
function convNd(op: string, n: number, input: Tensor, weight: Tensor, bias: Tensor | null | undefined, o: ConvOptions): Tensor {
  const x0 = expectTensor(input, op, "input");
  checkKernelDtype(op, "slow_conv2d_cpu", x0, ["float32", "float64", "int32", "int64"]);
  const w = expectTensor(weight, op, "weight");
  const b = bias === null || bias === undefined ? null : expectTensor(bias, op, "bias");
  if (x0.ndim !== n + 1 && x0.ndim !== n + 2) {
    throw new ShapeError(
      `Expected ${n + 1}D (unbatched) or ${n + 2}D (batched) input to ${op}, but got input of size: ${formatShape(x0.shape)}`,
    );
  }
  if (w.ndim !== n + 2) {
    throw new ShapeError(`${op}: expected weight to be ${n + 2}-dimensional, but got weight of size ${formatShape(w.shape)}`);
  }
  checkDTypes(op, x0, w, b);
  const batched = x0.ndim === n + 2;
  const params = convParams(op, n, o);
  const [x, padding] = resolvePadding(op, batched ? x0 : x0.unsqueeze(0), w, o, params);
  // 1-d convolutions run as 2-d ones of height 1: stride/padding/dilation 1/0/1 on the height.
  const lift = (v: number[], fill: number) => (n === 1 ? [fill, ...v] : v);
  const attrs: ConvAttrs = {
    stride: lift(params.stride, 1),
    padding: lift(padding, 0),
    dilation: lift(params.dilation, 1),
    groups: params.groups,
  };
  checkShapes(op, x, w, b, attrs);
  const out = convolutionOp(b === null ? [x, w] : [x, w, b], attrs);
  return batched ? out : out.squeeze(0);
}

/**
 * 1-d convolution (cross-correlation, as PyTorch) of input [N, C, L] (or
 * unbatched [C, L]) with weight [O, C / groups, K], plus an optional bias [O].
 *
 * @example
 * ```ts
 * const x = torch.tensor([[[1, 2, 3, 4]]]);
 * console.log(torch.F.conv1d(x, torch.tensor([[[1, -1]]]))); // tensor([[[-1., -1., -1.]]])
 * ```
 */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: ConvOptions): Tensor {
  return convNd("conv1d", 1, input, weight, bias, readOptions(options, "conv1d", CONV_KEYS));
}

/**
 * 2-d convolution (cross-correlation, as PyTorch) of input [N, C, H, W] (or
 * unbatched [C, H, W]) with weight [O, C / groups, KH, KW], plus an optional
 * bias [O]. Options: stride, padding (ints, or "same" / "valid"), dilation, groups.
 *
 * @example
 * ```ts
 * const x = torch.arange(9, { dtype: "float32" }).view(1, 1, 3, 3);
 * const w = torch.ones(1, 1, 2, 2);
 * console.log(torch.F.conv2d(x, w)); // tensor([[[[ 8., 12.],\n          [20., 24.]]]])
 * console.log(torch.F.conv2d(x, w, torch.tensor([1]), { stride: 2, padding: 1 }).shape); // [ 1, 1, 2, 2 ]
 * ```
 */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: ConvOptions): Tensor {
  return convNd("conv2d", 2, input, weight, bias, readOptions(options, "conv2d", CONV_KEYS));
}
