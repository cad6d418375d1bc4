/**
 * Helpers shared by the torch.nn.functional ops: argument normalisation
 * (int-or-tuple sizes, reductions), raw reshapes inside forwards, and a pair
 * of adjoint ops that gather and scatter-add through a flat index (the
 * double backward of max pooling and embedding).
 */

import { checkSizes } from "../../core/args.js";
import { type DType, scalarTypeName } from "../../core/dtype.js";
import { ArgumentError, AutogradError, DTypeError } from "../../core/errors.js";
import type { OptionKeys } from "../../core/options.js";
import { contiguousStrides } from "../../core/shape.js";
import type { Tensor } from "../../tensor.js";
import { defineOp, type Op } from "../define.js";
import * as K from "../kernels.js";

/** How a loss reduces its elementwise values. */
export type Reduction = "none" | "mean" | "sum";

/** The options of losses whose only keyword argument is the reduction (mse_loss, l1_loss). */
export interface ReductionOptions {
  /** "mean" (the default), "sum" or "none". */
  reduction?: Reduction;
}

export const REDUCTION_KEYS: OptionKeys<ReductionOptions> = { reduction: "string" };

/** @internal Checks a `reduction` argument (PyTorch's message for a bad one). */
export function reductionArg(value: string | null | undefined): Reduction {
  const r = value ?? "mean";
  if (r !== "none" && r !== "mean" && r !== "sum") throw new ArgumentError(`${r} is not a valid value for reduction`);
  return r;
}

/** @internal An int or a list of `n` ints (PyTorch's `_pair`), as a list of `n`. */
export function intList(op: string, name: string, value: number | readonly number[], n: number): number[] {
  const list = checkSizes(typeof value === "number" ? new Array<number>(n).fill(value) : value, op, {
    arg: name,
    min: Number.NEGATIVE_INFINITY,
  });
  if (list.length === 1 && n > 1) return new Array<number>(n).fill(list[0] as number);
  if (list.length !== n) {
    throw new ArgumentError(
      `${op}: expected ${name} to be a single integer value or a list of ${n} values, but got ${name}=[${list.join(", ")}]`,
    );
  }
  return list;
}

/** @internal `t` (made contiguous) viewed with another shape of the same size; no graph (forward code only). */
export function rawView(t: Tensor, shape: readonly number[]): Tensor {
  const c = K.contiguous(t);
  return K.asStrided(c, shape, contiguousStrides(shape));
}

/** @internal A binary kernel in the dtype of `a` (forward code only; `b` broadcasts). */
export function kb(op: "add" | "sub" | "mul" | "div", a: Tensor, b: Tensor): Tensor {
  return K.binary(op, a, b, a.dtype);
}

/** @internal `a` op a scalar, in the dtype of `a` (forward code only). */
export function ks(op: "add" | "sub" | "mul" | "div", a: Tensor, s: number): Tensor {
  return K.binary(op, a, K.scalar(s, a.dtype), a.dtype);
}

/** @internal A loss's elementwise values reduced (forward code only): the mean of no elements is NaN, as PyTorch. */
export function reduceKernel(v: Tensor, reduction: Reduction): Tensor {
  if (reduction === "none") return v;
  const s = K.reduce(
    "sum",
    v,
    v.shape.map((_, i) => i),
    false,
  );
  return reduction === "sum" ? s : ks("div", s, v.numel());
}

/** @internal A zero tensor like `t`, outside the graph (the gradient of inputs a formula does not depend on). */
export function zerosOf(t: { shape: readonly number[]; dtype: Tensor["dtype"] }): Tensor {
  return K.full(t.shape, 0, t.dtype);
}

/** @internal The gradient of output `i` of a multi-output op (null when none arrived). */
export function gradAt(grads: readonly (Tensor | null | undefined)[], i: number): Tensor | null {
  return grads[i] ?? null;
}

/**
 * @internal The outputs of a backward op that computes only the gradients selected by `mask`
 * (its outputs are those, in order), spread back to one slot per input (null where not computed).
 */
export function spreadMasked(outs: readonly (Tensor | null | undefined)[], mask: readonly boolean[]): (Tensor | null)[] {
  let k = 0;
  return mask.map((m) => (m ? gradAt(outs, k++) : null));
}

/** @internal PyTorch refuses a gradient for arguments its formulas treat as constants (weights of losses). */
export function expectNoGrad(op: string, arg: string, t: Tensor | null | undefined): void {
  if (t?.requiresGrad) {
    throw new AutogradError(
      `The function '${op}' is not differentiable with respect to argument '${arg}'. This input cannot have requires_grad True.`,
    );
  }
}

// ----- gather / scatter-add through a flat index ---------------------------------

/** @internal out[i] = x.flat[index[i]] (0 where index[i] = -1); its adjoint adds back into a tensor of `inShape`. */
export interface FlatAttrs {
  index: Int32Array;
  inShape: readonly number[];
  outShape: readonly number[];
  /** Node names of the gather and of the scatter-add. */
  names: readonly [string, string];
}

const takeFlatOp: Op<FlatAttrs> = defineOp<FlatAttrs>({
  name: "take_flat",
  jvp: "linear",
  gradFn: (a) => a.names[0],
  forward: ([x], a) => K.take(x as Tensor, a.index, a.outShape),
  backward: ([g], c) => [putFlatOp([g], c.attrs)],
});

const putFlatOp: Op<FlatAttrs> = defineOp<FlatAttrs>({
  name: "put_flat",
  jvp: "linear",
  gradFn: (a) => a.names[1],
  forward: ([g], a) => K.putAdd(a.inShape, a.index, g as Tensor),
  backward: ([gg], c) => [takeFlatOp([gg], c.attrs)],
});

/** @internal Gathers `x` through `attrs.index` (differentiable; the gradient scatter-adds back). */
export function takeFlat(x: Tensor, attrs: FlatAttrs): Tensor {
  return takeFlatOp([x], attrs);
}

const FLOATS: readonly DType[] = ["float32", "float64"];

/** PyTorch's refusal of a dtype its kernel lacks: `"avg_pool2d" not implemented for 'Int'`. */
export function checkKernelDtype(op: string, kernel: string, t: Tensor, allowed: readonly DType[] = FLOATS): void {
  if (!allowed.includes(t.dtype)) throw new DTypeError(`${op}: "${kernel}" not implemented for '${scalarTypeName(t.dtype)}'`);
}
