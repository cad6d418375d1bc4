import * as torch from "kindling";
import { describe, expect, it } from "vitest";

describe("errors name the op, the argument and the shapes or dtypes", () => {
  it("incompatible broadcast shapes", () => {
    const f = () => torch.add(torch.ones(4, 2), torch.ones(5, 2));
    expect(f).toThrow(torch.ShapeError);
    expect(f).toThrow(
      "add: The size of tensor a (4) must match the size of tensor b (5) at non-singleton dimension 0 (shapes [4, 2] and [5, 2])",
    );
  });

  it("matmul size mismatch", () => {
    expect(() => torch.mm(torch.ones(4, 2), torch.ones(5, 2))).toThrow("mat1 and mat2 shapes cannot be multiplied (4x2 and 5x2)");
    expect(() => torch.matmul(torch.ones(2, 3, 4), torch.ones(5))).toThrow(/matmul of \[2, 3, 4\] and \[5\]/);
    expect(() => torch.dot(torch.ones(2), torch.ones(3))).toThrow(torch.ShapeError);
  });

  it("bad dims", () => {
    expect(() => torch.ones(2, 3).sum(2)).toThrow(torch.IndexError);
    expect(() => torch.ones(2, 3).sum(2)).toThrow("sum: Dimension out of range (expected to be in range of [-2, 1], but got 2)");
    expect(() => torch.ones(2, 3).transpose(0, -3)).toThrow("transpose: Dimension out of range");
  });

  it("in-place ops refuse overlapping memory as PyTorch does (fills excepted)", () => {
    const partial = "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location.";
    const internal = "unsupported operation: more than one element of the written-to tensor refers to a single memory location.";
    const x = torch.arange(4).float().view(2, 2);
    expect(() => x.add_(x.t())).toThrow(partial);
    const y = torch.arange(6).float();
    expect(() => y.narrow(0, 1, 5).copy_(y.narrow(0, 0, 5))).toThrow(partial);
    expect(() => torch.zeros(1).expand(3).add_(1)).toThrow(internal);
    expect(() => torch.zeros(1).expand(3).relu_()).toThrow(internal);
    // The same memory in the same layout is fine, and fills may write shared elements.
    expect(x.mul_(x).tolist()).toEqual([
      [0, 1],
      [4, 9],
    ]);
    expect(torch.zeros(1).expand(3).fill_(2).tolist()).toEqual([2, 2, 2]);
    expect(torch.zeros(1).expand(3).zero_().tolist()).toEqual([0, 0, 0]);
  });

  it("view of an incompatible shape names both shapes", () => {
    expect(() => torch.ones(2, 3).view(4)).toThrow("view: shape '[4]' is invalid for input of size 6");
    expect(() => torch.ones(2, 3).t().view(6)).toThrow(/requested \[6\]/);
  });

  it("requiresGrad on an integer tensor (PyTorch's message)", () => {
    const t = torch.tensor([1, 2], { dtype: "int64" });
    expect(() => {
      t.requiresGrad = true;
    }).toThrow(torch.DTypeError);
    expect(() => t.requiresGrad_()).toThrow("only Tensors of floating point and complex dtype can require gradients");
  });

  it("backward through a tensor that does not require grad (PyTorch's message)", () => {
    expect(() => torch.ones(2).sum().backward()).toThrow(torch.AutogradError);
    expect(() => torch.ones(2).sum().backward()).toThrow("element 0 of tensors does not require grad and does not have a grad_fn");
  });

  it("arguments of the wrong kind", () => {
    expect(() => torch.add(1 as never, 2)).toThrow("add(): argument 'input' must be a Tensor, not number");
    expect(() => torch.where(torch.ones(2), 1, 0)).toThrow(
      "where: expected condition to be a boolean tensor, but got a tensor with dtype float32",
    );
    expect(() => torch.mm(torch.ones(2, 2), torch.ones(2, 2, { dtype: "float64" }))).toThrow(
      "mm: expected both arguments to have the same dtype, but got: float32 != float64",
    );
  });

  it("every error is a KindlingError", () => {
    const errors = [torch.ShapeError, torch.DTypeError, torch.IndexError, torch.ArgumentError, torch.AutogradError];
    for (const E of errors) expect(new E("x")).toBeInstanceOf(torch.KindlingError);
  });
});
