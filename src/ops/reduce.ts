/**
 * Reductions over all dims, one dim or several (`keepdim` keeps them as
 * size 1): sum, mean, prod, all, any, and what every reduction shares.
 * Backward formulas unsqueeze the gradient back to keepdim form and expand
 * it to the input's shape, as PyTorch's sum_backward. max, min and the
 * other extrema are in extrema.ts; norm, var, std and logsumexp in
 * statistics.ts; cumsum and cumprod in scan.ts.
 */

import { type DType, isFloating, isIntegral, scalarTypeName } from "../core/dtype.js";
import { DTypeError } from "../core/errors.js";
import { type OptionKeys, readOptions } from "../core/options.js";
import { normalizeDims } from "../core/shape.js";
import type { Tensor } from "../tensor.js";
import { divScalar } from "./arith.js";
import { cat } from "./combine.js";
import { defineOp } from "./define.js";
import * as K from "./kernels.js";
import { expectTensor } from "./scalars.js";

/** Dims to reduce: one, several, or all (null / omitted). */
export type Dims = number | readonly number[] | null | undefined;

/** Options of the reductions over dims (sum, mean, prod, amax, ...): `keepdim` keeps each reduced dim with size 1. */
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

export interface ReduceAttrs {
  /** Normalised, sorted dims; all dims when `all`. */
  dims: number[];
  all: boolean;
  keepdim: boolean;
  dtype: DType;
}

export function reduceAttrs(x: Tensor, dim: Dims, keepdim: boolean, dtype: DType, op: string): ReduceAttrs {
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

/** `t` reshaped to keepdim form (size 1 at the reduced dims). */
export function restoreDims(t: Tensor, dims: readonly number[], keepdim: boolean, ndim: number): Tensor {
  if (keepdim || t.ndim === ndim) return t;
  const shape: number[] = [];
  let j = 0;
  for (let d = 0; d < ndim; d++) shape.push(dims.includes(d) ? 1 : (t.shape[j++] as number));
  return t.reshape(shape);
}

const sumOp = defineOp<ReduceAttrs>({
  name: "sum",
  jvp: "linear",
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
  jvp: "linear",
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
    if (noZeros(x)) return grad.mul(result.div(x));
    return safeZerosBackward(grad, flat, 0).view(x.shape);
  }
  const dim = a.dims[0] as number;
  let g = grad;
  let r = result;
  if (!a.keepdim && x.ndim !== 1) {
    g = g.unsqueeze(dim);
    r = r.unsqueeze(dim);
  }
  if (noZeros(x)) return g.mul(r.div(x));
  return safeZerosBackward(g, x, dim);
}

/**
 * Whether `x` holds no zero, so a product's gradient may divide by it. On a
 * device the answer would need a read back: the formula that allows zeros
 * serves there (it is right either way).
 */
export function noZeros(x: Tensor): boolean {
  return x.device === "cpu" && !x.eq(0).any().item();
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

/**
 * The number of non-zero elements over `dim` (all dims when omitted), as
 * int64 (PyTorch's `count_nonzero`).
 *
 * @example
 * ```ts
 * console.log(torch.countNonzero(torch.tensor([[0, 1], [2, 0]]), 0)); // tensor([1, 1])
 * ```
 */
export function countNonzero(input: Tensor, dim?: Dims): Tensor {
  const x = expectTensor(input, "count_nonzero", "input");
  return sum(x.ne(0), dim ?? undefined, { dtype: "int64" });
}

// ----- NaN-ignoring reductions ------------------------------------------------------

const nansumOp = defineOp<ReduceAttrs>({
  name: "nansum",
  gradFn: "NansumBackward0",
  save: "inputs",
  forward: ([x], a) => {
    const t = x as Tensor;
    const zeroed = isFloating(t.dtype) ? K.where(K.unary("isnan", t, "bool"), K.scalar(0, t.dtype), t, t.dtype) : t;
    return K.reduce("sum", zeroed, a.dims, a.keepdim, a.dtype);
  },
  // The gradient of the sum, except at the NaNs (which did not count).
  backward: ([g], c) => {
    const x = c.input(0);
    const { dims, keepdim } = c.attrs;
    return [expandGrad(g, x.shape, dims, keepdim).maskedFill(x.isnan(), 0)];
  },
});

/**
 * The sum over `dim` (all dims when omitted) counting NaN as zero
 * (PyTorch's `nansum`).
 *
 * @example
 * ```ts
 * console.log(torch.nansum(torch.tensor([1, Number.NaN, 2]))); // tensor(3.)
 * ```
 */
export function nansum(input: Tensor, dim?: Dims, options?: SumOptions): Tensor {
  const o = readOptions(options, "nansum", SUM_KEYS);
  const x = expectTensor(input, "nansum", "input");
  const dtype = o.dtype ?? (isIntegral(x.dtype) || x.dtype === "bool" ? "int64" : x.dtype);
  return nansumOp([x], reduceAttrs(x, dim, o.keepdim ?? false, dtype, "nansum"));
}

/**
 * The mean over `dim` (all dims when omitted) of the elements that are not
 * NaN (PyTorch's `nanmean`: `nansum` divided by their count).
 *
 * @example
 * ```ts
 * console.log(torch.nanmean(torch.tensor([1, Number.NaN, 2]))); // tensor(1.5000)
 * ```
 */
export function nanmean(input: Tensor, dim?: Dims, options?: SumOptions): Tensor {
  const o = readOptions(options, "nanmean", SUM_KEYS);
  const x = expectTensor(input, "nanmean", "input");
  if (!isFloating(x.dtype)) {
    throw new DTypeError(`nanmean(): expected input to have floating point dtype but got ${scalarTypeName(x.dtype)}`);
  }
  const keepdim = o.keepdim ?? false;
  const count = sum(x.isnan().logicalNot(), dim, { keepdim, dtype: o.dtype ?? x.dtype });
  return nansum(x, dim, { keepdim, dtype: o.dtype }).div(count);
}
