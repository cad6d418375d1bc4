/**
 * Map-style datasets (PyTorch's torch.utils.data.Dataset family): anything
 * with `getItem(index)` and `length`, plus TensorDataset, Subset,
 * ConcatDataset and randomSplit. Plain arrays work wherever a dataset does.
 */

import { type OptionKeys, readOptions } from "../core/options.js";
import type { Tensor } from "../index.js";
import * as torch from "../index.js";
import { typeName } from "../nn/checks.js";

/**
 * A map-style dataset: `getItem(index)` returns the sample at an index in
 * [0, length). Subclass it (PyTorch's `__getitem__` and `__len__`), or pass
 * any object with these two members, or a plain array.
 *
 * @example
 * ```ts
 * class Squares extends torch.utils.data.Dataset<number> {
 *   get length() { return 4; }
 *   getItem(i: number) { return i * i; }
 * }
 * const loader = new torch.utils.data.DataLoader(new Squares(), { batchSize: 4 });
 * console.log([...loader][0]); // tensor([0, 1, 4, 9])
 * ```
 */
export abstract class Dataset<T> {
  /** The sample at `index`. */
  abstract getItem(index: number): T;
  /** The number of samples. */
  abstract get length(): number;
}

/** A dataset, or a plain array used as one. */
export type DatasetLike<T> = Dataset<T> | readonly T[];

/** Whether `value` can serve as a dataset: an array, or an object with a `getItem` method and a `length`. */
export function isDatasetLike(value: unknown): value is DatasetLike<unknown> {
  if (Array.isArray(value)) return true;
  return value !== null && typeof value === "object" && typeof (value as Dataset<unknown>).getItem === "function" && "length" in value;
}

/**
 * A dataset's length, checked as Python's `len()` checks `__len__`: an
 * integer (PyTorch: "'float' object cannot be interpreted as an integer"),
 * and >= 0 (PyTorch: "__len__() should return >= 0").
 */
export function datasetLength(dataset: DatasetLike<unknown>, op: string): number {
  const n: unknown = dataset.length;
  if (typeof n !== "number" || !Number.isInteger(n)) {
    throw new torch.ArgumentError(
      `${op}: the dataset's length must be an integer, got ${String(n)} ('${typeName(n)}' object cannot be interpreted as an integer)`,
    );
  }
  if (n < 0) throw new torch.ArgumentError(`${op}: the dataset's length should be >= 0, got ${n}`);
  return n;
}

/** Reads `index` from a dataset or an array. */
export function getItem<T>(dataset: DatasetLike<T>, index: number): T {
  if (Array.isArray(dataset)) {
    const array = dataset as readonly T[];
    return array[checkIndex(index, array.length, "dataset")] as T;
  }
  return (dataset as Dataset<T>).getItem(index);
}

/** Python's sequence indexing: -length <= index < length, negatives counting from the end. */
function checkIndex(index: number, length: number, what: string): number {
  if (!Number.isInteger(index) || index < -length || index >= length) {
    throw new torch.IndexError(`${what}: index ${index} is out of range for length ${length}`);
  }
  return index < 0 ? index + length : index;
}

/**
 * Wraps tensors that share their first dimension: sample `i` is the array of
 * their rows `i` (`[x[i], y[i]]`), as PyTorch's TensorDataset.
 *
 * @example
 * ```ts
 * const ds = new torch.utils.data.TensorDataset(torch.tensor([[1, 2], [3, 4], [5, 6]]), torch.tensor([0, 1, 0]));
 * console.log(ds.length); // 3
 * console.log(ds.getItem(1)); // [ tensor([3., 4.]), tensor(1.) ]
 * ```
 */
export class TensorDataset<Tensors extends Tensor[] = Tensor[]> extends Dataset<Tensors> {
  /** The wrapped tensors, which share their first dimension (PyTorch's `tensors`). */
  readonly tensors: Readonly<Tensors>;

  constructor(...tensors: Tensors) {
    super();
    if (tensors.length === 0) throw new torch.ArgumentError("TensorDataset: expected at least one tensor");
    tensors.forEach((t, i) => {
      if (!(t instanceof torch.Tensor)) throw new torch.ArgumentError(`TensorDataset: argument ${i} is not a Tensor`);
      if (t.ndim === 0) throw new torch.ShapeError(`TensorDataset: tensor ${i} is 0-d and has no first dimension to index`);
    });
    const first = tensors[0] as Tensor;
    tensors.forEach((t, i) => {
      if (t.shape[0] !== first.shape[0]) {
        throw new torch.ShapeError(
          `TensorDataset: Size mismatch between tensors: tensor 0 has shape [${first.shape.join(", ")}] but tensor ${i} has shape [${t.shape.join(", ")}] (their first dimensions must be equal)`,
        );
      }
    });
    this.tensors = tensors;
  }

  getItem(index: number): Tensors {
    const i = checkIndex(index, this.length, "TensorDataset");
    return this.tensors.map((t) => torch.select(t, 0, i)) as Tensors;
  }

  get length(): number {
    return (this.tensors[0] as Tensor).shape[0] as number;
  }
}

/**
 * The samples of `dataset` at `indices`, in that order, as PyTorch's Subset.
 *
 * @example
 * ```ts
 * const sub = new torch.utils.data.Subset(["a", "b", "c", "d"], [3, 0]);
 * console.log(sub.length, sub.getItem(0), sub.getItem(1)); // 2 d a
 * ```
 */
export class Subset<T> extends Dataset<T> {
  constructor(
    /** The dataset the samples are taken from (PyTorch's `dataset`). */
    readonly dataset: DatasetLike<T>,
    /** The indices into `dataset` of this subset's samples, in order (PyTorch's `indices`). */
    readonly indices: readonly number[],
  ) {
    super();
    if (!isDatasetLike(dataset)) throw new torch.ArgumentError(`Subset: expected a dataset or an array, got ${typeName(dataset)}`);
    if (!Array.isArray(indices) || !indices.every((i) => Number.isInteger(i))) {
      throw new torch.ArgumentError(`Subset: indices must be an array of integers, got ${typeName(indices)}`);
    }
  }

  getItem(index: number): T {
    return getItem(this.dataset, this.indices[checkIndex(index, this.indices.length, "Subset")] as number);
  }

  get length(): number {
    return this.indices.length;
  }
}

/**
 * Several datasets one after the other, as PyTorch's ConcatDataset.
 *
 * @example
 * ```ts
 * const both = new torch.utils.data.ConcatDataset([[10, 11], [20, 21, 22]]);
 * console.log(both.length, both.getItem(2), both.getItem(-1)); // 5 20 22
 * ```
 */
export class ConcatDataset<T> extends Dataset<T> {
  /** The datasets, in order (PyTorch's `datasets`). */
  readonly datasets: readonly DatasetLike<T>[];
  /** Running totals of the datasets' lengths. */
  readonly cumulativeSizes: readonly number[];

  constructor(datasets: readonly DatasetLike<T>[]) {
    super();
    if (!Array.isArray(datasets) || datasets.length === 0)
      throw new torch.ArgumentError("ConcatDataset: datasets should not be an empty iterable");
    this.datasets = [...datasets];
    let total = 0;
    this.cumulativeSizes = this.datasets.map((d, i) => {
      if (!isDatasetLike(d)) throw new torch.ArgumentError(`ConcatDataset: datasets[${i}] is not a dataset (got ${typeName(d)})`);
      total += datasetLength(d, "ConcatDataset");
      return total;
    });
  }

  getItem(index: number): T {
    const i = checkIndex(index, this.length, "ConcatDataset");
    const which = this.cumulativeSizes.findIndex((end) => i < end);
    const start = which === 0 ? 0 : (this.cumulativeSizes[which - 1] as number);
    return getItem(this.datasets[which] as DatasetLike<T>, i - start);
  }

  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1] as number;
  }
}

/** Options of `randomSplit`. */
export interface RandomSplitOptions {
  /** Generator for the permutation (default: the global one, seeded by `manualSeed`). */
  generator?: torch.Generator | null;
}

const RANDOM_SPLIT_KEYS: OptionKeys<RandomSplitOptions> = { generator: true };

/** @internal A `generator` option: a torch.Generator, or null/undefined for the default. */
export function checkGenerator(op: string, generator: unknown): void {
  if (generator !== undefined && generator !== null && !(generator instanceof torch.Generator)) {
    throw new torch.ArgumentError(`${op}: generator must be a torch.Generator, got ${typeName(generator)}`);
  }
}

/** Python's math.isclose(a, b) with its default relative tolerance 1e-9. */
function isClose(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * PyTorch 1.13's rule for fractions: floor(n * fraction) each, then the
 * remainder handed out one by one, round robin from the first split.
 */
function splitSizes(n: number, lengths: readonly number[]): number[] {
  const total = lengths.reduce((a, b) => a + b, 0);
  if (!(isClose(total, 1) && total <= 1)) {
    lengths.forEach((l, i) => {
      if (!Number.isInteger(l) || l < 0)
        throw new torch.ArgumentError(`randomSplit: length at index ${i} must be a non-negative integer, got ${l}`);
    });
    return [...lengths];
  }
  const sizes = lengths.map((fraction, i) => {
    if (!(fraction >= 0 && fraction <= 1)) throw new torch.ArgumentError(`randomSplit: Fraction at index ${i} is not between 0 and 1`);
    return Math.floor(n * fraction);
  });
  const remainder = n - sizes.reduce((a, b) => a + b, 0);
  for (let i = 0; i < remainder; i++) sizes[i % sizes.length] = (sizes[i % sizes.length] as number) + 1;
  return sizes;
}

/**
 * Splits a dataset into non-overlapping random subsets of the given lengths,
 * as PyTorch's random_split. `lengths` are sample counts summing to the
 * dataset's length, or fractions summing to 1 (then floor(n * fraction)
 * each, with the remainder handed out round robin). With the same seed the
 * subsets are PyTorch's.
 *
 * @example
 * ```ts
 * const [train, test] = torch.utils.data.randomSplit([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 7], {
 *   generator: new torch.Generator(42),
 * });
 * console.log(train.indices, test.length); // [ 2, 6, 1 ] 7
 * ```
 */
export function randomSplit<T>(dataset: DatasetLike<T>, lengths: readonly number[], options?: RandomSplitOptions): Subset<T>[] {
  const { generator } = readOptions(options, "randomSplit", RANDOM_SPLIT_KEYS);
  if (!Array.isArray(lengths) || lengths.some((l) => typeof l !== "number")) {
    throw new torch.ArgumentError("randomSplit: lengths must be an array of numbers");
  }
  if (!isDatasetLike(dataset)) throw new torch.ArgumentError(`randomSplit: expected a dataset or an array, got ${typeName(dataset)}`);
  const n = datasetLength(dataset, "randomSplit");
  const sizes = splitSizes(n, lengths);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== n) {
    throw new torch.ArgumentError(`randomSplit: Sum of input lengths (${total}) does not equal the length of the input dataset (${n})!`);
  }
  checkGenerator("randomSplit", generator);
  const indices = torch.randperm(total, { generator }).tolist() as number[];
  let offset = 0;
  return sizes.map((size) => {
    offset += size;
    return new Subset(dataset, indices.slice(offset - size, offset));
  });
}
