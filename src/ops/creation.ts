/** Tensor creation: from data, filled, ranges, identity (random tensors: sampling.ts). */

import { expectInt } from "../core/args.js";
import { pythonTypeName } from "../core/describe.js";
import type { DeviceName } from "../core/device.js";
import { castScalar, convertValue, type DType, fitsInteger, type TypedArray, typedArrayFor } from "../core/dtype.js";
import { ArgumentError, DTypeError, ShapeError } from "../core/errors.js";
import { markExternal } from "../core/mirrors.js";
import { type OptionKeys, readOptions } from "../core/options.js";
import { numel } from "../core/shape.js";
import { Tensor } from "../tensor.js";
import { checkCast, unravel } from "./convert.js";
import * as K from "./kernels.js";
import { expectNumber } from "./scalars.js";
import {
  DTYPE_KEYS,
  type DTypeOptions,
  endsWithOptions,
  finish,
  optionDevice,
  refuseBool,
  type SizeArgs,
  sizeAndOptions,
  sizeOf,
} from "./sizes.js";

/** Options every creation function takes. */
export interface CreationOptions {
  /** Element type (default float32 for numbers, bool for booleans). */
  dtype?: DType;
  /** The device the tensor lives on: "cpu" or "webgpu" (default: `torch.getDefaultDevice()`, "cpu" unless changed). */
  device?: DeviceName;
  /** Whether the new leaf requires grad (floating dtypes only). */
  requiresGrad?: boolean;
}

const CREATION_KEYS: OptionKeys<CreationOptions> = { dtype: "dtype", device: "device", requiresGrad: "boolean" };

/** Nested arrays of numbers or booleans, as `tensor()` takes. */
export type TensorData = number | boolean | bigint | readonly TensorData[] | ArrayLike<number> | BigInt64Array;

// ----- tensor(data) ------------------------------------------------------------

function typedArrayDType(data: ArrayLike<number> | BigInt64Array): DType | null {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof BigInt64Array || data instanceof Uint32Array) return "int64";
  if (data instanceof Int32Array || data instanceof Int16Array || data instanceof Int8Array) return "int32";
  if (data instanceof Uint16Array || data instanceof Uint8Array || data instanceof Uint8ClampedArray) return "int32";
  return null;
}

interface Flat {
  shape: number[];
  values: number[];
  kind: DType;
  /** The first bigint beyond 2^53 (Number() rounded it) and its flat index. */
  inexact: { value: bigint; index: number } | null;
}

const BIG_LIMIT = 2n ** 53n;

/** "the element at [1, 0]" (or "data" for the top level). */
function elementAt(path: readonly number[]): string {
  return path.length === 0 ? "data" : `the element at [${path.join(", ")}]`;
}

/** PyTorch's error for a leaf of `tensor()` data that is not a number, a boolean or a sequence. */
function badLeaf(v: unknown, path: readonly number[]): ArgumentError {
  const where = elementAt(path);
  if (typeof v === "string") {
    return new ArgumentError(
      `tensor(): invalid data type 'str' (${where} is ${JSON.stringify(v)}; tensor() takes numbers, booleans, bigints and nested arrays or typed arrays of them)`,
    );
  }
  return new ArgumentError(`tensor(): Could not infer dtype of ${pythonTypeName(v)} (${where} is ${v === null ? "null" : String(v)})`);
}

/** Walks nested arrays: shape, flat values and the dtype they imply. */
function flatten(data: TensorData): Flat {
  const flat: Flat = { shape: [], values: [], kind: "bool", inexact: null };
  const { shape, values } = flat;
  let fixed = false;
  let sawAny = false;
  const path: number[] = [];
  const visit = (v: TensorData, depth: number): void => {
    if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") {
      if (depth !== shape.length) throw new ShapeError(`tensor(): expected a sequence at dim ${depth}, got a number`);
      sawAny = true;
      if (typeof v === "boolean") values.push(v ? 1 : 0);
      else {
        if (typeof v === "bigint" && (v > BIG_LIMIT || v < -BIG_LIMIT) && flat.inexact === null) {
          flat.inexact = { value: v, index: values.length };
        }
        values.push(Number(v));
        const k: DType = typeof v === "bigint" ? "int64" : "float32";
        if (!fixed) flat.kind = flat.kind === "bool" || (flat.kind === "int64" && k === "float32") ? k : flat.kind;
      }
      return;
    }
    if (v === null || typeof v !== "object" || typeof (v as ArrayLike<TensorData>).length !== "number") throw badLeaf(v, path);
    const arr = v as ArrayLike<TensorData>;
    if (depth === shape.length) {
      if (sawAny) throw new ShapeError(`tensor(): expected a number at dim ${depth}, got a sequence`);
      shape.push(arr.length);
    } else if (shape[depth] !== arr.length) {
      throw new ShapeError(`tensor(): expected sequence of length ${shape[depth]} at dim ${depth} (got ${arr.length})`);
    }
    const typed = ArrayBuffer.isView(arr) ? typedArrayDType(arr as ArrayLike<number>) : null;
    if (typed !== null) {
      flat.kind = typed;
      fixed = true;
    }
    for (let i = 0; i < arr.length; i++) {
      path.push(i);
      visit(arr[i] as TensorData, depth + 1);
      path.pop();
    }
  };
  visit(data, 0);
  // No value at all ([], [[]]): PyTorch's default dtype.
  if (!sawAny && !fixed) flat.kind = "float32";
  return flat;
}

/**
 * Raises PyTorch's overflow error ("value cannot be converted to type int64
 * without overflow") at the first value an integer `dtype` cannot hold: NaN,
 * ±Infinity, or beyond its range. Other dtypes take any number.
 */
function checkData(values: ArrayLike<number>, shape: readonly number[], dtype: DType): void {
  if (dtype !== "int32" && dtype !== "int64") return;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!fitsInteger(v, dtype)) convertValue(v, dtype, "tensor", "data", `element ${unravel(i, shape)}`);
  }
}

/**
 * A new leaf tensor holding a copy of `data`: a number, a boolean, nested
 * arrays of them, or a typed array. JS numbers become float32 (the default
 * dtype) and booleans bool; pass `dtype` for integers (`int64`, `int32`),
 * which truncates toward zero and refuses values the dtype cannot hold (NaN,
 * ±Infinity, beyond int32's range or beyond 2^53 for int64).
 *
 * @example
 * ```ts
 * console.log(torch.tensor([[1, 2], [3, 4]])); // tensor([[1., 2.],\n        [3., 4.]])
 * console.log(torch.tensor([1, 2.7], { dtype: "int64" })); // tensor([1, 2])
 * console.log(torch.tensor(3.5, { requiresGrad: true })); // tensor(3.5000, requires_grad=True)
 * ```
 */
export function tensor(data: TensorData | Tensor, options?: CreationOptions): Tensor {
  const o = readOptions(options, "tensor", CREATION_KEYS);
  if (data instanceof Tensor) {
    const dtype = o.dtype ?? data.dtype;
    checkCast(data, dtype, "tensor");
    return finish(K.copy(data, dtype), o, data.device);
  }
  // A flat typed array: one copy, no detour through a JS array.
  const typed = ArrayBuffer.isView(data) && !(data instanceof BigInt64Array) ? typedArrayDType(data as ArrayLike<number>) : null;
  if (typed !== null) {
    const values = data as unknown as ArrayLike<number> & { length: number };
    const dtype = o.dtype ?? typed;
    checkData(values, [values.length], dtype);
    if (dtype === typed && (dtype === "float32" || dtype === "float64" || dtype === "int32")) {
      const out = typedArrayFor(dtype, values.length);
      out.set(values as unknown as ArrayLike<number>);
      return finish(K.fromArray(out, [values.length], dtype, "cpu"), o);
    }
    const t = K.empty([values.length], dtype, false, "tensor", "cpu");
    K.copyInto(t, Tensor._fromData(Float64Array.from(values), [values.length], "float64"));
    return finish(t, o);
  }
  const { shape, values, kind, inexact } = flatten(data);
  const dtype = o.dtype ?? kind;
  if (inexact !== null && (dtype === "int64" || dtype === "int32")) {
    throw new DTypeError(
      `tensor(): value cannot be converted to type ${dtype} without overflow (element ${unravel(inexact.index, shape)}: ${inexact.value} is beyond 2^53, the largest integer Kindling's int64 holds exactly)`,
    );
  }
  checkData(values, shape, dtype);
  const t = K.empty(shape, dtype, false, "tensor", "cpu");
  K.copyInto(t, Tensor._fromData(Float64Array.from(values), shape, "float64"));
  return finish(t, o);
}

/**
 * A 1-d tensor sharing the memory of a typed array (PyTorch's
 * `torch.frombuffer`): writes through either are seen by both. A
 * `Float32Array` gives float32, `Float64Array` float64 (or int64 with
 * `{ dtype: "int64" }` when its values are integers), `Int32Array` int32 and
 * `Uint8Array` bool (0 or 1). Reshape it with `view`.
 *
 * @example
 * ```ts
 * const data = new Float32Array([1, 2, 3, 4, 5, 6]);
 * const t = torch.frombuffer(data).view(2, 3);
 * data[0] = 10;
 * console.log(t); // tensor([[10.,  2.,  3.],\n        [ 4.,  5.,  6.]])
 * ```
 */
export function frombuffer(data: Float32Array | Float64Array | Int32Array | Uint8Array, options?: DTypeOptions): Tensor {
  const o = readOptions(options, "frombuffer", DTYPE_KEYS);
  const natural: DType | null =
    data instanceof Float32Array
      ? "float32"
      : data instanceof Float64Array
        ? "float64"
        : data instanceof Int32Array
          ? "int32"
          : data instanceof Uint8Array
            ? "bool"
            : null;
  if (natural === null) {
    throw new ArgumentError(`frombuffer(): expected a Float32Array, Float64Array, Int32Array or Uint8Array, got ${describe(data)}`);
  }
  const dtype = o.dtype ?? natural;
  const ok = dtype === natural || (natural === "float64" && dtype === "int64");
  if (!ok) throw new DTypeError(`frombuffer(): a ${data.constructor.name} cannot be viewed as ${dtype} (it holds ${natural})`);
  if (dtype === "int64") {
    for (let i = 0; i < data.length; i++) {
      const v = data[i] as number;
      if (!Number.isInteger(v) || Math.abs(v) > 2 ** 53) {
        throw new DTypeError(`frombuffer(): element ${i} (${v}) is not an integer int64 can hold exactly`);
      }
    }
  }
  if (dtype === "bool" && data.some((v) => v !== 0 && v !== 1)) {
    throw new DTypeError("frombuffer(): a Uint8Array viewed as bool must hold only 0 and 1");
  }
  // The caller may write the array at any time: no backend may keep a copy of it.
  markExternal(data);
  return Tensor._fromData(data, [data.length], dtype);
}

function describe(v: unknown): string {
  return v === null ? "null" : typeof v === "object" ? ((v as object).constructor?.name ?? "object") : typeof v;
}

/** @internal a tensor over an existing typed array (no copy). */
export function fromTypedArray(data: TypedArray, shape: readonly number[], dtype: DType): Tensor {
  if (data.length !== numel(shape)) {
    throw new ShapeError(`fromTypedArray: ${data.length} values do not fill shape [${shape.join(", ")}]`);
  }
  return Tensor._fromData(data, shape, dtype);
}

// ----- filled tensors ----------------------------------------------------------

/**
 * A tensor of zeros: `zeros(2, 3)` or `zeros([2, 3], { dtype })`.
 *
 * @example
 * ```ts
 * console.log(torch.zeros(2, 2)); // tensor([[0., 0.],\n        [0., 0.]])
 * ```
 */
export function zeros(...args: SizeArgs<CreationOptions>): Tensor {
  return filled(args, "zeros", 0);
}

/** zeros, ones and empty: a size (and options) filled with `value`. */
function filled(args: SizeArgs<CreationOptions>, op: string, value: number): Tensor {
  const [shape, o] = sizeAndOptions(args, op, CREATION_KEYS);
  return finish(K.full(shape, value, o.dtype ?? "float32", op, optionDevice(o)), o);
}

/**
 * A tensor of ones.
 *
 * @example
 * ```ts
 * console.log(torch.ones(2, 2, { requiresGrad: true })); // tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)
 * ```
 */
export function ones(...args: SizeArgs<CreationOptions>): Tensor {
  return filled(args, "ones", 1);
}

/** An uninitialised tensor (Kindling zero-fills it). */
export function empty(...args: SizeArgs<CreationOptions>): Tensor {
  return filled(args, "empty", 0);
}

/**
 * A tensor filled with `fillValue` (float32 unless `dtype` says otherwise;
 * a boolean gives bool). A value the dtype cannot hold (NaN into int64,
 * 2^31 into int32, 1e40 into float32) raises PyTorch's overflow error.
 *
 * @example
 * ```ts
 * console.log(torch.full([2], 7)); // tensor([7., 7.])
 * ```
 */
export function full(size: readonly number[], fillValue: number | boolean, options?: CreationOptions): Tensor {
  const o = readOptions(options, "full", CREATION_KEYS);
  const shape = sizeOf([size], "full");
  const value = expectNumber(fillValue, "full", "fill_value", 2);
  const dtype = o.dtype ?? (typeof fillValue === "boolean" ? "bool" : "float32");
  return finish(K.full(shape, convertValue(value, dtype, "full"), dtype, "full", optionDevice(o)), o);
}

/** Zeros with the shape (and, unless given, dtype) of `input`. */
export function zerosLike(input: Tensor, options?: CreationOptions): Tensor {
  return filledLike(input, 0, readOptions(options, "zeros_like", CREATION_KEYS), "zeros_like");
}

/** zerosLike, onesLike and emptyLike: `input`'s shape (and, unless given, dtype) filled with `value`. */
function filledLike(input: Tensor, value: number, o: CreationOptions, op: string): Tensor {
  return finish(K.full(input.shape, value, o.dtype ?? input.dtype, op, optionDevice(o, input.device)), o, input.device);
}

/**
 * Ones with the shape (and, unless given, dtype) of `input`.
 *
 * @example
 * ```ts
 * console.log(torch.onesLike(torch.zeros(2))); // tensor([1., 1.])
 * ```
 */
export function onesLike(input: Tensor, options?: CreationOptions): Tensor {
  return filledLike(input, 1, readOptions(options, "ones_like", CREATION_KEYS), "ones_like");
}

/** Same as zerosLike (Kindling zero-fills new memory). */
export function emptyLike(input: Tensor, options?: CreationOptions): Tensor {
  return filledLike(input, 0, readOptions(options, "empty_like", CREATION_KEYS), "empty_like");
}

/**
 * `fillValue` with the shape (and, unless given, dtype) of `input`; a value
 * the dtype cannot hold raises PyTorch's overflow error.
 *
 * @example
 * ```ts
 * console.log(torch.fullLike(torch.zeros(2, { dtype: "int64" }), 2.5)); // tensor([2, 2])
 * ```
 */
export function fullLike(input: Tensor, fillValue: number, options?: CreationOptions): Tensor {
  const o = readOptions(options, "full_like", CREATION_KEYS);
  const dtype = o.dtype ?? input.dtype;
  const value = convertValue(expectNumber(fillValue, "full_like", "fill_value", 2), dtype, "full_like");
  return finish(K.full(input.shape, value, dtype, "full_like", optionDevice(o, input.device)), o, input.device);
}

// ----- ranges --------------------------------------------------------------------

/** A number as PyTorch prints it in range errors: `nan`, `inf`, `-inf`, `0.5`. */
function formatNumber(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  return String(v);
}

/** arange's (start, end, step) from `(end)`, `(start, end)` or `(start, end, step)`, checked as PyTorch checks them. */
function rangeArgs(nums: readonly unknown[]): [number, number, number] {
  if (nums.length < 1 || nums.length > 3) {
    throw new ArgumentError(`arange(): expected (end), (start, end) or (start, end, step), got ${nums.length} numbers`);
  }
  const names = nums.length === 1 ? ["end"] : ["start", "end", "step"];
  const [a, b, c] = nums.map((v, i) => expectNumber(v, "arange", names[i] as string, i + 1));
  const [start, end, step] = nums.length === 1 ? [0, a as number, 1] : [a as number, b as number, c ?? 1];
  if (!Number.isFinite(start) || !Number.isFinite(end)) {
    throw new ArgumentError(`arange(): unsupported range: ${formatNumber(start)} -> ${formatNumber(end)}`);
  }
  if (!(step > 0 || step < 0)) throw new ArgumentError(`arange(): step must be nonzero (got ${formatNumber(step)})`);
  if (!((step > 0 && end >= start) || (step < 0 && end <= start))) {
    throw new ArgumentError(
      `arange(): upper bound and larger bound inconsistent with step sign (start ${start}, end ${end}, step ${step})`,
    );
  }
  return [start, end, step];
}

/**
 * Values from `start` (default 0) up to, not including, `end`, by `step`:
 * `arange(5)`, `arange(1, 4)`, `arange(0, 1, 0.25)`. All-integer arguments
 * give int64 (as in PyTorch), others float32.
 *
 * @example
 * ```ts
 * console.log(torch.arange(4)); // tensor([0, 1, 2, 3])
 * console.log(torch.arange(0, 1, 0.25)); // tensor([0.0000, 0.2500, 0.5000, 0.7500])
 * ```
 */
export function arange(...args: (number | CreationOptions)[]): Tensor {
  const given = endsWithOptions(args);
  const opts = readOptions(given ? (args[args.length - 1] as CreationOptions) : undefined, "arange", CREATION_KEYS);
  const nums = given ? args.slice(0, -1) : args;
  const [start, end, step] = rangeArgs(nums);
  const dtype = opts.dtype ?? (nums.every((v) => Number.isInteger(v)) ? "int64" : "float32");
  refuseBool(dtype, "arange", "arange_cpu");
  const n = Math.ceil((end - start) / step);
  if (n > 0 && (dtype === "int32" || dtype === "int64")) {
    for (const v of [start, start + (n - 1) * step]) convertValue(v, dtype, "arange");
  }
  const t = K.empty([n], dtype, false, "arange", "cpu");
  const out = K.storageValues(t);
  for (let i = 0; i < n; i++) out[i] = castScalar(start + i * step, dtype);
  return finish(t, opts);
}

/**
 * `steps` evenly spaced values from `start` to `end` inclusive.
 *
 * @example
 * ```ts
 * console.log(torch.linspace(0, 1, 5)); // tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
 * ```
 */
export function linspace(start: number, end: number, steps: number, options?: CreationOptions): Tensor {
  const o = readOptions(options, "linspace", CREATION_KEYS);
  const from = expectNumber(start, "linspace", "start", 1);
  const to = expectNumber(end, "linspace", "end", 2);
  const count = expectInt(steps, "linspace", "steps", 3);
  if (count < 0) throw new ArgumentError(`linspace(): number of steps must be non-negative (got ${count})`);
  const dtype = o.dtype ?? "float32";
  for (const v of [from, to]) convertValue(v, dtype, "linspace");
  const t = K.empty([count], dtype, false, "linspace", "cpu");
  const out = K.storageValues(t);
  // PyTorch computes the step in the output's precision, then counts up from
  // start for the first half and down from end for the second.
  const cast = dtype === "float32" ? Math.fround : (v: number) => v;
  const [a, b] = [cast(from), cast(to)];
  const step = count > 1 ? cast((b - a) / (count - 1)) : 0;
  const half = Math.floor(count / 2);
  for (let i = 0; i < count; i++) out[i] = castScalar(i < half ? a + step * i : b - step * (count - i - 1), dtype);
  return finish(t, o);
}

/**
 * The n x m identity matrix (m defaults to n).
 *
 * @example
 * ```ts
 * console.log(torch.eye(2)); // tensor([[1., 0.],\n        [0., 1.]])
 * ```
 */
export function eye(n: number, m?: number | CreationOptions, options?: CreationOptions): Tensor {
  const rows = expectInt(n, "eye", "n", 1);
  const mIsOptions = endsWithOptions([n, m]) && options === undefined;
  const opts = readOptions(mIsOptions ? (m as CreationOptions) : options, "eye", CREATION_KEYS);
  const cols = m === undefined || m === null || mIsOptions ? rows : expectInt(m, "eye", "m", 2);
  if (rows < 0) throw new ArgumentError(`eye(): n must be greater or equal to 0, got ${rows}`);
  if (cols < 0) throw new ArgumentError(`eye(): m must be greater or equal to 0, got ${cols}`);
  const t = K.full([rows, cols], 0, opts.dtype ?? "float32", "eye", "cpu");
  const out = K.storageValues(t);
  for (let i = 0; i < Math.min(rows, cols); i++) out[i * cols + i] = 1;
  return finish(t, opts);
}

/** The [2, n] int64 indices (rows, then columns) of a row x col matrix's elements kept by `keep(row, col)`. */
function triangleIndices(row: number, col: number, keep: (r: number, c: number) => boolean, op: string): Tensor {
  for (const [name, v] of [
    ["row", row],
    ["col", col],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new ArgumentError(`${op}: ${name} must be non-negative, got${v}`);
  }
  const rows: number[] = [];
  const cols: number[] = [];
  for (let r = 0; r < row; r++) {
    for (let c = 0; c < col; c++) {
      if (keep(r, c)) {
        rows.push(r);
        cols.push(c);
      }
    }
  }
  return K.fromArray(Float64Array.from([...rows, ...cols]), [2, rows.length], "int64");
}

/**
 * The indices of the upper triangle (from diagonal `offset` up) of a
 * row x col matrix, as a [2, n] int64 tensor of rows then columns
 * (PyTorch's `triu_indices`).
 *
 * @example
 * ```ts
 * console.log(torch.triuIndices(3, 3)); // tensor([[0, 0, 0, 1, 1, 2],\n        [0, 1, 2, 1, 2, 2]])
 * ```
 */
export function triuIndices(row: number, col: number, offset = 0): Tensor {
  return triangleIndices(row, col, (r, c) => c - r >= offset, "triu_indices");
}

/**
 * The indices of the lower triangle (up to diagonal `offset`) of a row x col
 * matrix, as a [2, n] int64 tensor (PyTorch's `tril_indices`).
 *
 * @example
 * ```ts
 * console.log(torch.trilIndices(2, 3, 1)); // tensor([[0, 0, 1, 1, 1],\n        [0, 1, 0, 1, 2]])
 * ```
 */
export function trilIndices(row: number, col: number, offset = 0): Tensor {
  return triangleIndices(row, col, (r, c) => c - r <= offset, "tril_indices");
}
