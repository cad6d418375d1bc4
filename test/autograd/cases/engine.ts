import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { onDevice, type TestDevice } from "./device.js";

/** The engine's rules (graph shapes, PyTorch's rules, in-place safety, hooks, autograd.grad) on `device`. */
export function engineTests(device: TestDevice): void {
  const { values, item } = onDevice(device);

  describe("engine: graph shapes", () => {
    it("reuse: b = a + a; c = b + b gives dc/da = 4", async () => {
      // c = 2b = 4a.
      const a = torch.tensor(3.0, { requiresGrad: true });
      const b = a.add(a);
      const c = b.add(b);
      c.backward();
      expect(await item(a.grad)).toBe(4);
    });

    it("diamond: y = (2x)(3x) = 6x^2 gives dy/dx = 12x", async () => {
      const x = torch.tensor(1.5, { requiresGrad: true });
      const y = x.mul(2).mul(x.mul(3));
      y.backward();
      expect(await item(x.grad)).toBe(18);
    });

    it("the same input twice in one op: d(x*x)/dx = 2x", async () => {
      const x = torch.tensor([1, -2], { requiresGrad: true });
      x.mul(x).sum().backward();
      expect(await values(x.grad)).toEqual([2, -4]);
    });

    it("sums of several gradients are added in place only while the engine alone holds them", async () => {
      // z = p + q passes its summed gradient (from z * z) to both p and q; p then receives w's
      // gradient as well, which must not be added into the tensor q also holds.
      // d/dx [sum(z^2) + sum(w)] with z = 5x, w = 10x: 50x + 10.
      const x = torch.tensor([1, 2], { requiresGrad: true });
      const p = x.mul(2);
      const q = x.mul(3);
      const w = p.mul(5);
      const z = p.add(q);
      z.mul(z).sum().add(w.sum()).backward();
      expect(await values(x.grad)).toEqual([60, 110]);
      // Four uses of x (as in x.sin() * x.exp() + x * x): the leaf's .grad is the engine's sum.
      const y = torch.tensor([0.5, -1], { requiresGrad: true });
      y.mul(y).add(y.mul(3)).add(y.mul(4)).sum().backward();
      expect(await values(y.grad)).toEqual([8, 5]);
      y.mul(y).add(y.mul(3)).add(y.mul(4)).sum().backward();
      expect(await values(y.grad)).toEqual([16, 10]);
    });

    it("a gradient a hook kept is not the leaf's .grad, so later accumulation leaves it alone", async () => {
      const x = torch.tensor([1, 2], { requiresGrad: true });
      const kept: Tensor[] = [];
      x.registerHook((g) => {
        kept.push(g);
      });
      const f = () => x.mul(x).add(x.mul(3)).sum();
      f().backward();
      f().backward();
      expect(await values(kept[0] as Tensor)).toEqual([5, 7]);
      expect(await values(kept[1] as Tensor)).toEqual([5, 7]);
      expect(await values(x.grad)).toEqual([10, 14]);
    });

    it("gradients accumulate across backward calls until zero_()", async () => {
      const x = torch.tensor([2], { requiresGrad: true });
      for (const expected of [4, 8, 12]) {
        x.mul(x).sum().backward();
        expect(await values(x.grad)).toEqual([expected]);
      }
      x.grad?.zero_();
      x.mul(x).sum().backward();
      expect(await values(x.grad)).toEqual([4]);
    });

    it("a backward pass run from a hook inside another (reentrant) keeps both passes' state apart", async () => {
      const x = torch.tensor([1.0, 2.0], { requiresGrad: true });
      const z = x.mul(x);
      let inner = null as torch.Tensor | null;
      z.registerHook((g) => {
        // The inner pass shares x's accumulator with the outer one (hooks run with grad mode off, as in PyTorch).
        [inner] = torch.enableGrad(() => torch.autograd.grad([x.mul(x).mul(3).sum()], [x]));
        return g.mul(2);
      });
      z.sum().backward();
      expect(await values(inner)).toEqual([6, 12]);
      expect(await values(x.grad)).toEqual([4, 8]);
    });

    it("runs backward through a 100,000-op chain without overflowing the stack", async () => {
      // y = x + 100000 (one add per step): dy/dx = 1 (every partial sum is exact in float32).
      const x = torch.tensor(0.5, { requiresGrad: true });
      let y = x;
      for (let i = 0; i < 100_000; i++) y = y.add(1);
      y.backward();
      expect(await item(y)).toBe(100_000.5);
      expect(await item(x.grad)).toBe(1);
    });

    it("exposes PyTorch's node names and next functions", async () => {
      const w = torch.tensor([1.0], { requiresGrad: true });
      const x = torch.tensor([2.0], { requiresGrad: true });
      const y = w.add(x).mul(w.add(1));
      const fn = y.gradFn as torch.Node;
      expect(fn.name).toBe("MulBackward0");
      const [left, right] = fn.nextFunctions.map(([n]) => n);
      expect(left?.name).toBe("AddBackward0");
      expect(right?.name).toBe("AddBackward0");
      const leaves = (left as torch.Node).nextFunctions.map(([n]) => n as torch.AccumulateGrad);
      expect(leaves[0]).toBeInstanceOf(torch.AccumulateGrad);
      expect(leaves[0]?.variable).toBe(w);
      expect(leaves[1]?.variable).toBe(x);
      // w + 1: the scalar input has no edge.
      expect(right?.nextFunctions[1]).toEqual([null, 0]);
    });
  });

  describe("engine: PyTorch's rules", () => {
    it("leaves get .grad, non-leaves do not unless retainGrad()", async () => {
      const w = torch.tensor([1.0], { requiresGrad: true });
      const x = torch.tensor([2.0], { requiresGrad: true });
      const a = w.add(x);
      const b = w.add(1);
      b.retainGrad();
      const y = a.mul(b);
      y.backward();
      // y = (w+x)(w+1): dy/dw = 2w + x + 1 = 5, dy/dx = w + 1 = 2, dy/db = a = 3.
      expect(await values(w.grad)).toEqual([5]);
      expect(await values(x.grad)).toEqual([2]);
      expect(a.grad).toBeNull();
      expect(await values(b.grad)).toEqual([3]);
      expect([w.isLeaf, a.isLeaf, y.requiresGrad]).toEqual([true, false, true]);
    });

    it("a second backward without retainGraph throws PyTorch's message; with it, gradients add up", async () => {
      const x = torch.tensor([3.0], { requiresGrad: true });
      const y = x.mul(x);
      y.backward(null, { retainGraph: true });
      y.backward();
      expect(await values(x.grad)).toEqual([12]);
      expect(() => y.backward()).toThrow("Trying to backward through the graph a second time");
    });

    it("a graph without saved tensors can be run twice (as in PyTorch)", async () => {
      const x = torch.tensor([3.0], { requiresGrad: true });
      const y = x.add(1).sum();
      y.backward();
      y.backward();
      expect(await values(x.grad)).toEqual([2]);
    });

    it("non-scalar outputs need a gradient of the same shape", async () => {
      const x = torch.tensor([1, 2], { requiresGrad: true });
      const y = x.mul(2);
      expect(() => y.backward()).toThrow("grad can be implicitly created only for scalar outputs");
      expect(() => y.backward(torch.ones(3))).toThrow(
        "Mismatch in shape: grad_output[0] has a shape of torch.Size([3]) and output[0] has a shape of torch.Size([2]).",
      );
      y.backward(torch.tensor([1, 10]));
      expect(await values(x.grad)).toEqual([2, 20]);
    });

    it("an integer gradient is cast to the output's dtype", async () => {
      const x = torch.tensor([1, 2], { requiresGrad: true });
      x.mul(3).backward(torch.tensor([1, 2], { dtype: "int64" }));
      expect(x.grad?.dtype).toBe("float32");
      expect(await values(x.grad)).toEqual([3, 6]);
    });

    it("backward through a tensor that does not require grad throws", async () => {
      const x = torch.tensor([1, 2]);
      expect(() => x.sum().backward()).toThrow("element 0 of tensors does not require grad and does not have a grad_fn");
    });

    it("only floating tensors can require grad", async () => {
      expect(() => torch.tensor([1, 2], { dtype: "int64", requiresGrad: true })).toThrow(
        "only Tensors of floating point and complex dtype can require gradients",
      );
    });

    it("results of ops on tensors requiring grad require grad; under noGrad they do not", async () => {
      const x = torch.tensor([1.0], { requiresGrad: true });
      expect(x.mul(2).requiresGrad).toBe(true);
      expect(torch.noGrad(() => x.mul(2)).requiresGrad).toBe(false);
      expect(torch.noGrad(() => torch.enableGrad(() => x.mul(2))).requiresGrad).toBe(true);
      torch.setGradEnabled(false);
      try {
        expect(torch.isGradEnabled()).toBe(false);
        expect(x.mul(2).gradFn).toBeNull();
      } finally {
        torch.setGradEnabled(true);
      }
    });

    it("detach shares storage and the version counter; detach_ cuts in place", async () => {
      const x = torch.tensor([1.0, 2.0], { requiresGrad: true });
      const y = x.mul(2);
      const d = y.detach();
      expect(d.requiresGrad).toBe(false);
      d.add_(1);
      expect(await values(y)).toEqual([3, 5]);
      expect(y._version).toBe(1);
      const z = x.mul(3);
      z.detach_();
      expect([z.requiresGrad, z.isLeaf]).toEqual([false, true]);
    });
  });

  describe("engine: in-place safety", () => {
    it("in-place on a leaf that requires grad throws, unless under noGrad", async () => {
      const x = torch.tensor([1.0], { requiresGrad: true });
      expect(() => x.add_(1)).toThrow("a leaf Variable that requires grad is being used in an in-place operation.");
      torch.noGrad(() => x.sub_(0.5));
      expect(await values(x)).toEqual([0.5]);
      expect(x.isLeaf).toBe(true);
    });

    it("every in-place op bumps the version counter shared with views", async () => {
      const x = torch.zeros(4);
      const v = x.view(2, 2);
      x.add_(1);
      v.mul_(2);
      x.zero_();
      expect([x._version, v._version]).toEqual([3, 3]);
    });

    it("a saved tensor modified before backward makes backward throw PyTorch's version message", async () => {
      const x = torch.tensor([1.0, 2.0, 3.0], { requiresGrad: true });
      const y = x.exp();
      y.add_(1);
      expect(() => y.sum().backward()).toThrow(
        "one of the variables needed for gradient computation has been modified by an inplace operation: " +
          "[torch.FloatTensor [3]], which is output 0 of ExpBackward0, is at version 1; expected version 0 instead.",
      );
    });

    it("a saved input modified in place is named by its new history, as PyTorch does", async () => {
      // b is saved by sin as an input; add_ rebases it onto AddBackward0, which the message names.
      const a = torch.ones(3, { requiresGrad: true });
      const b = a.exp();
      const c = b.sin();
      b.add_(1);
      expect(() => c.sum().backward()).toThrow(
        "[torch.FloatTensor [3]], which is output 0 of AddBackward0, is at version 1; expected version 0 instead.",
      );
    });

    it("a saved leaf modified under noGrad is named without a grad_fn", async () => {
      const w = torch.tensor([1.0, 2.0], { requiresGrad: true });
      const c = w.mul(w);
      torch.noGrad(() => w.add_(1));
      expect(() => c.sum().backward()).toThrow("[torch.FloatTensor [2]] is at version 1; expected version 0 instead.");
    });

    it("only saved tensors that the formula reads are checked (PyTorch saves per input)", async () => {
      // y = h * c with c constant: dy/dh needs c only, so changing h afterwards is harmless.
      const x = torch.tensor([1.0, 2.0], { requiresGrad: true });
      const h = x.mul(1);
      const c = torch.tensor([3.0, 4.0]);
      const y = h.mul(c);
      h.mul_(10);
      y.sum().backward();
      expect(await values(x.grad)).toEqual([3, 4]);
    });

    it("in-place ops on non-leaves are differentiated (rebased history)", async () => {
      // h = 2x; h += b; h *= c: dh/dx = 2c, dh/db = c, dh/dc = 2x + b.
      const x = torch.tensor([1.0, 2.0], { requiresGrad: true });
      const b = torch.tensor([0.5, 0.5], { requiresGrad: true });
      const c = torch.tensor([3.0, 4.0], { requiresGrad: true });
      const h = x.mul(2);
      h.add_(b);
      h.mul_(c);
      expect(h.gradFn?.name).toBe("MulBackward0");
      h.sum().backward();
      expect(await values(x.grad)).toEqual([6, 8]);
      expect(await values(b.grad)).toEqual([3, 4]);
      expect(await values(c.grad)).toEqual([2.5, 4.5]);
    });

    it("in-place on a view rebases the base through CopySlices", async () => {
      // h = x * 1; h[1:] *= 2  =>  dh.sum()/dx = [1, 2, 2].
      const x = torch.tensor([1.0, 2.0, 3.0], { requiresGrad: true });
      const h = x.mul(1);
      const v = h.index("1:");
      v.mul_(2);
      expect(h.gradFn?.name).toBe("CopySlices");
      expect(v.gradFn?.name).toBe("AsStridedBackward0");
      h.sum().backward();
      expect(await values(x.grad)).toEqual([1, 2, 2]);
    });

    it("in-place on a view of a leaf that requires grad throws", async () => {
      const x = torch.tensor([1.0, 2.0], { requiresGrad: true });
      expect(() => x.index(0).add_(1)).toThrow("a view of a leaf Variable that requires grad is being used in an in-place operation.");
    });
  });

  describe("engine: hooks", () => {
    it("tensor hooks run in registration order and can replace the gradient", async () => {
      const x = torch.tensor([1.0, 2.0], { requiresGrad: true });
      const y = x.mul(3);
      const seen: [string, Promise<number[] | null>][] = [];
      y.registerHook((g) => {
        seen.push(["first", values(g)]);
        return g.mul(10);
      });
      const h = y.registerHook((g) => {
        seen.push(["second", values(g)]);
      });
      y.sum().backward();
      expect(await Promise.all(seen.map(async ([name, v]) => [name, await v]))).toEqual([
        ["first", [1, 1]],
        ["second", [10, 10]],
      ]);
      expect(await values(x.grad)).toEqual([30, 30]);
      h.remove();
      x.grad = null;
      seen.length = 0;
      x.mul(3).sum().backward();
      expect(seen).toEqual([]);
    });

    it("leaf hooks see the gradient before it is accumulated", async () => {
      const x = torch.tensor([1.0], { requiresGrad: true });
      x.registerHook((g) => g.mul(2));
      x.mul(5).sum().backward();
      expect(await values(x.grad)).toEqual([10]);
    });

    it("retainGrad keeps the gradient after hooks changed it", async () => {
      const x = torch.tensor([1.0], { requiresGrad: true });
      const y = x.mul(2);
      y.retainGrad();
      y.registerHook((g) => g.mul(3));
      y.sum().backward();
      expect(await values(y.grad)).toEqual([3]);
      expect(await values(x.grad)).toEqual([6]);
    });

    it("hooks need a tensor that requires grad", async () => {
      expect(() => torch.ones(2).registerHook((g) => g)).toThrow("cannot register a hook on a tensor that doesn't require gradient");
    });
  });

  describe("autograd.grad and higher order", () => {
    it("returns gradients without touching .grad", async () => {
      const x = torch.tensor([1.0, 2.0], { requiresGrad: true });
      const [g] = torch.autograd.grad([x.pow(2).sum()], [x]);
      expect(await values(g)).toEqual([2, 4]);
      expect(x.grad).toBeNull();
    });

    it("derivatives of any order through createGraph: x^4 -> 4x^3 -> 12x^2 -> 24x -> 24", async () => {
      const x = torch.tensor(2.0, { requiresGrad: true });
      let y = x.pow(4);
      const got: Promise<number>[] = [];
      for (let k = 0; k < 4; k++) {
        [y] = torch.autograd.grad([y], [x], { createGraph: true });
        got.push(item(y));
      }
      expect(await Promise.all(got)).toEqual([32, 48, 48, 24]);
    });

    it("backward with createGraph gives a .grad that has a grad_fn (CopyBackwards, as PyTorch)", async () => {
      const x = torch.tensor([1.0, 2.0], { requiresGrad: true });
      x.mul(x).sum().backward(null, { createGraph: true });
      expect(x.grad?.gradFn?.name).toBe("CopyBackwards");
      const g = x.grad as Tensor;
      x.grad = null;
      g.sum().backward();
      expect(await values(x.grad)).toEqual([2, 2]);
    });

    it("unused inputs throw unless allowUnused", async () => {
      const x = torch.tensor([1.0], { requiresGrad: true });
      const z = torch.tensor([1.0], { requiresGrad: true });
      const s = x.mul(x).sum();
      expect(() => torch.autograd.grad([s], [x, z], { retainGraph: true })).toThrow(
        "One of the differentiated Tensors appears to not have been used in the graph",
      );
      const [gx, gz] = torch.autograd.grad([s], [x, z], { allowUnused: true });
      expect(await values(gx)).toEqual([2]);
      expect(gz).toBeNull();
    });

    it("inputs must require grad", async () => {
      const x = torch.tensor([1.0], { requiresGrad: true });
      expect(() => torch.autograd.grad([x.sum()], [torch.ones(1)])).toThrow("One of the differentiated Tensors does not require grad");
    });

    it("backward(inputs) accumulates only into the given tensors", async () => {
      const x = torch.tensor([1.0], { requiresGrad: true });
      const w = torch.tensor([2.0], { requiresGrad: true });
      x.mul(w)
        .sum()
        .backward(null, { inputs: [w] });
      expect(await values(w.grad)).toEqual([1]);
      expect(x.grad).toBeNull();
    });

    it("data-dependent control flow (the tutorial's while b.norm() < 1000)", async () => {
      // f(a) = a * 2^k for the k the loop ran, so f'(a) = f(a) / a (powers of two: exact in float32).
      const f = async (a: Tensor) => {
        let b = a.mul(2);
        while ((await b.norm().itemAsync()) < 1000) b = b.mul(2);
        return (await b.sum().itemAsync()) > 0 ? b : b.mul(100);
      };
      const a = torch.tensor(0.5, { requiresGrad: true });
      const d = await f(a);
      d.backward();
      expect(await item(a.grad)).toBe((await item(d)) / 0.5);
    });
  });
}
