/**
 * Binary search in sorted sequences: searchsorted and bucketize. Results are
 * indices (int64, or int32 with outInt32) and have no gradient. PyTorch's
 * checks run here; the search is the backend's `searchSorted`, on the
 * boundaries' device.
 */

import { deviceLabel, onDevice } from "../core/device.js";
import type { DType } from "../core/dtype.js";
import { ArgumentError, DeviceError, DTypeError, IndexError, ShapeError } from "../core/errors.js";
import { readOptions } from "../core/options.js";
import { formatShape, shapesEqual } from "../core/shape.js";
import type { Tensor } from "../tensor.js";
import * as K from "./kernels.js";
import { expectTensor, promote } from "./scalars.js";

/** Options of `searchsorted`. */
export interface SearchsortedOptions {
  /** Return int32 indices instead of int64 (default false). */
  outInt32?: boolean;
  /** Give the last suitable index (after equal elements) instead of the first (default false). */
  right?: boolean;
  /** "left" or "right": the same choice as `right`, by name. */
  side?: "left" | "right";
  /** int64 indices that sort each innermost row of `sortedSequence` (when it is not sorted itself). */
  sorter?: Tensor;
}

/** Options of `bucketize`. */
export type BucketizeOptions = Pick<SearchsortedOptions, "outInt32" | "right">;

/**
 * `v` as a tensor: a number becomes a 0-d int64, float64 or bool tensor, as
 * PyTorch's scalar_to_tensor (made on the CPU, converted there and moved to
 * the boundaries' device with them).
 */
function valuesTensor(v: Tensor | number | boolean, op: string): Tensor {
  if (typeof v === "boolean") return onDevice("cpu", () => K.scalar(Number(v), "bool"));
  if (typeof v === "number") return onDevice("cpu", () => K.scalar(v, Number.isInteger(v) ? "int64" : "float64", op));
  return expectTensor(v, op, "input");
}

const OP = "torch.searchsorted()";

/** PyTorch's device checks: the values (a tensor: a number goes where the boundaries are) and the sorter on the boundaries' device. */
function checkDevices(boundaries: Tensor, values: Tensor | null, sorter: Tensor | undefined): void {
  const at = deviceLabel(boundaries.device);
  if (values !== null && values.device !== boundaries.device)
    throw new DeviceError(
      `${OP}: boundaries and input value tensors should have same device type, but got boundaries tensor device type ${at} and input value tensor device type ${deviceLabel(values.device)}`,
    );
  if (sorter !== undefined && sorter.device !== boundaries.device)
    throw new DeviceError(
      `${OP}: sorter and boundary tensors should have same device type, but got sorter tensor device type ${deviceLabel(sorter.device)} and input value tensor device type ${at}`,
    );
}

/** PyTorch's checks of the boundaries, the values and the sorter (searchsorted_pre_check). */
function checkSearch(boundaries: Tensor, values: Tensor, sorter: Tensor | undefined): void {
  if (sorter !== undefined) {
    if (!shapesEqual(sorter.shape, boundaries.shape))
      throw new ShapeError(
        `${OP}: boundary and sorter must have the same size, but got boundary tensor ${formatShape(boundaries.shape)}and got sorter tensor ${formatShape(sorter.shape)}`,
      );
    if (sorter.dtype !== "int64")
      throw new DTypeError(`${OP}: sorter must be a tensor of long dtype but got dtype ${dtypeName(sorter.dtype)}`);
  }
  if (values.ndim === 0 && boundaries.ndim !== 1)
    throw new ShapeError(
      `${OP}: input value can be a scalar only when boundaries tensor dimension is 1, but we got boundaries tensor dim(${boundaries.ndim}) and input value's dim(0) numel(1)`,
    );
  if (boundaries.ndim === 0) throw new ShapeError(`${OP}: boundaries tensor should have positive dimension, but got 0 dimension`);
  const leading = boundaries.ndim === values.ndim && shapesEqual(boundaries.shape.slice(0, -1), values.shape.slice(0, -1));
  if (boundaries.ndim !== 1 && !leading)
    throw new ShapeError(
      `${OP}: boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries tensor and input value tensor must match, but we got boundaries tensor ${formatShape(boundaries.shape)} and input value tensor ${formatShape(values.shape)}`,
    );
}

/** PyTorch's ScalarType name, as its sorter message prints it. */
function dtypeName(dtype: DType): string {
  return { float32: "Float", float64: "Double", int32: "Int", int64: "Long", bool: "Bool" }[dtype];
}

/**
 * Checks that the sorter's indices lie within each row, reading them on the
 * CPU (PyTorch 1.13 reads outside the row instead). A device's kernel checks
 * them itself and reports one outside at the next read, with this message.
 */
function checkSorter(sorter: Tensor, n: number): void {
  const s = K.contiguous(sorter);
  const data = K.storageValues(s);
  for (let i = s._offset; i < s._offset + s.numel(); i++) {
    const k = data[i] as number;
    if (k < 0 || k >= n) throw new IndexError(`${OP}: sorter index ${k} out of range for boundaries of size ${n} in the last dim`);
  }
}

/**
 * The search in the common dtype of the boundaries and the values, as
 * PyTorch's (float32 on a device, which holds no float64), by the backend's
 * searchSorted on the boundaries' device.
 */
function search(boundaries: Tensor, values: Tensor, right: boolean, outInt32: boolean, sorter: Tensor | undefined): Tensor {
  const common = promote(boundaries, values);
  if (common === "bool") throw new DTypeError(`"searchsorted_out_cpu" not implemented for 'Bool'`);
  const device = boundaries.device;
  const dtype: DType = device !== "cpu" && common === "float64" ? "float32" : common;
  if (sorter !== undefined && device === "cpu") checkSorter(sorter, boundaries.shape[boundaries.ndim - 1] as number);
  // A number's 0-d tensor is the one operand that may still be on the CPU.
  const prepared = (t: Tensor) => K.moveTo(t.dtype === dtype ? t : K.copy(t, dtype), device, "searchsorted");
  return K.searchSorted(prepared(boundaries), prepared(values), sorter ?? null, right, outInt32 ? "int32" : "int64");
}

/**
 * For each value, the index at which it would be inserted into the sorted
 * innermost rows of `sortedSequence` to keep them sorted (PyTorch's
 * `searchsorted`): the first such index, or with `right` (or `side:
 * "right"`) the last. A 1-d sequence serves every value; otherwise its
 * leading dims must equal those of `values`. A number gives a 0-d result.
 *
 * @example
 * ```ts
 * const edges = torch.tensor([1, 3, 5, 7]);
 * console.log(torch.searchsorted(edges, torch.tensor([3, 6]))); // tensor([1, 3])
 * console.log(torch.searchsorted(edges, 3, { right: true })); // tensor(2)
 * ```
 */
export function searchsorted(sortedSequence: Tensor, values: Tensor | number, options?: SearchsortedOptions): Tensor {
  const o = readOptions(options, "searchsorted", { outInt32: "boolean", right: "boolean", side: "string", sorter: true });
  const boundaries = expectTensor(sortedSequence, "searchsorted", "sorted_sequence");
  if (o.side !== undefined && o.side !== "left" && o.side !== "right")
    throw new ArgumentError(`${OP}: side can only be 'left' or 'right' but got ${o.side}`);
  if (o.side === "left" && o.right === true)
    throw new ArgumentError(`${OP}: side and right can't be set to opposites, got side of left while right was True`);
  const sorter = o.sorter === undefined || o.sorter === null ? undefined : expectTensor(o.sorter, "searchsorted", "sorter");
  const v = valuesTensor(values, "searchsorted");
  checkDevices(boundaries, v === values ? v : null, sorter);
  checkSearch(boundaries, v, sorter);
  return search(boundaries, v, o.right === true || o.side === "right", o.outInt32 === true, sorter);
}

/**
 * The index of the bucket each element of `input` falls in, given the
 * sorted 1-d `boundaries` (PyTorch's `bucketize`): with `right` false,
 * `boundaries[i-1] < x <= boundaries[i]`; with `right`, `boundaries[i-1] <=
 * x < boundaries[i]`.
 *
 * @example
 * ```ts
 * console.log(torch.bucketize(torch.tensor([0, 3, 6, 9]), torch.tensor([1, 3, 5, 7]))); // tensor([0, 1, 3, 4])
 * ```
 */
export function bucketize(input: Tensor | number, boundaries: Tensor, options?: BucketizeOptions): Tensor {
  const o = readOptions(options, "bucketize", { outInt32: "boolean", right: "boolean" });
  const b = expectTensor(boundaries, "bucketize", "boundaries");
  if (b.ndim !== 1) throw new ShapeError(`bucketize(): boundaries tensor must be 1 dimension, but got dim(${b.ndim})`);
  const v = valuesTensor(input, "bucketize");
  checkDevices(b, v === input ? v : null, undefined);
  return search(b, v, o.right === true, o.outInt32 === true, undefined);
}
