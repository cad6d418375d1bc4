/**
 * In-place changes to the outputs of ops returning several views (unbind,
 * split, chunk), and to views made in no-grad mode: PyTorch 1.13 refuses
 * them while recording (its handle_view_on_rebase); messages recorded there.
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { thrown } from "../../helpers/thrown.js";
import { onDevice, type TestDevice } from "./device.js";

const MULTI =
  " This view is the output of a function that returns multiple views. Such functions do not allow the output views to be modified inplace. You should replace the inplace operation by an out-of-place one.";
const NO_GRAD =
  " Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the view and the inplace either both inside the no_grad block (if you don't want the inplace to be tracked) or both outside (if you want the inplace to be tracked).";

const direct = (output: string) => `${output} is a view and is being modified inplace.${MULTI}`;
const indirect = (output: string) => `${output} is a view and its base or another view of its base has been modified inplace.${MULTI}`;

const views: [string, (b: Tensor) => Tensor[], string][] = [
  ["unbind", (b) => b.unbind(), "UnbindBackward0"],
  ["unbind(1)", (b) => torch.unbind(b, 1), "UnbindBackward0"],
  ["split", (b) => torch.split(b, 2), "SplitBackward0"],
  ["split into one piece", (b) => torch.split(b, 4), "SplitBackward0"],
  ["split with sizes", (b) => torch.split(b, [1, 3]), "SplitWithSizesBackward0"],
  ["chunk", (b) => torch.chunk(b, 2), "SplitBackward0"],
  ["chunk(1)", (b) => torch.chunk(b, 1), "SplitBackward0"],
];

/** In-place changes to multi-output views and no-grad views, on `device`. */
export function viewsTests(device: TestDevice): void {
  const { item } = onDevice(device);
  describe("outputs of ops returning several views may not be modified in place while recording", () => {
    it.each(views)("%s", async (_, make, node) => {
      const x = torch.randn([4, 6], { requiresGrad: true });
      const err = thrown(() => (make(x.clone())[0] as Tensor).mul_(2));
      expect(err).toBeInstanceOf(torch.AutogradError);
      expect(err.message).toBe(direct(`Output 0 of ${node}`));
      // Allowed when nothing requires grad, and in no-grad mode.
      const plain = make(torch.ones([4, 6]))[0] as Tensor;
      expect(await item(plain.mul_(2).sum())).toBe(2 * plain.numel());
      const b = x.clone();
      const zeroed = await item(torch.noGrad(() => (make(b)[0] as Tensor).zero_().abs().sum()));
      expect(zeroed).toBe(0);
    });

    it("names the output and the node of the view being modified, also for views of such outputs", async () => {
      const x = torch.randn([4, 6], { requiresGrad: true });
      const s = x.clone().unbind();
      expect(thrown(() => (s[1] as Tensor).add_(1)).message).toBe(direct("Output 1 of UnbindBackward0"));
      const parts = torch.split(x.clone(), 2);
      expect(thrown(() => (parts[1] as Tensor).select(0, 0).add_(1)).message).toBe(direct("Output 0 of SelectBackward0"));
      expect(thrown(() => (parts[1] as Tensor).view(-1).add_(1)).message).toBe(direct("Output 0 of ViewBackward0"));
      expect(thrown(() => (parts[0] as Tensor).copy_(torch.ones([2, 6]))).message).toBe(direct("Output 0 of SplitBackward0"));
      // Before the leaf checks, as in PyTorch.
      expect(thrown(() => (x.unbind()[0] as Tensor).add_(1)).message).toBe(direct("Output 0 of UnbindBackward0"));
    });

    it("when the base does not require grad but another operand does, the view has no grad_fn", async () => {
      const s = torch.randn([4, 6]).unbind();
      const w = torch.randn([6], { requiresGrad: true });
      expect(thrown(() => (s[0] as Tensor).add_(w)).message).toBe(
        `A view was created in no_grad mode and is being modified inplace with grad mode enabled.${MULTI}`,
      );
    });

    it("a detached copy may be modified", async () => {
      const s = torch.randn([4, 6], { requiresGrad: true }).clone().unbind();
      const d = (s[0] as Tensor).detach().add_(1);
      expect(d.requiresGrad).toBe(false);
    });

    it("after an in-place change to the base, using such a view in the graph raises", async () => {
      const x = torch.randn([4, 6], { requiresGrad: true });
      const b = x.clone();
      const s = b.unbind();
      b.mul_(2);
      const v = s[0] as Tensor;
      // requires_grad does not raise (PyTorch's view requires grad when its base does); grad_fn does.
      expect(v.requiresGrad).toBe(true);
      expect(thrown(() => v.gradFn).message).toBe(indirect("Output 0 of UnbindBackward0"));
      expect(thrown(() => v.sum()).message).toBe(indirect("Output 0 of UnbindBackward0"));
      // Also when the change was made in no-grad mode.
      const b2 = x.clone();
      const s2 = b2.unbind();
      torch.noGrad(() => b2.mul_(2));
      expect(thrown(() => (s2[0] as Tensor).gradFn).message).toBe(indirect("Output 0 of UnbindBackward0"));
      // A base that came to require grad through the change: the view had no grad_fn.
      const b3 = torch.randn([4, 6]);
      const s3 = b3.unbind();
      b3.add_(torch.randn([4, 6], { requiresGrad: true }));
      expect(thrown(() => (s3[0] as Tensor).gradFn).message).toBe(
        `A view was created in no_grad mode and its base or another view of its base has been modified inplace with grad mode enabled.${MULTI}`,
      );
      // Without grad anywhere, nothing to regenerate.
      const b4 = torch.randn([4, 6]);
      const s4 = b4.unbind();
      b4.mul_(2);
      expect((s4[0] as Tensor).gradFn).toBeNull();
    });
  });

  describe("views made in no-grad mode may not be modified in place while recording", () => {
    it("whether the base or only another operand requires grad", async () => {
      const message = `A view was created in no_grad mode and is being modified inplace with grad mode enabled.${NO_GRAD}`;
      const leaf = torch.randn([4, 6], { requiresGrad: true });
      const ofLeaf = torch.noGrad(() => leaf.select(0, 0));
      expect(thrown(() => ofLeaf.add_(1)).message).toBe(message);
      const b = leaf.clone();
      const ofNonLeaf = torch.noGrad(() => b.select(0, 0));
      expect(thrown(() => ofNonLeaf.add_(1)).message).toBe(message);
      const plain = torch.noGrad(() => torch.randn([4, 6]).select(0, 0));
      expect(thrown(() => plain.add_(torch.randn([6], { requiresGrad: true }))).message).toBe(message);
      // Nothing requires grad: allowed.
      expect(plain.add_(1).requiresGrad).toBe(false);
    });
  });
}
