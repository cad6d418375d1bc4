/**
 * Data types and PyTorch's type-promotion rules.
 *
 * Storage per dtype: float32 -> Float32Array, float64 -> Float64Array,
 * int32 -> Int32Array, int64 -> Float64Array holding exact integers
 * (|v| <= 2^53), bool -> Uint8Array holding 0/1.
 */

import { DTypeError } from "./errors.js";

/** A tensor's data type: PyTorch's torch.float32, torch.float64, torch.int32, torch.int64 and torch.bool. */
export type DType = "float32" | "float64" | "int32" | "int64" | "bool";

/**
 * The typed arrays holding tensor data: Float32Array (float32), Float64Array
 * (float64, and int64 as exact integers up to 2^53), Int32Array (int32) and
 * Uint8Array (bool, as 0/1).
 */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** The dtypes Kindling supports, in promotion order (bool < int32 < int64 < float32 < float64). */
export const DTYPES: readonly DType[] = ["bool", "int32", "int64", "float32", "float64"];

const RANK: Record<DType, number> = { bool: 0, int32: 1, int64: 2, float32: 3, float64: 4 };

export function isFloating(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64";
}

export function isIntegral(dtype: DType, includeBool = false): boolean {
  return dtype === "int32" || dtype === "int64" || (includeBool && dtype === "bool");
}

export function isDType(value: unknown): value is DType {
  return typeof value === "string" && Object.hasOwn(RANK, value);
}

/** The smallest dtype both `a` and `b` can be represented in (PyTorch's promoteTypes). */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** Kind of a dtype for PyTorch's category rules: bool < integral < floating. */
function category(dtype: DType): number {
  if (dtype === "bool") return 0;
  return isFloating(dtype) ? 2 : 1;
}

/**
 * Whether a value of `from` may be written into a tensor of `to` by an
 * in-place op (PyTorch's canCast): no float -> integral, no non-bool -> bool.
 */
export function canCast(from: DType, to: DType): boolean {
  return category(from) <= category(to);
}

/** One operand of an op, as seen by result-type computation. */
export type Operand = { dtype: DType; dim: number } | number | boolean;

/**
 * PyTorch's `result_type`: operands with dimensions decide first, then 0-d
 * tensors, then Python-style scalars; a lower tier only matters when its
 * category (bool < integral < floating) is higher.
 */
export function resultType(operands: readonly Operand[], defaultFloat: DType = "float32"): DType {
  let dimResult: DType | null = null;
  let zeroResult: DType | null = null;
  let wrappedResult: DType | null = null;
  for (const op of operands) {
    if (typeof op === "number" || typeof op === "boolean") {
      const d = scalarDType(op, defaultFloat);
      wrappedResult = wrappedResult === null ? d : promoteTypes(wrappedResult, d);
    } else if (op.dim === 0) {
      zeroResult = zeroResult === null ? op.dtype : promoteTypes(zeroResult, op.dtype);
    } else {
      dimResult = dimResult === null ? op.dtype : promoteTypes(dimResult, op.dtype);
    }
  }
  const lower = combineCategories(zeroResult, wrappedResult);
  const result = combineCategories(dimResult, lower);
  return result ?? defaultFloat;
}

function combineCategories(higher: DType | null, lower: DType | null): DType | null {
  if (higher === null) return lower;
  if (lower === null) return higher;
  if (isFloating(higher)) return higher;
  if (higher === "bool" || isFloating(lower)) return promoteTypes(higher, lower);
  return higher;
}

/**
 * The dtype of a JS scalar: booleans are bool, integral numbers within
 * int64's range int64 (Python's int), others the default float. (1e40 is
 * integral in JavaScript, but only a Python float can have that value.)
 */
export function scalarDType(value: number | boolean, defaultFloat: DType = "float32"): DType {
  if (typeof value === "boolean") return "bool";
  return Number.isInteger(value) && Math.abs(value) < 2 ** 63 ? "int64" : defaultFloat;
}

/** A zeroed typed array for `length` elements of `dtype`, or, given `buffer`, a view of its start. */
export function typedArrayFor(dtype: DType, length: number, buffer?: ArrayBuffer): TypedArray {
  switch (dtype) {
    case "float32":
      return buffer === undefined ? new Float32Array(length) : new Float32Array(buffer, 0, length);
    case "float64":
    case "int64":
      return buffer === undefined ? new Float64Array(length) : new Float64Array(buffer, 0, length);
    case "int32":
      return buffer === undefined ? new Int32Array(length) : new Int32Array(buffer, 0, length);
    case "bool":
      return buffer === undefined ? new Uint8Array(length) : new Uint8Array(buffer, 0, length);
  }
}

/** The largest magnitude Kindling's int64 holds exactly (its storage is a Float64Array). */
export const INT64_LIMIT = 2 ** 53;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Where a JS number enters a tensor: `"data"` for `tensor()` and casts
 * (PyTorch names the dtype, `int64`, and lets float32 overflow to inf),
 * `"scalar"` for fill values, bounds and wrapped scalars (PyTorch's checked
 * C++ conversion names the C++ type, `int64_t`, and refuses finite values
 * beyond float32's range).
 */
export type ConversionPath = "data" | "scalar";

/**
 * Whether an integer dtype holds `value` after truncation toward zero:
 * int32 [-2^31, 2^31 - 1], int64 [-2^53, 2^53]. NaN fails both comparisons.
 */
export function fitsInteger(value: number, dtype: "int32" | "int64"): boolean {
  return dtype === "int32" ? value > INT32_MIN - 1 && value < INT32_MAX + 1 : value >= -INT64_LIMIT && value <= INT64_LIMIT;
}

const CPP_NAMES: Record<DType, string> = { float32: "float", float64: "double", int32: "int", int64: "int64_t", bool: "bool" };

/**
 * Why `value` does not fit `dtype` (null when it does). An integer dtype
 * takes values whose truncation is in its range (int32: [-2^31, 2^31 - 1];
 * int64: [-2^53, 2^53], the integers a Float64Array holds exactly); NaN and
 * ±Infinity fit no integer dtype. On the scalar path float32 refuses finite
 * values beyond its largest (PyTorch's checked conversion), NaN and ±Inf pass.
 */
export function conversionProblem(value: number, dtype: DType, path: ConversionPath = "scalar"): string | null {
  switch (dtype) {
    case "int32":
    case "int64":
      if (fitsInteger(value, dtype)) return null;
      if (!Number.isFinite(value)) return `${value} has no integer value`;
      return dtype === "int32"
        ? `${value} is outside int32's range [${INT32_MIN}, ${INT32_MAX}]`
        : `${value} is beyond 2^53, the largest integer Kindling's int64 holds exactly`;
    case "float32":
      return path === "scalar" && Number.isFinite(value) && Math.abs(value) > FLOAT32_MAX
        ? `${value} is beyond float32's largest value ${FLOAT32_MAX}`
        : null;
    default:
      return null;
  }
}

/**
 * `value` as a tensor of `dtype` stores it (integers truncate toward zero,
 * as PyTorch), or PyTorch's overflow error when it does not fit:
 * `full(): value cannot be converted to type int64_t without overflow (NaN has no integer value)`.
 * `where` names the element for data (`at [1, 0]`).
 */
export function convertValue(value: number, dtype: DType, op: string, path: ConversionPath = "scalar", where = ""): number {
  const problem = conversionProblem(value, dtype, path);
  if (problem !== null) {
    const name = path === "data" ? dtype : CPP_NAMES[dtype];
    const prefix = op === "" ? "" : `${op}(): `;
    throw new DTypeError(
      `${prefix}value cannot be converted to type ${name} without overflow (${where === "" ? "" : `${where}: `}${problem})`,
    );
  }
  return castScalar(value, dtype);
}

/** Converts a JS number to the value a tensor of `dtype` stores (C-style casts, as PyTorch). */
export function castScalar(value: number, dtype: DType): number {
  switch (dtype) {
    case "float32":
      return Math.fround(value);
    case "float64":
      return value;
    case "int32":
      return value | 0;
    case "int64":
      return Number.isFinite(value) ? Math.trunc(value) : 0;
    case "bool":
      return value !== 0 ? 1 : 0;
  }
}

/** PyTorch's printed dtype name, e.g. `torch.float64`. */
export function torchName(dtype: DType): string {
  return `torch.${dtype}`;
}

/** PyTorch's legacy tensor type name used in autograd messages, e.g. `torch.FloatTensor`. */
export function legacyTypeName(dtype: DType): string {
  const names: Record<DType, string> = {
    float32: "torch.FloatTensor",
    float64: "torch.DoubleTensor",
    int32: "torch.IntTensor",
    int64: "torch.LongTensor",
    bool: "torch.BoolTensor",
  };
  return names[dtype];
}

/** PyTorch's C++ scalar type name used in some messages, e.g. `Float`, `Long`. */
export function scalarTypeName(dtype: DType): string {
  const names: Record<DType, string> = {
    float32: "Float",
    float64: "Double",
    int32: "Int",
    int64: "Long",
    bool: "Bool",
  };
  return names[dtype];
}
