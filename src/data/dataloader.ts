/**
 * PyTorch's DataLoader (single process): batches of samples from a dataset,
 * in order or reshuffled every epoch, collated into tensors.
 */

import { type OptionKeys, readOptions } from "../core/options.js";
import * as torch from "../index.js";
import { typeName } from "../nn/checks.js";
import { type Collated, defaultCollate } from "./collate.js";
import { checkGenerator, type DatasetLike, datasetLength, getItem, isDatasetLike } from "./dataset.js";

// PyTorch's positional order: DataLoader(dataset, batch_size, shuffle, sampler, batch_sampler, num_workers, collate_fn, ...).
const DATALOADER_KEYS: OptionKeys<DataLoaderOptions<unknown, unknown>> = {
  batchSize: true,
  shuffle: "boolean",
  dropLast: "boolean",
  generator: true,
  collateFn: true,
};

/** PyTorch's checks of DataLoader's arguments (its ValueError for the batch size), and type checks of the rest. */
function checkArguments(dataset: unknown, o: DataLoaderOptions<unknown, unknown>): void {
  const fail = (msg: string) => new torch.ArgumentError(`DataLoader: ${msg}`);
  if (!isDatasetLike(dataset)) {
    throw fail(`dataset must be a Dataset (an object with getItem(index) and length) or an array, got ${typeName(dataset)}`);
  }
  const { batchSize = 1, generator, collateFn } = o;
  if (typeof batchSize !== "number" || !Number.isInteger(batchSize) || batchSize <= 0) {
    const shown = typeof batchSize === "string" ? JSON.stringify(batchSize) : String(batchSize);
    throw fail(`batch_size should be a positive integer value, but got batch_size=${shown} (the batchSize option)`);
  }
  checkGenerator("DataLoader", generator);
  if (collateFn !== undefined && collateFn !== null && typeof collateFn !== "function") {
    throw fail(`'${typeName(collateFn)}' object is not callable (collateFn must be a function of an array of samples)`);
  }
}

/** Options of `DataLoader` (PyTorch's keyword arguments, camelCase). */
export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Reshuffle the samples at every epoch (default false). */
  shuffle?: boolean;
  /** Drop the last batch if it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Generator for the shuffling (default: a fresh one seeded from the global generator each epoch, as PyTorch). */
  generator?: torch.Generator | null;
  /** Merges a list of samples into a batch (default `defaultCollate`). */
  collateFn?: ((batch: T[]) => B) | null;
}

/** Draws a 64-bit value as PyTorch's int64 `random_()` does: two 32-bit draws (returned modulo 2^53). */
function random64(generator: torch.Generator | undefined): number {
  return torch.randint(0, 2 ** 53, [], { generator }).item();
}

/**
 * Iterates over a dataset in batches, as PyTorch's DataLoader with
 * `num_workers=0`: `for (const batch of loader)` runs one epoch, and every
 * epoch is reshuffled when `shuffle` is set. The random draws are PyTorch's,
 * so with the same seed (`manualSeed`, or a `generator`) the batches come in
 * PyTorch's order and the global random stream stays in step with PyTorch's.
 *
 * @example
 * ```ts
 * const ds = new torch.utils.data.TensorDataset(torch.arange(5), torch.arange(5).mul(10));
 * const loader = new torch.utils.data.DataLoader(ds, { batchSize: 2 });
 * console.log(loader.length); // 3
 * for (const [x, y] of loader) console.log(x, y);
 * console.log([...loader][2]); // [ tensor([4]), tensor([40]) ]
 * ```
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B> {
  /** The dataset the batches are drawn from (PyTorch's `dataset`). */
  readonly dataset: DatasetLike<T>;
  /** Samples per batch (PyTorch's `batch_size`, default 1). */
  readonly batchSize: number;
  /** Whether every epoch is reshuffled (PyTorch's `shuffle`, default false). */
  readonly shuffle: boolean;
  /** Whether a last batch smaller than `batchSize` is dropped (PyTorch's `drop_last`, default false). */
  readonly dropLast: boolean;
  /** The generator of the loader's random draws, or undefined: the global one, which seeds a fresh one to shuffle each epoch. */
  readonly generator: torch.Generator | undefined;
  /** Merges a list of samples into a batch (PyTorch's `collate_fn`, default `defaultCollate`). */
  readonly collateFn: (batch: T[]) => B;

  constructor(dataset: DatasetLike<T>, options?: DataLoaderOptions<T, B>) {
    const o = readOptions(options, "DataLoader", DATALOADER_KEYS as OptionKeys<DataLoaderOptions<T, B>>);
    checkArguments(dataset, o as DataLoaderOptions<unknown, unknown>);
    const { batchSize = 1, shuffle, dropLast, generator, collateFn } = o;
    const n = datasetLength(dataset, "DataLoader");
    if (shuffle && n === 0) {
      throw new torch.ArgumentError(
        "DataLoader: cannot shuffle an empty dataset (num_samples should be a positive integer value, but got num_samples=0)",
      );
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle ?? false;
    this.dropLast = dropLast ?? false;
    this.generator = generator ?? undefined;
    this.collateFn = collateFn ?? ((batch: T[]) => defaultCollate(batch) as B);
  }

  /** The number of batches in an epoch. */
  get length(): number {
    const n = datasetLength(this.dataset, "DataLoader");
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** One epoch of batches. */
  [Symbol.iterator](): Iterator<B> {
    // PyTorch draws a base seed for worker processes from the loader's generator every time an epoch starts,
    // with or without workers and shuffling; drawing it too keeps the random streams in step.
    datasetLength(this.dataset, "DataLoader");
    random64(this.generator);
    return this.batches();
  }

  private *batches(): Generator<B, void, undefined> {
    let indices: number[] = [];
    for (const index of this.sampleOrder()) {
      indices.push(index);
      if (indices.length === this.batchSize) {
        yield this.fetch(indices);
        indices = [];
      }
    }
    if (indices.length > 0 && !this.dropLast) yield this.fetch(indices);
  }

  private fetch(indices: readonly number[]): B {
    return this.collateFn(indices.map((i) => getItem(this.dataset, i)));
  }

  /** The sample indices of one epoch: PyTorch's SequentialSampler or RandomSampler, lazily like them. */
  private *sampleOrder(): Generator<number, void, undefined> {
    const n = datasetLength(this.dataset, "DataLoader");
    if (!this.shuffle) {
      for (let i = 0; i < n; i++) yield i;
      return;
    }
    // Without a generator, RandomSampler seeds a fresh one with an int64 drawn from the global generator
    // (a generator keeps the low 32 bits of its seed, which random64 gives exactly).
    const generator = this.generator ?? new torch.Generator(random64(undefined));
    yield* torch.randperm(n, { generator }).tolist() as number[];
    // RandomSampler then draws another permutation and yields none of it (num_samples % n elements).
    torch.randperm(n, { generator });
  }
}
