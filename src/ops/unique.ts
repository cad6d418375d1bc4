/**
 * unique and uniqueConsecutive: the distinct elements (or slices along a
 * dim) of a tensor, with where each element went and how often each value
 * occurs. No gradient, as in PyTorch: an input that requires grad gives an
 * output whose node raises when backward reaches it.
 */

import type { Formula } from "../autograd/node.js";
import { AutogradError, IndexError, ShapeError } from "../core/errors.js";
import { readOptions } from "../core/options.js";
import { normalizeDim } from "../core/shape.js";
import type { Tensor } from "../tensor.js";
import { defineOp } from "./define.js";
import * as K from "./kernels.js";
import { movedim } from "./layout.js";
import { expectTensor } from "./scalars.js";

interface UniqueAttrs {
  /** Sort first (unique) or keep the order (uniqueConsecutive). */
  sorted: boolean;
  /** The dim whose slices are compared; null: the elements of the flattened tensor. */
  dim: number | null;
}

/** The rows of `rows` ([n, m]) in stable lexicographic order (NaN last in each column), as int64 indices. */
function lexicographicOrder(rows: Tensor): Tensor {
  const [n, m] = rows.shape as [number, number];
  let order = positions(n);
  // A stable sort by each column, last to first, leaves the rows in lexicographic order.
  for (let c = m - 1; c >= 0; c--) {
    const column = K.gather(K.asStrided(rows, [n], [m], rows._offset + c), 0, order);
    order = K.gather(order, 0, K.argsort(column, 0, false));
  }
  return order;
}

function positions(n: number): Tensor {
  const p = K.full([n], 0, "int64");
  const data = K.storageValues(p);
  for (let i = 0; i < n; i++) data[i] = i;
  return p;
}

/** Where each run of equal rows of `rows` ([n, m]) starts (NaN equals nothing; -0 equals 0). */
function runStarts(rows: Tensor): number[] {
  const [n, m] = rows.shape as [number, number];
  if (n === 0) return [];
  const next = K.asStrided(rows, [n - 1, m], [m, 1], rows._offset + m);
  const prev = K.asStrided(rows, [n - 1, m], [m, 1], rows._offset);
  const differs = K.contiguous(K.reduce("any", K.binary("ne", next, prev, "bool"), [1], false));
  const d = K.storageValues(differs);
  const starts = [0];
  for (let i = 0; i < n - 1; i++) if (d[i]) starts.push(i + 1);
  return starts;
}

/**
 * The distinct rows of `rows` ([n, m], contiguous): `[values ([k, m]),
 * inverse ([n]), counts ([k])]`, in sorted order or in order of appearance.
 */
function distinctRows(rows: Tensor, sorted: boolean): [Tensor, Tensor, Tensor] {
  const [n, m] = rows.shape as [number, number];
  const order = sorted ? lexicographicOrder(rows) : positions(n);
  const ordered = K.contiguous(sorted ? K.gather(rows, 0, K.contiguous(K.broadcastTo(order.reshape([n, 1]), [n, m]))) : rows);
  const starts = runStarts(ordered);
  const k = starts.length;
  const counts = K.full([k], 0, "int64");
  const runOf = K.full([n], 0, "int64");
  const cv = K.storageValues(counts);
  const rv = K.storageValues(runOf);
  for (let j = 0; j < k; j++) {
    const end = j + 1 < k ? (starts[j + 1] as number) : n;
    cv[j] = end - (starts[j] as number);
    for (let i = starts[j] as number; i < end; i++) rv[i] = j;
  }
  // The run of the element at sorted position i is the inverse of the element order[i].
  const inverse = K.full([n], 0, "int64").scatter(0, order, runOf);
  const firsts = new Int32Array(k * m);
  for (let j = 0; j < k; j++) for (let c = 0; c < m; c++) firsts[j * m + c] = (starts[j] as number) * m + c;
  return [K.take(ordered, firsts, [k, m]), inverse, counts];
}

/** PyTorch's name of the op whose derivative is missing. */
function atenName(a: UniqueAttrs): string {
  return !a.sorted ? "unique_consecutive" : a.dim === null ? "_unique2" : "unique_dim";
}

const notDifferentiable: Formula<UniqueAttrs> = (_g, c) => {
  throw new AutogradError(`the derivative for '${atenName(c.attrs)}' is not implemented.`);
};

const uniqueOp = defineOp<UniqueAttrs>({
  name: "unique",
  gradFn: (a) => (!a.sorted ? "UniqueConsecutiveBackward0" : a.dim === null ? "Unique2Backward0" : "UniqueDimBackward0"),
  forward: ([input], { sorted, dim }) => {
    const x = input as Tensor;
    if (dim === null) {
      const [values, inverse, counts] = distinctRows(K.contiguous(x).reshape([x.numel(), 1]), sorted);
      return [values.reshape([values.numel()]), inverse.reshape(x.shape), counts];
    }
    const moved = K.contiguous(movedim(x, dim, 0));
    const n = x.shape[dim] as number;
    const rest = moved.shape.slice(1);
    const m = rest.reduce((a, b) => a * b, 1);
    const [values, inverse, counts] = distinctRows(moved.reshape([n, m]), sorted);
    return [K.contiguous(movedim(values.reshape([counts.numel(), ...rest]), 0, dim)), inverse, counts];
  },
  backward: notDifferentiable,
});

/** Options of `unique` and `uniqueConsecutive`. */
export interface UniqueOptions {
  /** Sort the values (default true; Kindling always sorts: PyTorch's unsorted order is its hash set's). */
  sorted?: boolean;
  /** Also return, for each element (or slice), the index of its value in the output. */
  returnInverse?: boolean;
  /** Also return how often each value occurs. */
  returnCounts?: boolean;
  /** Compare the slices along this dim instead of the elements (default: the flattened tensor). */
  dim?: number;
}

/** What unique returns: one tensor, or an array when inverse or counts are asked for. */
export type UniqueResult = Tensor | [Tensor, Tensor] | [Tensor, Tensor, Tensor];

const UNIQUE_KEYS = { sorted: "boolean", returnInverse: "boolean", returnCounts: "boolean", dim: "number" } as const;

function uniqueCall(name: string, input: Tensor, o: UniqueConsecutiveOptions, sorted: boolean): UniqueResult {
  const x = expectTensor(input, name, "input");
  let dim: number | null = null;
  if (o.dim !== undefined) {
    if (x.ndim === 0) throw new IndexError(`${name}: Dimension specified as ${o.dim} but tensor has no dimensions`);
    dim = normalizeDim(o.dim, x.ndim, name);
    if (x.shape.some((s, d) => s === 0 && d !== dim))
      throw new ShapeError("There are 0 sized dimensions, and they aren't selected, so unique cannot be applied");
  }
  const [values, inverse, counts] = uniqueOp.many([x], { sorted, dim }) as [Tensor, Tensor, Tensor];
  const out: Tensor[] = [values];
  if (o.returnInverse === true) out.push(inverse);
  if (o.returnCounts === true) out.push(counts);
  return out.length === 1 ? values : (out as [Tensor, Tensor] | [Tensor, Tensor, Tensor]);
}

/**
 * The distinct elements in ascending order (PyTorch's `unique`; each NaN is
 * distinct). With `returnInverse`/`returnCounts` it returns `[values,
 * inverse?, counts?]`: where each element's value is in `values` (shaped as
 * the input) and how often each value occurs. With `dim`, the distinct
 * slices along that dim, in lexicographic order. No gradient.
 *
 * @example
 * ```ts
 * const x = torch.tensor([3, 1, 3, 2], { dtype: "int64" });
 * console.log(torch.unique(x)); // tensor([1, 2, 3])
 * const [values, inverse, counts] = torch.unique(x, { returnInverse: true, returnCounts: true });
 * console.log(inverse, counts); // tensor([2, 0, 2, 1]) tensor([1, 1, 2])
 * ```
 */
export function unique(input: Tensor, options?: UniqueOptions & { returnInverse?: false; returnCounts?: false }): Tensor;
export function unique(input: Tensor, options: UniqueOptions & { returnInverse: true; returnCounts: true }): [Tensor, Tensor, Tensor];
export function unique(input: Tensor, options: UniqueOptions & ({ returnInverse: true } | { returnCounts: true })): [Tensor, Tensor];
export function unique(input: Tensor, options?: UniqueOptions): UniqueResult;
export function unique(input: Tensor, options?: UniqueOptions): UniqueResult {
  // sorted: false gives sorted values too (PyTorch's unsorted order is that of its hash set).
  return uniqueCall("unique", input, readOptions(options, "unique", UNIQUE_KEYS), true);
}

/** Options of `uniqueConsecutive`. */
export type UniqueConsecutiveOptions = Omit<UniqueOptions, "sorted">;

/**
 * The first element of each run of equal consecutive elements (PyTorch's
 * `unique_consecutive`), with `[values, inverse?, counts?]` as `unique`;
 * with `dim`, runs of equal slices along that dim. No gradient.
 *
 * @example
 * ```ts
 * const x = torch.tensor([1, 1, 2, 2, 3, 1], { dtype: "int64" });
 * console.log(torch.uniqueConsecutive(x)); // tensor([1, 2, 3, 1])
 * ```
 */
export function uniqueConsecutive(
  input: Tensor,
  options?: UniqueConsecutiveOptions & { returnInverse?: false; returnCounts?: false },
): Tensor;
export function uniqueConsecutive(
  input: Tensor,
  options: UniqueConsecutiveOptions & { returnInverse: true; returnCounts: true },
): [Tensor, Tensor, Tensor];
export function uniqueConsecutive(
  input: Tensor,
  options: UniqueConsecutiveOptions & ({ returnInverse: true } | { returnCounts: true }),
): [Tensor, Tensor];
export function uniqueConsecutive(input: Tensor, options?: UniqueConsecutiveOptions): UniqueResult;
export function uniqueConsecutive(input: Tensor, options?: UniqueConsecutiveOptions): UniqueResult {
  const keys = { returnInverse: "boolean", returnCounts: "boolean", dim: "number" } as const;
  return uniqueCall("unique_consecutive", input, readOptions(options, "unique_consecutive", keys), false);
}
