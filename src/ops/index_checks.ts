/**
 * The size, dtype and range rules PyTorch checks before an index kernel
 * runs, one function per rule family, with PyTorch's messages: a kernel is
 * only reached with indices and operands these accepted, so it never reads
 * or writes outside them. The families: gather/scatter (index shaped like
 * self), index vectors along a dim (index_select/add/copy/fill), the source
 * of index_add and index_copy, flat indices (take/put), masked_scatter,
 * index_put's value.
 */

import { type DType, isFloating, scalarTypeName } from "../core/dtype.js";
import { ArgumentError, DTypeError, IndexError, type KindlingError, ShapeError } from "../core/errors.js";
import { formatShape, isExpandableTo, normalizeDim, numel, shapesEqual } from "../core/shape.js";
import type { Tensor } from "../tensor.js";
import * as K from "./kernels.js";

type ErrorClass = new (message: string) => KindlingError;

/** The hint added when an index or target tensor is floating: JavaScript numbers make float32 tensors. */
export function int64Hint(t: Tensor, what = "index tensors"): string {
  return isFloating(t.dtype) ? ` (${what} are made with torch.tensor([0, 2], { dtype: "int64" }))` : "";
}

/** PyTorch's message, prefixed with the op unless it already starts with it (`index_add_(): ...` for index_add). */
export function opMessage(op: string, message: string): string {
  const base = op.replace(/_$/, "");
  return message.startsWith(`${base}(`) || message.startsWith(`${base}_(`) ? message : `${op}: ${message}`;
}

/**
 * The values of `index`, each in [-size, size) counted from the end when
 * negative and `wrap`, else in [0, size); the first that is not gets
 * `outOfRange(value)`.
 */
export function indexValues(index: Tensor, size: number, wrap: boolean, outOfRange: (v: number) => KindlingError): number[] {
  const data = index.toTypedArray();
  const out = new Array<number>(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (v >= size || v < (wrap ? -size : 0)) throw outOfRange(v);
    out[i] = v < 0 ? v + size : v;
  }
  return out;
}

// ----- gather, scatter, scatter_add -------------------------------------------------

/** PyTorch's ensure_nonempty_size: a 0-d tensor counts as shape [1]. */
const sizeAt = (t: Tensor, d: number): number => (t.ndim === 0 ? 1 : (t.shape[d] as number));
const dims = (t: Tensor): number => Math.max(t.ndim, 1);

/**
 * gather (kind "gather", no src) and scatter/scatter_add (kind "scatter"):
 * an int64 index of self's rank, no larger than self outside `dim` (and, for
 * scatter with a tensor src, no larger than src anywhere), with values in
 * [0, self.size(dim)). An empty index is accepted without checks.
 */
export function checkGatherScatter(
  op: string,
  kind: "gather" | "scatter",
  self: Tensor,
  dim: number,
  index: Tensor,
  src: Tensor | null,
): void {
  const empty = index.numel() === 0;
  if (!empty && index.dtype !== "int64") {
    throw new DTypeError(`${opMessage(op, `${kind}(): Expected dtype int64 for index`)} (got ${index.dtype})${int64Hint(index)}`);
  }
  if (src !== null && src.dtype !== self.dtype) {
    throw new DTypeError(
      `${opMessage(op, `${kind}(): Expected self.dtype to be equal to src.dtype`)} (self ${self.dtype}, src ${src.dtype})`,
    );
  }
  if (empty) return;
  if (kind === "gather") gatherShapes(op, self, dim, index);
  else scatterShapes(op, self, dim, index, src);
  const size = sizeAt(self, dim);
  // A device's index is checked by its kernels (the first index out of range raises at the next read).
  if (index.device !== "cpu") return;
  indexValues(
    index,
    size,
    false,
    (v) => new ArgumentError(opMessage(op, `index ${v} is out of bounds for dimension ${dim} with size ${size}`)),
  );
}

function gatherShapes(op: string, self: Tensor, dim: number, index: Tensor): void {
  const shapes = `(index ${formatShape(index.shape)}, input ${formatShape(self.shape)})`;
  if (dims(self) !== dims(index)) {
    throw new ShapeError(`${opMessage(op, "Index tensor must have the same number of dimensions as input tensor")} ${shapes}`);
  }
  for (let d = 0; d < dims(self); d++) {
    if (d !== dim && sizeAt(index, d) > sizeAt(self, d)) {
      throw new ShapeError(
        opMessage(
          op,
          `Size does not match at dimension ${d} expected index ${formatShape(index.shape)} to be smaller than self ${formatShape(self.shape)} apart from dimension ${dim}`,
        ),
      );
    }
  }
}

function scatterShapes(op: string, self: Tensor, dim: number, index: Tensor, src: Tensor | null): void {
  if (dims(self) !== dims(index)) {
    throw new ShapeError(
      `${opMessage(op, "Index tensor must have the same number of dimensions as self tensor")} (index ${formatShape(index.shape)}, self ${formatShape(self.shape)})`,
    );
  }
  let wrong = false;
  for (let d = 0; d < dims(self) && !wrong; d++) wrong = d !== dim && sizeAt(index, d) > sizeAt(self, d);
  for (let d = 0; d < dims(self) && !wrong && src !== null; d++) {
    // As PyTorch, src.size(d) is read for each of self's dims: a src of lower rank fails here.
    if (src.ndim > 0) normalizeDim(d, src.ndim, op);
    wrong = sizeAt(index, d) > sizeAt(src, d);
  }
  const expected = `Expected index ${formatShape(index.shape)} to be smaller than self ${formatShape(self.shape)} apart from dimension ${dim}`;
  if (src === null) {
    if (wrong) throw new ShapeError(opMessage(op, expected));
    return;
  }
  if (dims(src) !== dims(index)) {
    throw new ShapeError(
      `${opMessage(op, "Index tensor must have the same number of dimensions as src tensor")} (index ${formatShape(index.shape)}, src ${formatShape(src.shape)})`,
    );
  }
  if (wrong) throw new ShapeError(opMessage(op, `${expected} and to be smaller size than src ${formatShape(src.shape)}`));
}

// ----- index vectors along a dim ----------------------------------------------------

interface VectorRule {
  dtypes: readonly DType[];
  /** Whether PyTorch checks the dtype before the rank. */
  dtypeFirst: boolean;
  dtype: (t: Tensor) => [ErrorClass, string];
  vector: (t: Tensor) => [ErrorClass, string];
  range: (v: number, dim: number, size: number) => [ErrorClass, string];
  /** Negative values count from the end (index_fill) instead of being out of range. */
  wrap: boolean;
}

/** Each op's rules for its index vector, with PyTorch's messages and exception classes. */
const VECTOR_RULES: Record<"index_select" | "index_add" | "index_copy" | "index_fill", VectorRule> = {
  index_select: {
    dtypes: ["int64", "int32"],
    dtypeFirst: false,
    dtype: () => [DTypeError, "index_select(): Expected dtype int32 or int64 for index"],
    vector: (t) => [IndexError, `index_select(): Index is supposed to be a vector (got shape ${formatShape(t.shape)})`],
    range: () => [IndexError, "index out of range in self"],
    wrap: false,
  },
  index_add: {
    dtypes: ["int64", "int32"],
    dtypeFirst: false,
    dtype: (t) => [DTypeError, `index_add_(): Expected dtype int32/int64 for index but got: ${scalarTypeName(t.dtype)}`],
    vector: (t) => [
      IndexError,
      `index_add_(): Index is supposed to be a vector, but got dim: ${t.ndim} with type: ${scalarTypeName(t.dtype)} and size: ${formatShape(t.shape)}`,
    ],
    range: () => [IndexError, "index out of range in self"],
    wrap: false,
  },
  index_copy: {
    dtypes: ["int64"],
    dtypeFirst: false,
    dtype: (t) => [DTypeError, `index_copy_(): Expected a long tensor for index, but got ${scalarTypeName(t.dtype)}`],
    vector: (t) => [IndexError, `index_copy_(): Index should have dimension 1 or 0 (got ${t.ndim})`],
    range: (v, d, n) => [IndexError, `index_copy_(): index ${v} is out of bounds for dimension ${d} with size ${n}`],
    wrap: false,
  },
  index_fill: {
    dtypes: ["int64"],
    dtypeFirst: true,
    dtype: () => [IndexError, "index_fill_(): Expected dtype int64 for index."],
    vector: (t) => [ShapeError, `Index has to be a vector/scalar (got shape ${formatShape(t.shape)})`],
    range: (v, d, n) => [IndexError, `index ${v} is out of bounds for dimension ${d} with size ${n}`],
    wrap: true,
  },
};

/** The rank and dtype of the index vector of index_select/add/copy/fill (`kind`). */
export function checkIndexVector(op: string, kind: keyof typeof VECTOR_RULES, index: Tensor): void {
  const rule = VECTOR_RULES[kind];
  const raise = ([E, message]: [ErrorClass, string], extra = ""): never => {
    throw new E(opMessage(op, message) + extra);
  };
  const dtype = () => {
    if (!rule.dtypes.includes(index.dtype)) raise(rule.dtype(index), ` (got ${index.dtype})${int64Hint(index)}`);
  };
  if (rule.dtypeFirst) dtype();
  if (index.ndim > 1) raise(rule.vector(index));
  if (!rule.dtypeFirst) dtype();
}

/**
 * The index vector's values along `dim` of `self`, checked against its size
 * (wrapped when the op allows); null for an index on a device, which the
 * kernels check (see `deviceIndex`).
 */
export function indexVectorValues(op: string, kind: keyof typeof VECTOR_RULES, self: Tensor, dim: number, index: Tensor): number[] | null {
  const rule = VECTOR_RULES[kind];
  const size = sizeAt(self, dim);
  if (index.device !== "cpu") return null;
  return indexValues(index, size, rule.wrap, (v) => {
    const [E, message] = rule.range(v, dim, size);
    return new E(opMessage(op, message));
  });
}

// ----- the source of index_add and index_copy ----------------------------------------

const withoutDim = (shape: readonly number[], dim: number): number[] => shape.filter((_, d) => d !== dim);

/**
 * index_add's source: self's dtype, `dim` within its dims, one slice per
 * index along `dim`, and slices (source.select(dim, i)) that broadcast to
 * self's slices as an in-place add does (PyTorch's messages for both).
 */
export function checkIndexAddSource(op: string, self: Tensor, dim: number, n: number, source: Tensor): void {
  const msg = (m: string) => opMessage(op, m);
  if (self.dtype !== source.dtype) {
    throw new DTypeError(
      msg(`index_add_(): self (${scalarTypeName(self.dtype)}) and source (${scalarTypeName(source.dtype)}) must have the same scalar type`),
    );
  }
  if (dim !== 0 && dim >= source.ndim) {
    throw new ShapeError(msg(`index_add_(): Indexing dim ${dim} is out of bounds of the source tensor with dim ${source.ndim}`));
  }
  const count = source.ndim === 0 ? 1 : (source.shape[dim] as number);
  if (n !== count) {
    throw new ShapeError(msg(`index_add_(): Number of indices (${n}) should be equal to source.size(dim): (${count}), for dim: ${dim}`));
  }
  if (self.ndim <= 1) {
    if (source.ndim > 1) throw new ShapeError(msg(`source.dim() (${source.ndim}) must one or zero for given self.dim() (${self.ndim})`));
    return;
  }
  if (source.ndim === 0) throw new IndexError(msg("select() cannot be applied to a 0-dim tensor."));
  sliceBroadcasts(msg, withoutDim(self.shape, dim), withoutDim(source.shape, dim));
}

/** PyTorch's checks of `out.add_(slice)`: the slice broadcasts to out's shape and to nothing larger. */
function sliceBroadcasts(msg: (m: string) => string, out: readonly number[], slice: readonly number[]): void {
  const n = Math.max(out.length, slice.length);
  const shape = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    const a = out[i - n + out.length] ?? 1;
    const b = slice[i - n + slice.length] ?? 1;
    if (a !== b && a !== 1 && b !== 1) {
      throw new ShapeError(msg(`The size of tensor a (${a}) must match the size of tensor b (${b}) at non-singleton dimension ${i}`));
    }
    shape[i] = a === 1 ? b : a;
  }
  if (!shapesEqual(shape, out)) {
    throw new ShapeError(msg(`output with shape ${formatShape(out)} doesn't match the broadcast shape ${formatShape(shape)}`));
  }
}

/** index_copy's source: self's rank (or 0-d with one index), self's slices exactly, one slice per index, self's dtype. */
export function checkIndexCopySource(op: string, self: Tensor, dim: number, n: number, source: Tensor): void {
  const msg = (m: string) => opMessage(op, m);
  if (source.ndim === 0 && n !== 1)
    throw new IndexError(msg(`index_copy_(): When source is scalar, index should have one element (got ${n})`));
  if (source.ndim !== self.ndim && source.ndim !== 0 && self.ndim !== 0) {
    throw new IndexError(
      msg(
        `index_copy_(): When source and destination are not scalars, their dimensionality must match. Source dimensionality (${source.ndim}), destination dimensionality (${self.ndim})`,
      ),
    );
  }
  if (self.dtype !== source.dtype) {
    throw new DTypeError(
      msg(
        `index_copy_(): self and source expected to have the same dtype, but got (self) ${scalarTypeName(self.dtype)} and (source) ${scalarTypeName(source.dtype)}`,
      ),
    );
  }
  const selfSlice = withoutDim(self.shape, dim);
  const sourceSlice = withoutDim(source.shape, dim);
  if (!shapesEqual(selfSlice, sourceSlice)) {
    throw new ShapeError(
      msg(
        `index_copy_(): Source/destination tensor must have same slice shapes. Destination slice shape: ${selfSlice.join(" ")} at dimension ${dim} and source slice shape: ${sourceSlice.join(" ")} at dimension 0.`,
      ),
    );
  }
  if (source.ndim > 0 && n !== source.shape[dim]) {
    throw new IndexError(msg(`index_copy_(): Number of indices (${n}) should be equal to source.size(dim) (${source.shape[dim]})`));
  }
}

// ----- take and put ------------------------------------------------------------------

/** take/put's index dtype: int64 only. */
export function checkFlatIndexDtype(op: "take" | "put_", index: Tensor): void {
  if (index.dtype !== "int64") {
    throw new DTypeError(`${op}(): Expected a long tensor for index, but got ${scalarTypeName(index.dtype)}${int64Hint(index)}`);
  }
}

/**
 * take/put's index values as element offsets: in [-numel, numel) (negative
 * ones count from the end), self not empty unless the index is; null for an
 * index on a device (see `deviceIndex`).
 */
export function flatIndexValues(op: "take" | "put_", self: Tensor, index: Tensor): number[] | null {
  const n = self.numel();
  if (n === 0 && index.numel() !== 0) {
    throw new IndexError(
      op === "take" ? "take(): tried to take from an empty tensor" : "put_(): Tried to put elements into an empty tensor",
    );
  }
  if (index.device !== "cpu") return null;
  return indexValues(
    index,
    n,
    true,
    (v) => new IndexError(`${op}(): out of range: tried to access index ${v} on a tensor of ${n} elements.`),
  );
}

/** put's source: self's dtype and one element per index. */
export function checkPutSource(self: Tensor, index: Tensor, source: Tensor): void {
  if (self.dtype !== source.dtype) {
    throw new DTypeError(
      `put_(): self and source expected to have the same dtype, but got self.dtype = ${scalarTypeName(self.dtype)} and source.dtype = ${scalarTypeName(source.dtype)}`,
    );
  }
  if (source.numel() !== index.numel()) {
    throw new IndexError(
      `put_(): Expected source and index to have the same number of elements, but got source.numel() = ${source.numel()}, index.numel() = ${index.numel()}`,
    );
  }
}

// ----- masked_scatter, index_put -------------------------------------------------------

/** masked_scatter's operands: a bool mask, a source of self's dtype with at least one element per true element of the mask. */
export function checkMaskedScatter(op: string, self: Tensor, mask: Tensor, source: Tensor): void {
  if (self.dtype !== source.dtype) {
    throw new DTypeError(
      opMessage(
        op,
        `masked_scatter: expected self and source to have same dtypes but got${scalarTypeName(self.dtype)} and ${scalarTypeName(source.dtype)}`,
      ),
    );
  }
  if (mask.dtype !== "bool") {
    throw new DTypeError(
      opMessage(op, `masked_scatter_ only supports boolean masks, but got mask with dtype ${scalarTypeName(mask.dtype)}`),
    );
  }
}

/** The error for a mask with `count` true elements, more than the `n` elements of source. */
export function sourceTooSmall(op: string, count: number, n: number): ShapeError {
  return new ShapeError(`${opMessage(op, "Number of elements of source < number of ones in mask")} (${n} < ${count})`);
}

/** index_put's error for a value that does not broadcast to the indexed shape (`indexed`: that shape, formatted). */
export function indexPutMismatch(value: readonly number[], indexed: string): ShapeError {
  return new ShapeError(
    `index_put_: shape mismatch: value tensor of shape ${formatShape(value)} cannot be broadcast to indexing result of shape ${indexed}`,
  );
}

/**
 * index_put's value (already without leading size-1 dims, as Python's
 * setitem views it): it broadcasts to the indexed shape, and a tensor value
 * has self's dtype unless the index is a single mask and the value one
 * element (PyTorch then fills, converting it). `shown`: the indexed shape
 * as the message prints it.
 */
export function checkIndexPutValue(
  self: Tensor,
  value: Tensor,
  indexed: readonly number[],
  maskFill: boolean,
  shown = formatShape(indexed),
): void {
  if (!isExpandableTo(value.shape, indexed)) throw indexPutMismatch(value.shape, shown);
  if (value.dtype !== self.dtype && !(maskFill && numel(value.shape) === 1)) {
    throw new DTypeError(
      `index_put_: Index put requires the source and destination dtypes match, got ${scalarTypeName(self.dtype)} for the destination and ${scalarTypeName(value.dtype)} for the source.`,
    );
  }
}

/**
 * An index on a device as its kernels take it: int64, negative values
 * counted from the end of `size` when `wrap` (by kernels: its values stay on
 * the device). The kernels check the range: the first index out of range
 * raises at the next read, as CUDA's device-side asserts.
 */
export function deviceIndex(index: Tensor, size: number, wrap: boolean): Tensor {
  const i = index.dtype === "int64" ? index : K.copy(index, "int64");
  if (!wrap) return i;
  const negative = K.binary("lt", i, K.scalar(0, "int64"), "bool");
  return K.where(negative, K.binary("add", i, K.scalar(size, "int64"), "int64"), i, "int64");
}
