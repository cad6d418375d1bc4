/**
 * Sorting and selection: sort, argsort, topk, kthvalue and median. The
 * backend's `argsort` gives each slice's stable order (NaN last ascending,
 * first descending, as PyTorch); the values are gathered by those indices,
 * and the gradient goes back to the selected elements (PyTorch's
 * value_selecting_reduction_backward).
 */

import { ArgumentError, DTypeError, IndexError } from "../core/errors.js";
import { readOptions } from "../core/options.js";
import { normalizeDim } from "../core/shape.js";
import type { Tensor } from "../tensor.js";
import { defineOp } from "./define.js";
import * as K from "./kernels.js";
import { expectTensor } from "./scalars.js";

/** PyTorch's refusal of bool inputs to selection ops ("topk_cpu" not implemented for 'Bool'). */
export function notBool(x: Tensor, op: string): Tensor {
  if (x.dtype === "bool") throw new DTypeError(`"${op}_cpu" not implemented for 'Bool'`);
  return x;
}

/** median's and nanmedian's refusal of bool inputs, naming PyTorch's kernel of each overload. */
export function medianNotBool(x: Tensor, dim: number | undefined): Tensor {
  if (x.dtype === "bool") throw new DTypeError(`"${dim === undefined ? "median_cpu" : "median_out"}" not implemented for 'Bool'`);
  return x;
}

/** `x` as at least 1-d (a 0-d tensor sorts as one element). */
export function atLeast1d(x: Tensor): Tensor {
  return x.ndim === 0 ? K.asStrided(x, [1], [1]) : x;
}

/** The elements of `x` at `index` along `dim` (a kernel call, outside the graph). */
export function gatherAt(x: Tensor, dim: number, index: Tensor): Tensor {
  return K.gather(atLeast1d(x), dim, index);
}

/** The gradient of selected elements: zeros of the input's shape with `g` put back at `index` along `dim`. */
export function selectedBackward(g: Tensor, index: Tensor, dim: number, shape: readonly number[]): Tensor {
  if (shape.length === 0) return g.reshape([]);
  return K.full(shape, 0, g.dtype).scatter(dim, index, g);
}

/**
 * selectedBackward for a reduction that chose one element per slice along
 * `dim` and dropped that dim unless `keepdim` (PyTorch's
 * value_selecting_reduction_backward): the dim is put back first.
 */
export function reducedSelectedBackward(g: Tensor, index: Tensor, dim: number, keepdim: boolean, shape: readonly number[]): Tensor {
  if (keepdim || shape.length === 0) return selectedBackward(g, index, dim, shape);
  return selectedBackward(g.unsqueeze(dim), index.unsqueeze(dim), dim, shape);
}

interface SortAttrs {
  dim: number;
  descending: boolean;
  /** topk's k (the whole dim for sort). */
  k: number;
}

const sortOp = defineOp<SortAttrs & { name: "sort" | "topk" }>({
  name: "sort",
  gradFn: (a) => (a.name === "topk" ? "TopkBackward0" : "SortBackward0"),
  save: "result",
  forward: ([x], { dim, descending, k }) => {
    const t = atLeast1d(x as Tensor);
    let index = K.argsort(t, dim, descending);
    if (k !== t.shape[dim])
      index = K.contiguous(
        K.asStrided(
          index,
          t.shape.map((s, d) => (d === dim ? k : s)),
          index._strides,
        ),
      );
    const values = gatherAt(t, dim, index);
    if ((x as Tensor).ndim > 0) return [values, index];
    return [K.asStrided(values, [], []), K.asStrided(index, [], [])];
  },
  backward: ([g], c) => {
    const { shape } = c.inputMeta[0] as { shape: readonly number[] };
    return [selectedBackward(g, c.result(1), c.attrs.dim, shape)];
  },
});

/** Options of `sort`. */
export interface SortOptions {
  /** Largest first (default false). */
  descending?: boolean;
  /** Keep equal elements in their order (Kindling's sort always does; PyTorch's only promises it with stable: true). */
  stable?: boolean;
}

/**
 * The elements of each slice along `dim` (default -1) in order, with the
 * index each came from: `[values, indices]` (PyTorch's `sort`; equal
 * elements keep their order; NaN sorts as the largest).
 *
 * @example
 * ```ts
 * const [values, indices] = torch.sort(torch.tensor([3, 1, 2]));
 * console.log(values, indices); // tensor([1., 2., 3.]) tensor([1, 2, 0])
 * console.log(torch.sort(torch.tensor([3, 1, 2]), 0, { descending: true })[0]); // tensor([3., 2., 1.])
 * ```
 */
export function sort(input: Tensor, dim = -1, options?: SortOptions): [Tensor, Tensor] {
  const o = readOptions(options, "sort", { descending: "boolean", stable: "boolean" });
  const x = expectTensor(input, "sort", "input");
  const d = normalizeDim(dim, Math.max(x.ndim, 1), "sort");
  const k = x.ndim === 0 ? 1 : (x.shape[d] as number);
  return sortOp.many([x], { name: "sort", dim: d, descending: o.descending ?? false, k }) as [Tensor, Tensor];
}

/**
 * The indices that sort each slice along `dim` (PyTorch's `argsort`; int64).
 *
 * @example
 * ```ts
 * console.log(torch.argsort(torch.tensor([3, 1, 2]))); // tensor([1, 2, 0])
 * ```
 */
export function argsort(input: Tensor, dim = -1, options?: SortOptions): Tensor {
  return sort(input, dim, options)[1];
}

/** Options of `topk`. */
export interface TopkOptions {
  /** The k largest (default true) or smallest. */
  largest?: boolean;
  /** Return them in order (default true; Kindling always does). */
  sorted?: boolean;
}

/**
 * The `k` largest (or smallest) elements of each slice along `dim` (default
 * -1), in order, with their indices: `[values, indices]` (PyTorch's `topk`).
 *
 * @example
 * ```ts
 * const [values, indices] = torch.topk(torch.tensor([1, 5, 3, 4]), 2);
 * console.log(values, indices); // tensor([5., 4.]) tensor([1, 3])
 * ```
 */
export function topk(input: Tensor, k: number, dim = -1, options?: TopkOptions): [Tensor, Tensor] {
  const o = readOptions(options, "topk", { largest: "boolean", sorted: "boolean" });
  const x = notBool(expectTensor(input, "topk", "input"), "topk");
  const d = normalizeDim(dim, Math.max(x.ndim, 1), "topk");
  const size = x.ndim === 0 ? 1 : (x.shape[d] as number);
  if (!Number.isInteger(k)) throw new ArgumentError(`topk(): argument 'k' must be an integer, got ${k}`);
  if (k < 0 || k > size) throw new ArgumentError(`topk(): selected index k out of range (k = ${k}, dim ${d} has size ${size})`);
  // A 0-d tensor gives its one element whatever k (0 or 1), as PyTorch's.
  return sortOp.many([x], { name: "topk", dim: d, descending: o.largest ?? true, k: x.ndim === 0 ? 1 : k }) as [Tensor, Tensor];
}

interface KthAttrs {
  dim: number;
  keepdim: boolean;
  /** Which sorted position (0-based) is taken. */
  at: number;
  name: "kthvalue" | "median";
}

const kthOp = defineOp<KthAttrs>({
  name: "kthvalue",
  gradFn: (a) => (a.name === "median" ? "MedianBackward1" : "KthvalueBackward0"),
  save: "result",
  forward: ([x], { dim, keepdim, at, name }) => {
    const t = atLeast1d(x as Tensor);
    const order = K.argsort(t, dim, false);
    const kept = t.shape.map((s, d) => (d === dim ? 1 : s));
    let index = K.contiguous(K.asStrided(order, kept, order._strides, order._offset + at * (order._strides[dim] as number)));
    // median: a slice with a NaN has the (first) NaN as its median, as PyTorch's.
    if (name === "median") index = firstNanOr(t, dim, index);
    const values = gatherAt(t, dim, index);
    if ((x as Tensor).ndim === 0) return [K.asStrided(values, [], []), K.asStrided(index, [], [])];
    if (keepdim) return [values, index];
    const shape = t.shape.filter((_, d) => d !== dim);
    return [
      K.asStrided(
        values,
        shape,
        values._strides.filter((_, d) => d !== dim),
      ),
      K.asStrided(
        index,
        shape,
        index._strides.filter((_, d) => d !== dim),
      ),
    ];
  },
  backward: ([g], c) => {
    const { dim, keepdim } = c.attrs;
    const { shape } = c.inputMeta[0] as { shape: readonly number[] };
    return [reducedSelectedBackward(g, c.result(1), dim, keepdim, shape)];
  },
});

/** `index`, except where the slice along `dim` holds a NaN: there, the first NaN's index. */
function firstNanOr(t: Tensor, dim: number, index: Tensor): Tensor {
  const nan = K.copy(K.unary("isnan", t, "bool"), "int64");
  const anyNan = K.reduce("max", nan, [dim], true);
  const firstNan = K.argReduce("argmax", nan, dim, true);
  return K.where(K.copy(anyNan, "bool"), firstNan, index, "int64");
}

function kthCall(name: "kthvalue" | "median", x: Tensor, at: number, dim: number, keepdim: boolean): [Tensor, Tensor] {
  return kthOp.many([x], { name, dim, keepdim, at }) as [Tensor, Tensor];
}

/** Options of `kthvalue` and `median` with a dim. */
export interface KeepdimOptions {
  /** Keep the reduced dim with size 1 (default false). */
  keepdim?: boolean;
}

/**
 * The k-th smallest element (1-based) of each slice along `dim` (default
 * -1), with its index: `[values, indices]` (PyTorch's `kthvalue`).
 *
 * @example
 * ```ts
 * const [v, i] = torch.kthvalue(torch.tensor([4, 1, 3]), 2);
 * console.log(v, i); // tensor(3.) tensor(2)
 * ```
 */
export function kthvalue(input: Tensor, k: number, dim = -1, options?: KeepdimOptions): [Tensor, Tensor] {
  const o = readOptions(options, "kthvalue", { keepdim: "boolean" });
  const x = notBool(expectTensor(input, "kthvalue", "input"), "kthvalue");
  const d = normalizeDim(dim, Math.max(x.ndim, 1), "kthvalue");
  const size = x.ndim === 0 ? 1 : (x.shape[d] as number);
  if (!Number.isInteger(k) || k < 1 || k > size) {
    throw new ArgumentError(`kthvalue(): selected number k out of range for dimension ${d}`);
  }
  return kthCall("kthvalue", x, k - 1, d, o.keepdim ?? false);
}

const medianAllOp = defineOp<Record<string, never>>({
  name: "median",
  gradFn: "MedianBackward0",
  save: "both",
  forward: ([x]) => {
    // The median of nothing is NaN, as PyTorch's.
    if ((x as Tensor).numel() === 0) return K.full([], Number.NaN, (x as Tensor).dtype);
    const flat = K.contiguous(x as Tensor);
    const t = K.asStrided(flat, [flat.numel()], [1], 0);
    const order = K.argsort(t, 0, false);
    const at = K.asStrided(order, [1], [1], (t.numel() - 1) >> 1);
    const index = firstNanOr(t, 0, K.contiguous(at));
    return K.asStrided(gatherAt(t, 0, index), [], []);
  },
  backward: ([g], c) => [evenlyBackward(g, c.input(0), c.result())],
});

/** The gradient of a value chosen from all of `x`: ties share it, as PyTorch's evenly_distribute_backward (NaN: over the NaNs). */
export function evenlyBackward(g: Tensor, x: Tensor, r: Tensor): Tensor {
  // x's NaNs when r is NaN (x.eq(r) is all false then), else x == r: elementwise, no read of r.
  const mask = x.isnan().logicalAnd(r.isnan()).logicalOr(x.eq(r));
  return K.full(x.shape, 0, g.dtype).maskedFill(mask, g.div(mask.sum()));
}

/**
 * The median: the lower of the two middle elements for an even count, and
 * NaN where there is one (PyTorch's `median`). Over everything it is one
 * value; with `dim` it is `[values, indices]`.
 *
 * @example
 * ```ts
 * console.log(torch.median(torch.tensor([4, 1, 3, 2]))); // tensor(2.)
 * const [v, i] = torch.median(torch.tensor([[4, 1, 3], [0, 5, 6]]), 1);
 * console.log(v, i); // tensor([3., 5.]) tensor([2, 1])
 * ```
 */
export function median(input: Tensor): Tensor;
export function median(input: Tensor, dim: number, options?: KeepdimOptions): [Tensor, Tensor];
export function median(input: Tensor, dim?: number, options?: KeepdimOptions): Tensor | [Tensor, Tensor] {
  const x = medianNotBool(expectTensor(input, "median", "input"), dim);
  if (dim === undefined) {
    return medianAllOp([x], {});
  }
  const o = readOptions(options, "median", { keepdim: "boolean" });
  const d = normalizeDim(dim, Math.max(x.ndim, 1), "median");
  const size = x.ndim === 0 ? 1 : (x.shape[d] as number);
  if (size === 0) throw new IndexError(`median(): Expected reduction dim ${d} to have non-zero size.`);
  return kthCall("median", x, (size - 1) >> 1, d, o.keepdim ?? false);
}
