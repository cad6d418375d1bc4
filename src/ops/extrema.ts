/**
 * Reductions to extreme values: amax and amin (ties share the gradient),
 * max and min (overall, or values and indices along a dim), argmax and
 * argmin.
 */

import { ArgumentError, DTypeError, IndexError, ShapeError } from "../core/errors.js";
import { readOptions } from "../core/options.js";
import { normalizeDim } from "../core/shape.js";
import type { Tensor } from "../tensor.js";
import { defineOp } from "./define.js";
import * as K from "./kernels.js";
import { type Dims, REDUCE_KEYS, type ReduceAttrs, type ReduceOptions, reduceAttrs, restoreDims } from "./reduce.js";
import { expectTensor } from "./scalars.js";

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

/**
 * Minimum over `dim` (all dims when omitted); ties share the gradient.
 *
 * @example
 * ```ts
 * console.log(torch.amin(torch.tensor([[1, 5], [7, 2]]), 0)); // tensor([1., 2.])
 * ```
 */
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
      // x's NaNs when r is NaN (x.eq(r) is all false then), else x == r: elementwise, no read of r.
      const mask = x.isnan().logicalAnd(r.isnan()).logicalOr(x.eq(r));
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

/**
 * The smallest element; with `dim`, `[values, indices]` of the smallest along it.
 *
 * @example
 * ```ts
 * const x = torch.tensor([[1, 5], [7, 2]]);
 * console.log(torch.min(x)); // tensor(1.)
 * const [values, indices] = torch.min(x, 1);
 * console.log(values, indices); // tensor([1., 2.]) tensor([0, 1])
 * ```
 */
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

/**
 * Index of the smallest element (of the flattened tensor, or along `dim`); int64.
 *
 * @example
 * ```ts
 * console.log(torch.argmin(torch.tensor([[1, 5], [7, 2]]), 1)); // tensor([0, 1])
 * ```
 */
export function argmin(input: Tensor, dim?: number | null, options?: ReduceOptions): Tensor {
  return argCall("argmin", input, dim, readOptions(options, "argmin", REDUCE_KEYS).keepdim ?? false);
}
