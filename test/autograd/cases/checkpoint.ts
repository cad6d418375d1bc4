/**
 * torch.utils.checkpoint: the scenarios are scripts/record/autograd_extend.py's,
 * replayed against what PyTorch 1.13 recorded (dropout inside the checkpointed
 * function: the rerun replays the same mask, so gradients equal PyTorch's).
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { afterEach, describe, expect, it, vi } from "vitest";
import { expectScenarioAsync, type Recorder, recordedScenarios, recorder } from "../../helpers/scenarios.js";
import { onDevice, type TestDevice } from "./device.js";

const { checkpoint } = torch.utils.checkpoint;
const leaf = (values: number[]) => torch.tensor(values, { requiresGrad: true });
const dropoutBlock = (w: Tensor) => (x: Tensor) => torch.F.dropout(x.matmul(w).tanh(), { p: 0.5, training: true }).sum(1);

const scenarios: Record<string, (rec: Recorder) => void | Promise<void>> = {
  checkpoint_reentrant(rec) {
    torch.manualSeed(0);
    const x = torch.randn(4, 3, { requiresGrad: true });
    const w = torch.randn(3, 3, { requiresGrad: true });
    const f = dropoutBlock(w);
    torch.manualSeed(1);
    const y = checkpoint(f, x);
    rec(y, torch.rand(2));
    y.sum().backward();
    rec(x.grad, w.grad);
    rec.run(() => torch.autograd.grad(checkpoint(f, x).sum(), [x]));
    const a = leaf([1, 2]);
    const b = leaf([3, 4]);
    const [p, q] = checkpoint((a: Tensor, b: Tensor) => [a.mul(b), a.add(b).sum()] as const, a, b);
    rec(p, q);
    p.sum().add(q).backward();
    rec(a.grad, b.grad);
    rec(checkpoint((t: Tensor, k: number) => t.mul(k), a, 3));
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const z = checkpoint((t: Tensor) => t.mul(2), torch.ones(2));
    rec(
      warn.mock.calls.map((c) => String(c[0])),
      z.requiresGrad,
    );
  },

  checkpoint_non_reentrant(rec) {
    torch.manualSeed(0);
    const x = torch.randn(4, 3, { requiresGrad: true });
    const w = torch.randn(3, 3, { requiresGrad: true });
    const f = dropoutBlock(w);
    torch.manualSeed(1);
    let y = checkpoint(f, x, { useReentrant: false });
    rec(y, torch.rand(2));
    rec(torch.autograd.grad(y.sum(), [x, w], { retainGraph: true }));
    y.sum().backward();
    rec(x.grad, w.grad);
    const a = leaf([1, 2]);
    y = checkpoint((t: Tensor) => t.pow(3), a, { useReentrant: false });
    const [g] = torch.autograd.grad(y.sum(), [a], { createGraph: true });
    rec(g, torch.autograd.grad(g.sum(), [a]));
    torch.manualSeed(2);
    rec(checkpoint(f, x, { useReentrant: false, preserveRngState: false }));
  },
};

/** torch.utils.checkpoint, on `device`. */
export function checkpointTests(device: TestDevice): void {
  const { values, cpuOnly } = onDevice(device);
  describe("checkpoint: PyTorch's recorded scenarios", () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    it("has every recorded scenario written here", async () => {
      expect(Object.keys(scenarios).sort()).toEqual(recordedScenarios("checkpoint_").sort());
    });
    const recorded = cpuOnly("PyTorch's values come from the CPU's generator; the device draws from its own (Philox)");
    for (const [name, run] of Object.entries(scenarios)) {
      recorded(name, async () => {
        const rec = recorder();
        await run(rec);
        await expectScenarioAsync(name, rec);
      });
    }
  });

  describe("checkpoint: behaviour", () => {
    it("gives the plain function's gradients, in a model's training step (dropout's mask replayed)", async () => {
      torch.manualSeed(3);
      const block = new torch.nn.Sequential(
        new torch.nn.Linear(4, 8),
        new torch.nn.Tanh(),
        new torch.nn.Dropout(0.5),
        new torch.nn.Linear(8, 4),
      );
      const x = torch.randn(5, 4);
      const grads = async (useCheckpoint: boolean, useReentrant: boolean) => {
        block.zeroGrad();
        const h = x.mul(1).requiresGrad_();
        // The same seed for each run: the same dropout mask, which the checkpoint's rerun must replay.
        torch.manualSeed(4);
        const y = useCheckpoint ? checkpoint((t: Tensor) => block.call(t), h, { useReentrant }) : block.call(h);
        y.pow(2).sum().backward();
        return Promise.all([...block.parameters(), h].map(async (p) => (await values(p.grad)) as number[]));
      };
      const plain = await grads(false, true);
      for (const useReentrant of [true, false]) {
        const got = await grads(true, useReentrant);
        got.forEach((g, i) => {
          g.forEach((v, j) => {
            expect(v).toBeCloseTo((plain[i] as number[])[j] as number, 6);
          });
        });
      }
    });

    it("does not keep the function's intermediate results (the rerun makes them)", async () => {
      const a = leaf([1, 2]);
      let runs = 0;
      const f = (t: Tensor) => {
        runs++;
        return t.sin().mul(t);
      };
      const y = checkpoint(f, a, { useReentrant: false });
      expect(runs).toBe(1);
      y.sum().backward();
      expect(runs).toBe(2);
      const y2 = checkpoint(f, a);
      y2.sum().backward();
      expect(runs).toBe(4);
    });

    it("passes options only as a trailing object of its option names", async () => {
      const a = leaf([1, 2]);
      const pick = (t: Tensor, o: { scale: number }) => t.mul(o.scale);
      // { scale } is the function's argument, not checkpoint's options.
      expect(await values(checkpoint(pick, a, { scale: 3 }).detach())).toEqual([3, 6]);
    });
  });
}
