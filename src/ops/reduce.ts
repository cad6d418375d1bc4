/**
 * Reductions over all dims, one dim or several (`keepdim` keeps them as
 * size 1). Backward formulas unsqueeze the gradient back to keepdim form
 * and expand it to the input's shape, as PyTorch's sum_backward.
 */

import { type DType, isFloating, isIntegral, scalarTypeName } from "../core/dtype.js";
import { DTypeError } from "../core/errors.js";
import { normalizeDims } from "../core/shape.js";
import type { Tensor } from "../tensor.js";
import { divScalar } from "./arith.js";
import { defineOp } from "./define.js";
import * as K from "./kernels.js";
import { expectTensor } from "./scalars.js";

/** Dims to reduce: one, several, or all (null / omitted). */
export type Dims = number | readonly number[] | null | undefined;

export interface ReduceOptions {
  keepdim?: boolean;
}

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
export function sum(input: Tensor, dim?: Dims, options: ReduceOptions & { dtype?: DType } = {}): Tensor {
  const x = expectTensor(input, "sum", "input");
  const dtype = options.dtype ?? (isIntegral(x.dtype, true) ? "int64" : x.dtype);
  return sumOp([x], reduceAttrs(x, dim, options.keepdim ?? false, dtype, "sum"));
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
export function mean(input: Tensor, dim?: Dims, options: ReduceOptions & { dtype?: DType } = {}): Tensor {
  const x = expectTensor(input, "mean", "input");
  const dtype = options.dtype ?? x.dtype;
  if (!isFloating(dtype)) {
    throw new DTypeError(
      `mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${scalarTypeName(x.dtype)}`,
    );
  }
  return meanOp([x], reduceAttrs(x, dim, options.keepdim ?? false, dtype, "mean"));
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
export function norm(input: Tensor, p: number | "fro" = "fro", dim?: Dims, options: ReduceOptions = {}): Tensor {
  const x = expectTensor(input, "norm", "input");
  if (!isFloating(x.dtype)) {
    throw new DTypeError(`norm(): input dtype should be either floating point or complex. Got ${scalarTypeName(x.dtype)} instead.`);
  }
  const attrs = reduceAttrs(x, dim, options.keepdim ?? false, x.dtype, "norm");
  return normOp([x], { ...attrs, p: p === "fro" ? 2 : p });
}
