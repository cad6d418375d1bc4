/**
 * Random tensors: rand, randn, randint, randperm, drawn as PyTorch draws
 * them (on the CPU, PyTorch's values for the same seed; on a device, the
 * device's own Philox stream: see draw.ts).
 */

import { checkSizes, expectInt } from "../core/args.js";
import type { Device } from "../core/device.js";
import { type DType, INT64_LIMIT, isFloating } from "../core/dtype.js";
import { ArgumentError, DTypeError } from "../core/errors.js";
import { type OptionKeys, readOptions } from "../core/options.js";
import { type Generator, generatorOption } from "../random.js";
import type { Tensor } from "../tensor.js";
import type { CreationOptions } from "./creation.js";
import { draw } from "./draw.js";
import * as K from "./kernels.js";
import { endsWithOptions, finish, optionDevice, refuseBool, type SizeArgs, sizeAndOptions } from "./sizes.js";

export interface RandomOptions extends CreationOptions {
  /** Generator to draw from (default: the global one seeded by manualSeed). */
  generator?: Generator | null;
}

const RANDOM_KEYS: OptionKeys<RandomOptions> = { dtype: "dtype", device: "device", requiresGrad: "boolean", generator: true };

function floatDType(dtype: DType | null | undefined, op: string): DType {
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
  const [shape, opts] = sizeAndOptions(args, "rand", RANDOM_KEYS);
  const dtype = floatDType(opts.dtype, "rand");
  const device = optionDevice(opts);
  return finish(
    draw(shape, dtype, { kind: "uniform", a: 0, b: 1 }, generatorOption(opts.generator, "rand", device), device, "rand"),
    opts,
    device,
  );
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
  const [shape, opts] = sizeAndOptions(args, "randn", RANDOM_KEYS);
  const dtype = floatDType(opts.dtype, "randn");
  const device = optionDevice(opts);
  return finish(
    draw(shape, dtype, { kind: "normal", a: 0, b: 1 }, generatorOption(opts.generator, "randn", device), device, "randn"),
    opts,
    device,
  );
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
  const given = endsWithOptions(args);
  const opts = readOptions(given ? (args[args.length - 1] as RandomOptions) : undefined, "randint", RANDOM_KEYS);
  const positional = given ? args.slice(0, -1) : [...args];
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
  const dtype = opts.dtype ?? "int64";
  checkRange(low, high, dtype);
  const shape = checkSizes(size, "randint");
  const device = optionDevice(opts);
  const gen = generatorOption(opts.generator, "randint", device);
  return finish(draw(shape, dtype, { kind: "int", a: low, b: high }, gen, device, "randint"), opts, device);
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
export function randperm(n: number, options?: RandomOptions): Tensor {
  const o = readOptions(options, "randperm", RANDOM_KEYS);
  const count = expectInt(n, "randperm", "n", 1);
  checkSizes([count], "randperm");
  const dtype = o.dtype ?? "int64";
  refuseBool(dtype, "randperm", "randperm");
  const device = optionDevice(o);
  const gen = generatorOption(o.generator, "randperm", device);
  return finish(device === "cpu" ? shuffled(count, dtype, gen) : sortedByKeys(count, dtype, gen, device), o, device);
}

/** PyTorch's CPU randperm: the Fisher-Yates shuffle of 0..n-1 with 32-bit draws. */
function shuffled(count: number, dtype: DType, gen: Generator): Tensor {
  const t = K.empty([count], dtype, true, "randperm", "cpu");
  const r = K.storageValues(t);
  for (let i = 0; i < count; i++) r[i] = i;
  for (let i = 0; i < count - 1; i++) {
    const z = gen.nextU32() % (count - i);
    const sav = r[i] as number;
    r[i] = r[z + i] as number;
    r[z + i] = sav;
  }
  return t;
}

/** A device's randperm, as PyTorch's CUDA one: 0..n-1 ordered by random 32-bit keys (a stable sort: tied keys keep their order). */
function sortedByKeys(count: number, dtype: DType, gen: Generator, device: Device): Tensor {
  const keys = draw([count], "int32", { kind: "int", a: -(2 ** 31), b: 2 ** 31 }, gen, device, "randperm");
  return K.copy(K.argsort(keys, 0, false), dtype);
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
export function randLike(input: Tensor, options?: RandomOptions): Tensor {
  const o = readOptions(options, "rand_like", RANDOM_KEYS);
  return rand(input.shape, { ...o, dtype: o.dtype ?? input.dtype, device: o.device ?? input.device });
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
export function randnLike(input: Tensor, options?: RandomOptions): Tensor {
  const o = readOptions(options, "randn_like", RANDOM_KEYS);
  return randn(input.shape, { ...o, dtype: o.dtype ?? input.dtype, device: o.device ?? input.device });
}
