/**
 * Data types and PyTorch's type-promotion rules.
 *
 * Storage per dtype: float32 -> Float32Array, float64 -> Float64Array,
 * int32 -> Int32Array, int64 -> Float64Array holding exact integers
 * (|v| <= 2^53), bool -> Uint8Array holding 0/1.
 */

export type DType = "float32" | "float64" | "int32" | "int64" | "bool";

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
  return typeof value === "string" && value in RANK;
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

/** The dtype of a JS scalar: booleans are bool, integral numbers int64, others the default float. */
export function scalarDType(value: number | boolean, defaultFloat: DType = "float32"): DType {
  if (typeof value === "boolean") return "bool";
  return Number.isInteger(value) ? "int64" : defaultFloat;
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
