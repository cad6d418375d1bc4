/**
 * Norms and statistics over all dims or some: norm, var, std, logsumexp.
 * Backward formulas follow PyTorch's (norm_backward, var_backward, ...).
 */

import { isFloating, scalarTypeName } from "../core/dtype.js";
import { ArgumentError, DTypeError } from "../core/errors.js";
import { type OptionKeys, readOptions } from "../core/options.js";
import { contiguousStrides } from "../core/shape.js";
import type { Tensor } from "../tensor.js";
import { mulScalar } from "./arith.js";
import { defineOp } from "./define.js";
import * as K from "./kernels.js";
import { type Dims, expandGrad, REDUCE_KEYS, type ReduceAttrs, type ReduceOptions, reduceAttrs, restoreDims } from "./reduce.js";
import { expectTensor } from "./scalars.js";

// ----- norm --------------------------------------------------------------------------

interface NormAttrs extends ReduceAttrs {
  p: number;
}

function normForward(x: Tensor, a: NormAttrs): Tensor {
  const { p, dims, keepdim, dtype } = a;
  const ax = K.unary("abs", x, dtype);
  if (p === Number.POSITIVE_INFINITY) return K.reduce("max", ax, dims, keepdim, dtype);
  if (p === Number.NEGATIVE_INFINITY) return K.reduce("min", ax, dims, keepdim, dtype);
  if (p === 0) return K.reduce("sum", K.unary("sign", ax, dtype), dims, keepdim, dtype);
  if (p === 1) return K.reduce("sum", ax, dims, keepdim, dtype);
  // Powers summed in float64 on the CPU; a device has no float64: its float32.
  const acc = x.device === "cpu" ? "float64" : dtype;
  const s = K.reduce("sum", K.unary("powScalar", ax, acc, p), dims, keepdim, acc);
  return K.unary(p === 2 ? "sqrt" : "powScalar", s, dtype, 1 / p);
}

const normOp = defineOp<NormAttrs>({
  name: "norm",
  gradFn: "NormBackward1",
  save: "both",
  forward: ([x], a) => normForward(x as Tensor, a),
  backward: ([g], c) => [normBackward(g, c.input(0), c.result(), c.attrs)],
});

/** PyTorch's norm_backward for p = 1, 2, inf and general p (p = 0 has no gradient). */
function normBackward(grad: Tensor, x: Tensor, norm: Tensor, a: NormAttrs): Tensor | null {
  const { p, dims, keepdim } = a;
  let g = grad;
  let n = norm;
  if (!keepdim && x.ndim > 0) {
    for (const d of dims) {
      g = g.unsqueeze(d);
      n = n.unsqueeze(d);
    }
  }
  if (p === 0) return null;
  if (p === 1) return x.sign().mul(g);
  // Where the norm is 0 the gradient is taken as 0 (subgradient).
  if (p === 2) return g.mul(x.div(n).maskedFill(n.eq(0), 0));
  if (!Number.isFinite(p)) {
    // Spread the gradient evenly over the elements attaining the max (or min) |x|.
    const ax = x.abs();
    const mask = ax.eq(n).logicalOr(ax.isnan());
    return x.sign().mul(g.div(mask.sum(dims, { keepdim: true })).mul(mask));
  }
  if (p < 1) {
    const scaled = x.sign().mul(
      x
        .abs()
        .pow(p - 1)
        .maskedFill(x.eq(0), 0),
    );
    return scaled.mul(g).mul(n.pow(1 - p));
  }
  const scaled = p < 2 ? x.sign().mul(x.abs().pow(p - 1)) : x.mul(x.abs().pow(p - 2));
  return scaled.mul(g.div(n.pow(p - 1)).maskedFill(n.eq(0), 0));
}

/**
 * The p-norm of all elements, or over `dim` (default p = 2, the Euclidean
 * norm; "fro" is p = 2; Infinity is the max |x|).
 *
 * @example
 * ```ts
 * console.log(torch.norm(torch.tensor([3, 4]))); // tensor(5.)
 * console.log(torch.norm(torch.tensor([3, -4]), 1)); // tensor(7.)
 * ```
 */
export function norm(input: Tensor, p: number | "fro" | null = "fro", dim?: Dims, options?: ReduceOptions): Tensor {
  const o = readOptions(options, "norm", REDUCE_KEYS);
  const x = expectTensor(input, "norm", "input");
  const order = normOrder(p);
  if (!isFloating(x.dtype)) {
    throw new DTypeError(`norm(): input dtype should be either floating point or complex. Got ${scalarTypeName(x.dtype)} instead.`);
  }
  const attrs = reduceAttrs(x, dim, o.keepdim ?? false, x.dtype, "norm");
  return normOp([x], { ...attrs, p: order });
}

/** norm's p as a number: "fro" (and null, PyTorch's None) is 2; other strings raise PyTorch's error. */
function normOrder(p: unknown): number {
  if (typeof p === "number") return p;
  if (p === "fro" || p === null || p === undefined) return 2;
  if (p === "nuc") throw new ArgumentError("norm(): p='nuc' (the nuclear norm) is not supported; use 'fro' or a number");
  if (typeof p === "string") throw new ArgumentError(`norm(): only valid string values are 'fro' and 'nuc', found ${p}`);
  const kind = Array.isArray(p) ? "an array" : typeof p === "object" ? "an object" : `a ${typeof p}`;
  throw new ArgumentError(`norm(): p must be a number, 'fro' or 'nuc'; got ${kind} (options go last: norm(x, p, dim, { keepdim }))`);
}

// ----- var / std -------------------------------------------------------------------

interface VarAttrs extends ReduceAttrs {
  correction: number;
}

export interface VarOptions extends ReduceOptions {
  /** Bessel's correction: divide by N - 1 (default true). */
  unbiased?: boolean;
  /** Divide by N - correction (overrides `unbiased`). */
  correction?: number;
}

// PyTorch 1.13's positional order: var(input, dim, unbiased, keepdim).
export const VAR_KEYS: OptionKeys<VarOptions> = { unbiased: "boolean", keepdim: "boolean", correction: "number" };

function varForward(x: Tensor, a: VarAttrs): Tensor {
  const mean = K.binary("div", K.reduce("sum", x, a.dims, true), K.scalar(countOf(x.shape, a.dims), a.dtype), a.dtype);
  const dev = K.binary("sub", x, mean, a.dtype);
  const ss = K.reduce("sum", K.binary("mul", dev, dev, a.dtype), a.dims, a.keepdim);
  return K.binary("div", ss, K.scalar(Math.max(countOf(x.shape, a.dims) - a.correction, 0), a.dtype), a.dtype);
}

function countOf(shape: readonly number[], dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= shape[d] as number;
  return n;
}

/** d var / dx = 2 (x - mean) / (N - correction), PyTorch's var_backward. */
function varBackward(grad: Tensor, x: Tensor, a: VarAttrs): Tensor {
  let g = grad;
  if (!a.all && !a.keepdim && x.ndim > 1) for (const d of a.dims) g = g.unsqueeze(d);
  const dof = countOf(x.shape, a.dims) - a.correction;
  const centred = a.all ? x.sub(x.mean()) : x.sub(x.mean(a.dims, { keepdim: true }));
  return mulScalar(g, 2 / dof).mul(centred);
}

const varOp = defineOp<VarAttrs>({
  name: "var",
  gradFn: "VarBackward0",
  save: "inputs",
  forward: ([x], a) => varForward(x as Tensor, a),
  backward: ([g], c) => [varBackward(g, c.input(0), c.attrs)],
});

const stdOp = defineOp<VarAttrs>({
  name: "std",
  gradFn: "StdBackward0",
  save: "both",
  forward: ([x], a) => K.unary("sqrt", varForward(x as Tensor, a)),
  // d std = d var / (2 std); taken as 0 where std is 0.
  backward: ([g], c) => {
    const r = c.result();
    return [varBackward(g.div(mulScalar(r, 2)).maskedFill(r.eq(0), 0), c.input(0), c.attrs)];
  },
});

function varArgs(input: Tensor, dim: Dims, options: VarOptions | undefined, op: string): [Tensor, VarAttrs] {
  const o = readOptions(options, op, VAR_KEYS);
  const x = expectTensor(input, op, "input");
  if (!isFloating(x.dtype))
    throw new DTypeError(`${op}: input dtype should be either floating point or complex. Got ${scalarTypeName(x.dtype)} instead.`);
  const correction = o.correction ?? (o.unbiased === false ? 0 : 1);
  return [x, { ...reduceAttrs(x, dim, o.keepdim ?? false, x.dtype, op), correction }];
}

/**
 * Variance over `dim` (all dims when omitted), dividing by N - 1 unless
 * `unbiased: false` (or by N - `correction`).
 *
 * @example
 * ```ts
 * console.log(torch.var(torch.tensor([1, 2, 3, 4]))); // tensor(1.6667)
 * console.log(torch.var(torch.tensor([1, 2, 3, 4]), null, { unbiased: false })); // tensor(1.2500)
 * ```
 */
export function var_(input: Tensor, dim?: Dims, options?: VarOptions): Tensor {
  const [x, a] = varArgs(input, dim, options, "var");
  return varOp([x], a);
}

/**
 * Standard deviation over `dim` (all dims when omitted), as `var`.
 *
 * @example
 * ```ts
 * console.log(torch.std(torch.tensor([1, 2, 3, 4]))); // tensor(1.2910)
 * ```
 */
export function std(input: Tensor, dim?: Dims, options?: VarOptions): Tensor {
  const [x, a] = varArgs(input, dim, options, "std");
  return stdOp([x], a);
}

// ----- logsumexp ---------------------------------------------------------------------

const logsumexpOp = defineOp<ReduceAttrs>({
  name: "logsumexp",
  gradFn: "LogsumexpBackward0",
  save: "both",
  // max + log(sum(exp(x - max))), with -inf rows giving -inf.
  forward: ([x], a) => {
    const t = x as Tensor;
    const m = K.reduce("max", t, a.dims, true);
    const safeM = K.where(K.unary("isinf", m, "bool"), K.scalar(0, t.dtype), m, t.dtype);
    const s = K.reduce("sum", K.unary("exp", K.binary("sub", t, safeM, t.dtype)), a.dims, true);
    const r = K.binary("add", K.unary("log", s), safeM, t.dtype);
    if (a.keepdim) return r;
    const shape = t.shape.filter((_, d) => !a.dims.includes(d));
    return K.asStrided(r, shape, contiguousStrides(shape), 0);
  },
  // d/dx logsumexp = exp(x - result).
  backward: ([g], c) => {
    const x = c.input(0);
    const { dims, keepdim } = c.attrs;
    const gr = restoreDims(g, dims, keepdim, x.ndim);
    const r = restoreDims(c.result(), dims, keepdim, x.ndim);
    return [gr.mul(x.sub(r).exp())];
  },
});

/**
 * log(sum(exp(x))) over `dim`, computed stably.
 *
 * @example
 * ```ts
 * console.log(torch.logsumexp(torch.tensor([1, 2, 3]), 0)); // tensor(3.4076)
 * ```
 */
export function logsumexp(input: Tensor, dim: number | readonly number[], options?: ReduceOptions): Tensor {
  const o = readOptions(options, "logsumexp", REDUCE_KEYS);
  const x = expectTensor(input, "logsumexp", "input");
  const floatX = isFloating(x.dtype) ? x : x.to("float32");
  return logsumexpOp([floatX], reduceAttrs(floatX, dim, o.keepdim ?? false, floatX.dtype, "logsumexp"));
}

// ----- var_mean / std_mean -----------------------------------------------------------

/** The mean over `a.dims` as var's forward computes it. */
function meanForward(x: Tensor, a: VarAttrs): Tensor {
  return K.binary("div", K.reduce("sum", x, a.dims, a.keepdim), K.scalar(countOf(x.shape, a.dims), a.dtype), a.dtype);
}

const varMeanOp = defineOp<VarAttrs & { std: boolean }>({
  name: "var_mean",
  gradFn: (a) => (a.std ? "StdMeanBackward0" : "VarMeanBackward0"),
  save: "both",
  forward: ([x], a) => {
    const v = varForward(x as Tensor, a);
    return [a.std ? K.unary("sqrt", v) : v, meanForward(x as Tensor, a)];
  },
  // The variance's (or std's) gradient plus the mean's.
  backward: ([gv, gm = K.full([], 0, gv.dtype)], c) => {
    const x = c.input(0);
    const a = c.attrs;
    const r = c.result(0);
    const fromSpread = a.std ? varBackward(gv.div(mulScalar(r, 2)).maskedFill(r.eq(0), 0), x, a) : varBackward(gv, x, a);
    const fromMean = mulScalar(expandGrad(gm, x.shape, a.dims, a.keepdim), 1 / countOf(x.shape, a.dims));
    return [fromSpread.add(fromMean)];
  },
});

/**
 * The variance and the mean over `dim` (all dims when omitted), in one op:
 * `[var, mean]` (PyTorch's `var_mean`; options as `var`).
 *
 * @example
 * ```ts
 * const [v, m] = torch.varMean(torch.tensor([[1, 4, 2], [3, 0, 5]]), 1);
 * console.log(v, m); // tensor([2.3333, 6.3333]) tensor([2.3333, 2.6667])
 * ```
 */
export function varMean(input: Tensor, dim?: Dims, options?: VarOptions): [Tensor, Tensor] {
  const [x, a] = varArgs(input, dim, options, "var_mean");
  return varMeanOp.many([x], { ...a, std: false }) as [Tensor, Tensor];
}

/**
 * The standard deviation and the mean over `dim` (all dims when omitted), in
 * one op: `[std, mean]` (PyTorch's `std_mean`; options as `std`).
 *
 * @example
 * ```ts
 * const [s, m] = torch.stdMean(torch.tensor([1, 2, 3, 4]));
 * console.log(s, m); // tensor(1.2910) tensor(2.5000)
 * ```
 */
export function stdMean(input: Tensor, dim?: Dims, options?: VarOptions): [Tensor, Tensor] {
  const [x, a] = varArgs(input, dim, options, "std_mean");
  return varMeanOp.many([x], { ...a, std: true }) as [Tensor, Tensor];
}
