/** Random tensors: rand, randn, randint, randperm, drawn as PyTorch draws them. */

import { type DType, INT64_LIMIT, isFloating } from "../core/dtype.js";
import { ArgumentError, DTypeError } from "../core/errors.js";
import { defaultGenerator, type Generator } from "../random.js";
import type { Tensor } from "../tensor.js";
import type { CreationOptions } from "./creation.js";
import * as K from "./kernels.js";
import { checkDType, checkSize, expectInt, finish, refuseBool, type SizeArgs, sizeAndOptions } from "./sizes.js";

export interface RandomOptions extends CreationOptions {
  /** Generator to draw from (default: the global one seeded by manualSeed). */
  generator?: Generator;
}

function floatDType(dtype: DType | undefined, op: string): DType {
  checkDType(dtype, op);
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

/** The integers a dtype's random_ may draw (PyTorch's bounds check; int64 up to Kindling's exact 2^53). */
const RANDOM_BOUNDS: Record<DType, [number, number, string] | null> = {
  bool: [0, 1, "bool"],
  int32: [-(2 ** 31), 2 ** 31 - 1, "int"],
  int64: [-INT64_LIMIT, INT64_LIMIT, "int64_t"],
  float32: null,
  float64: null,
};

/** PyTorch's checks of randint's range [low, high) for `dtype`. */
function checkRange(low: number, high: number, dtype: DType): void {
  if (!(high > low)) {
    throw new ArgumentError(`randint(): random_ expects 'from' to be less than 'to', but got from=${low} >= to=${high}`);
  }
  const bounds = RANDOM_BOUNDS[dtype];
  if (bounds === null) return;
  const [min, max, name] = bounds;
  if (low < min || low > max) throw new ArgumentError(`randint(): from is out of bounds for ${name} (from=${low})`);
  if (high - 1 < min || high - 1 > max) throw new ArgumentError(`randint(): to - 1 is out of bounds for ${name} (to=${high})`);
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
  const opts = args.find((a): a is RandomOptions => a !== null && typeof a === "object" && !Array.isArray(a));
  const positional = args.filter((a) => a !== opts);
  const size = positional.pop();
  if (!Array.isArray(size)) {
    throw new ArgumentError(`randint(): expected (high, size) or (low, high, size) with size a list of integers, got size ${String(size)}`);
  }
  const names = positional.length === 1 ? ["high"] : ["low", "high"];
  if (positional.length < 1 || positional.length > 2) {
    throw new ArgumentError(`randint(): expected (high, size) or (low, high, size), got ${positional.length} numbers before the size`);
  }
  const bounds = positional.map((v, i) => expectInt(v, "randint", names[i] as string, i + 1));
  const [low, high] = bounds.length === 1 ? [0, bounds[0] as number] : (bounds as [number, number]);
  checkDType(opts?.dtype, "randint");
  const dtype = opts?.dtype ?? "int64";
  checkRange(low, high, dtype);
  const shape = checkSize(size, "randint");
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
  const count = expectInt(n, "randperm", "n", 1);
  checkSize([count], "randperm");
  checkDType(options.dtype, "randperm");
  const dtype = options.dtype ?? "int64";
  refuseBool(dtype, "randperm", "randperm");
  const t = K.empty([count], dtype);
  const r = t._storage.data;
  for (let i = 0; i < count; i++) r[i] = i;
  const gen = options.generator ?? defaultGenerator;
  for (let i = 0; i < count - 1; i++) {
    const z = gen.nextU32() % (count - i);
    const sav = r[i] as number;
    r[i] = r[z + i] as number;
    r[z + i] = sav;
  }
  return finish(t, options);
}

/**
 * Uniform samples in [0, 1) with the shape (and, unless given, dtype) of `input`.
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * console.log(torch.randLike(torch.zeros(2))); // tensor([0.4963, 0.7682])
 * ```
 */
export function randLike(input: Tensor, options: RandomOptions = {}): Tensor {
  return rand(input.shape, { ...options, dtype: options.dtype ?? input.dtype });
}

/**
 * Standard normal samples with the shape (and, unless given, dtype) of `input`.
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * console.log(torch.randnLike(torch.zeros(3))); // tensor([ 1.5410, -0.2934, -2.1788])
 * ```
 */
export function randnLike(input: Tensor, options: RandomOptions = {}): Tensor {
  return randn(input.shape, { ...options, dtype: options.dtype ?? input.dtype });
}
