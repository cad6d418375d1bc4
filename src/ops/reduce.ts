/**
 * Reductions over all dims, one dim or several (`keepdim` keeps them as
 * size 1). Backward formulas unsqueeze the gradient back to keepdim form
 * and expand it to the input's shape, as PyTorch's sum_backward.
 */

import { type DType, isFloating, isIntegral, scalarTypeName } from "../core/dtype.js";
import { ArgumentError, DTypeError, IndexError, ShapeError } from "../core/errors.js";
import { type OptionKeys, readOptions } from "../core/options.js";
import { contiguousStrides, normalizeDim, normalizeDims } from "../core/shape.js";
import type { Tensor } from "../tensor.js";
import { divScalar, mulScalar, where } from "./arith.js";
import { cat } from "./combine.js";
import { defineOp } from "./define.js";
import * as K from "./kernels.js";
import { expectTensor } from "./scalars.js";
import { DTYPE_KEYS, type DTypeOptions } from "./sizes.js";

/** Dims to reduce: one, several, or all (null / omitted). */
export type Dims = number | readonly number[] | null | undefined;

export interface ReduceOptions {
  /** Keep the reduced dims, with size 1 (default false). */
  keepdim?: boolean;
}

export const REDUCE_KEYS: OptionKeys<ReduceOptions> = { keepdim: "boolean" };

/** The options of sum, mean and prod: keepdim and the dtype of the result. */
export interface SumOptions extends ReduceOptions {
  /** The dtype of the result (the input is cast to it first). */
  dtype?: DType;
}

export const SUM_KEYS: OptionKeys<SumOptions> = { keepdim: "boolean", dtype: "dtype" };

interface ReduceAttrs {
  /** Normalised, sorted dims; all dims when `all`. */
  dims: number[];
  all: boolean;
  keepdim: boolean;
  dtype: DType;
}

function reduceAttrs(x: Tensor, dim: Dims, keepdim: boolean, dtype: DType, op: string): ReduceAttrs {
  const all = dim === null || dim === undefined || (Array.isArray(dim) && dim.length === 0);
  const list: readonly number[] = all ? x.shape.map((_, i) => i) : typeof dim === "number" ? [dim] : (dim as readonly number[]);
  return { dims: normalizeDims(list, x.ndim, op), all, keepdim: all ? keepdim : keepdim, dtype };
}

/** The gradient of a reduction, reshaped to keepdim form and expanded to `shape`. */
export function expandGrad(g: Tensor, shape: readonly number[], dims: readonly number[], keepdim: boolean): Tensor {
  let r = g;
  if (!keepdim && shape.length > 0) for (const d of dims) r = r.unsqueeze(d);
  return r.expand(shape);
}

const sumOp = defineOp<ReduceAttrs>({
  name: "sum",
  gradFn: (a) => (a.all && !a.keepdim ? "SumBackward0" : "SumBackward1"),
  forward: ([x], a) => K.reduce("sum", x as Tensor, a.dims, a.keepdim, a.dtype),
  backward: ([g], c) => {
    const { shape } = c.inputMeta[0] as { shape: readonly number[] };
    return [c.attrs.all && !c.attrs.keepdim ? g.expand(shape) : expandGrad(g, shape, c.attrs.dims, c.attrs.keepdim)];
  },
});

/**
 * Sum of all elements, or over `dim` (one dim or several).
 * Integer and bool tensors sum to int64.
 *
 * @example
 * ```ts
 * const x = torch.tensor([[1, 2], [3, 4]]);
 * console.log(torch.sum(x)); // tensor(10.)
 * console.log(torch.sum(x, 1, { keepdim: true })); // tensor([[3.],\n        [7.]])
 * ```
 */
export function sum(input: Tensor, dim?: Dims, options?: SumOptions): Tensor {
  const o = readOptions(options, "sum", SUM_KEYS);
  const x = expectTensor(input, "sum", "input");
  const dtype = o.dtype ?? (isIntegral(x.dtype, true) ? "int64" : x.dtype);
  return sumOp([x], reduceAttrs(x, dim, o.keepdim ?? false, dtype, "sum"));
}

const meanOp = defineOp<ReduceAttrs>({
  name: "mean",
  gradFn: (a) => (a.all && !a.keepdim ? "MeanBackward0" : "MeanBackward1"),
  forward: ([x], a) => {
    const s = K.reduce("sum", x as Tensor, a.dims, a.keepdim, a.dtype);
    const n = (x as Tensor).numel() / Math.max(s.numel(), 1);
    return K.binary("div", s, K.scalar(n, a.dtype), a.dtype);
  },
  backward: ([g], c) => {
    const { shape } = c.inputMeta[0] as { shape: readonly number[] };
    let n = 1;
    for (const d of c.attrs.dims) n *= shape[d] as number;
    const expanded = c.attrs.all && !c.attrs.keepdim ? g.expand(shape) : expandGrad(g, shape, c.attrs.dims, c.attrs.keepdim);
    return [divScalar(expanded, n)];
  },
});

/**
 * Mean of all elements, or over `dim`. Needs a floating tensor.
 *
 * @example
 * ```ts
 * console.log(torch.mean(torch.tensor([1, 2, 3, 4]))); // tensor(2.5000)
 * ```
 */
export function mean(input: Tensor, dim?: Dims, options?: SumOptions): Tensor {
  const o = readOptions(options, "mean", SUM_KEYS);
  const x = expectTensor(input, "mean", "input");
  const dtype = o.dtype ?? x.dtype;
  if (!isFloating(dtype)) {
    throw new DTypeError(
      `mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${scalarTypeName(x.dtype)}`,
    );
  }
  return meanOp([x], reduceAttrs(x, dim, o.keepdim ?? false, dtype, "mean"));
}

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
  const s = K.reduce("sum", K.unary("powScalar", ax, "float64", p), dims, keepdim, "float64");
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

// ----- prod ----------------------------------------------------------------------

const prodOp = defineOp<ReduceAttrs & { dimGiven: boolean }>({
  name: "prod",
  gradFn: (a) => (a.dimGiven ? "ProdBackward1" : "ProdBackward0"),
  save: "both",
  forward: ([x], a) => K.reduce("prod", x as Tensor, a.dims, a.keepdim, a.dtype),
  backward: ([g], c) => [prodBackward(g, c.input(0), c.result(), c.attrs)],
});

/**
 * d prod / dx_i = prod / x_i when no x is zero; with zeros, the product of
 * the other elements, from exclusive cumulative products (PyTorch's
 * prod_safe_zeros_backward).
 */
function prodBackward(grad: Tensor, x: Tensor, result: Tensor, a: ReduceAttrs & { dimGiven: boolean }): Tensor {
  if (x.ndim === 0) return grad;
  if (!a.dimGiven) {
    const flat = x.contiguous().view(-1);
    if (!x.eq(0).any().item()) return grad.mul(result.div(x));
    return safeZerosBackward(grad, flat, 0).view(x.shape);
  }
  const dim = a.dims[0] as number;
  let g = grad;
  let r = result;
  if (!a.keepdim && x.ndim !== 1) {
    g = g.unsqueeze(dim);
    r = r.unsqueeze(dim);
  }
  if (!x.eq(0).any().item()) return g.mul(r.div(x));
  return safeZerosBackward(g, x, dim);
}

function safeZerosBackward(grad: Tensor, x: Tensor, dim: number): Tensor {
  const n = x.shape[dim] as number;
  if (x.numel() === 0) return grad.expand(x.shape);
  const onesShape = x.shape.map((s, d) => (d === dim ? 1 : s));
  const ones = K.full(onesShape, 1, grad.dtype);
  const before = cat([ones, x.narrow(dim, 0, n - 1)], dim).cumprod(dim);
  const after = cat([ones, x.narrow(dim, 1, n - 1).flip([dim])], dim)
    .cumprod(dim)
    .flip([dim]);
  return grad.mul(before.mul(after));
}

/**
 * Product of all elements, or along `dim`. Integers and bools give int64.
 *
 * @example
 * ```ts
 * console.log(torch.prod(torch.tensor([[1, 2], [3, 4]]), 1)); // tensor([ 2., 12.])
 * ```
 */
export function prod(input: Tensor, dim?: number | null, options?: SumOptions): Tensor {
  const o = readOptions(options, "prod", SUM_KEYS);
  const x = expectTensor(input, "prod", "input");
  const dtype = o.dtype ?? (isIntegral(x.dtype, true) ? "int64" : x.dtype);
  const given = dim !== null && dim !== undefined;
  return prodOp([x], { ...reduceAttrs(x, given ? dim : null, o.keepdim ?? false, dtype, "prod"), dimGiven: given });
}

// ----- max / min -------------------------------------------------------------------

/** `t` reshaped to keepdim form (size 1 at the reduced dims). */
function restoreDims(t: Tensor, dims: readonly number[], keepdim: boolean, ndim: number): Tensor {
  if (keepdim || t.ndim === ndim) return t;
  const shape: number[] = [];
  let j = 0;
  for (let d = 0; d < ndim; d++) shape.push(dims.includes(d) ? 1 : (t.shape[j++] as number));
  return t.reshape(shape);
}

function amaxOp(kind: "max" | "min") {
  return defineOp<ReduceAttrs>({
    name: kind === "max" ? "amax" : "amin",
    gradFn: kind === "max" ? "AmaxBackward0" : "AminBackward0",
    save: "both",
    forward: ([x], a) => K.reduce(kind, x as Tensor, a.dims, a.keepdim),
    // Ties share the gradient evenly.
    backward: ([g], c) => {
      const x = c.input(0);
      const { dims, keepdim } = c.attrs;
      const mask = restoreDims(c.result(), dims, keepdim, x.ndim).eq(x);
      return [
        restoreDims(g, dims, keepdim, x.ndim)
          .div(mask.sum(dims, { keepdim: true }))
          .mul(mask),
      ];
    },
  });
}

const amaxDef = amaxOp("max");
const aminDef = amaxOp("min");

function amaxCall(op: typeof amaxDef, name: string, input: Tensor, dim: Dims, keepdim: boolean): Tensor {
  const x = expectTensor(input, name, "input");
  if (x.numel() === 0)
    throw new ShapeError(
      `${name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`,
    );
  return op([x], reduceAttrs(x, dim, keepdim, x.dtype, name));
}

/**
 * Maximum over `dim` (all dims when omitted); ties share the gradient.
 *
 * @example
 * ```ts
 * console.log(torch.amax(torch.tensor([[1, 5], [7, 2]]), 0)); // tensor([7., 5.])
 * ```
 */
export function amax(input: Tensor, dim?: Dims, options?: ReduceOptions): Tensor {
  return amaxCall(amaxDef, "amax", input, dim, readOptions(options, "amax", REDUCE_KEYS).keepdim ?? false);
}

/** Minimum over `dim` (all dims when omitted); ties share the gradient. */
export function amin(input: Tensor, dim?: Dims, options?: ReduceOptions): Tensor {
  return amaxCall(aminDef, "amin", input, dim, readOptions(options, "amin", REDUCE_KEYS).keepdim ?? false);
}

function maxAllOp(kind: "max" | "min") {
  return defineOp<Record<string, never>>({
    name: kind,
    gradFn: kind === "max" ? "MaxBackward1" : "MinBackward1",
    save: "both",
    forward: ([x]) =>
      K.reduce(
        kind,
        x as Tensor,
        (x as Tensor).shape.map((_, d) => d),
        false,
      ),
    // The gradient is spread evenly over the elements equal to the result (NaN: over the NaNs).
    backward: ([g], c) => {
      const x = c.input(0);
      const r = c.result();
      const mask = r.isnan().item() ? x.isnan() : x.eq(r);
      return [K.full(x.shape, 0, g.dtype).maskedFill(mask, g.div(mask.sum()))];
    },
  });
}

const maxAllDef = maxAllOp("max");
const minAllDef = maxAllOp("min");

function maxDimOp(kind: "max" | "min") {
  return defineOp<{ dim: number; keepdim: boolean }>({
    name: kind,
    gradFn: kind === "max" ? "MaxBackward0" : "MinBackward0",
    save: "result",
    forward: ([x], { dim, keepdim }) => [
      K.reduce(kind, x as Tensor, [dim], keepdim),
      K.argReduce(kind === "max" ? "argmax" : "argmin", x as Tensor, dim, keepdim),
    ],
    // The gradient goes to the selected element of each slice (PyTorch's value_selecting_reduction_backward).
    backward: ([g], c) => {
      const { dim, keepdim } = c.attrs;
      const { shape } = c.inputMeta[0] as { shape: readonly number[] };
      const indices = c.result(1);
      const zeros = K.full(shape, 0, g.dtype);
      if (!keepdim && shape.length > 0) return [zeros.scatter(dim, indices.unsqueeze(dim), g.unsqueeze(dim))];
      return [zeros.scatter(dim, indices, g)];
    },
  });
}

const maxDimDef = maxDimOp("max");
const minDimDef = maxDimOp("min");

function maxCall(
  kind: "max" | "min",
  input: Tensor,
  dim: number | undefined,
  options: ReduceOptions | undefined,
): Tensor | [Tensor, Tensor] {
  const keepdim = readOptions(options, kind, REDUCE_KEYS).keepdim ?? false;
  const x = expectTensor(input, kind, "input");
  if (dim === undefined) {
    if (keepdim) throw new ArgumentError(`${kind}(): keepdim needs a dim to keep: ${kind}(x, dim, { keepdim: true })`);
    if (x.numel() === 0) {
      throw new ShapeError(
        `${kind}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`,
      );
    }
    return (kind === "max" ? maxAllDef : minAllDef)([x], {});
  }
  const d = normalizeDim(dim, x.ndim, kind);
  if (x.ndim > 0 && x.shape[d] === 0) throw new IndexError(`${kind}(): Expected reduction dim ${d} to have non-zero size.`);
  const [values, indices] = (kind === "max" ? maxDimDef : minDimDef).many([x], { dim: d, keepdim }) as [Tensor, Tensor];
  return [values, indices];
}

/**
 * The largest element; with `dim`, `[values, indices]` of the largest along it
 * (the first index among ties).
 *
 * @example
 * ```ts
 * const x = torch.tensor([[1, 5], [7, 2]]);
 * console.log(torch.max(x)); // tensor(7.)
 * const [values, indices] = torch.max(x, 1);
 * console.log(values, indices); // tensor([5., 7.]) tensor([1, 0])
 * ```
 */
export function max(input: Tensor): Tensor;
export function max(input: Tensor, dim: number, options?: ReduceOptions): [Tensor, Tensor];
export function max(input: Tensor, dim?: number, options?: ReduceOptions): Tensor | [Tensor, Tensor] {
  return maxCall("max", input, dim, options);
}

/** The smallest element; with `dim`, `[values, indices]` of the smallest along it. */
export function min(input: Tensor): Tensor;
export function min(input: Tensor, dim: number, options?: ReduceOptions): [Tensor, Tensor];
export function min(input: Tensor, dim?: number, options?: ReduceOptions): Tensor | [Tensor, Tensor] {
  return maxCall("min", input, dim, options);
}

const argOps = {
  argmax: defineOp<{ dim: number | null; keepdim: boolean }>({
    name: "argmax",
    forward: ([x], a) => argForward("argmax", x as Tensor, a),
  }),
  argmin: defineOp<{ dim: number | null; keepdim: boolean }>({
    name: "argmin",
    forward: ([x], a) => argForward("argmin", x as Tensor, a),
  }),
};

function argForward(op: "argmax" | "argmin", x: Tensor, a: { dim: number | null; keepdim: boolean }): Tensor {
  if (a.dim !== null) return K.argReduce(op, x, a.dim, a.keepdim);
  const flat = K.argReduce(op, K.contiguous(x).view(-1), 0, false);
  return a.keepdim ? flat.reshape(x.shape.map(() => 1)) : flat;
}

function argCall(op: "argmax" | "argmin", input: Tensor, dim: number | null | undefined, keepdim: boolean): Tensor {
  const x = expectTensor(input, op, "input");
  if (x.dtype === "bool") throw new DTypeError(`${op}: "${op}_cpu" not implemented for 'Bool'`);
  const d = dim === null || dim === undefined ? null : normalizeDim(dim, x.ndim, op);
  if (x.numel() === 0) throw new IndexError(`${op}(): Expected reduction dim to be specified for input.numel() == 0.`);
  return argOps[op]([x], { dim: d, keepdim });
}

/**
 * Index of the largest element (of the flattened tensor, or along `dim`); int64.
 *
 * @example
 * ```ts
 * console.log(torch.argmax(torch.tensor([[1, 5], [7, 2]]), 1)); // tensor([1, 0])
 * ```
 */
export function argmax(input: Tensor, dim?: number | null, options?: ReduceOptions): Tensor {
  return argCall("argmax", input, dim, readOptions(options, "argmax", REDUCE_KEYS).keepdim ?? false);
}

/** Index of the smallest element (of the flattened tensor, or along `dim`); int64. */
export function argmin(input: Tensor, dim?: number | null, options?: ReduceOptions): Tensor {
  return argCall("argmin", input, dim, readOptions(options, "argmin", REDUCE_KEYS).keepdim ?? false);
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

// ----- cumulative sums and products --------------------------------------------------------

interface ScanAttrs {
  dim: number;
  dtype: DType;
}

const cumsumOp = defineOp<ScanAttrs>({
  name: "cumsum",
  gradFn: "CumsumBackward0",
  forward: ([x], a) => K.scan("cumsum", x as Tensor, a.dim, a.dtype),
  // The gradient of x_i collects every later output: a reversed cumulative sum.
  backward: ([g], c) => {
    const { dim } = c.attrs;
    if (g.numel() <= 1 || g.shape[dim] === 1) return [g];
    return [g.flip([dim]).cumsum(dim).flip([dim])];
  },
});

const cumprodOp = defineOp<ScanAttrs>({
  name: "cumprod",
  gradFn: "CumprodBackward0",
  save: "both",
  forward: ([x], a) => K.scan("cumprod", x as Tensor, a.dim, a.dtype),
  backward: ([g], c) => [cumprodBackward(g, c.input(0), c.result(), c.attrs.dim)],
});

/**
 * Without zeros: d/dx_i sum_j g_j y_j = (reversed cumsum of g y)_i / x_i. With
 * zeros: for each i, the cumulative product with x_i replaced by 1 gives
 * dy_j/dx_i for j >= i (O(n^2), differentiable).
 */
function cumprodBackward(g: Tensor, x: Tensor, y: Tensor, dim: number): Tensor {
  const n = x.shape[dim] as number;
  if (x.ndim === 0 || x.numel() <= 1 || n === 1) return g;
  if (!x.eq(0).any().item()) return g.mul(y).flip([dim]).cumsum(dim).flip([dim]).div(x);
  const positions = K.full([n], 0, "int64");
  for (let i = 0; i < n; i++) positions._storage.data[i] = i;
  const pos = positions.reshape(x.shape.map((_, d) => (d === dim ? n : 1)));
  const parts: Tensor[] = [];
  for (let i = 0; i < n; i++) {
    const others = where(pos.eq(i), 1, x).cumprod(dim);
    parts.push(g.mul(others).maskedFill(pos.lt(i), 0).sum(dim, { keepdim: true }));
  }
  return cat(parts, dim);
}

function scanArgs(input: Tensor, dim: number, options: DTypeOptions | undefined, op: string): [Tensor, ScanAttrs] {
  const { dtype } = readOptions(options, op, DTYPE_KEYS);
  const x = expectTensor(input, op, "input");
  const d = dtype ?? (isIntegral(x.dtype, true) ? "int64" : x.dtype);
  return [x, { dim: normalizeDim(dim, x.ndim, op), dtype: d }];
}

/**
 * Cumulative sum along `dim`.
 *
 * @example
 * ```ts
 * console.log(torch.cumsum(torch.tensor([1, 2, 3]), 0)); // tensor([1., 3., 6.])
 * ```
 */
export function cumsum(input: Tensor, dim: number, options?: DTypeOptions): Tensor {
  const [x, a] = scanArgs(input, dim, options, "cumsum");
  return cumsumOp([x], a);
}

/**
 * Cumulative product along `dim`.
 *
 * @example
 * ```ts
 * console.log(torch.cumprod(torch.tensor([1, 2, 3]), 0)); // tensor([1., 2., 6.])
 * ```
 */
export function cumprod(input: Tensor, dim: number, options?: DTypeOptions): Tensor {
  const [x, a] = scanArgs(input, dim, options, "cumprod");
  return cumprodOp([x], a);
}

// ----- all / any -------------------------------------------------------------------

const logicalReduce = (kind: "all" | "any") =>
  defineOp<ReduceAttrs>({
    name: kind,
    forward: ([x], a) => K.reduce(kind, x as Tensor, a.dims, a.keepdim, "bool"),
  });
const allDef = logicalReduce("all");
const anyDef = logicalReduce("any");

/**
 * Whether every element is true (non-zero), overall or along `dim`.
 *
 * @example
 * ```ts
 * console.log(torch.all(torch.tensor([1, 0, 2]))); // tensor(False)
 * ```
 */
export function all(input: Tensor, dim?: Dims, options?: ReduceOptions): Tensor {
  const o = readOptions(options, "all", REDUCE_KEYS);
  const x = expectTensor(input, "all", "input");
  return allDef([x], reduceAttrs(x, dim, o.keepdim ?? false, "bool", "all"));
}

/**
 * Whether any element is true (non-zero), overall or along `dim`.
 *
 * @example
 * ```ts
 * console.log(torch.any(torch.tensor([0, 0, 2]))); // tensor(True)
 * ```
 */
export function any(input: Tensor, dim?: Dims, options?: ReduceOptions): Tensor {
  const o = readOptions(options, "any", REDUCE_KEYS);
  const x = expectTensor(input, "any", "input");
  return anyDef([x], reduceAttrs(x, dim, o.keepdim ?? false, "bool", "any"));
}
