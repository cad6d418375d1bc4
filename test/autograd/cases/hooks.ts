/**
 * Hooks on outputs of multi-output nodes, and what hooks may return, as in
 * PyTorch 1.13 (behaviour and messages recorded there).
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { thrown } from "../../helpers/thrown.js";
import { onDevice, settled, type TestDevice } from "./device.js";

/** Hooks on multi-output nodes and what hooks may return, on `device`. */
export function hooksTests(device: TestDevice): void {
  const { values } = onDevice(device);

  describe("a hook on one output of a multi-output node", () => {
    it("is called with null when backward reaches the node through another output (PyTorch passes None)", async () => {
      const x = torch.tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        { requiresGrad: true },
      );
      const [a, b] = torch.split(x, 1) as [Tensor, Tensor];
      const calls: [string, Promise<number[] | null>][] = [];
      a.registerHook((g) => void calls.push(["a", values(g)]));
      b.registerHook((g) => void calls.push(["b", values(g)]));
      b.sum().backward();
      expect(await settled(calls)).toEqual([
        ["a", null],
        ["b", [1, 1, 1]],
      ]);
      // The missing gradient is zeros for the node's formula.
      expect(await values(x.grad)).toEqual([0, 0, 0, 1, 1, 1]);
    });

    it("on unbind, for every output that got nothing; also under autograd.grad", async () => {
      const x = torch.ones([2, 3], { requiresGrad: true });
      const [a, b, c] = torch.unbind(x.mul(1), 1) as [Tensor, Tensor, Tensor];
      const calls: [string, Promise<number[] | null>][] = [];
      a.registerHook((g) => void calls.push(["a", values(g)]));
      c.registerHook((g) => void calls.push(["c", values(g)]));
      const [g] = torch.autograd.grad([b.mul(3).sum()], [x]);
      expect(await settled(calls)).toEqual([
        ["a", null],
        ["c", null],
      ]);
      expect(await values(g)).toEqual([0, 3, 0, 0, 3, 0]);
    });

    it("may not put a gradient where there was none (PyTorch's error)", async () => {
      const x = torch.ones([2, 3], { requiresGrad: true });
      const [a, b] = torch.split(x, 1) as [Tensor, Tensor];
      a.registerHook(() => torch.ones([1, 3]));
      const err = thrown(() => b.sum().backward());
      expect(err).toBeInstanceOf(torch.AutogradError);
      expect(err.message).toContain("can't replace a None gradient with a non-None value");
    });

    it("gets the gradient itself when its output is used (max with dim: values)", async () => {
      const x = torch.tensor(
        [
          [1, 5],
          [7, 2],
        ],
        { requiresGrad: true },
      );
      const [v] = x.max(1) as unknown as [Tensor, Tensor];
      const got: Promise<number[] | null>[] = [];
      v.registerHook((g) => void got.push(values(g)));
      v.mul(2).sum().backward();
      expect(await Promise.all(got)).toEqual([[2, 2]]);
      expect(await values(x.grad)).toEqual([0, 2, 2, 0]);
    });

    it("a node pre-hook sees one entry per output, null where none arrived", async () => {
      const x = torch.ones([2, 3], { requiresGrad: true });
      const [, b] = torch.split(x, 1) as [Tensor, Tensor];
      const seen: Promise<(number[] | null)[]>[] = [];
      b.gradFn?.registerPrehook((gs) => void seen.push(Promise.all(gs.map(values))));
      b.sum().backward();
      expect(await Promise.all(seen)).toEqual([[null, [1, 1, 1]]]);
    });

    it("node pre-hooks run in registration order after the tensor hooks, each seeing the previous one's replacement in a new array", async () => {
      const x = torch.tensor([1, 2], { requiresGrad: true });
      const y = x.mul(3);
      const order: string[] = [];
      const given: (Tensor | null)[][] = [];
      y.gradFn?.registerPrehook((gs) => {
        order.push("pre1");
        given.push(gs);
        return [(gs[0] as Tensor).mul(10)];
      });
      y.gradFn?.registerPrehook((gs) => {
        order.push("pre2");
        given.push(gs);
        return [(gs[0] as Tensor).add(1)];
      });
      y.registerHook((g) => {
        order.push("tensor");
        return g.mul(2);
      });
      let post: Promise<number[] | null> | undefined;
      y.gradFn?.registerHook((gradInputs, gradOutputs) => {
        order.push("post");
        post = values(gradOutputs[0] as Tensor);
        return [(gradInputs[0] as Tensor).neg(), null];
      });
      y.sum().backward();
      expect(order).toEqual(["tensor", "pre1", "pre2", "post"]);
      expect(await post).toEqual([21, 21]);
      // The array pre1 got still holds what it was given.
      expect(await values(given[0]?.[0] as Tensor)).toEqual([2, 2]);
      expect(await values(given[1]?.[0] as Tensor)).toEqual([20, 20]);
      expect(given[0]).not.toBe(given[1]);
      expect(await values(x.grad)).toEqual([-63, -63]);
    });
  });

  describe("what a hook returns is checked", () => {
    const y = () => torch.ones([2, 3], { requiresGrad: true }).mul(2);

    it("a non-tensor: PyTorch's TypeError, naming what was returned", async () => {
      const t = y();
      t.registerHook(() => 5 as unknown as Tensor);
      const err = thrown(() => t.sum().backward());
      expect(err).toBeInstanceOf(torch.ArgumentError);
      expect(err.message).toContain("expected Variable, but hook returned 'int'");
      expect(err.message).toContain("returned a number (5); a hook returns a Tensor, or undefined/null to keep the gradient");
      const leaf = torch.ones(2, { requiresGrad: true });
      leaf.registerHook(() => [1, 2] as unknown as Tensor);
      expect(thrown(() => leaf.sum().backward()).message).toContain("expected Variable, but hook returned 'list'");
    });

    it("another size or dtype: PyTorch's errors naming the hook", async () => {
      const t = y();
      t.registerHook(function widen() {
        return torch.zeros(5);
      });
      const size = thrown(() => t.sum().backward());
      expect(size).toBeInstanceOf(torch.ShapeError);
      expect(size.message).toContain("hook 'widen' has changed the size of value");
      const u = y();
      // float64 made on the CPU: the device has none, and the dtype is checked first.
      u.registerHook(function toDouble() {
        return torch.zeros([2, 3], { dtype: "float64", device: "cpu" });
      });
      const type = thrown(() => u.sum().backward());
      expect(type).toBeInstanceOf(torch.DTypeError);
      expect(type.message).toContain("hook 'toDouble' has changed the type of value (was torch.FloatTensor got torch.DoubleTensor)");
    });

    it("node hooks return an array of the right length", async () => {
      const t = y();
      t.gradFn?.registerHook(() => 5 as unknown as Tensor[]);
      expect(thrown(() => t.sum().backward()).message).toContain("expected an array, but hook returned 'int'");
      const u = y();
      u.gradFn?.registerHook(function short() {
        return [null];
      });
      expect(thrown(() => u.sum().backward()).message).toContain(
        "hook 'short' has returned an incorrect number of values (got 1, but expected 2)",
      );
    });
  });
}
