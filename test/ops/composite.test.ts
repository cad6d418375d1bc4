/**
 * What the sample table (test/ops/samples/composite.json) cannot express:
 * the `x.T`/`x.mT`/`x.mH` getters, the boolean
 * results of allclose and equal, and the errors of the composite ops, each
 * as PyTorch 1.13 gives them (values checked there by hand).
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { thrown } from "../helpers/thrown.js";

const values = (t: Tensor) => Array.from(t.toTypedArray() as ArrayLike<number | bigint>, Number);

describe("transposes", () => {
  it("x.T reverses the dims (PermuteBackward0), x.mT and x.mH swap the last two (TransposeBackward0)", () => {
    const x = torch.tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { requiresGrad: true },
    );
    expect(x.T.shape).toEqual([3, 2]);
    expect(x.T.gradFn?.name).toBe("PermuteBackward0");
    expect(x.mT.gradFn?.name).toBe("TransposeBackward0");
    expect(x.mH.shape).toEqual([3, 2]);
    expect(torch.zeros(2, 3, 4).T.shape).toEqual([4, 3, 2]);
    expect(values(x.T.contiguous())).toEqual([1, 4, 2, 5, 3, 6]);
    const e = thrown(() => torch.zeros(3).mT);
    expect(e).toBeInstanceOf(torch.IndexError);
    expect(e.message).toBe("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.");
  });
});

describe("closeness", () => {
  it("allclose and equal give booleans; NaN is close to NaN only with equalNan; equal infinities are close", () => {
    const n = torch.tensor([1, Number.NaN]);
    expect(torch.allclose(n, torch.tensor([1, Number.NaN]))).toBe(false);
    expect(torch.allclose(n, torch.tensor([1, Number.NaN]), { equalNan: true })).toBe(true);
    expect(
      values(torch.isclose(torch.tensor([Number.POSITIVE_INFINITY, 1]), torch.tensor([Number.POSITIVE_INFINITY, 1.0001]), { rtol: 1e-3 })),
    ).toEqual([1, 1]);
    expect(torch.equal(torch.tensor([1, 2]), torch.tensor([1, 2]))).toBe(true);
    expect(torch.equal(torch.tensor([1]), torch.tensor([1, 1]))).toBe(false);
    expect(torch.tensor([1, 2]).allclose(torch.tensor([1, 2.000001]))).toBe(true);
    expect(thrown(() => torch.isclose(torch.tensor([1]), torch.tensor([1], { dtype: "int64" }))).message).toContain(
      "Float did not match Long",
    );
    expect(thrown(() => torch.isclose(torch.tensor([1]), torch.tensor([1]), { rtol: -1 })).message).toContain(
      "rtol must be greater than or equal to zero, but got -1",
    );
  });
});

describe("errors of the composite ops", () => {
  it("gives PyTorch's messages", () => {
    const i64 = (v: number[]) => torch.tensor(v, { dtype: "int64" });
    expect(thrown(() => torch.F.oneHot(i64([0, -1]))).message).toBe("Class values must be non-negative.");
    expect(thrown(() => torch.F.oneHot(i64([0, 3]), 3)).message).toBe("Class values must be smaller than num_classes.");
    expect(thrown(() => torch.F.oneHot(torch.tensor([0, 1]))).message).toContain("one_hot is only applicable to index tensor");
    expect(thrown(() => torch.movedim(torch.zeros(2, 3), [0, 1], [0])).message).toBe(
      "movedim: Invalid source or destination dims: source ([0, 1] dims) should contain the same number of dims as destination ([0] dims)",
    );
    expect(thrown(() => torch.movedim(torch.zeros(2, 3), [0, 0], [0, 1])).message).toBe("movedim: repeated dim in `source` ([0, 0])");
    expect(thrown(() => torch.meshgrid([torch.zeros(2, 2)])).message).toContain(
      "torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got",
    );
    expect(thrown(() => torch.meshgrid([torch.zeros(2), i64([1])])).message).toContain(
      "meshgrid expects all tensors to have the same dtype",
    );
    expect(thrown(() => torch.cartesianProd()).message).toContain("meshgrid expects a non-empty TensorList");
    expect(thrown(() => torch.cartesianProd(torch.zeros(2, 3))).message).toContain("Expect a 1D vector, but got shape [2, 3]");
    expect(thrown(() => torch.cartesianProd(torch.zeros(2), i64([1]))).message).toContain(
      "meshgrid expects all tensors to have the same dtype",
    );
    const a = torch.tensor([1, 2]);
    expect(torch.cartesianProd(a)).toBe(a);
    expect(thrown(() => torch.unflatten(torch.zeros(2, 6), 1, [4, 2])).message).toBe(
      "unflatten: Provided sizes [4, 2] don't multiply up to the size of dim 1 (6) in the input tensor",
    );
  });
});
