/**
 * The search family beyond its sample table (test/ops/samples/search.json)
 * and errors corpus (test/ops/errors/search.json): NaN, ties, 0-d and empty
 * tensors, what each op returns (a tensor or an array), searchsorted's
 * sorter, and the gradients PyTorch 1.13 does not record. Expected values
 * are PyTorch 1.13's, checked there by hand, unless a comment says otherwise.
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { thrown } from "../helpers/thrown.js";

const values = (t: Tensor) => Array.from(t.toTypedArray() as ArrayLike<number | bigint>, Number);
const N = Number.NaN;
const long = (data: number[]) => torch.tensor(data, { dtype: "int64" });

describe("logcumsumexp, cummax, cummin", () => {
  it("keeps large differences and infinities as PyTorch's log_add_exp", () => {
    expect(values(torch.logcumsumexp(torch.tensor([-1000, 0, Number.POSITIVE_INFINITY, 1], { dtype: "float64" }), 0))).toEqual([
      -1000,
      0,
      Number.POSITIVE_INFINITY,
      Number.POSITIVE_INFINITY,
    ]);
    const ninf = Number.NEGATIVE_INFINITY;
    expect(values(torch.logcumsumexp(torch.tensor([ninf, ninf, 1]), 0))).toEqual([ninf, ninf, 1]);
  });

  it("keeps a NaN from where it appears, and the later index on ties", () => {
    const x = torch.tensor([1, 3, 2, 3, N, 0, N]);
    const [v, i] = torch.cummax(x, 0);
    expect(values(v)).toEqual([1, 3, 3, 3, N, N, N]);
    expect(values(i)).toEqual([0, 1, 1, 3, 4, 4, 6]);
    const [vmin, imin] = torch.cummin(x, 0);
    expect(values(vmin)).toEqual([1, 1, 1, 1, N, N, N]);
    expect(values(imin)).toEqual([0, 0, 0, 0, 4, 4, 6]);
    expect(values(torch.cummin(long([2, 2, 3, 2]), 0)[1])).toEqual([0, 1, 1, 3]);
    const [vb, ib] = torch.cummax(torch.tensor([true, false]), 0);
    expect(vb.dtype).toBe("bool");
    expect(values(ib)).toEqual([0, 0]);
  });

  it("sends each gradient to the element its running extreme came from", () => {
    const x = torch.tensor([1, 3, 2, 3, N, 0, N], { requiresGrad: true });
    torch.cummax(x, 0)[0].sum().backward();
    expect(values(x.grad as Tensor)).toEqual([1, 2, 0, 1, 2, 0, 1]);
  });

  it("gives a 0-d tensor itself and index 0 whatever the dim, as PyTorch 1.13's cummax", () => {
    const [v, i] = torch.cummax(torch.tensor(3), 5);
    expect(v.shape).toEqual([]);
    expect([v.item(), i.item()]).toEqual([3, 0]);
    expect(thrown(() => torch.logcumsumexp(torch.tensor(3), 1))).toBeInstanceOf(torch.IndexError);
  });
});

describe("aminmax", () => {
  it("returns [min, max] over everything, along a dim, with keepdim", () => {
    const x = torch.tensor([
      [1, 5],
      [7, 2],
    ]);
    const [lo, hi] = torch.aminmax(x);
    expect([lo.item(), hi.item()]).toEqual([1, 7]);
    expect(torch.aminmax(x, { keepdim: true })[0].shape).toEqual([1, 1]);
    expect(torch.aminmax(x, { dim: -1, keepdim: true })[1].shape).toEqual([2, 1]);
    // PyTorch 1.13 gives a 0-d input's extremes shape [1] with keepdim.
    expect(torch.aminmax(torch.tensor(5), { dim: 0, keepdim: true })[0].shape).toEqual([1]);
    expect(torch.aminmax(torch.tensor(5), { dim: 0 })[0].shape).toEqual([]);
    const [e0, e1] = torch.aminmax(torch.zeros(0, 2), { dim: 1 });
    expect([e0.shape, e1.shape]).toEqual([[0], [0]]);
    expect(values(torch.aminmax(torch.tensor([1, N, 2]))[0])).toEqual([N]);
  });

  // PyTorch 1.13 records no derivative for aminmax (NotImplemented); Kindling's is
  // PyTorch 2's AminmaxBackward0: amin's and amax's gradients added.
  it("has amin's and amax's gradients, ties sharing them", () => {
    const x = torch.tensor(
      [
        [1, 4, 4],
        [2, 2, 0],
      ],
      { dtype: "float64", requiresGrad: true },
    );
    const [lo, hi] = torch.aminmax(x, { dim: 1 });
    expect(lo.gradFn?.name).toBe("AminmaxBackward0");
    const [gLo, gHi] = [torch.tensor([1, 10], { dtype: "float64" }), torch.tensor([100, 1000], { dtype: "float64" })];
    const [d] = torch.autograd.grad([lo, hi], [x], { gradOutputs: [gLo, gHi] });
    const [da] = torch.autograd.grad([torch.amin(x, 1), torch.amax(x, 1)], [x], { gradOutputs: [gLo, gHi] });
    expect(values(d as Tensor)).toEqual(values(da as Tensor));
    expect(values(d as Tensor)).toEqual([1, 50, 50, 500, 500, 10]);
    const y = torch.tensor([0.3, -1.2, 0.7, 1.9], { dtype: "float64", requiresGrad: true });
    const f = (t: Tensor) => torch.aminmax(t.view(2, 2), { dim: 0 }).reduce((a, b) => a.add(b.mul(b)));
    expect(torch.autograd.gradcheck(f, [y])).toBe(true);
    expect(torch.autograd.gradgradcheck(f, [y])).toBe(true);
  });

  it("refuses a dim that is not an integer", () => {
    const e = thrown(() => torch.aminmax(torch.ones(2, 3), { dim: 0.5 }));
    expect(e).toBeInstanceOf(torch.ArgumentError);
    expect(e.message).toContain("aminmax(): argument 'dim' must be int");
  });
});

describe("nanmedian and mode", () => {
  it("takes the median of the elements that are not NaN", () => {
    const x = torch.tensor(
      [
        [1, N, 3, 2],
        [N, N, N, N],
        [4, N, N, 5],
      ],
      { requiresGrad: true },
    );
    expect(torch.nanmedian(x).item()).toBe(3);
    const [v, i] = torch.nanmedian(x, 1);
    expect(values(v)).toEqual([2, N, 4]);
    // PyTorch's index for an all-NaN slice comes from std::nth_element (2 here); Kindling gives the first.
    expect([values(i)[0], values(i)[2]]).toEqual([3, 0]);
    expect(v.gradFn?.name).toBe("NanmedianBackward1");
    expect(torch.nanmedian(torch.tensor([N, N])).item()).toBeNaN();
    const [, ik] = torch.nanmedian(torch.tensor([[1, N, 3, 2]]), 0, { keepdim: true });
    expect(ik.shape).toEqual([1, 4]);
  });

  it("shares the gradient of the overall nanmedian among its ties (among the NaNs when all are NaN)", () => {
    const a = torch.tensor([1, 2, 2, N], { requiresGrad: true });
    torch.nanmedian(a).backward();
    expect(values(a.grad as Tensor)).toEqual([0, 0.5, 0.5, 0]);
    const b = torch.tensor([N, N], { requiresGrad: true });
    torch.nanmedian(b).backward();
    expect(values(b.grad as Tensor)).toEqual([0.5, 0.5]);
  });

  it("gives the smallest of the most frequent values and its last occurrence", () => {
    const [v, i] = torch.mode(long([3, 1, 2, 2, 1, 3, 3, 1]));
    expect([v.item(), i.item()]).toEqual([1, 7]);
    // -0 and 0 are one value; the mode is the run's last element in a stable sort.
    const [z, zi] = torch.mode(torch.tensor([1, 0, -0, 2]));
    expect(Object.is(z.item(), -0)).toBe(true);
    expect(zi.item()).toBe(2);
    const [b, bi] = torch.mode(torch.tensor([true, false, true]));
    expect([b.item(), bi.item()]).toEqual([1, 2]);
    const [e, ei] = torch.mode(torch.zeros(0, 2));
    expect([e.shape, ei.shape]).toEqual([[0], [0]]);
  });
});

describe("unique and uniqueConsecutive", () => {
  const x = long([3, 1, 2, 1, 5, 3]);

  it("returns a tensor, or an array exactly when inverse or counts are asked for", () => {
    expect(torch.unique(x)).toBeInstanceOf(torch.Tensor);
    const [u, inv] = torch.unique(x, { returnInverse: true });
    expect(values(u)).toEqual([1, 2, 3, 5]);
    expect(values(inv)).toEqual([2, 0, 1, 0, 3, 2]);
    const pair = torch.unique(x, { returnCounts: true });
    expect(pair).toHaveLength(2);
    expect(values(pair[1])).toEqual([2, 1, 2, 1]);
    expect(torch.unique(x, { returnInverse: true, returnCounts: true })).toHaveLength(3);
    expect(torch.uniqueConsecutive(x)).toBeInstanceOf(torch.Tensor);
  });

  it("shapes the inverse as the input, a 0-d input giving a 1-d result", () => {
    const [, inv] = torch.unique(long([3, 1, 1, 2]).view(2, 2), { returnInverse: true });
    expect(inv.shape).toEqual([2, 2]);
    const [u0, i0] = torch.unique(torch.tensor(3), { returnInverse: true });
    expect([u0.shape, i0.shape]).toEqual([[1], []]);
    const [ue, ie, ce] = torch.unique(torch.zeros(0, 2), { returnInverse: true, returnCounts: true });
    expect([ue.shape, ie.shape, ce.shape]).toEqual([[0], [0, 2], [0]]);
    const [ud, id, cd] = torch.unique(torch.zeros(0, 3), { dim: 0, returnInverse: true, returnCounts: true });
    expect([ud.shape, id.shape, cd.shape]).toEqual([[0, 3], [0], [0]]);
  });

  it("sorts even with sorted: false (PyTorch's CPU order there is its hash set's)", () => {
    expect(values(torch.unique(x, { sorted: false }))).toEqual([1, 2, 3, 5]);
  });

  // PyTorch 1.13 sorts NaN with std::sort's < and looks NaN up in a hash map, giving counts 0
  // and inverse 0 for NaNs; Kindling keeps each NaN distinct, last, counted once (PyTorch 2's).
  it("keeps each NaN distinct and last; -0 and 0 are one value", () => {
    const [u, inv, counts] = torch.unique(torch.tensor([3, 1, N, 2, 1, N, 3]), { returnInverse: true, returnCounts: true });
    expect(values(u)).toEqual([1, 2, 3, N, N]);
    expect(values(inv)).toEqual([2, 0, 3, 1, 0, 4, 2]);
    expect(values(counts)).toEqual([2, 1, 2, 1, 1]);
    const [z, zc] = torch.unique(torch.tensor([1, -0, 0]), { returnCounts: true });
    expect(Object.is(z.toTypedArray()[0], -0)).toBe(true);
    expect(values(zc)).toEqual([2, 1]);
    const [, ci, cc] = torch.uniqueConsecutive(torch.tensor([1, N, N, 2]), { returnInverse: true, returnCounts: true });
    expect([values(ci), values(cc)]).toEqual([
      [0, 1, 2, 3],
      [1, 1, 1, 1],
    ]);
  });

  it("compares slices along a dim", () => {
    const rows = long([1, 2, 1, 2, 0, 5]).view(3, 2);
    const [u, inv, counts] = torch.unique(rows, { dim: 0, returnInverse: true, returnCounts: true });
    expect(values(u)).toEqual([0, 5, 1, 2]);
    expect([values(inv), values(counts)]).toEqual([
      [1, 1, 0],
      [1, 2],
    ]);
    const [c, ci, cc] = torch.uniqueConsecutive(long([1, 2, 1, 2, 3, 3, 1, 2]).view(4, 2), {
      dim: 0,
      returnInverse: true,
      returnCounts: true,
    });
    expect([values(c), values(ci), values(cc)]).toEqual([
      [1, 2, 3, 3, 1, 2],
      [0, 0, 1, 2],
      [2, 1, 1],
    ]);
  });

  it("records PyTorch's node, whose backward raises", () => {
    const t = torch.tensor([2, 1], { requiresGrad: true });
    const cases: [() => Tensor, string, string][] = [
      [() => torch.unique(t), "Unique2Backward0", "_unique2"],
      [() => torch.unique(t.view(2, 1), { dim: 0 }), "UniqueDimBackward0", "unique_dim"],
      [() => torch.uniqueConsecutive(t), "UniqueConsecutiveBackward0", "unique_consecutive"],
    ];
    for (const [f, node, aten] of cases) {
      const u = f();
      expect(u.gradFn?.name).toBe(node);
      const e = thrown(() => u.sum().backward());
      expect(e).toBeInstanceOf(torch.AutogradError);
      expect(e.message).toContain(`the derivative for '${aten}' is not implemented.`);
    }
    const [, inv] = torch.unique(t, { returnInverse: true });
    expect(inv.requiresGrad).toBe(false);
  });
});

describe("searchsorted and bucketize", () => {
  const edges = torch.tensor([1, 3, 5, 7, 9]);

  it("gives int64 indices (int32 with outInt32), a 0-d one for a number", () => {
    const r = torch.searchsorted(edges, 5);
    expect([r.shape, r.dtype, r.item()]).toEqual([[], "int64", 2]);
    expect(torch.searchsorted(edges, 5, { outInt32: true }).dtype).toBe("int32");
    expect(torch.searchsorted(edges, 5.5).item()).toBe(3);
    expect(torch.searchsorted(edges, 5, { right: true }).item()).toBe(3);
    expect(torch.bucketize(5.5, edges, { right: true }).item()).toBe(3);
    expect(values(torch.bucketize(long([1, 5]), edges, { outInt32: true }))).toEqual([0, 2]);
  });

  it("searches each row of an N-d sequence with the matching row of values", () => {
    const seq = torch.tensor([
      [1, 3, 5],
      [2, 4, 6],
    ]);
    expect(
      values(
        torch.searchsorted(
          seq,
          torch.tensor([
            [2, 5],
            [2, 5],
          ]),
        ),
      ),
    ).toEqual([1, 2, 0, 2]);
  });

  it("follows PyTorch's binary search where NaN steers it", () => {
    expect(values(torch.searchsorted(torch.tensor([1, 3, N]), torch.tensor([N, 4, 1e9])))).toEqual([3, 3, 3]);
    expect(values(torch.searchsorted(torch.tensor([1, 3, 5]), torch.tensor([N, 4]), { right: true }))).toEqual([3, 2]);
  });

  it("reads the sequence through a sorter", () => {
    const seq = torch.tensor([5, 1, 3]);
    const sorter = long([1, 2, 0]);
    expect(values(torch.searchsorted(seq, torch.tensor([4, 0]), { sorter }))).toEqual([2, 0]);
    expect(values(torch.searchsorted(seq, torch.tensor([3, 0]), { sorter, side: "right" }))).toEqual([2, 0]);
    const rows = torch.tensor([
      [1, 3, 5],
      [6, 4, 2],
    ]);
    const order = long([0, 1, 2, 2, 1, 0]).view(2, 3);
    expect(values(torch.searchsorted(rows, torch.tensor([[4], [4]]), { sorter: order }))).toEqual([2, 1]);
  });

  it("reads non-contiguous sequences, values and sorters where they are", () => {
    const seq = torch
      .tensor([
        [1, 0],
        [3, 2],
        [5, 4],
        [7, 6],
        [9, 8],
      ])
      .t();
    const grid = torch.tensor([
      [0, 2, 5],
      [0, 6, 1],
      [0, 9, 0],
    ]);
    const v = grid.narrow(1, 1, 2).t();
    expect(values(torch.searchsorted(seq, v))).toEqual([1, 3, 4, 3, 1, 0]);
    expect(values(torch.searchsorted(seq, v, { right: true }))).toEqual([1, 3, 5, 3, 1, 1]);
    const rows = torch.tensor([
      [5, 1, 3],
      [6, 4, 2],
    ]);
    const sorter = long([1, 2, 2, 1, 0, 0]).view(3, 2).t();
    const fours = torch.tensor([[4]]).expand(2, 2);
    expect(values(torch.searchsorted(rows, fours, { sorter }))).toEqual([2, 2, 1, 1]);
    expect(values(torch.searchsorted(rows, fours, { sorter, right: true }))).toEqual([2, 2, 2, 2]);
    expect(values(torch.bucketize(grid.t(), torch.tensor([1, 3, 5, 7, 9])))).toEqual([0, 0, 0, 1, 3, 4, 2, 0, 0]);
  });

  it("raises PyTorch's errors for a bad sorter", () => {
    const seq = torch.tensor([5, 1, 3]);
    const v = torch.tensor([4, 0]);
    const size = thrown(() => torch.searchsorted(seq, v, { sorter: long([1, 2]) }));
    expect(size).toBeInstanceOf(torch.ShapeError);
    expect(size.message).toContain(
      "torch.searchsorted(): boundary and sorter must have the same size, but got boundary tensor [3]and got sorter tensor [2]",
    );
    for (const [sorter, name] of [
      [torch.tensor([1, 2, 0], { dtype: "int32" }), "Int"],
      [torch.tensor([1, 2, 0]), "Float"],
    ] as const) {
      const e = thrown(() => torch.searchsorted(seq, v, { sorter }));
      expect(e).toBeInstanceOf(torch.DTypeError);
      expect(e.message).toContain(`torch.searchsorted(): sorter must be a tensor of long dtype but got dtype ${name}`);
    }
    // PyTorch 1.13 reads outside the sequence here; Kindling refuses.
    const range = thrown(() => torch.searchsorted(seq, v, { sorter: long([1, 2, 3]) }));
    expect(range).toBeInstanceOf(torch.IndexError);
    expect(range.message).toContain("sorter index 3 out of range");
  });

  it("compares in the common dtype of the sequence and the values", () => {
    // 16777217 is 16777216 in float32.
    expect(values(torch.searchsorted(long([16777217]), torch.tensor([16777216])))).toEqual([0]);
    expect(values(torch.searchsorted(long([1, 3, 5]), torch.tensor([2.5])))).toEqual([1]);
    expect(values(torch.searchsorted(torch.tensor([]), torch.tensor([1, 2])))).toEqual([0, 0]);
    expect(torch.searchsorted(torch.tensor([1, 2]), torch.tensor([])).shape).toEqual([0]);
  });
});
