/** Tensor creation: from data, filled, ranges, identity, random. */

import { type DType, isDType, isFloating, type TypedArray, typedArrayFor } from "../core/dtype.js";
import { ArgumentError, DTypeError, ShapeError } from "../core/errors.js";
import { markExternal } from "../core/mirrors.js";
import { numel } from "../core/shape.js";
import { defaultGenerator, type Generator } from "../random.js";
import { Tensor } from "../tensor.js";
import * as K from "./kernels.js";

/** Options every creation function takes. */
export interface CreationOptions {
  /** Element type (default float32 for numbers, bool for booleans). */
  dtype?: DType;
  /** Whether the new leaf requires grad (floating dtypes only). */
  requiresGrad?: boolean;
}

export interface RandomOptions extends CreationOptions {
  /** Generator to draw from (default: the global one seeded by manualSeed). */
  generator?: Generator;
}

/** Nested arrays of numbers or booleans, as `tensor()` takes. */
export type TensorData = number | boolean | bigint | readonly TensorData[] | ArrayLike<number> | BigInt64Array;

type SizeArgs<O> = (number | readonly number[] | O)[];

function checkDType(dtype: DType | undefined, op: string): void {
  if (dtype !== undefined && !isDType(dtype)) {
    throw new DTypeError(`${op}: unknown dtype '${String(dtype)}' (expected float32, float64, int32, int64 or bool)`);
  }
}

/** Marks a fresh tensor as a leaf that requires grad when asked. */
function finish(t: Tensor, options: CreationOptions | undefined): Tensor {
  if (options?.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Splits `(2, 3, { dtype })` or `([2, 3], { dtype })` into a shape and options. */
function sizeAndOptions<O extends object>(args: SizeArgs<O>, op: string): [number[], O | undefined] {
  let opts: O | undefined;
  const rest = [...args];
  const last = rest[rest.length - 1];
  if (last !== undefined && typeof last === "object" && !Array.isArray(last)) {
    opts = rest.pop() as O;
  }
  const shape = rest.length === 1 && Array.isArray(rest[0]) ? [...(rest[0] as number[])] : (rest as number[]);
  for (const s of shape) {
    if (typeof s !== "number" || !Number.isInteger(s) || s < 0) {
      throw new ArgumentError(`${op}(): size must be a list of non-negative integers, got [${shape.join(", ")}]`);
    }
  }
  return [shape, opts];
}

// ----- tensor(data) ------------------------------------------------------------

function typedArrayDType(data: ArrayLike<number> | BigInt64Array): DType | null {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof BigInt64Array || data instanceof Uint32Array) return "int64";
  if (data instanceof Int32Array || data instanceof Int16Array || data instanceof Int8Array) return "int32";
  if (data instanceof Uint16Array || data instanceof Uint8Array || data instanceof Uint8ClampedArray) return "int32";
  return null;
}

/** Walks nested arrays: shape, flat values and the dtype they imply. */
function flatten(data: TensorData): { shape: number[]; values: number[]; kind: DType } {
  const shape: number[] = [];
  const values: number[] = [];
  let kind: DType = "bool";
  let fixed = false;
  let sawAny = false;
  const visit = (v: TensorData, depth: number): void => {
    if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") {
      if (depth !== shape.length) throw new ShapeError(`tensor(): expected a sequence at dim ${depth}, got a number`);
      sawAny = true;
      if (typeof v === "boolean") values.push(v ? 1 : 0);
      else {
        values.push(Number(v));
        const k: DType = typeof v === "bigint" ? "int64" : "float32";
        if (!fixed) kind = kind === "bool" || (kind === "int64" && k === "float32") ? k : kind;
      }
      return;
    }
    const arr = v as ArrayLike<TensorData>;
    if (typeof arr.length !== "number") throw new ArgumentError(`tensor(): could not infer dtype of ${typeof v}`);
    if (depth === shape.length) {
      if (sawAny) throw new ShapeError(`tensor(): expected a number at dim ${depth}, got a sequence`);
      shape.push(arr.length);
    } else if (shape[depth] !== arr.length) {
      throw new ShapeError(`tensor(): expected sequence of length ${shape[depth]} at dim ${depth} (got ${arr.length})`);
    }
    const typed = ArrayBuffer.isView(arr) ? typedArrayDType(arr as ArrayLike<number>) : null;
    if (typed !== null) {
      kind = typed;
      fixed = true;
    }
    for (let i = 0; i < arr.length; i++) visit(arr[i] as TensorData, depth + 1);
  };
  visit(data, 0);
  return { shape, values, kind: sawAny || shape.length > 0 ? kind : "float32" };
}

/**
 * A new leaf tensor holding a copy of `data`: a number, a boolean, nested
 * arrays of them, or a typed array. JS numbers become float32 (the default
 * dtype) and booleans bool; pass `dtype` for integers (`int64`, `int32`).
 *
 * @example
 * ```ts
 * console.log(torch.tensor([[1, 2], [3, 4]])); // tensor([[1., 2.],\n        [3., 4.]])
 * console.log(torch.tensor([1, 2], { dtype: "int64" })); // tensor([1, 2])
 * console.log(torch.tensor(3.5, { requiresGrad: true })); // tensor(3.5000, requires_grad=True)
 * ```
 */
export function tensor(data: TensorData, options: CreationOptions = {}): Tensor {
  checkDType(options.dtype, "tensor");
  if (data instanceof Tensor) {
    return finish(K.copy(data, options.dtype ?? data.dtype), options);
  }
  // A flat typed array: one copy, no detour through a JS array.
  const typed = ArrayBuffer.isView(data) && !(data instanceof BigInt64Array) ? typedArrayDType(data as ArrayLike<number>) : null;
  if (typed !== null) {
    const values = data as unknown as ArrayLike<number> & { length: number };
    const dtype = options.dtype ?? typed;
    const out = typedArrayFor(dtype, values.length);
    const t = Tensor._fromData(out, [values.length], dtype);
    if (dtype === typed && (dtype === "float32" || dtype === "float64" || dtype === "int32") && out.constructor === values.constructor) {
      out.set(values as unknown as ArrayLike<number>);
    } else {
      K.copyInto(t, Tensor._fromData(Float64Array.from(values), [values.length], "float64"));
    }
    return finish(t, options);
  }
  if (
    typeof data === "number" ||
    typeof data === "boolean" ||
    typeof data === "bigint" ||
    Array.isArray(data) ||
    ArrayBuffer.isView(data)
  ) {
    const { shape, values, kind } = flatten(data);
    const dtype = options.dtype ?? kind;
    const out = typedArrayFor(dtype, values.length);
    const t = Tensor._fromData(out, shape, dtype);
    const src = Tensor._fromData(Float64Array.from(values), shape, "float64");
    K.copyInto(t, src);
    return finish(t, options);
  }
  throw new ArgumentError(`tensor(): could not infer dtype of ${data === null ? "null" : typeof data}`);
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
export function frombuffer(data: Float32Array | Float64Array | Int32Array | Uint8Array, options: { dtype?: DType } = {}): Tensor {
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
  const dtype = options.dtype ?? natural;
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
  const [shape, opts] = sizeAndOptions(args, "zeros");
  checkDType(opts?.dtype, "zeros");
  return finish(K.full(shape, 0, opts?.dtype ?? "float32"), opts);
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
  const [shape, opts] = sizeAndOptions(args, "ones");
  checkDType(opts?.dtype, "ones");
  return finish(K.full(shape, 1, opts?.dtype ?? "float32"), opts);
}

/** An uninitialised tensor (Kindling zero-fills it). */
export function empty(...args: SizeArgs<CreationOptions>): Tensor {
  return zeros(...args);
}

/**
 * A tensor filled with `fillValue` (float32 unless `dtype` says otherwise; a boolean gives bool).
 *
 * @example
 * ```ts
 * console.log(torch.full([2], 7)); // tensor([7., 7.])
 * ```
 */
export function full(size: readonly number[], fillValue: number | boolean, options: CreationOptions = {}): Tensor {
  const [shape] = sizeAndOptions([size], "full");
  checkDType(options.dtype, "full");
  const dtype = options.dtype ?? (typeof fillValue === "boolean" ? "bool" : "float32");
  return finish(K.full(shape, Number(fillValue), dtype), options);
}

/** Zeros with the shape (and, unless given, dtype) of `input`. */
export function zerosLike(input: Tensor, options: CreationOptions = {}): Tensor {
  return finish(K.full(input.shape, 0, options.dtype ?? input.dtype), options);
}

/**
 * Ones with the shape (and, unless given, dtype) of `input`.
 *
 * @example
 * ```ts
 * console.log(torch.onesLike(torch.zeros(2))); // tensor([1., 1.])
 * ```
 */
export function onesLike(input: Tensor, options: CreationOptions = {}): Tensor {
  return finish(K.full(input.shape, 1, options.dtype ?? input.dtype), options);
}

/** Same as zerosLike (Kindling zero-fills new memory). */
export function emptyLike(input: Tensor, options: CreationOptions = {}): Tensor {
  return zerosLike(input, options);
}

/** `fillValue` with the shape (and, unless given, dtype) of `input`. */
export function fullLike(input: Tensor, fillValue: number, options: CreationOptions = {}): Tensor {
  return finish(K.full(input.shape, fillValue, options.dtype ?? input.dtype), options);
}

// ----- ranges --------------------------------------------------------------------

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
  const nums = args.filter((a): a is number => typeof a === "number");
  const opts = args.find((a): a is CreationOptions => typeof a === "object");
  checkDType(opts?.dtype, "arange");
  const [start, end, step] = nums.length === 1 ? [0, nums[0] as number, 1] : [nums[0] ?? 0, nums[1] ?? 0, nums[2] ?? 1];
  if (step === 0) throw new ArgumentError("arange(): step must be nonzero");
  if ((end - start) / step < 0) {
    throw new ArgumentError(
      `arange(): upper bound and larger bound inconsistent with step sign (start ${start}, end ${end}, step ${step})`,
    );
  }
  const dtype = opts?.dtype ?? (nums.every((v) => Number.isInteger(v)) ? "int64" : "float32");
  const n = Math.ceil((end - start) / step);
  const out = typedArrayFor(dtype, n);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  return finish(Tensor._fromData(out, [n], dtype), opts);
}

/**
 * `steps` evenly spaced values from `start` to `end` inclusive.
 *
 * @example
 * ```ts
 * console.log(torch.linspace(0, 1, 5)); // tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
 * ```
 */
export function linspace(start: number, end: number, steps: number, options: CreationOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new ArgumentError("linspace(): number of steps must be non-negative");
  checkDType(options.dtype, "linspace");
  const dtype = options.dtype ?? "float32";
  const out = typedArrayFor(dtype, steps);
  // PyTorch computes the step in the output's precision, then counts up from
  // start for the first half and down from end for the second.
  const cast = dtype === "float32" ? Math.fround : (v: number) => v;
  const [a, b] = [cast(start), cast(end)];
  const step = steps > 1 ? cast((b - a) / (steps - 1)) : 0;
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) out[i] = i < half ? a + step * i : b - step * (steps - i - 1);
  return finish(Tensor._fromData(out, [steps], dtype), options);
}

/**
 * The n x m identity matrix (m defaults to n).
 *
 * @example
 * ```ts
 * console.log(torch.eye(2)); // tensor([[1., 0.],\n        [0., 1.]])
 * ```
 */
export function eye(n: number, m?: number | CreationOptions, options: CreationOptions = {}): Tensor {
  const cols = typeof m === "number" ? m : n;
  const opts = typeof m === "object" ? m : options;
  checkDType(opts.dtype, "eye");
  const t = K.full([n, cols], 0, opts.dtype ?? "float32");
  for (let i = 0; i < Math.min(n, cols); i++) t._storage.data[i * cols + i] = 1;
  return finish(t, opts);
}

// ----- random ------------------------------------------------------------------

function floatDType(dtype: DType | undefined, op: string): DType {
  const d = dtype ?? "float32";
  if (!isFloating(d)) throw new DTypeError(`${op}(): expected a floating point dtype, got ${d}`);
  return d;
}

/**
 * Uniform samples in [0, 1). With `manualSeed`, the values match PyTorch's.
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * console.log(torch.rand(2)); // tensor([0.4963, 0.7682])
 * ```
 */
export function rand(...args: SizeArgs<RandomOptions>): Tensor {
  const [shape, opts] = sizeAndOptions(args, "rand");
  const dtype = floatDType(opts?.dtype, "rand");
  const t = K.empty(shape, dtype);
  (opts?.generator ?? defaultGenerator).fillUniform(t._storage.data as Float32Array, dtype);
  return finish(t, opts);
}

/**
 * Standard normal samples.
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * console.log(torch.randn(3)); // tensor([ 1.5410, -0.2934, -2.1788])
 * ```
 */
export function randn(...args: SizeArgs<RandomOptions>): Tensor {
  const [shape, opts] = sizeAndOptions(args, "randn");
  const dtype = floatDType(opts?.dtype, "randn");
  const t = K.empty(shape, dtype);
  (opts?.generator ?? defaultGenerator).fillNormal(t._storage.data as Float32Array, dtype);
  return finish(t, opts);
}

/**
 * Random integers in [low, high) (int64 unless `dtype` says otherwise):
 * `randint(high, size)` or `randint(low, high, size)`.
 *
 * @example
 * ```ts
 * torch.manualSeed(3);
 * console.log(torch.randint(0, 10, [6])); // tensor([6, 8, 7, 7, 0, 0])
 * ```
 */
export function randint(...args: (number | readonly number[] | RandomOptions)[]): Tensor {
  const nums = args.filter((a): a is number => typeof a === "number");
  const size = args.find((a): a is readonly number[] => Array.isArray(a));
  const opts = args.find((a): a is RandomOptions => typeof a === "object" && !Array.isArray(a));
  if (size === undefined) throw new ArgumentError("randint(): missing the size argument");
  const [low, high] = nums.length === 1 ? [0, nums[0] as number] : [nums[0] ?? 0, nums[1] ?? 0];
  if (!(high > low)) throw new ArgumentError(`randint(): random_ expects 'from' to be less than 'to', but got from=${low} >= to=${high}`);
  const [shape] = sizeAndOptions([size], "randint");
  checkDType(opts?.dtype, "randint");
  const dtype = opts?.dtype ?? "int64";
  const t = K.empty(shape, dtype);
  const gen = opts?.generator ?? defaultGenerator;
  const data = t._storage.data;
  for (let i = 0; i < data.length; i++) data[i] = gen.randomInt(low, high);
  return finish(t, opts);
}

/**
 * A random permutation of 0..n-1 (int64).
 *
 * @example
 * ```ts
 * torch.manualSeed(4);
 * console.log(torch.randperm(8)); // tensor([2, 7, 3, 6, 5, 1, 4, 0])
 * ```
 */
export function randperm(n: number, options: RandomOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`randperm(): n must be non-negative, got ${n}`);
  checkDType(options.dtype, "randperm");
  const dtype = options.dtype ?? "int64";
  const t = K.empty([n], dtype);
  const r = t._storage.data;
  for (let i = 0; i < n; i++) r[i] = i;
  const gen = options.generator ?? defaultGenerator;
  for (let i = 0; i < n - 1; i++) {
    const z = gen.nextU32() % (n - i);
    const sav = r[i] as number;
    r[i] = r[z + i] as number;
    r[z + i] = sav;
  }
  return finish(t, options);
}

/** Uniform samples in [0, 1) with the shape of `input`. */
export function randLike(input: Tensor, options: RandomOptions = {}): Tensor {
  return rand(input.shape, { ...options, dtype: options.dtype ?? input.dtype });
}

/** Standard normal samples with the shape of `input`. */
export function randnLike(input: Tensor, options: RandomOptions = {}): Tensor {
  return randn(input.shape, { ...options, dtype: options.dtype ?? input.dtype });
}
