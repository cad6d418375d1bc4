/**
 * The element types of the safetensors format and how their little-endian
 * bytes map to Kindling's storage. Every conversion here is exact: F16 and
 * BF16 values are all representable in float32, I8/U8/I16/U16 in int32, and
 * U32 in int64; I64/U64 values are checked against Kindling's exact int64
 * range (|v| <= 2^53) instead of being rounded.
 */

import type { DType, TypedArray } from "../core/dtype.js";
import { DTypeError } from "../core/errors.js";

/**
 * The reference implementation's `Dtype` enum, in declaration order. Its
 * serializer writes tensors by descending position in this list (largest
 * alignment first), then by name; only the relative order matters.
 */
export const DTYPE_ORDER = [
  "BOOL",
  "F4",
  "F6_E2M3",
  "F6_E3M2",
  "U8",
  "I8",
  "F8_E5M2",
  "F8_E4M3",
  "F8_E8M0",
  "I16",
  "U16",
  "F16",
  "BF16",
  "I32",
  "U32",
  "F32",
  "C64",
  "F64",
  "I64",
  "U64",
] as const;

export type FileDType = (typeof DTYPE_ORDER)[number];

/** Size of one element in bits (the 4- and 6-bit float formats pack several per byte). */
const BITS: Record<FileDType, number> = {
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
};

/** The Kindling dtype each loadable file dtype becomes. */
const LOADS_AS: Partial<Record<FileDType, DType>> = {
  BOOL: "bool",
  U8: "int32",
  I8: "int32",
  I16: "int32",
  U16: "int32",
  F16: "float32",
  BF16: "float32",
  I32: "int32",
  U32: "int64",
  F32: "float32",
  F64: "float64",
  I64: "int64",
  U64: "int64",
};

/** The file dtype each Kindling dtype is saved as. */
export const SAVES_AS: Record<DType, FileDType> = {
  bool: "BOOL",
  int32: "I32",
  int64: "I64",
  float32: "F32",
  float64: "F64",
};

export function isFileDType(name: string): name is FileDType {
  return (DTYPE_ORDER as readonly string[]).includes(name);
}

/** Position in the reference's enum: the serializer's primary sort key (descending). */
export function dtypeRank(dtype: FileDType): number {
  return DTYPE_ORDER.indexOf(dtype);
}

/** Bytes taken by `count` elements, or null if the count would not fill whole bytes. */
export function byteLength(dtype: FileDType, count: number): number | null {
  const bits = BITS[dtype] * count;
  return bits % 8 === 0 ? bits / 8 : null;
}

/** The Kindling dtype a file dtype loads as, or null if Kindling cannot hold it exactly. */
export function loadsAs(dtype: FileDType): DType | null {
  return LOADS_AS[dtype] ?? null;
}

/** The dtypes `loadsAs` accepts, for error messages. */
export const LOADABLE: readonly FileDType[] = DTYPE_ORDER.filter((d) => LOADS_AS[d] !== undefined);

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses each `size`-byte group in place (little-endian <-> host order on big-endian hosts). */
function toHostOrder(bytes: Uint8Array, size: number): Uint8Array {
  if (HOST_LITTLE_ENDIAN || size === 1) return bytes;
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
  return bytes;
}

const INT64_LIMIT = 2n ** 53n;

/** Converts 64-bit integers to the exact doubles Kindling's int64 storage holds, refusing |v| > 2^53. */
function int64Values(words: BigInt64Array | BigUint64Array, where: string): Float64Array {
  const out = new Float64Array(words.length);
  for (let i = 0; i < words.length; i++) {
    const v = words[i] as bigint;
    if (v > INT64_LIMIT || v < -INT64_LIMIT) {
      throw new DTypeError(`${where} holds ${v} at flat index ${i}, outside the range Kindling's int64 holds exactly (-2^53 to 2^53)`);
    }
    out[i] = Number(v);
  }
  return out;
}

/** float32 from IEEE half precision bits; NaN payloads and signed zeros are kept. */
function halfToFloat(halves: Uint16Array): Float32Array {
  const out = new Float32Array(halves.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < halves.length; i++) {
    const h = halves[i] as number;
    const sign = h & 0x8000;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    if (exponent === 0x1f) {
      bits[i] = (sign << 16) | 0x7f800000 | (fraction << 13);
    } else {
      // Subnormals (exponent 0) are fraction * 2^-24; normals (1 + fraction/1024) * 2^(exponent-15). Both exact in float32.
      const magnitude = exponent === 0 ? fraction * 2 ** -24 : (1024 + fraction) * 2 ** (exponent - 25);
      out[i] = sign ? -magnitude : magnitude;
    }
  }
  return out;
}

/** float32 from bfloat16 bits: bfloat16 is the top half of a float32. */
function bfloat16ToFloat(halves: Uint16Array): Float32Array {
  const out = new Float32Array(halves.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < halves.length; i++) bits[i] = (halves[i] as number) << 16;
  return out;
}

/**
 * Kindling storage for the little-endian `raw` bytes of `count` elements of
 * `dtype`. `raw` must be a private copy (it may be reused as the storage).
 * `where` names the tensor in errors.
 */
export function decode(dtype: FileDType, raw: Uint8Array, where: string): TypedArray {
  const buffer = raw.buffer as ArrayBuffer;
  switch (dtype) {
    case "BOOL":
      return raw.map((b) => (b !== 0 ? 1 : 0));
    case "U8":
      return Int32Array.from(raw);
    case "I8":
      return Int32Array.from(new Int8Array(buffer));
    case "I16":
      return Int32Array.from(new Int16Array(toHostOrder(raw, 2).buffer));
    case "U16":
      return Int32Array.from(new Uint16Array(toHostOrder(raw, 2).buffer));
    case "F16":
      return halfToFloat(new Uint16Array(toHostOrder(raw, 2).buffer));
    case "BF16":
      return bfloat16ToFloat(new Uint16Array(toHostOrder(raw, 2).buffer));
    case "I32":
      return new Int32Array(toHostOrder(raw, 4).buffer);
    case "U32":
      return Float64Array.from(new Uint32Array(toHostOrder(raw, 4).buffer));
    case "F32":
      return new Float32Array(toHostOrder(raw, 4).buffer);
    case "F64":
      return new Float64Array(toHostOrder(raw, 8).buffer);
    case "I64":
      return int64Values(new BigInt64Array(toHostOrder(raw, 8).buffer), where);
    case "U64":
      return int64Values(new BigUint64Array(toHostOrder(raw, 8).buffer), where);
    default:
      throw new DTypeError(`${where} has dtype ${dtype}, which Kindling cannot load exactly (it loads ${LOADABLE.join(", ")})`);
  }
}

/** The little-endian bytes of a contiguous copy of a tensor's elements (`values` is owned and may be reused). */
export function encode(dtype: DType, values: TypedArray): Uint8Array {
  if (dtype === "int64") {
    const words = new BigInt64Array(values.length);
    for (let i = 0; i < values.length; i++) words[i] = BigInt(values[i] as number);
    return toHostOrder(new Uint8Array(words.buffer), 8);
  }
  return toHostOrder(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), values.BYTES_PER_ELEMENT);
}
