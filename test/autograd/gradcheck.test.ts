/**
 * gradcheck and gradgradcheck as PyTorch 1.13 runs them (slow mode): what
 * they refuse, what they report, and what a failure throws. Messages are
 * PyTorch's, recorded with torch.autograd.gradcheck.
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";

const NONE_REQUIRE_GRAD = "gradcheck expects at least one input tensor to require gradient, but none of the them have requires_grad=True.";

const f64 = (data: number[], requiresGrad = true) => torch.tensor(data, { dtype: "float64", requiresGrad });

describe("gradcheck refuses inputs it cannot check", () => {
  it("no input requires grad: PyTorch's ValueError, even with raiseException: false", () => {
    const x = f64([1, 2, 3], false);
    const double = (t: Tensor) => t.mul(2);
    for (const check of [
      () => torch.autograd.gradcheck(double, [x]),
      () => torch.autograd.gradgradcheck(double, [x]),
      () => torch.autograd.gradcheck(double, [x], { raiseException: false }),
      () => torch.autograd.gradcheck(double, [torch.tensor([1, 2], { dtype: "int64" })]),
    ]) {
      expect(check).toThrow(torch.ArgumentError);
      expect(check).toThrow(NONE_REQUIRE_GRAD);
    }
  });

  it("an input with elements sharing memory (expanded): PyTorch's error", () => {
    const x = torch.tensor([1], { dtype: "float64" }).expand(3).requiresGrad_();
    expect(() => torch.autograd.gradcheck((t) => t.mul(2), [x])).toThrow(
      "The 0th input has a dimension with stride 0. gradcheck only supports inputs that are non-overlapping to be able to compute the numerical gradients correctly. You should call .contiguous on the input before passing it to gradcheck.",
    );
  });

  it("a float32 input that requires grad is refused (Kindling checks in float64 only)", () => {
    const x = torch.tensor([1, 2], { requiresGrad: true });
    expect(() => torch.autograd.gradcheck((t) => t.mul(2), [x])).toThrow("Input #0 requires gradient and is not a double precision");
  });
});

describe("gradcheck failures", () => {
  it("an output that does not require grad but moves with the input: 'Numerical gradient for function expected to be zero'", () => {
    const x = f64([1, 2, 3]);
    // t.detach() * 2 has no grad_fn, yet its finite differences are 2.
    const check = () => torch.autograd.gradcheck((t) => t.detach().mul(2), [x]);
    expect(check).toThrow(torch.GradcheckError);
    expect(check).toThrow("Numerical gradient for function expected to be zero");
    expect(torch.autograd.gradcheck((t) => t.detach().mul(2), [x], { raiseException: false })).toBe(false);
    // A constant output passes: its numerical gradient is zero.
    expect(torch.autograd.gradcheck((t) => t.detach().mul(0), [x])).toBe(true);
  });

  it("a zero analytical gradient against a non-zero numerical one: PyTorch's Jacobian mismatch with both Jacobians", () => {
    // d/dt (3t + 2 t.detach()) is 3 analytically, 5 numerically.
    const x = f64([1, 2]);
    const fn = (t: Tensor) => t.mul(3).add(t.detach().mul(2));
    let err: unknown = null;
    try {
      torch.autograd.gradcheck(fn, [x]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(torch.GradcheckError);
    expect(err).toBeInstanceOf(torch.AutogradError);
    // PyTorch 1.13's message, whole.
    expect((err as Error).message).toBe(
      "Jacobian mismatch for output 0 with respect to input 0,\n" +
        "numerical:tensor([[5.0000, 0.0000],\n        [0.0000, 5.0000]], dtype=torch.float64)\n" +
        "analytical:tensor([[3., 0.],\n        [0., 3.]], dtype=torch.float64)\n",
    );
    expect(torch.autograd.gradcheck(fn, [x], { raiseException: false })).toBe(false);
  });

  it("outputs and inputs are numbered among those that require grad, as in PyTorch", () => {
    const fixed = f64([1, 2], false);
    const x = f64([1, 2]);
    // The first output does not require grad: the wrong one is "output 0", and x is "input 0".
    const fn = (a: Tensor, b: Tensor) => [a.mul(2), b.mul(3).add(b.detach())];
    expect(() => torch.autograd.gradcheck(fn, [fixed, x])).toThrow("Jacobian mismatch for output 0 with respect to input 0,");
  });

  it("gradgradcheck reports wrong second derivatives the same way", () => {
    const x = f64([0.5, -1]);
    // First derivative 2t, whose derivative in t is analytically 0 here (t.detach()), numerically 2.
    const fn = (t: Tensor) => t.mul(t.detach());
    expect(() => torch.autograd.gradgradcheck(fn, [x])).toThrow(torch.GradcheckError);
    expect(torch.autograd.gradgradcheck(fn, [x], null, { raiseException: false })).toBe(false);
    expect(torch.autograd.gradgradcheck((t: Tensor) => t.mul(t), [x])).toBe(true);
  });
});

describe("double backward through a regenerated view (AsStridedBackward0)", () => {
  // v views x, which is then changed in place by r: v = 1 + r (PyTorch's test_inplace_on_view_modify_base).
  const fn = (r: Tensor) => {
    const x = torch.ones(5, { dtype: "float64" });
    const v = x.select(0, 1);
    x.add_(r);
    return v;
  };

  it("gradgradcheck passes (the gradient of as_strided_backward reads its gradient in the base's layout)", () => {
    const r = f64([1]);
    expect(String(fn(r).gradFn)).toBe("<AsStridedBackward0>");
    expect(torch.autograd.gradcheck(fn, [r])).toBe(true);
    expect(torch.autograd.gradgradcheck(fn, [r])).toBe(true);
  });

  it("gives d/dr and d2/dr2 of v^2 = (1 + r)^2: 2(1 + r) and 2", () => {
    const r = f64([1]);
    const v = fn(r);
    const [g] = torch.autograd.grad([v.mul(v)], [r], { createGraph: true });
    expect(Array.from(g.toTypedArray())).toEqual([4]);
    // The second pass sends an expanded gradient into AsStridedBackwardBackward0.
    const [gg] = torch.autograd.grad([g.sum()], [r]);
    expect(Array.from(gg.toTypedArray())).toEqual([2]);
  });
});
