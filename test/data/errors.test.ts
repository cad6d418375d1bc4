/**
 * Bad arguments to DataLoader and the datasets: PyTorch's messages (recorded
 * by scripts/record/nn_errors.py) and the JavaScript mistakes PyTorch cannot
 * make; collated objects whose keys name Object.prototype members.
 */

import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { expectPyTorchError } from "../helpers/pytorch_errors.js";

const { DataLoader, TensorDataset, Dataset, ConcatDataset, defaultCollate, randomSplit } = torch.utils.data;
// biome-ignore lint/suspicious/noExplicitAny: deliberately wrong arguments
const bad = (v: unknown): any => v;

class Length extends Dataset<number> {
  constructor(readonly n: number) {
    super();
  }
  get length(): number {
    return this.n;
  }
  getItem(i: number): number {
    return i;
  }
}

const ds = () => new TensorDataset(torch.arange(5));

const CASES: Record<string, () => unknown> = {
  dataloader_batch_size_0: () => new DataLoader(ds(), { batchSize: 0 }),
  "dataloader_batch_size_-1": () => new DataLoader(ds(), { batchSize: -1 }),
  "dataloader_batch_size_2.5": () => new DataLoader(ds(), { batchSize: 2.5 }),
  dataloader_batch_size_true: () => new DataLoader(ds(), { batchSize: bad(true) }),
  dataloader_float_length: () => new DataLoader(new Length(2.5)).length,
  dataloader_shuffle_empty: () => new DataLoader([], { shuffle: true }),
  dataloader_collate_not_callable: () => [...new DataLoader([1, 2], { collateFn: bad(5) })],
  dataloader_unknown_option: () => new DataLoader([1], bad({ batchsize: 2 })),
  tensordataset_size_mismatch: () => new TensorDataset(torch.ones(3), torch.ones(4)),
};

describe("PyTorch's errors for bad DataLoader and dataset arguments", () => {
  it.each(Object.keys(CASES))("%s", (id) => {
    expectPyTorchError(id, CASES[id] as () => unknown);
  });
});

describe("DataLoader refuses what is not a dataset or a length", () => {
  it("a non-dataset, at construction (PyTorch fails later, at len() or the first batch)", () => {
    for (const [arg, got] of [
      [5, "int"],
      [null, "NoneType"],
      [{ length: 3 }, "dict"],
      ["abc", "str"],
      [torch.ones(3), "torch.FloatTensor"],
    ] as const) {
      expect(() => new DataLoader(bad(arg))).toThrow(torch.ArgumentError);
      expect(() => new DataLoader(bad(arg))).toThrow(
        `DataLoader: dataset must be a Dataset (an object with getItem(index) and length) or an array, got ${got}`,
      );
    }
  });

  it("a negative or non-integer length, at construction, at length and at each epoch", () => {
    // PyTorch: "__len__() should return >= 0" (ValueError); TypeScript has no __len__.
    expect(() => new DataLoader(new Length(-1))).toThrow("DataLoader: the dataset's length should be >= 0, got -1");
    expect(() => new DataLoader(new Length(Number.NaN))).toThrow("the dataset's length must be an integer, got NaN");
    const changing = new Length(4);
    const loader = new DataLoader(changing, { batchSize: 2 });
    expect([...loader].length).toBe(2);
    (changing as { n: number }).n = -3;
    expect(() => loader.length).toThrow(torch.ArgumentError);
    expect(() => [...loader]).toThrow("the dataset's length should be >= 0, got -3");
    expect(() => new ConcatDataset([[1], new Length(-2)])).toThrow("ConcatDataset: the dataset's length should be >= 0, got -2");
    expect(() => randomSplit(new Length(1.5), [1])).toThrow("randomSplit: the dataset's length must be an integer");
  });

  it("Subset and randomSplit check their arguments", () => {
    expect(() => new torch.utils.data.Subset([1, 2], bad(undefined))).toThrow("Subset: indices must be an array of integers, got NoneType");
    expect(() => new torch.utils.data.Subset(bad(5), [0])).toThrow("Subset: expected a dataset or an array, got int");
    expect(() => randomSplit([1, 2], [1, 1], bad(new torch.Generator(1)))).toThrow(
      "randomSplit(): expected an options object { generator }, got a Generator",
    );
    expect(() => randomSplit([1, 2], [1, 1], { generator: bad(1) })).toThrow("randomSplit: generator must be a torch.Generator, got int");
    expect(randomSplit([1, 2], [1, 1], null as never).map((s) => s.length)).toEqual([1, 1]);
  });

  it("options of the wrong type", () => {
    const cases: [object, string][] = [
      [{ batchSize: "2" }, 'batch_size should be a positive integer value, but got batch_size="2"'],
      [{ batchSize: null }, "batch_size should be a positive integer value, but got batch_size=null"],
      [{ shuffle: "yes" }, `DataLoader(): option 'shuffle' must be a boolean, got a string ("yes")`],
      [{ dropLast: 1 }, "DataLoader(): option 'dropLast' must be a boolean, got a number (1)"],
      [{ generator: 42 }, "DataLoader: generator must be a torch.Generator, got int"],
      [{ batch_size: 4 }, "DataLoader() got an unexpected keyword argument 'batch_size' (did you mean 'batchSize'?)"],
    ];
    for (const [options, message] of cases) {
      expect(() => new DataLoader([1, 2, 3], bad(options))).toThrow(torch.ArgumentError);
      expect(() => new DataLoader([1, 2, 3], bad(options))).toThrow(message);
    }
  });
});

describe("collated objects with keys named like Object.prototype members", () => {
  it("keeps them as own keys of the batch", () => {
    const samples = [0, 1].map((i) => JSON.parse(`{"constructor": ${i}, "toString": ${i * 2}, "__proto__": ${i * 3}}`) as object);
    const batch = defaultCollate(samples) as Record<string, torch.Tensor>;
    expect(Object.keys(batch)).toEqual(["constructor", "toString", "__proto__"]);
    expect(Object.getPrototypeOf(batch)).toBe(Object.prototype);
    const get = (key: string) => (Object.getOwnPropertyDescriptor(batch, key)?.value as torch.Tensor | undefined)?.tolist();
    expect([get("constructor"), get("toString")]).toEqual([
      [0, 1],
      [0, 2],
    ]);
    expect(Object.getOwnPropertyDescriptor(batch, "__proto__")?.value.tolist()).toEqual([0, 3]);
  });

  it("a sample missing a key another has is named, even when the key names an inherited member", () => {
    expect(() => defaultCollate(bad([{ constructor: 1 }, {}]))).toThrow("defaultCollate: sample 1 has no key 'constructor' (sample 0 has)");
    const loader = new DataLoader(bad([{ toString: 1 }, { x: 2 }]), { batchSize: 2 });
    expect(() => [...loader]).toThrow("sample 1 has no key 'toString'");
  });
});
