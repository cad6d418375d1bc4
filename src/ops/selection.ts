/**
 * Values chosen from a slice by their order or frequency: nanmedian, mode,
 * and aminmax. Built on the backend's stable `argsort` (NaN last) as
 * sorting.ts's ops are; the gradient goes back to the chosen elements.
 */

import { isFloating } from "../core/dtype.js";
import { ArgumentError, IndexError, ShapeError } from "../core/errors.js";
import { readOptions } from "../core/options.js";
import { normalizeDim } from "../core/shape.js";
import type { Tensor } from "../tensor.js";
import { cat } from "./combine.js";
import { positionsAlong } from "./cumulative.js";
import { defineOp } from "./define.js";
import * as K from "./kernels.js";
import { restoreDims } from "./reduce.js";
import { expectTensor } from "./scalars.js";
import { atLeast1d, evenlyBackward, gatherAt, type KeepdimOptions, medianNotBool, reducedSelectedBackward } from "./sorting.js";

/** The non-NaN elements of each slice along `dim` (int64, keepdim). */
function countNotNan(t: Tensor, dim: number): Tensor {
  const kept = isFloating(t.dtype) ? K.unary("logicalNot", K.unary("isnan", t, "bool"), "bool") : K.full(t.shape, 1, "bool");
  return K.reduce("sum", kept, [dim], true, "int64");
}

/** The sorted position of each slice's NaN-ignoring lower median: (count - 1) / 2, 0 for an all-NaN slice. */
function nanMedianAt(t: Tensor, dim: number): Tensor {
  const half = K.binary(
    "floorDivide",
    K.binary("sub", countNotNan(t, dim), K.scalar(1, "int64"), "int64", 1),
    K.scalar(2, "int64"),
    "int64",
  );
  return K.binary("maximum", half, K.scalar(0, "int64"), "int64");
}

/** `[values, indices]` of the elements of `t` at `index` (keepdim shape) along `dim`, shaped as a reduction of `x`. */
function chosen(x: Tensor, t: Tensor, dim: number, index: Tensor, keepdim: boolean): [Tensor, Tensor] {
  const values = gatherAt(t, dim, index);
  if (x.ndim === 0) return [K.asStrided(values, [], []), K.asStrided(index, [], [])];
  if (keepdim) return [values, index];
  const drop = (v: Tensor) =>
    K.asStrided(
      v,
      v.shape.filter((_, d) => d !== dim),
      v._strides.filter((_, d) => d !== dim),
    );
  return [drop(values), drop(index)];
}

interface ChoiceAttrs {
  dim: number;
  keepdim: boolean;
}

type Choice = "nanmedian" | "mode";

/** For each slice, the position (in the stable ascending order) of the element that is the answer. */
function sortedPosition(name: Choice, t: Tensor, sorted: Tensor, dim: number): Tensor {
  return name === "nanmedian" ? nanMedianAt(t, dim) : modeAt(sorted, dim);
}

/**
 * The mode's sorted position: the last element of the longest run of equal
 * values, the first (smallest value) of the longest runs (PyTorch's scan of
 * its sorted slice: frequencies compared with >, the run's last element kept).
 */
function modeAt(sorted: Tensor, dim: number): Tensor {
  const n = sorted.shape[dim] as number;
  const pos = positionsAlong(n, dim, sorted.ndim);
  const part = (from: number, len: number) =>
    K.asStrided(
      sorted,
      sorted.shape.map((s, d) => (d === dim ? len : s)),
      sorted._strides,
      sorted._offset + from * (sorted._strides[dim] as number),
    );
  const edge = sorted.shape.map((s, d) => (d === dim ? 1 : s));
  const change = K.binary("ne", part(1, n - 1), part(0, n - 1), "bool");
  // Outside the graph: the forward runs with grad mode off.
  const starts = K.contiguous(cat([K.full(edge, 1, "bool"), change], dim));
  const ends = K.contiguous(cat([change, K.full(edge, 1, "bool")], dim));
  const start = K.scan("cummax", K.where(starts, pos, K.scalar(0, "int64"), "int64"), dim);
  const length = K.where(ends, K.binary("sub", pos, start, "int64", 1), K.scalar(-1, "int64"), "int64");
  return K.argReduce("argmax", length, dim, true);
}

const choiceOp = (name: Choice) =>
  defineOp<ChoiceAttrs>({
    name,
    gradFn: name === "mode" ? "ModeBackward0" : "NanmedianBackward1",
    save: "result",
    forward: ([input], { dim, keepdim }) => {
      const x = input as Tensor;
      const t = atLeast1d(x);
      const order = K.argsort(t, dim, false);
      const at = sortedPosition(name, t, gatherAt(t, dim, order), dim);
      return chosen(x, t, dim, K.gather(order, dim, at), keepdim);
    },
    // The gradient goes to the chosen element of each slice (PyTorch's value_selecting_reduction_backward).
    backward: ([g], c) => {
      const { dim, keepdim } = c.attrs;
      const { shape } = c.inputMeta[0] as { shape: readonly number[] };
      return [reducedSelectedBackward(g, c.result(1), dim, keepdim, shape)];
    },
  });

const nanmedianDimOp = choiceOp("nanmedian");
const modeOp = choiceOp("mode");

const nanmedianAllOp = defineOp<Record<string, never>>({
  name: "nanmedian",
  gradFn: "NanmedianBackward0",
  save: "both",
  forward: ([input]) => {
    const x = input as Tensor;
    if (x.numel() === 0) return K.full([], Number.NaN, x.dtype);
    const flat = K.contiguous(x);
    const t = K.asStrided(flat, [flat.numel()], [1], 0);
    const index = K.gather(K.argsort(t, 0, false), 0, nanMedianAt(t, 0));
    return K.asStrided(gatherAt(t, 0, index), [], []);
  },
  backward: ([g], c) => [evenlyBackward(g, c.input(0), c.result())],
});

/**
 * The median of the elements that are not NaN: the lower of the two middle
 * ones for an even count, NaN when all are NaN (PyTorch's `nanmedian`). Over
 * everything it is one value; with `dim` it is `[values, indices]`.
 *
 * @example
 * ```ts
 * console.log(torch.nanmedian(torch.tensor([4, NaN, 1, 3]))); // tensor(3.)
 * const [v, i] = torch.nanmedian(torch.tensor([[4, NaN, 1], [0, 5, 6]]), 1);
 * console.log(v, i); // tensor([1., 5.]) tensor([2, 1])
 * ```
 */
export function nanmedian(input: Tensor): Tensor;
export function nanmedian(input: Tensor, dim: number, options?: KeepdimOptions): [Tensor, Tensor];
export function nanmedian(input: Tensor, dim?: number, options?: KeepdimOptions): Tensor | [Tensor, Tensor] {
  const x = medianNotBool(expectTensor(input, "nanmedian", "input"), dim);
  if (dim === undefined) return nanmedianAllOp([x], {});
  const o = readOptions(options, "nanmedian", { keepdim: "boolean" });
  const d = normalizeDim(dim, Math.max(x.ndim, 1), "nanmedian");
  if (x.ndim > 0 && x.shape[d] === 0) throw new IndexError(`median(): Expected reduction dim ${d} to have non-zero size.`);
  return nanmedianDimOp.many([x], { dim: d, keepdim: o.keepdim ?? false }) as [Tensor, Tensor];
}

/**
 * The most frequent value of each slice along `dim` (default -1) and its
 * index: `[values, indices]` (PyTorch's `mode`). Among equally frequent
 * values the smallest; its index is its last occurrence.
 *
 * @example
 * ```ts
 * const [v, i] = torch.mode(torch.tensor([[1, 2, 2, 1], [5, 4, 3, 4]]));
 * console.log(v, i); // tensor([1., 4.]) tensor([3, 3])
 * ```
 */
export function mode(input: Tensor, dim = -1, options?: KeepdimOptions): [Tensor, Tensor] {
  const o = readOptions(options, "mode", { keepdim: "boolean" });
  const x = expectTensor(input, "mode", "input");
  const d = normalizeDim(dim, Math.max(x.ndim, 1), "mode");
  if (x.ndim > 0 && x.shape[d] === 0) throw new IndexError(`mode(): Expected reduction dim ${d} to have non-zero size.`);
  return modeOp.many([x], { dim: d, keepdim: o.keepdim ?? false }) as [Tensor, Tensor];
}

interface AminmaxAttrs {
  dims: number[];
  keepdim: boolean;
}

const aminmaxOp = defineOp<AminmaxAttrs>({
  name: "aminmax",
  gradFn: "AminmaxBackward0",
  save: "both",
  forward: ([x], { dims, keepdim }) => [K.reduce("min", x as Tensor, dims, keepdim), K.reduce("max", x as Tensor, dims, keepdim)],
  // amin's and amax's gradients, added: ties of each extreme share its gradient evenly.
  backward: ([gMin, gMax], c) => {
    const x = c.input(0);
    const { dims, keepdim } = c.attrs;
    const part = (g: Tensor, r: Tensor) => {
      const mask = restoreDims(r, dims, keepdim, x.ndim).eq(x);
      return restoreDims(g, dims, keepdim, x.ndim)
        .div(mask.sum(dims, { keepdim: true }))
        .mul(mask);
    };
    return [part(gMin, c.result(0)).add(part(gMax as Tensor, c.result(1)))];
  },
});

/** Options of `aminmax`. */
export interface AminmaxOptions {
  /** The dim to reduce (default: all of them). */
  dim?: number;
  /** Keep the reduced dims with size 1 (default false). */
  keepdim?: boolean;
}

/**
 * The minimum and the maximum, over everything or along `dim`: `[min, max]`
 * (PyTorch's `aminmax`; NaN propagates, ties share the gradient as amin's
 * and amax's do).
 *
 * @example
 * ```ts
 * const [lo, hi] = torch.aminmax(torch.tensor([[1, 5], [7, 2]]), { dim: 1 });
 * console.log(lo, hi); // tensor([1., 2.]) tensor([5., 7.])
 * ```
 */
export function aminmax(input: Tensor, options?: AminmaxOptions): [Tensor, Tensor] {
  const o = readOptions(options, "aminmax", { dim: "number", keepdim: "boolean" });
  const x = expectTensor(input, "aminmax", "input");
  const keepdim = o.keepdim ?? false;
  if (o.dim === undefined) {
    if (x.numel() === 0)
      throw new ShapeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity.");
    return aminmaxOp.many([x], { dims: x.shape.map((_, d) => d), keepdim }) as [Tensor, Tensor];
  }
  if (!Number.isInteger(o.dim)) throw new ArgumentError(`aminmax(): argument 'dim' must be int, not ${o.dim}`);
  const d = normalizeDim(o.dim, Math.max(x.ndim, 1), "aminmax");
  if (x.ndim > 0 && x.shape[d] === 0) throw new IndexError(`aminmax: Expected reduction dim ${d} to have non-zero size.`);
  const out = aminmaxOp.many([x], { dims: x.ndim === 0 ? [] : [d], keepdim }) as [Tensor, Tensor];
  // PyTorch 1.13 gives a 0-d input's extremes shape [1] with keepdim.
  return x.ndim === 0 && keepdim ? [out[0].reshape([1]), out[1].reshape([1])] : out;
}
