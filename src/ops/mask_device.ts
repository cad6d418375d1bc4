/**
 * masked_scatter and index_put with a boolean mask, for a mask on a device
 * (whose true elements the CPU cannot count synchronously). The sizes these
 * ops make do not depend on the mask's values, so they run there: the true
 * elements of a mask, in row-major order, are numbered by the inclusive
 * cumulative sum of the mask (the k-th true element has sum k + 1), so a
 * gather at (sum - 1) lines each true place up with the source element it
 * takes, and `where(mask, gathered, self)` writes them. The count of true
 * elements (the sum's last element) is checked on the device
 * (K.checkOnDevice): too many for the source raises the CPU's error at the
 * next read, as the device's index faults do.
 */

import { contiguousStrides, formatShape, numel } from "../core/shape.js";
import type { Tensor } from "../tensor.js";
import { defineOp, type Op, type OpDef } from "./define.js";
import { checkIndexPutValue, indexPutMismatch, sourceTooSmall } from "./index_checks.js";
import { indexCopy } from "./index_ops.js";
import * as K from "./kernels.js";
import { where } from "./where.js";

/** A mask broadcast to `shape`, flattened (bool [N]), and its inclusive cumulative sum (int64 [N]). */
function ranks(mask: Tensor, shape: readonly number[]): { flat: Tensor; ends: Tensor } {
  const c = K.contiguous(K.broadcastTo(mask, shape));
  const flat = K.asStrided(c, [c.numel()], [1], c._offset);
  return { flat, ends: K.scan("cumsum", flat, 0, "int64") };
}

/** The count of true elements: the cumulative sum's last element (a 1-element view). */
const countOf = (ends: Tensor): Tensor => K.asStrided(ends, [1], [1], ends.numel() - 1);

/** Each true element's rank (its place among the true elements, from 0); `other` at the false ones. */
function slots(flat: Tensor, ends: Tensor, other: number): Tensor {
  return K.where(flat, K.binary("sub", ends, K.scalar(1, "int64"), "int64"), K.scalar(other, "int64"), "int64");
}

/**
 * `rows` [..., n, ...] (n along `dim`) scattered back to the places of a
 * mask with ranks `flat`/`ends` (true places in order; `rows` holding one
 * slice per true element): the gradient of a gather at the ranks, as
 * differentiable ops. An extra slice n takes the false places and is dropped.
 */
function toRanks(g: Tensor, flat: Tensor, ends: Tensor, dim: number, n: number): Tensor {
  const shape = g.shape.map((s, d) => (d === dim ? n + 1 : s));
  const zeros = K.full(shape, 0, g.dtype, undefined, g.device);
  return indexCopy(zeros, dim, slots(flat, ends, n), g).narrow(dim, 0, n);
}

// ----- masked_scatter ------------------------------------------------------------------

/** masked_scatter's broadcast shape, and its name (masked_scatter or masked_scatter_) for the error. */
export interface MaskedScatterAttrs {
  shape: readonly number[];
  op: string;
}

/** masked_scatter's result: self broadcast to `shape`, its true places taking source's elements in order. */
function scatterMasked(x: Tensor, mask: Tensor, src: Tensor, { shape, op }: MaskedScatterAttrs): Tensor {
  const n = src.numel();
  if (numel(shape) === 0) return K.copy(K.broadcastTo(x, shape));
  const { flat, ends } = ranks(mask, shape);
  K.checkOnDevice(countOf(ends), 0, n, (count) => sourceTooSmall(op, count, n));
  if (n === 0) return K.copy(K.broadcastTo(x, shape));
  const picked = K.takeAt(src, slots(flat, ends, 0), (rank) => sourceTooSmall(op, rank + 1, n));
  return K.where(K.broadcastTo(mask, shape), K.asStrided(picked, shape, contiguousStrides(shape), 0), x, x.dtype);
}

/** The device's masked_scatter: PyTorch's node, the same gradients as the CPU's (source's first elements get the gradient at the true places). */
export const deviceMaskedScatterOp: Op<MaskedScatterAttrs> = defineOp<MaskedScatterAttrs>({
  name: "masked_scatter",
  jvp: "linear",
  gradFn: "MaskedScatterBackward0",
  save: "inputs",
  forward: ([x, mask, src], attrs) => scatterMasked(x as Tensor, mask as Tensor, src as Tensor, attrs),
  backward: ([g], c) => {
    const mask = c.input(1);
    const { shape } = c.inputMeta[2] as { shape: readonly number[] };
    let src: Tensor | null = null;
    if (c.needs[2]) {
      const n = numel(shape);
      if (g.numel() === 0) src = K.full(shape, 0, g.dtype, undefined, g.device);
      else {
        const { flat, ends } = ranks(mask, g.shape);
        src = toRanks(g.reshape([-1]), flat, ends, 0, n).reshape(shape);
      }
    }
    return [c.needs[0] ? g.maskedFill(mask, 0) : null, null, src];
  },
});

// ----- index_put with a mask --------------------------------------------------------------

/**
 * index_put's plan for one mask on a device over dims [dim, dim + mask.ndim)
 * of the target [...A, ...M, ...B], whose indexed shape is [...A, count, ...B].
 */
interface MaskPutAttrs {
  /** The mask itself (shape M). */
  mask: Tensor;
  /** The mask viewed at the target's rank (size 1 outside its dims). */
  spread: Tensor;
  dim: number;
  accumulate: boolean;
  /** The indexed shape with 1 for the count. */
  indexed: readonly number[];
  /** The value's shape aligned to the indexed shape's rank (leading 1s added). */
  aligned: readonly number[];
}

/** The value's length at the count's place: 1 broadcasts over the true elements; else one slice per true element. */
const perElement = (a: MaskPutAttrs): number => a.aligned[a.dim] as number;

const withCount = <T>(shape: readonly number[], dim: number, count: T): (number | T)[] => shape.map((s, d) => (d === dim ? count : s));

/** `v` viewed with `aligned`'s shape (leading 1s added). */
function alignedView(v: Tensor, aligned: readonly number[]): Tensor {
  const lead = aligned.length - v.ndim;
  return K.asStrided(
    v,
    aligned,
    aligned.map((_, d) => (d < lead ? 0 : (v._strides[d - lead] as number))),
  );
}

/** `t` with its dim `dim` (of size 1) as `k` dims of size 1: a slice broadcasting over the mask's dims. */
function spreadDim(t: Tensor, dim: number, k: number): Tensor {
  const spread = (xs: readonly number[], fill: number) => [...xs.slice(0, dim), ...new Array<number>(k).fill(fill), ...xs.slice(dim + 1)];
  return K.asStrided(t, spread(t.shape, 1), spread(t._strides, 0));
}

/** The values each place of the target takes: v broadcast over the mask's dims (count 1), or v's slices gathered at the true elements' ranks. */
function valuesAt(target: Tensor, v: Tensor, a: MaskPutAttrs): Tensor | null {
  const c = perElement(a);
  const view = alignedView(v, a.aligned);
  if (a.mask.numel() === 0) return null;
  if (c === 1) return spreadDim(view, a.dim, a.mask.ndim);
  const { flat, ends } = ranks(a.mask, a.mask.shape);
  const mismatch = (count: number) => indexPutMismatch(v.shape, formatShape(withCount(a.indexed, a.dim, count)));
  K.checkOnDevice(countOf(ends), c, c, mismatch);
  if (c === 0) return null;
  const rows = K.contiguous(K.broadcastTo(view, withCount(a.indexed, a.dim, c)));
  const picked = K.indexSelect(rows, a.dim, slots(flat, ends, 0), (rank) => mismatch(rank + 1));
  return K.asStrided(picked, target.shape, contiguousStrides(target.shape), 0);
}

function maskPutForward([target, v]: readonly Tensor[], a: MaskPutAttrs): Tensor {
  const t = target as Tensor;
  const values = valuesAt(t, v as Tensor, a);
  if (values === null) return K.copy(t);
  return K.where(a.spread, a.accumulate ? K.binary("add", t, values, t.dtype) : values, t, t.dtype);
}

/** The value's gradient at the indexed shape [...A, c, ...B]: g summed over the true places (c = 1), or each true place's slice to its rank. */
function valueGrad(g: Tensor, a: MaskPutAttrs): Tensor {
  const c = perElement(a);
  const grouped = withCount(a.indexed, a.dim, c === 1 ? 1 : a.mask.numel());
  if (c === 1) {
    const dims = a.mask.shape.map((_, i) => a.dim + i);
    return where(a.spread, g, 0).sum(dims, { keepdim: true }).reshape(grouped);
  }
  const { flat, ends } = ranks(a.mask, a.mask.shape);
  return toRanks(g.reshape(grouped), flat, ends, a.dim, c);
}

const maskPutDef: OpDef<MaskPutAttrs> = defineOp<MaskPutAttrs>({
  name: "index_put",
  jvp: "linear",
  gradFn: "IndexPutBackward0",
  // The attributes hold the mask, which PyTorch saves.
  saveAttrs: true,
  forward: maskPutForward,
  backward: ([g], c) => [
    c.needs[0] ? (c.attrs.accumulate ? g : where(c.attrs.spread, 0, g)) : null,
    c.needs[1] ? valueGrad(g, c.attrs) : null,
  ],
}).def;

/**
 * The op and plan of `target[mask] = v` (`+=` with accumulate) for a mask
 * on a device covering target's dims from `dim`, after index_put's value
 * checks (the count of true elements, unknown here, printed as n; a value
 * with one slice per true element is checked against the count on the device).
 */
export function maskPutPlan(
  self: Tensor,
  target: Tensor,
  dim: number,
  mask: Tensor,
  v: Tensor,
  accumulate: boolean,
): [OpDef<MaskPutAttrs>, MaskPutAttrs] {
  const k = mask.ndim;
  const indexed = [...target.shape.slice(0, dim), 1, ...target.shape.slice(dim + k)];
  const aligned = [...new Array<number>(Math.max(indexed.length - v.ndim, 0)).fill(1), ...v.shape];
  // The value's length at the count's place: 1 (broadcast), or the count itself (checked on the device).
  const c = aligned.length === indexed.length ? (aligned[dim] as number) : 1;
  // An empty mask's count is known: 0.
  if (mask.numel() === 0) checkIndexPutValue(self, v, withCount(indexed, dim, 0), !accumulate);
  const shown = `[${withCount(indexed, dim, "n").join(", ")}]`;
  checkIndexPutValue(self, v, withCount(indexed, dim, c), !accumulate, shown);
  const spread = K.asStrided(
    mask,
    target.shape.map((s, d) => (d >= dim && d < dim + k ? s : 1)),
    target.shape.map((_, d) => (d >= dim && d < dim + k ? (mask._strides[d - dim] as number) : 0)),
  );
  return [maskPutDef, { mask, spread, dim, accumulate, indexed, aligned }];
}
