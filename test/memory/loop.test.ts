/**
 * A long synchronous training loop keeps a flat memory profile: 10,000 steps
 * of an MLP with SGD and momentum, with no dispose anywhere (the garbage
 * collector and the backward engine's recycling free everything), and again
 * with every step inside torch.scope, and with an `await` in the loop. Each
 * step makes ~100 KB of tensors (and the objects of its graph), so a leak of
 * the per-step tensors would grow the memory by about a gigabyte; the bound
 * allows the collector's slack.
 */

import * as torch from "kindling";
import { describe, expect, it } from "vitest";

type Mode = "plain" | "scope" | "await";

/** Bytes held by the JS heap and by typed arrays (outside it). */
const held = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

async function train(mode: Mode, steps: number): Promise<{ growthMb: number; loss: number }> {
  const { nn } = torch;
  torch.manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(16, 128), new nn.ReLU(), new nn.Linear(128, 10));
  const opt = new torch.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const lossFn = new nn.CrossEntropyLoss();
  const x = torch.randn(32, 16);
  const y = torch.randint(0, 10, [32]);
  const step = (): number => {
    opt.zeroGrad();
    const l = lossFn.call(model.call(x), y);
    l.backward();
    opt.step();
    return l.item();
  };
  let baseline = 0;
  let peak = 0;
  let loss = Number.NaN;
  for (let i = 1; i <= steps; i++) {
    loss = mode === "scope" ? torch.scope(step) : step();
    if (mode === "await" && i % 100 === 0) await new Promise((r) => setTimeout(r, 0));
    if (i === 1000) baseline = held();
    if (i > 1000 && i % 500 === 0) peak = Math.max(peak, held());
  }
  return { growthMb: (peak - baseline) / 2 ** 20, loss };
}

describe("a 10,000-step synchronous training loop", () => {
  it.each(["plain", "scope", "await"] as const)(
    "keeps its memory flat (%s)",
    async (mode) => {
      const { growthMb, loss } = await train(mode, 10_000);
      expect(loss).toBeLessThan(0.1); // it trained (a fixed batch is learned)
      console.log(`${mode}: memory growth from step 1,000 to 10,000: ${growthMb.toFixed(1)} MB`);
      expect(growthMb).toBeLessThan(64);
    },
    120_000,
  );
});
