/** Binary search of the reference backend: torch.searchsorted's kernel (Backend.searchSorted). */

import type { Strided } from "../types.js";
import { forEachIndex, offsetOf } from "./iter.js";

/** Where a row lies in its operand: the offset of its first element and its stride. */
interface Row {
  readonly data: ArrayLike<number>;
  readonly at: number;
  readonly step: number;
}

/**
 * PyTorch's binary search over the n elements of `row` (read through
 * `order` when given): the first position whose element e has e >= v (e > v
 * for `right`). Written with PyTorch's negated comparisons, so a NaN steers
 * the search as it does there (a NaN element, or a NaN v, sends it right).
 */
function bound(row: Row, order: Row | null, n: number, v: number, right: boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = lo + ((hi - lo) >> 1);
    const k = order === null ? mid : (order.data[order.at + mid * order.step] as number);
    const e = row.data[row.at + k * row.step] as number;
    if (right ? !(e > v) : !(e >= v)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The row of `x` (boundaries or sorter) that the value at `idx` searches: the only one when x is 1-d, else the one at idx's leading dims. */
function rowOf(x: Strided, idx: readonly number[]): Row {
  const last = x.shape.length - 1;
  let at = x.offset;
  for (let d = 0; d < last; d++) at += (idx[d] as number) * (x.strides[d] as number);
  return { data: x.data as ArrayLike<number>, at, step: x.strides[last] as number };
}

/** out[idx] = the insertion point of values[idx] into its row of `boundaries` (see Backend.searchSorted). */
export function searchSorted(boundaries: Strided, values: Strided, sorter: Strided | null, right: boolean, out: Strided): void {
  const n = boundaries.shape[boundaries.shape.length - 1] as number;
  const V = values.data;
  const O = out.data;
  forEachIndex(values.shape, (idx) => {
    const v = V[offsetOf(idx, values.strides, values.offset)] as number;
    const order = sorter === null ? null : rowOf(sorter, idx);
    O[offsetOf(idx, out.strides, out.offset)] = bound(rowOf(boundaries, idx), order, n, v, right);
  });
}
