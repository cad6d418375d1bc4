/**
 * 2-d pooling over the last two dims of [N, C, H, W] (or [C, H, W]) inputs.
 * Every output element reads a window of its input plane; a window plan
 * lists, per output element, the flat input offsets it reads (-1: padding or
 * outside the window). Max pooling gathers the windows with -inf padding and
 * keeps the first maximum; average pooling sums them and divides by the
 * window's divisor. Backwards scatter-add through the same offsets and are
 * ops of their own, as in PyTorch, so second derivatives have its nodes.
 */

import type { TensorMeta } from "../../autograd/node.js";
import { checkSizes } from "../../core/args.js";
import { isFloating, scalarTypeName } from "../../core/dtype.js";
import { ArgumentError, DTypeError, ShapeError } from "../../core/errors.js";
import { type OptionKeys, readOptions } from "../../core/options.js";
import { contiguousStrides, formatShape, numel } from "../../core/shape.js";
import type { Tensor } from "../../tensor.js";
import { defineOp, type Op } from "../define.js";
import * as K from "../kernels.js";
import { expectTensor } from "../scalars.js";
import { checkKernelDtype, intList, rawView, takeFlat, zerosOf } from "./common.js";

/** Sizes of a pooling: P planes of H x W in, OH x OW out, windows of KH x KW. */
interface Planes {
  P: number;
  H: number;
  W: number;
  OH: number;
  OW: number;
}

/** Per output element, the K input offsets of its window, plus the output shape. */
interface WindowPlan {
  index: Int32Array;
  K: number;
  inShape: readonly number[];
  outShape: number[];
  planes: Planes;
}

interface PoolParams {
  kernel: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
  ceilMode: boolean;
}

/** PyTorch's pooling_output_shape: floor (or ceil) division, and no window may start in the right padding. */
function poolOutSize(size: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  let out = Math.floor((size + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (out - 1) * s >= size + p) out--;
  return out;
}

function planesOf(x: Tensor, OH: number, OW: number): Planes {
  const H = x.shape[x.ndim - 2] as number;
  const W = x.shape[x.ndim - 1] as number;
  return { P: numel(x.shape.slice(0, -2)), H, W, OH, OW };
}

/** Fixed-size windows (max and average pooling): window (ki, kj) of output (oi, oj) reads (oi sh - ph + ki dh, oj sw - pw + kj dw). */
function slidingPlan(x: Tensor, pr: PoolParams, OH: number, OW: number): WindowPlan {
  const pl = planesOf(x, OH, OW);
  const [kh, kw] = pr.kernel as [number, number];
  const [sh, sw] = pr.stride as [number, number];
  const [ph, pw] = pr.padding as [number, number];
  const [dh, dw] = pr.dilation as [number, number];
  const index = new Int32Array(pl.P * OH * OW * kh * kw);
  let i = 0;
  for (let p = 0; p < pl.P; p++) {
    for (let oi = 0; oi < OH; oi++) {
      for (let oj = 0; oj < OW; oj++) {
        for (let ki = 0; ki < kh; ki++) {
          const ih = oi * sh - ph + ki * dh;
          for (let kj = 0; kj < kw; kj++) {
            const iw = oj * sw - pw + kj * dw;
            index[i++] = ih >= 0 && ih < pl.H && iw >= 0 && iw < pl.W ? (p * pl.H + ih) * pl.W + iw : -1;
          }
        }
      }
    }
  }
  return { index, K: kh * kw, inShape: x.shape, outShape: [...x.shape.slice(0, -2), OH, OW], planes: pl };
}

// ----- max pooling -------------------------------------------------------------

/** Flat input offset of each window's first maximum (an all -inf window picks its first real element, as PyTorch). */
function argmaxOffsets(x: Tensor, plan: WindowPlan): Int32Array {
  const n = plan.index.length / plan.K;
  const vals = K.take(x, plan.index, [n, plan.K], Number.NEGATIVE_INFINITY);
  const arg = K.argReduce("argmax", vals, 1, false).toTypedArray();
  const flat = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let src = plan.index[i * plan.K + (arg[i] as number)] as number;
    for (let k = 0; src < 0 && k < plan.K; k++) src = plan.index[i * plan.K + k] as number;
    flat[i] = src;
  }
  return flat;
}

const maxPoolOp: Op<WindowPlan> = defineOp<WindowPlan>({
  name: "max_pool2d_with_indices",
  gradFn: "MaxPool2DWithIndicesBackward0",
  save: "both",
  forward: ([x], plan) => {
    if ((x as Tensor).device !== "cpu") return deviceMaxPool(x as Tensor, plan);
    const flat = argmaxOffsets(x as Tensor, plan);
    const { H, W } = plan.planes;
    // PyTorch's indices are offsets within each H x W plane.
    const indices = K.empty(plan.outShape, "int64");
    const data = K.storageValues(indices);
    for (let i = 0; i < flat.length; i++) data[i] = (flat[i] as number) % (H * W);
    return [K.take(x as Tensor, flat, plan.outShape), indices];
  },
  backward: ([g], c) => [maxPoolBackwardOp([g, c.input(0), c.result(1)], {})],
});

/**
 * Max pooling with the maxima found on a device: the windows gathered (their
 * offsets depend on shapes only), argmax per window, and the winners' flat
 * offsets picked there, so nothing is read back. (A window whose every
 * element is -inf and whose first slot is padding picks that slot's -inf
 * on the device, where the CPU picks its first real element.)
 */
function deviceMaxPool(x: Tensor, plan: WindowPlan): Tensor[] {
  const n = plan.index.length / plan.K;
  const vals = K.take(x, plan.index, [n, plan.K], Number.NEGATIVE_INFINITY);
  const arg = K.argReduce("argmax", vals, 1, true);
  const windows = K.fromHost([n, plan.K], "int64", (d) => d.set(plan.index));
  const flat = K.asStrided(K.gather(windows, 1, arg), plan.outShape, contiguousStrides(plan.outShape), 0);
  const { H, W } = plan.planes;
  const indices = K.binary("remainder", flat, K.scalar(H * W, "int64"), "int64");
  return [K.takeAt(x, flat), indices];
}

/** Flat input offsets of plane-relative `indices` on a device: each plane's first offset added there. */
function deviceOffsets(indices: Tensor, inShape: readonly number[]): Tensor {
  const plane = (inShape[inShape.length - 2] as number) * (inShape[inShape.length - 1] as number);
  const perPlane = numel(indices.shape.slice(-2));
  const base = K.fromHost(indices.shape, "int64", (d) => {
    for (let i = 0; i < d.length; i++) d[i] = Math.floor(i / perPlane) * plane;
  });
  return K.binary("add", indices, base, "int64");
}

/** Flat input offsets from plane-relative indices. */
function offsetsOf(indices: Tensor, inShape: readonly number[]): Int32Array {
  const plane = (inShape[inShape.length - 2] as number) * (inShape[inShape.length - 1] as number);
  const perPlane = numel(indices.shape.slice(-2));
  return Int32Array.from(indices.toTypedArray(), (v, i) => Math.floor(i / perPlane) * plane + v);
}

// max_pool2d_with_indices_backward(grad, self, indices): grad scattered to the maxima.
// Its derivative wrt grad gathers at the same indices; wrt self it is zero.
const maxPoolBackwardOp: Op<Record<string, never>> = defineOp<Record<string, never>>({
  name: "max_pool2d_with_indices_backward",
  gradFn: "MaxPool2DWithIndicesBackwardBackward0",
  save: "inputs",
  forward: ([g, x, indices]) =>
    (indices as Tensor).device === "cpu"
      ? K.putAdd((x as Tensor).shape, offsetsOf(indices as Tensor, (x as Tensor).shape), g as Tensor)
      : K.putAt(
          K.full((x as Tensor).shape, 0, (g as Tensor).dtype),
          deviceOffsets(indices as Tensor, (x as Tensor).shape),
          g as Tensor,
          true,
        ),
  backward: ([gg], c) => {
    const [x, indices] = [c.input(1), c.input(2)];
    // On a device: the maxima's gradients taken at offsets computed there (the graph's node is TakeBackward0).
    if (indices.device !== "cpu")
      return [c.needs[0] ? gg.take(deviceOffsets(indices, x.shape)) : null, c.needs[1] ? zerosOf(x) : null, null];
    const attrs = {
      index: offsetsOf(indices, x.shape),
      inShape: x.shape,
      outShape: indices.shape,
      names: ["GatherBackward0", "ScatterAddBackward0"] as const,
    };
    return [c.needs[0] ? takeFlat(gg, attrs) : null, c.needs[1] ? zerosOf(x) : null, null];
  },
});

// ----- average pooling -----------------------------------------------------------

/** An averaging plan: the windows and, per output position, the divisor of its sum. */
interface AvgPlan extends WindowPlan {
  divisor: Float64Array;
  /** Node names of the op and of its backward op. */
  names: readonly [string, string];
}

function divisorTensor(plan: AvgPlan, dtype: Tensor["dtype"]): Tensor {
  return K.fromHost([plan.divisor.length], dtype, (d) => d.set(plan.divisor));
}

/** sum(window) / divisor per output element; integer inputs divide with truncation, as PyTorch. */
function averageForward(x: Tensor, plan: AvgPlan): Tensor {
  const { P, OH, OW } = plan.planes;
  const float = isFloating(x.dtype);
  const dtype = float ? x.dtype : "float64";
  const sums = K.reduce("sum", K.take(x, plan.index, [P, OH * OW, plan.K]), [2], false, dtype);
  const avg = K.binary("div", sums, divisorTensor(plan, dtype), dtype);
  return rawView(float ? avg : K.copy(K.unary("trunc", avg), x.dtype), plan.outShape);
}

const avgPoolOp: Op<AvgPlan> = defineOp<AvgPlan>({
  name: "avg_pool2d",
  jvp: "linear",
  gradFn: (a) => a.names[0],
  save: "inputs",
  forward: ([x], plan) => averageForward(x as Tensor, plan),
  backward: ([g], c) => [avgPoolBackwardOp([g, c.input(0)], c.attrs)],
});

// avg_pool2d_backward(grad, self): each output's grad / divisor added to its window.
// It is linear in grad (its derivative is avg_pool2d again) and constant in self.
const avgPoolBackwardOp: Op<AvgPlan> = defineOp<AvgPlan>({
  name: "avg_pool2d_backward",
  jvp: "linear",
  gradFn: (a) => a.names[1],
  forward: ([g, x], plan) => {
    const { P, OH, OW } = plan.planes;
    const t = g as Tensor;
    const share = K.binary("div", rawView(t, [P, OH * OW]), divisorTensor(plan, t.dtype), t.dtype);
    const spread = K.broadcastTo(rawView(share, [P, OH * OW, 1]), [P, OH * OW, plan.K]);
    return K.putAdd((x as Tensor).shape, plan.index, spread);
  },
  backward: ([gg], c) => [c.needs[0] ? avgPoolOp([gg], c.attrs) : null, c.needs[1] ? zerosOf(c.inputMeta[1] as TensorMeta) : null],
});

/**
 * PyTorch's avg_pool2d divisor: the window clipped to the padded input when
 * counting padding, else to the input; `divisorOverride` replaces both.
 * A window entirely in the padding (ceil mode) averages nothing: divisor 1, output 0.
 */
function avgDivisors(pl: Planes, pr: PoolParams, countIncludePad: boolean, override: number | null): Float64Array {
  const [kh, kw] = pr.kernel as [number, number];
  const [sh, sw] = pr.stride as [number, number];
  const [ph, pw] = pr.padding as [number, number];
  const out = new Float64Array(pl.OH * pl.OW);
  for (let oi = 0; oi < pl.OH; oi++) {
    for (let oj = 0; oj < pl.OW; oj++) {
      const [h0, w0] = [oi * sh - ph, oj * sw - pw];
      const [h1, w1] = [Math.min(h0 + kh, pl.H + ph), Math.min(w0 + kw, pl.W + pw)];
      const padded = (h1 - h0) * (w1 - w0);
      const inside = (Math.min(h1, pl.H) - Math.max(h0, 0)) * (Math.min(w1, pl.W) - Math.max(w0, 0));
      const empty = Math.max(h0, 0) >= Math.min(h1, pl.H) || Math.max(w0, 0) >= Math.min(w1, pl.W);
      out[oi * pl.OW + oj] = empty ? 1 : (override ?? (countIncludePad ? padded : inside));
    }
  }
  return out;
}

// ----- argument checks ----------------------------------------------------------------

/** A size per spatial dimension, or one number for both (PyTorch's `_size_2_t`). */
export type Size2 = number | readonly number[];

function poolParams(
  op: string,
  kernelSize: Size2,
  o: { stride?: Size2 | null; padding?: Size2; dilation?: Size2; ceilMode?: boolean },
): PoolParams {
  const kernel = intList(op, "kernel_size", kernelSize, 2);
  const noStride = o.stride === undefined || o.stride === null || (Array.isArray(o.stride) && o.stride.length === 0);
  const stride = noStride ? kernel : intList(op, "stride", o.stride as Size2, 2);
  const padding = intList(op, "padding", o.padding ?? 0, 2);
  const dilation = intList(op, "dilation", o.dilation ?? 1, 2);
  // PyTorch checks the stride first (it defaults to the kernel size, so a zero kernel is reported as a zero stride).
  if (stride.some((s) => s === 0)) throw new ArgumentError(`${op}: stride should not be zero`);
  if (kernel.some((k) => k <= 0)) {
    throw new ArgumentError(`${op}: kernel size should be greater than zero, but got kH: ${kernel[0]} kW: ${kernel[1]}`);
  }
  if (stride.some((s) => s < 0))
    throw new ArgumentError(`${op}: stride should be greater than zero, but got dH: ${stride[0]} dW: ${stride[1]}`);
  if (dilation.some((d) => d <= 0)) {
    throw new ArgumentError(`${op}: dilation should be greater than zero, but got dilationH: ${dilation[0]} dilationW: ${dilation[1]}`);
  }
  padding.forEach((p, i) => {
    if (p < 0 || p > Math.floor((kernel[i] as number) / 2)) {
      throw new ArgumentError(`${op}: pad should be at most half of kernel size, but got pad=${p} and kernel_size=${kernel[i]}`);
    }
  });
  return { kernel, stride, padding, dilation, ceilMode: o.ceilMode ?? false };
}

function poolInput(op: string, input: Tensor): Tensor {
  const x = expectTensor(input, op, "input");
  if ((x.ndim !== 3 && x.ndim !== 4) || x.shape.slice(-3).some((s) => s === 0)) {
    throw new ShapeError(`${op}: non-empty 3D or 4D (batch mode) tensor expected for input, but got input of size ${formatShape(x.shape)}`);
  }
  return x;
}

function pooledSize(op: string, x: Tensor, pr: PoolParams): [number, number] {
  const [H, W] = x.shape.slice(-2) as [number, number];
  const args = [0, 1].map((i) => [pr.kernel[i], pr.stride[i], pr.padding[i], pr.dilation[i]] as [number, number, number, number]);
  const [a, b] = args as [[number, number, number, number], [number, number, number, number]];
  const OH = poolOutSize(H, ...a, pr.ceilMode);
  const OW = poolOutSize(W, ...b, pr.ceilMode);
  if (OH < 1 || OW < 1) {
    const C = x.shape[x.ndim - 3] as number;
    throw new ShapeError(`${op}: Given input size: (${C}x${H}x${W}). Calculated output size: (${C}x${OH}x${OW}). Output size is too small`);
  }
  return [OH, OW];
}

// ----- public functions -----------------------------------------------------------------

/** `F.maxPool2d`'s keyword arguments, as PyTorch's. */
export interface MaxPool2dOptions {
  /** Window step (default: the kernel size). */
  stride?: Size2 | null;
  /** Implicit -inf padding per side (at most half the kernel). */
  padding?: Size2;
  /** Spacing between window elements. */
  dilation?: Size2;
  /** Ceil instead of floor when computing the output size. */
  ceilMode?: boolean;
  /** Also return the argmax offsets within each input plane. */
  returnIndices?: boolean;
}

const MAX_POOL_KEYS: OptionKeys<MaxPool2dOptions> = {
  stride: true,
  padding: true,
  dilation: true,
  ceilMode: "boolean",
  returnIndices: "boolean",
};

/**
 * Max over sliding windows of the last two dims. With `returnIndices`, also
 * the int64 offset (h * W + w) of each maximum in its plane. Ties pick the
 * first maximum, which alone gets the gradient.
 *
 * @example
 * ```ts
 * const x = torch.tensor([[[[1, 5, 2, 0], [3, 4, 8, 1]]]]);
 * console.log(torch.F.maxPool2d(x, 2)); // tensor([[[[5., 8.]]]])
 * console.log(torch.F.maxPool2d(x, 2, { returnIndices: true })[1]); // tensor([[[[1, 6]]]])
 * ```
 */
export function maxPool2d(input: Tensor, kernelSize: Size2, options: MaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(input: Tensor, kernelSize: Size2, options?: MaxPool2dOptions & { returnIndices?: false }): Tensor;
export function maxPool2d(input: Tensor, kernelSize: Size2, options?: MaxPool2dOptions): Tensor | [Tensor, Tensor] {
  const op = "max_pool2d";
  const o = readOptions(options, op, MAX_POOL_KEYS);
  const x = poolInput(op, input);
  if (!isFloating(x.dtype)) throw new DTypeError(`${op}: "max_pool2d" not implemented for '${scalarTypeName(x.dtype)}'`);
  const pr = poolParams(op, kernelSize, o);
  const [OH, OW] = pooledSize(op, x, pr);
  const [out, indices] = maxPoolOp.many([x], slidingPlan(x, pr, OH, OW)) as [Tensor, Tensor];
  return o.returnIndices ? [out, indices] : out;
}

/** `F.avgPool2d`'s keyword arguments, as PyTorch's. */
export interface AvgPool2dOptions {
  /** Window step (default: the kernel size). */
  stride?: Size2 | null;
  /** Implicit zero padding per side (at most half the kernel). */
  padding?: Size2;
  /** Ceil instead of floor when computing the output size. */
  ceilMode?: boolean;
  /** Count the zero padding in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divide every window sum by this instead. */
  divisorOverride?: number | null;
}

const AVG_POOL_KEYS: OptionKeys<AvgPool2dOptions> = {
  stride: true,
  padding: true,
  ceilMode: "boolean",
  countIncludePad: "boolean",
  divisorOverride: "number",
};

/**
 * Mean over sliding windows of the last two dims.
 *
 * @example
 * ```ts
 * const x = torch.tensor([[[[1, 2, 3, 4], [5, 6, 7, 8]]]]);
 * console.log(torch.F.avgPool2d(x, 2)); // tensor([[[[3.5000, 5.5000]]]])
 * console.log(torch.F.avgPool2d(x, 2, { padding: 1, countIncludePad: false })); // tensor([[[[1.0000, 2.5000, 4.0000],\n          [5.0000, 6.5000, 8.0000]]]])
 * ```
 */
export function avgPool2d(input: Tensor, kernelSize: Size2, options?: AvgPool2dOptions): Tensor {
  const op = "avg_pool2d";
  const o = readOptions(options, op, AVG_POOL_KEYS);
  const x = poolInput(op, input);
  checkKernelDtype(op, "avg_pool2d", x, ["float32", "float64", "int64"]);
  const pr = poolParams(op, kernelSize, o);
  const override = o.divisorOverride ?? null;
  if (override === 0) throw new ArgumentError(`${op}: divisor must be not zero`);
  const [OH, OW] = pooledSize(op, x, pr);
  const plan = slidingPlan(x, pr, OH, OW);
  const divisor = avgDivisors(plan.planes, pr, o.countIncludePad ?? true, override);
  return avgPoolOp([x], { ...plan, divisor, names: ["AvgPool2DBackward0", "AvgPool2DBackwardBackward0"] });
}

/** Adaptive windows: output i of n over a size s covers [floor(i s / n), ceil((i + 1) s / n)). */
function adaptivePlan(x: Tensor, OH: number, OW: number): AvgPlan {
  const pl = planesOf(x, OH, OW);
  const bounds = (i: number, s: number, n: number) => [Math.floor((i * s) / n), Math.ceil(((i + 1) * s) / n)] as const;
  const kh = Math.max(...Array.from({ length: OH }, (_, i) => bounds(i, pl.H, OH)[1] - bounds(i, pl.H, OH)[0]), 0);
  const kw = Math.max(...Array.from({ length: OW }, (_, j) => bounds(j, pl.W, OW)[1] - bounds(j, pl.W, OW)[0]), 0);
  const index = new Int32Array(pl.P * OH * OW * kh * kw).fill(-1);
  const divisor = new Float64Array(OH * OW);
  for (let oi = 0; oi < OH; oi++) {
    const [h0, h1] = bounds(oi, pl.H, OH);
    for (let oj = 0; oj < OW; oj++) {
      const [w0, w1] = bounds(oj, pl.W, OW);
      divisor[oi * OW + oj] = (h1 - h0) * (w1 - w0);
      for (let p = 0; p < pl.P; p++) {
        const at = ((p * OH + oi) * OW + oj) * kh * kw;
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) index[at + (h - h0) * kw + (w - w0)] = (p * pl.H + h) * pl.W + w;
      }
    }
  }
  const names = ["AdaptiveAvgPool2DBackward0", "AdaptiveAvgPool2DBackwardBackward0"] as const;
  return { index, K: kh * kw, inShape: x.shape, outShape: [...x.shape.slice(0, -2), OH, OW], planes: pl, divisor, names };
}

/**
 * Mean pooling to a fixed output size (an int, or [h, w] with null keeping
 * the input's size). Output 1 x 1 is the mean over the last two dims, as PyTorch.
 *
 * @example
 * ```ts
 * const x = torch.tensor([[[1, 2, 3], [4, 5, 6]]]);
 * console.log(torch.F.adaptiveAvgPool2d(x, [1, 2])); // tensor([[[3., 4.]]])
 * ```
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  const op = "adaptive_avg_pool2d";
  const x = expectTensor(input, op, "input");
  checkKernelDtype(op, "adaptive_avg_pool2d", x);
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(`${op}(): Expected 3D or 4D tensor, but got ${formatShape(x.shape)}`);
  const given = typeof outputSize === "number" ? [outputSize, outputSize] : outputSize;
  if (!Array.isArray(given) || given.length !== 2) throw new ArgumentError(`${op}: output_size must be 2`);
  const sizes = checkSizes(
    given.map((s, i) => s ?? (x.shape[x.ndim - 2 + i] as number)),
    op,
    { arg: "output_size", min: Number.NEGATIVE_INFINITY },
  );
  const [OH, OW] = sizes as [number, number];
  if (OH < 0 || OW < 0) {
    throw new ArgumentError(`${op}: elements of output_size must be greater than or equal to 0 but received {${OH}, ${OW}}`);
  }
  const emptyDim = x.shape.findIndex((s, d) => d > x.ndim - 4 && s === 0);
  if (emptyDim >= 0) {
    throw new ShapeError(
      `${op}(): Expected input to have non-zero size for non-batch dimensions, but input has sizes ${formatShape(x.shape)} with dimension ${emptyDim} being empty`,
    );
  }
  if (OH === 1 && OW === 1) return x.mean([-1, -2], { keepdim: true });
  return avgPoolOp([x], adaptivePlan(x, OH, OW));
}
