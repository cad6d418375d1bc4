/**
 * torch.utils.data: datasets, DataLoader batching and shuffling, collation,
 * randomSplit. The golden orders were printed by PyTorch 1.13 (the snippet
 * beside each), so they also check that the loader makes PyTorch's random
 * draws: the same permutations and the global stream left in the same state.
 */

import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { ConcatDataset, DataLoader, Dataset, defaultCollate, randomSplit, Subset, TensorDataset } from "../../src/data/index.js";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** The batches of one epoch of a loader over numbers, as plain arrays. */
function epoch(loader: Iterable<torch.Tensor>): number[][] {
  return [...loader].map((b) => b.tolist() as number[]);
}

class Squares extends Dataset<number> {
  reads: number[] = [];
  constructor(private readonly n: number) {
    super();
  }
  get length() {
    return this.n;
  }
  getItem(i: number) {
    this.reads.push(i);
    return i * i;
  }
}

describe("Dataset, TensorDataset, Subset, ConcatDataset", () => {
  it("TensorDataset returns the rows of each tensor", () => {
    const x = torch.arange(12).reshape(4, 3);
    const y = torch.tensor([0, 1, 0, 1]);
    const ds = new TensorDataset(x, y);
    expect(ds.length).toBe(4);
    const [xi, yi] = ds.getItem(2);
    expect(xi.tolist()).toEqual([6, 7, 8]);
    expect(yi.item()).toBe(0);
    expect(ds.getItem(-1)[0]?.tolist()).toEqual([9, 10, 11]);
    expect(() => ds.getItem(4)).toThrow(torch.IndexError);
  });

  it("TensorDataset checks its tensors", () => {
    expect(() => new TensorDataset(torch.zeros(4, 2), torch.zeros(3))).toThrow(/Size mismatch between tensors.*\[4, 2\].*\[3\]/);
    expect(() => new TensorDataset(torch.zeros(4, 2), torch.zeros(3))).toThrow(torch.ShapeError);
    expect(() => new TensorDataset(torch.tensor(1))).toThrow(/0-d/);
    expect(() => new TensorDataset()).toThrow(torch.ArgumentError);
  });

  it("Subset and ConcatDataset index like Python sequences", () => {
    const sub = new Subset(new Squares(10), [9, 2, 4]);
    expect([sub.length, sub.getItem(0), sub.getItem(-1)]).toEqual([3, 81, 16]);
    expect(() => sub.getItem(3)).toThrow(/Subset: index 3 is out of range for length 3/);
    const cat = new ConcatDataset<number>([[1, 2], new Squares(3), [7]]);
    expect(cat.length).toBe(6);
    expect(range(6).map((i) => cat.getItem(i))).toEqual([1, 2, 0, 1, 4, 7]);
    expect(cat.getItem(-4)).toBe(0);
    expect(cat.cumulativeSizes).toEqual([2, 5, 6]);
    expect(() => cat.getItem(-7)).toThrow(torch.IndexError);
    expect(() => new ConcatDataset([])).toThrow(/should not be an empty/);
  });
});

describe("DataLoader", () => {
  it("covers the dataset exactly once per epoch, in order without shuffle", () => {
    const loader = new DataLoader(range(10), { batchSize: 3 });
    expect(loader.length).toBe(4);
    expect(epoch(loader)).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
    expect(epoch(loader)).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
  });

  it("dropLast drops the short last batch and never reads its samples", () => {
    const ds = new Squares(10);
    const loader = new DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(loader.length).toBe(2);
    expect(epoch(loader)).toEqual([
      [0, 1, 4, 9],
      [16, 25, 36, 49],
    ]);
    expect(ds.reads).toEqual(range(8));
    expect(new DataLoader(range(8), { batchSize: 4, dropLast: true }).length).toBe(2);
    expect(new DataLoader(range(3), { batchSize: 4, dropLast: true }).length).toBe(0);
    expect(epoch(new DataLoader(range(3), { batchSize: 4, dropLast: true }))).toEqual([]);
  });

  it("batchSize defaults to 1; an empty dataset gives no batches", () => {
    expect(epoch(new DataLoader([5, 6]))).toEqual([[5], [6]]);
    expect(epoch(new DataLoader([] as number[], { batchSize: 2 }))).toEqual([]);
  });

  it("shuffles as PyTorch with a seeded generator, differently each epoch", () => {
    // g = torch.Generator().manual_seed(0)
    // dl = DataLoader(list(range(10)), batch_size=3, shuffle=True, generator=g)
    // for e in range(2): print([b.tolist() for b in dl]); then torch.randint(0, 1000, (3,), generator=g)
    const g = new torch.Generator(0);
    const loader = new DataLoader(range(10), { batchSize: 3, shuffle: true, generator: g });
    const first = epoch(loader);
    const second = epoch(loader);
    expect(first).toEqual([[3, 7, 5], [2, 0, 8], [1, 6, 9], [4]]);
    expect(second).toEqual([[1, 3, 2], [7, 5, 9], [0, 6, 4], [8]]);
    expect(torch.randint(0, 1000, [3], { generator: g }).tolist()).toEqual([778, 43, 896]);
    for (const e of [first, second]) expect(e.flat().sort((a, b) => a - b)).toEqual(range(10));
  });

  it("is reproducible: the same seed gives the same epochs", () => {
    const run = () => {
      const loader = new DataLoader(range(20), { batchSize: 6, shuffle: true, generator: new torch.Generator(123) });
      return [epoch(loader), epoch(loader), epoch(loader)];
    };
    const a = run();
    expect(run()).toEqual(a);
    expect(a[0]).not.toEqual(a[1]);
    expect(a[1]).not.toEqual(a[2]);
  });

  it("without a generator, shuffles from the global seed as PyTorch and leaves the same global state", () => {
    // torch.manual_seed(0); dl = DataLoader(list(range(10)), batch_size=4, shuffle=True, drop_last=True)
    // two epochs, then torch.rand(2)
    torch.manualSeed(0);
    const loader = new DataLoader(range(10), { batchSize: 4, shuffle: true, dropLast: true });
    expect(epoch(loader)).toEqual([
      [6, 7, 1, 4],
      [2, 0, 9, 8],
    ]);
    expect(epoch(loader)).toEqual([
      [2, 4, 7, 0],
      [8, 9, 5, 3],
    ]);
    const r = torch.rand(2).tolist() as number[];
    expect(r[0]).toBeCloseTo(0.4556, 4);
    expect(r[1]).toBeCloseTo(0.6323, 4);
  });

  it("draws PyTorch's per-epoch base seed even without shuffling", () => {
    // torch.manual_seed(0); dl = DataLoader(list(range(5)), batch_size=2); two epochs; torch.rand(2)
    torch.manualSeed(0);
    const loader = new DataLoader(range(5), { batchSize: 2 });
    epoch(loader);
    epoch(loader);
    const r = torch.rand(2).tolist() as number[];
    expect(r[0]).toBeCloseTo(0.3074, 4);
    expect(r[1]).toBeCloseTo(0.6341, 4);
  });

  it("batches a TensorDataset into stacked tensors", () => {
    const x = torch.arange(10).reshape(5, 2);
    const y = torch.arange(5);
    const batches = [...new DataLoader(new TensorDataset(x, y), { batchSize: 2 })];
    expect(batches.length).toBe(3);
    expect(batches[0]?.[0]?.shape).toEqual([2, 2]);
    expect(batches[0]?.[0]?.tolist()).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(batches[2]?.[1]?.tolist()).toEqual([4]);
    for (const [xb, yb] of new DataLoader(new TensorDataset(x, y), { batchSize: 5 })) {
      // Typed as [Tensor, Tensor]: the dataset's tuple carries through collation.
      expect([xb.shape, yb.shape]).toEqual([[5, 2], [5]]);
    }
    expect(batches[2]?.[0]?.shape).toEqual([1, 2]);
  });

  it("gradients flow through a batch back to the dataset's tensor", () => {
    const w = torch.ones(4, 2, { requiresGrad: true });
    const [batch] = [...new DataLoader(new TensorDataset(w), { batchSize: 4 })];
    batch?.[0]?.mul(torch.arange(4).reshape(4, 1)).sum().backward();
    expect(w.grad?.tolist()).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
  });

  it("uses a custom collateFn", () => {
    const loader = new DataLoader(["a", "b", "c"], { batchSize: 2, collateFn: (b) => b.join("") });
    expect([...loader]).toEqual(["ab", "c"]);
  });

  it("rejects bad options", () => {
    expect(() => new DataLoader(range(3), { batchSize: 0 })).toThrow(
      "DataLoader: batch_size should be a positive integer value, but got batch_size=0 (the batchSize option)",
    );
    expect(() => new DataLoader(range(3), { batchSize: 1.5 })).toThrow(torch.ArgumentError);
    expect(() => new DataLoader([], { shuffle: true })).toThrow(/empty dataset/);
  });
});

describe("defaultCollate", () => {
  it("collates numbers, booleans, strings, tuples and objects as PyTorch", () => {
    // default_collate([(1, 2.5, True, {'a': tensor([1., 2.])}), (3, 4.0, False, {'a': tensor([3., 4.])})])
    // -> [tensor([1, 3]), tensor([2.5, 4.0], dtype=float64), tensor([True, False]), {'a': tensor([[1., 2.], [3., 4.]])}]
    const [ints, floats, bools, obj] = defaultCollate([
      [1, 2.5, true, { a: torch.tensor([1, 2]) }] as const,
      [3, 4.0, false, { a: torch.tensor([3, 4]) }] as const,
    ]);
    expect(ints.dtype).toBe("int64");
    expect(ints.tolist()).toEqual([1, 3]);
    expect(floats.dtype).toBe("float64");
    expect(floats.tolist()).toEqual([2.5, 4]);
    expect(bools.dtype).toBe("bool");
    expect(bools.tolist()).toEqual([1, 0]);
    expect(obj.a.tolist()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(defaultCollate(["x", "y"])).toEqual(["x", "y"]);
    const typed = defaultCollate([new Float32Array([1, 2]), new Float32Array([3, 4])]);
    expect([typed.dtype, typed.shape]).toEqual(["float32", [2, 2]]);
  });

  it("stacks tensors along a new first dimension", () => {
    const batch = defaultCollate([torch.zeros(2, 3), torch.ones(2, 3)]);
    expect(batch.shape).toEqual([2, 2, 3]);
    expect(() => defaultCollate([torch.zeros(2), torch.zeros(3)])).toThrow(/stack expects each tensor to be equal size/);
  });

  it("names what it cannot collate", () => {
    expect(() => defaultCollate([[1, 2], [3]])).toThrow(/each element in list of batch should be of equal size/);
    expect(() => defaultCollate<unknown>([1, "a"])).toThrow(/sample 1 is a string but sample 0 is a number/);
    expect(() => defaultCollate([{ a: 1 }, { b: 2 }] as { a?: number; b?: number }[])).toThrow(/sample 1 has no key 'a'/);
    expect(() => defaultCollate([null, null])).toThrow(/found null/);
    expect(() => defaultCollate([new Map(), new Map()])).toThrow(/found Map/);
    expect(() => defaultCollate([])).toThrow(torch.ArgumentError);
  });
});

describe("randomSplit", () => {
  const asLists = (subsets: Subset<number>[]) => subsets.map((s) => range(s.length).map((i) => s.getItem(i)));

  it("splits with lengths as PyTorch", () => {
    // random_split(range(10), [3, 7], generator=torch.Generator().manual_seed(42))
    const parts = randomSplit(range(10), [3, 7], { generator: new torch.Generator(42) });
    expect(asLists(parts)).toEqual([
      [2, 6, 1],
      [8, 4, 5, 0, 9, 3, 7],
    ]);
    // torch.manual_seed(5); random_split(range(6), [2, 4])
    torch.manualSeed(5);
    expect(asLists(randomSplit(range(6), [2, 4]))).toEqual([
      [5, 0],
      [1, 3, 4, 2],
    ]);
  });

  it("splits with fractions by PyTorch 1.13's rounding rule", () => {
    // random_split(range(30), [0.3, 0.3, 0.4], generator=torch.Generator().manual_seed(42))
    expect(asLists(randomSplit(range(30), [0.3, 0.3, 0.4], { generator: new torch.Generator(42) }))).toEqual([
      [12, 0, 6, 25, 8, 15, 10, 18, 16],
      [23, 28, 26, 20, 7, 21, 22, 29, 13],
      [14, 2, 4, 1, 9, 11, 17, 19, 27, 5, 24, 3],
    ]);
    // random_split(range(11), [0.5, 0.25, 0.25], generator=torch.Generator().manual_seed(1))
    expect(asLists(randomSplit(range(11), [0.5, 0.25, 0.25], { generator: new torch.Generator(1) }))).toEqual([
      [0, 10, 2, 3, 7, 6],
      [4, 8, 1],
      [9, 5],
    ]);
    // floor(7 * [0.1, 0.2, 0.7]) = [0, 1, 4]; the remainder 2 goes round robin: [1, 2, 4]
    expect(randomSplit(range(7), [0.1, 0.2, 0.7]).map((s) => s.length)).toEqual([1, 2, 4]);
  });

  it("gives disjoint subsets covering the dataset", () => {
    const ds = new TensorDataset(torch.arange(50));
    const parts = randomSplit(ds, [0.6, 0.2, 0.2], { generator: new torch.Generator(7) });
    expect(parts.map((p) => p.length)).toEqual([30, 10, 10]);
    const all = parts.flatMap((p) => [...p.indices]);
    expect(new Set(all).size).toBe(50);
    expect(all.sort((a, b) => a - b)).toEqual(range(50));
    const p = parts[1] as Subset<torch.Tensor[]>;
    expect(p.getItem(0)[0]?.item()).toBe(p.indices[0]);
  });

  it("rejects lengths that do not fit", () => {
    expect(() => randomSplit(range(10), [3, 6])).toThrow(
      /Sum of input lengths \(9\) does not equal the length of the input dataset \(10\)/,
    );
    expect(() => randomSplit(range(10), [0.5, -0.5, 1])).toThrow(/Fraction at index 1 is not between 0 and 1/);
    expect(() => randomSplit(range(10), [0.5, 0.6])).toThrow(/length at index 0 must be a non-negative integer/);
  });
});
