/**
 * `x.data` is PyTorch's: a tensor sharing the storage, outside the graph,
 * with its own version counter (values checked against PyTorch 1.13 by
 * hand: see each comment). `toTypedArray()` is the copy out to JavaScript.
 */

import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { thrown } from "../helpers/thrown.js";

describe("x.data", () => {
  it("shares the storage and is a leaf that does not require grad", () => {
    const w = torch.tensor([1, 2, 3], { requiresGrad: true });
    const d = w.data;
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    expect(d.gradFn).toBeNull();
    d.mul_(2);
    expect(w.tolist()).toEqual([2, 4, 6]);
    expect(w.requiresGrad).toBe(true);
  });

  it("has its own version counter, so autograd does not see changes through it (PyTorch's .data hazard)", () => {
    // PyTorch: c = (a * 2).sigmoid(); c.data.mul_(2); c.sum().backward() runs, and a.grad is
    // 2 * c' * (1 - c') with c' = 2 * sigmoid(2): tensor([-2.6832, -2.6832, -2.6832]).
    const a = torch.ones(3, { requiresGrad: true, dtype: "float64" });
    const c = a.mul(2).sigmoid();
    const d = c.data;
    expect(d._version).toBe(0);
    d.mul_(2);
    expect(c._version).toBe(0);
    expect(d._version).toBe(1);
    c.sum().backward();
    const s = 2 / (1 + Math.exp(-2)); // c after the change: 2 sigmoid(2)
    for (const g of (a.grad as torch.Tensor).tolist() as number[]) expect(g).toBeCloseTo(2 * s * (1 - s), 12);
  });

  it("is a view's data too: the same elements, in its layout", () => {
    const x = torch.arange(6, { dtype: "float64" }).view(2, 3);
    const col = x.index(":", 1).data;
    expect(col.tolist()).toEqual([1, 4]);
    col.fill_(0);
    expect(x.tolist()).toEqual([
      [0, 0, 2],
      [3, 0, 5],
    ]);
  });

  it("x.data = t swaps in t's storage, shape and dtype; refuses non-tensors and integer data for a tensor that requires grad", () => {
    const x = torch.ones(2, { requiresGrad: true });
    x.data = torch.zeros(5);
    expect(x.shape).toEqual([5]);
    expect(x.requiresGrad).toBe(true);
    expect(x.toString()).toBe("tensor([0., 0., 0., 0., 0.], requires_grad=True)");
    const e = thrown(() => {
      x.data = torch.zeros(5, { dtype: "int64" });
    });
    expect(e).toBeInstanceOf(torch.DTypeError);
    expect(e.message).toContain("data set to a tensor that requires gradients must be floating point or complex dtype");
    const f = thrown(() => {
      x.data = 5 as unknown as torch.Tensor;
    });
    expect(f).toBeInstanceOf(torch.ArgumentError);
    expect(f.message).toContain("Variable data has to be a tensor, but got int");
  });
});

describe("toTypedArray()", () => {
  it("copies the elements out in row-major order, in the dtype's array type", () => {
    const t = torch
      .tensor([
        [1, 2],
        [3, 4],
      ])
      .t();
    const a = t.toTypedArray();
    expect(a).toBeInstanceOf(Float32Array);
    expect(Array.from(a)).toEqual([1, 3, 2, 4]);
    a[0] = 99;
    expect(t.tolist()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(torch.tensor([1, 2], { dtype: "int64" }).toTypedArray()).toBeInstanceOf(Float64Array);
    expect(torch.tensor([1, 2], { dtype: "int32" }).toTypedArray()).toBeInstanceOf(Int32Array);
    expect(torch.tensor([true, false]).toTypedArray()).toEqual(Uint8Array.from([1, 0]));
  });
});
