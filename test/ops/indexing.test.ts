/**
 * Index ops beyond the sample table and the bad-input corpus
 * (test/ops/errors/indexing.json): inputs the corpus cannot spell (int32
 * indices, JavaScript numbers, views of larger storages), the JS-idiom hint,
 * second backward passes, and gradients PyTorch 1.13 fails to give.
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { thrown } from "../helpers/thrown.js";

const long = (values: number[] | number[][]) => torch.tensor(values, { dtype: "int64" });
const int32 = (values: number[]) => torch.tensor(values, { dtype: "int32" });
const f64 = (values: number[] | number[][], requiresGrad = false) => torch.tensor(values, { dtype: "float64", requiresGrad });

describe("index kernels never read or write outside their operands", () => {
  it("scatter refuses a src view smaller than the index instead of reading its storage's neighbours", () => {
    const storage = torch.arange(16, { dtype: "float64" }).view(4, 4);
    const src = storage.index("0:2", "0:2");
    const index = long([
      [0, 1, 2],
      [1, 2, 3],
      [2, 3, 0],
    ]);
    for (const call of [
      () => torch.scatter(torch.zeros(3, 4, { dtype: "float64" }), 1, index, src),
      () => torch.scatterAdd(torch.zeros(3, 4, { dtype: "float64" }), 1, index, src),
      () => torch.zeros(3, 4, { dtype: "float64" }).scatter_(1, index, src),
      () => torch.zeros(3, 4, { dtype: "float64" }).scatterAdd_(1, index, src),
    ]) {
      expect(call).toThrow(torch.ShapeError);
      expect(call).toThrow(
        "Expected index [3, 3] to be smaller than self [3, 4] apart from dimension 1 and to be smaller size than src [2, 2]",
      );
    }
  });

  it("indexAdd refuses a source whose rows do not match instead of writing into rows not indexed", () => {
    const x = torch.zeros(3, 4, { dtype: "float64" });
    const call = () => torch.indexAdd(x, 0, long([0]), torch.ones(1, 6, { dtype: "float64" }));
    expect(call).toThrow(torch.ShapeError);
    expect(call).toThrow("The size of tensor a (4) must match the size of tensor b (6) at non-singleton dimension 0");
    expect(x.sum().item()).toBe(0);
  });

  it("a src larger than the index is read only where the index is, and gets zero gradient elsewhere", () => {
    const src = f64(
      [
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
      ],
      true,
    );
    const out = torch.scatter(torch.zeros(2, 3, { dtype: "float64" }), 1, long([[2], [0]]), src);
    expect(out.tolist()).toEqual([
      [0, 0, 1],
      [4, 0, 0],
    ]);
    // PyTorch 1.13 raises "invalid gradient ... got [2, 1] but expected shape compatible with [3, 3]" here.
    out
      .mul(torch.arange(1, 7, { dtype: "float64" }).view(2, 3))
      .sum()
      .backward();
    expect(src.grad?.tolist()).toEqual([
      [3, 0, 0],
      [4, 0, 0],
      [0, 0, 0],
    ]);
  });
});

describe("index dtypes PyTorch takes (the corpus spells only int64)", () => {
  const x = f64([
    [1, 2],
    [3, 4],
    [5, 6],
  ]);

  it("index_select, index_add and embedding take int32 indices", () => {
    expect(torch.indexSelect(x, 0, int32([2, 0])).tolist()).toEqual([
      [5, 6],
      [1, 2],
    ]);
    expect(torch.indexAdd(x, 0, int32([1]), f64([[10, 20]])).tolist()).toEqual([
      [1, 2],
      [13, 24],
      [5, 6],
    ]);
    expect(torch.F.embedding(int32([2]), x).tolist()).toEqual([[5, 6]]);
  });

  it("gather, scatter, index_copy, index_fill, take, put and nll_loss refuse int32 with PyTorch's messages", () => {
    const cases: [() => unknown, string][] = [
      [() => torch.gather(x, 0, torch.zeros(1, 2, { dtype: "int32" })), "gather(): Expected dtype int64 for index"],
      [() => torch.scatter(x, 0, torch.zeros(1, 2, { dtype: "int32" }), 1), "scatter(): Expected dtype int64 for index"],
      [() => torch.indexCopy(x, 0, int32([0]), f64([[0, 0]])), "index_copy_(): Expected a long tensor for index, but got Int"],
      [() => torch.indexFill(x, 0, int32([0]), 1), "index_fill_(): Expected dtype int64 for index."],
      [() => torch.take(x, int32([0])), "take(): Expected a long tensor for index, but got Int"],
      [() => torch.put(x, int32([0]), f64([1])), "put_(): Expected a long tensor for index, but got Int"],
      [() => torch.F.nllLoss(x, int32([0, 1, 1])), "expected scalar type Long but found Int"],
    ];
    for (const [call, message] of cases) expect(call).toThrow(message);
  });

  it("an index tensor made from JavaScript numbers (float32) gets a hint on how to make an int64 one", () => {
    const floats = torch.tensor([0, 1]);
    const hint = 'torch.tensor([0, 2], { dtype: "int64" })';
    for (const call of [
      () => torch.gather(x, 0, floats.view(1, 2)),
      () => torch.scatterAdd(x, 0, floats.view(1, 2), x),
      () => torch.indexSelect(x, 0, floats),
      () => torch.indexAdd(x, 0, floats, x),
      () => torch.indexCopy(x, 0, floats, x),
      () => torch.indexFill(x, 0, floats, 0),
      () => torch.take(x, floats),
      () => torch.put(x, floats, f64([1, 2])),
      () => x.index(floats),
      () => torch.F.embedding(floats, x),
      () => torch.F.nllLoss(x.index("0:2"), floats),
      () => torch.F.crossEntropy(x.index("0:2"), floats),
    ]) {
      expect(call).toThrow(hint);
    }
    // No hint where the dtype is not floating.
    expect(() => torch.gather(x, 0, torch.zeros(1, 2, { dtype: "int32" }))).not.toThrow(hint);
  });
});

describe("index_put_ (Python's setitem) and dtypes", () => {
  it("a float tensor into an int64 tensor raises PyTorch's error instead of storing 1.5", () => {
    for (const accumulate of [false, true]) {
      const x = long([0, 0, 0]);
      const call = () => x.indexPut_([long([0])], torch.tensor([1.5]), { accumulate });
      expect(call).toThrow(torch.DTypeError);
      expect(call).toThrow(
        "Index put requires the source and destination dtypes match, got Long for the destination and Float for the source.",
      );
      expect(x.tolist()).toEqual([0, 0, 0]);
    }
  });

  it("a JavaScript number into an int64 tensor truncates, as x[0] = 1.5 does in PyTorch", () => {
    const x = long([0, 0, 0, 0]);
    x.indexPut_([long([0])], 1.5);
    x.indexPut_([1], 2.7);
    x.indexPut_([torch.tensor([false, false, true, false])], -3.5);
    expect(x.tolist()).toEqual([1, 2, -3, 0]);
  });

  it("a single mask with a one-element value converts it (PyTorch's masked fill); basic indices convert too", () => {
    const x = long([0, 0, 0]);
    x.indexPut_([torch.tensor([true, false, true])], torch.tensor([2.9]));
    x.indexPut_([1], torch.tensor(7.9));
    expect(x.tolist()).toEqual([2, 7, 2]);
  });

  it("the value is viewed without leading size-1 dims and must broadcast to the indexed shape", () => {
    const x = torch.zeros(3, 2, { dtype: "float64" });
    x.indexPut_([long([0, 2])], torch.tensor([[[1, 2]]], { dtype: "float64" }));
    expect(x.tolist()).toEqual([
      [1, 2],
      [0, 0],
      [1, 2],
    ]);
    expect(() => x.indexPut_([long([0, 2])], f64([1, 2, 3]))).toThrow(
      "shape mismatch: value tensor of shape [3] cannot be broadcast to indexing result of shape [2, 2]",
    );
  });
});

describe("a second backward through index nodes raises, as through any node with saved data", () => {
  const twice = "Trying to backward through the graph a second time";
  const cases: [string, (x: Tensor) => Tensor][] = [
    ["index (IndexBackward0)", (x) => x.index(long([0, 2]))],
    ["indexPut_ (IndexPutBackward0)", (x) => x.mul(1).indexPut_([long([1])], f64([5, 6]))],
    ["take", (x) => torch.take(x, long([0, 5]))],
    ["put", (x) => torch.put(x, long([0]), f64([9]))],
    ["gather", (x) => torch.gather(x, 1, long([[1], [0], [1]]))],
    ["indexCopy", (x) => torch.indexCopy(x, 0, long([1]), f64([[7, 8]]))],
    ["indexFill", (x) => torch.indexFill(x, 1, long([0]), 3)],
    ["maskedScatter", (x) => torch.maskedScatter(x, x.gt(3), f64([1, 2, 3]))],
  ];
  it.each(cases)("%s", (_, f) => {
    const x = f64(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      true,
    );
    const y = f(x).sum();
    y.backward(null, { retainGraph: true });
    y.backward();
    expect(x.grad).not.toBeNull();
    expect(() => y.backward()).toThrow(twice);
  });
});

describe("gradients beyond PyTorch 1.13's", () => {
  it("index_add with a broadcast source sums the gradient over the broadcast (PyTorch 1.13 raises)", () => {
    const index = long([2, 0]);
    const f = (x: Tensor, s: Tensor) => torch.indexAdd(x, 0, index, s, { alpha: 3 });
    const x = torch.randn(3, 4, { dtype: "float64", requiresGrad: true });
    for (const s of [torch.randn(2, 1, { dtype: "float64" }), torch.randn(2, { dtype: "float64" })]) {
      expect(torch.autograd.gradcheck(f, [x, s.requiresGrad_()])).toBe(true);
      expect(torch.autograd.gradgradcheck(f, [x, s])).toBe(true);
    }
  });

  it("index_fill with a tensor value and negative indices (PyTorch 1.13's backward fails)", () => {
    const f = (x: Tensor, v: Tensor) => torch.indexFill(x, 1, long([-1, 0, -1]), v);
    const x = torch.randn(2, 3, { dtype: "float64", requiresGrad: true });
    const v = torch.tensor(0.5, { dtype: "float64", requiresGrad: true });
    expect(torch.autograd.gradcheck(f, [x, v])).toBe(true);
    const [, dv] = torch.autograd.grad([f(x, v).sum()], [x, v]);
    expect(dv?.item()).toBe(4);
  });
});

describe("other rules", () => {
  it("masked_scatter takes only bool masks", () => {
    const call = () => torch.maskedScatter(torch.zeros(3), torch.tensor([1, 0, 1]), torch.ones(3));
    expect(call).toThrow(torch.DTypeError);
    expect(call).toThrow("masked_scatter_ only supports boolean masks, but got mask with dtype Float");
  });

  it("index_select of a 0-d tensor needs an index", () => {
    expect(() => torch.indexSelect(torch.tensor(5), 0, long([]))).toThrow(torch.IndexError);
    expect(torch.indexSelect(torch.tensor(5), 0, long([0, 0])).item()).toBe(5);
  });
});

describe("indices JavaScript lets through", () => {
  it("a 0-d bool mask adds a dim and keeps (true) or drops (false) it, as Python's x[True] / x[False]", () => {
    const x = torch.arange(6, { dtype: "float64" }).view(3, 2);
    expect(x.index(torch.tensor(true)).shape).toEqual([1, 3, 2]);
    expect(x.index(torch.tensor(true)).tolist()).toEqual([x.tolist()]);
    expect(x.index(torch.tensor(false)).shape).toEqual([0, 3, 2]);
    expect(torch.zeros(3, 0, 1, 0).index(torch.tensor(false)).shape).toEqual([0, 3, 0, 1, 0]);
    const y = torch.zeros(3, 2);
    y.indexPut_([torch.tensor(true)], torch.tensor(-1.5));
    expect(y.tolist()).toEqual([
      [-1.5, -1.5],
      [-1.5, -1.5],
      [-1.5, -1.5],
    ]);
    const z = torch.zeros(3, 2);
    z.indexPut_([torch.tensor(false)], torch.tensor(-1.5));
    expect(z.tolist()).toEqual(torch.zeros(3, 2).tolist());
  });

  it("an array index is Python's list index: integers select rows, booleans mask", () => {
    const x = torch.arange(12).view(4, 3);
    expect(x.index([0, 2]).tolist()).toEqual([
      [0, 1, 2],
      [6, 7, 8],
    ]);
    expect(x.index([true, false, false, true]).tolist()).toEqual([
      [0, 1, 2],
      [9, 10, 11],
    ]);
    expect(x.index(":", [2, 0]).tolist()).toEqual([
      [2, 0],
      [5, 3],
      [8, 6],
      [11, 9],
    ]);
  });

  it("fractional numbers, fractional slice bounds, zero steps and objects are refused with PyTorch's messages", () => {
    const x = torch.zeros(4, 3);
    const message = (f: () => unknown) => thrown(f).message;
    expect(message(() => x.index(0.5))).toContain(
      "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices",
    );
    expect(message(() => x.index([0.5]))).toContain("valid indices (got a number (0.5) in a list index)");
    expect(message(() => x.index(new torch.Slice(0.5, 2)))).toContain("slice indices must be integers or None or have an __index__ method");
    expect(message(() => x.index("1:3:0"))).toContain("slice step cannot be zero");
    expect(message(() => x.index({} as never))).toContain("valid indices (got an object)");
  });
});
