/**
 * Sorting, selection and rearranging beyond the sample table
 * (test/ops/samples/sorting.json): NaN, ties, 0-d tensors, and PyTorch's
 * errors, as PyTorch 1.13 gives them (checked there by hand).
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { thrown } from "../helpers/thrown.js";

const values = (t: Tensor) => Array.from(t.toTypedArray() as ArrayLike<number | bigint>, Number);

describe("sorting", () => {
  it("puts NaN last ascending and first descending, keeping equal elements in order", () => {
    const x = torch.tensor([3, Number.NaN, 1, Number.NaN, 2]);
    const [v, i] = torch.sort(x);
    expect(values(v)).toEqual([1, 2, 3, Number.NaN, Number.NaN]);
    expect(values(i)).toEqual([2, 4, 0, 1, 3]);
    const [vd, id] = torch.sort(x, 0, { descending: true });
    expect(values(vd)).toEqual([Number.NaN, Number.NaN, 3, 2, 1]);
    expect(values(id)).toEqual([1, 3, 0, 4, 2]);
    const [, stable] = torch.sort(torch.tensor([2, 1, 2, 1], { dtype: "int64" }), 0, { stable: true });
    expect(values(stable)).toEqual([1, 3, 0, 2]);
    expect(values(torch.sort(torch.tensor([true, false]))[1])).toEqual([1, 0]);
  });

  it("sorts, selects and takes the median of a 0-d tensor as one element", () => {
    const s = torch.tensor(3);
    for (const [v, i] of [torch.sort(s), torch.topk(s, 1), torch.kthvalue(s, 1), torch.median(s, 0)]) {
      expect(v.shape).toEqual([]);
      expect(v.item()).toBe(3);
      expect(i.item()).toBe(0);
    }
  });

  it("gives the median PyTorch gives: the lower middle element, NaN where a slice has one, NaN for nothing", () => {
    expect(torch.median(torch.tensor([4, 1, 3, 2])).item()).toBe(2);
    expect(torch.median(torch.tensor([1, Number.NaN, 3, Number.NaN])).item()).toBeNaN();
    const [v, i] = torch.median(
      torch.tensor([
        [1, Number.NaN, 3],
        [2, 1, 0],
      ]),
      1,
    );
    expect(values(v)).toEqual([Number.NaN, 1]);
    expect(values(i)).toEqual([1, 1]);
    expect(torch.median(torch.tensor([])).item()).toBeNaN();
  });

  it("names the node of each op as PyTorch", () => {
    const y = torch.tensor(
      [
        [4, 1, 3],
        [0, 5, 6],
      ],
      { requiresGrad: true },
    );
    expect(torch.sort(y, 1)[0].gradFn?.name).toBe("SortBackward0");
    expect(torch.topk(y, 2)[0].gradFn?.name).toBe("TopkBackward0");
    expect(torch.kthvalue(y, 2)[0].gradFn?.name).toBe("KthvalueBackward0");
    expect(torch.median(y).gradFn?.name).toBe("MedianBackward0");
    expect(torch.median(y, 1)[0].gradFn?.name).toBe("MedianBackward1");
    expect(values(torch.argsort(y, 1, { descending: true }))).toEqual([0, 2, 1, 2, 1, 0]);
  });

  it("gives PyTorch's errors", () => {
    const x = torch.tensor([1, 5, 3, 4]);
    expect(thrown(() => torch.topk(x, 5)).message).toBe("topk(): selected index k out of range (k = 5, dim 0 has size 4)");
    expect(thrown(() => torch.topk(x, -1)).message).toBe("topk(): selected index k out of range (k = -1, dim 0 has size 4)");
    expect(thrown(() => torch.kthvalue(x, 5)).message).toBe("kthvalue(): selected number k out of range for dimension 0");
    expect(thrown(() => torch.kthvalue(x, 0)).message).toBe("kthvalue(): selected number k out of range for dimension 0");
    const e = thrown(() => torch.median(torch.zeros(2, 0), 1));
    expect(e).toBeInstanceOf(torch.IndexError);
    expect(e.message).toBe("median(): Expected reduction dim 1 to have non-zero size.");
    expect(thrown(() => torch.sort(x, 1))).toBeInstanceOf(torch.IndexError);
  });
});

describe("rearranging and NaN-ignoring reductions", () => {
  it("nansum and nanmean skip NaN, and their gradient is zero there", () => {
    const n = torch.tensor([1, Number.NaN, 2], { requiresGrad: true });
    const s = torch.nansum(n);
    expect(s.item()).toBe(3);
    expect(s.gradFn?.name).toBe("NansumBackward0");
    s.backward();
    expect(values(n.grad as Tensor)).toEqual([1, 0, 1]);
    const m = torch.nanmean(torch.tensor([1, Number.NaN, 2]));
    expect(m.item()).toBe(1.5);
    expect(torch.nansum(torch.tensor([1, 2], { dtype: "int32" })).dtype).toBe("int64");
    expect(thrown(() => torch.nanmean(torch.tensor([1, 2], { dtype: "int64" }))).message).toBe(
      "nanmean(): expected input to have floating point dtype but got Long",
    );
  });

  it("gives PyTorch's errors for roll, rot90 and diag", () => {
    const x = torch.zeros(2, 3);
    expect(thrown(() => torch.roll(x, [1, 2], [0])).message).toBe("shifts and dimensions must align. shifts: 2, dims:1");
    expect(thrown(() => torch.rot90(x, 1, [0, 0])).message).toBe("expected rotation dims to be different, but got dim0 = 0 and dim1 = 0");
    expect(thrown(() => torch.rot90(x, 1, [0])).message).toBe("expected total rotation dims == 2, but got dims = 1");
    expect(thrown(() => torch.diag(torch.zeros(2, 2, 2))).message).toBe("matrix or a vector expected");
  });
});
