/**
 * Memory over a long training loop: 10,000 steps of an MLP (784-256-128-10,
 * batch 64, nn.Linear layers, cross-entropy, optim.SGD with momentum), with
 * no dispose or tidy anywhere; tensors are reclaimed by the garbage
 * collector. Prints the resident set size (RSS), the JS heap and the
 * external (typed array) memory every 1,000 steps, and one JSON line at the
 * end with the samples and the growth from step 1,000 to the last.
 *
 * Usage: npm run bench:memory [-- --steps 10000]
 */

import * as torch from "kindling";
import { emit, intArg, isMain, randint, randn } from "./common.js";

interface Sample {
  step: number;
  rss_mb: number;
  heap_mb: number;
  external_mb: number;
}

const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

export function memoryRun(steps: number, every = 1000): { samples: Sample[]; loss: number } {
  const { nn } = torch;
  torch.manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 128), new nn.ReLU(), new nn.Linear(128, 10));
  const opt = new torch.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const lossFn = new nn.CrossEntropyLoss();
  // Eight fixed batches, cycled.
  const batches = Array.from({ length: 8 }, (_, i) => [
    torch.frombuffer(randn(64 * 784, 100 + i)).view(64, 784),
    torch.tensor(randint(64, 10, 200 + i), { dtype: "int64" }),
  ]);
  const samples: Sample[] = [];
  let loss = Number.NaN;
  for (let step = 1; step <= steps; step++) {
    const [x, y] = batches[step % batches.length] as [torch.Tensor, torch.Tensor];
    opt.zeroGrad();
    const l = lossFn.call(model.call(x), y);
    l.backward();
    opt.step();
    if (step % every === 0) {
      loss = l.item();
      const m = process.memoryUsage();
      samples.push({ step, rss_mb: mb(m.rss), heap_mb: mb(m.heapUsed), external_mb: mb(m.arrayBuffers) });
    }
  }
  return { samples, loss };
}

if (isMain(import.meta.url)) {
  const steps = intArg(process.argv, "steps", 10_000);
  const { samples, loss } = memoryRun(steps);
  console.log("step    RSS MB   heap MB   typed arrays MB");
  for (const s of samples) {
    console.log(
      `${String(s.step).padStart(6)}  ${String(s.rss_mb).padStart(7)}  ${String(s.heap_mb).padStart(8)}  ${String(s.external_mb).padStart(16)}`,
    );
  }
  const first = samples[0];
  const last = samples[samples.length - 1];
  emit({
    workload: "memory",
    steps,
    final_loss: loss,
    samples,
    rss_growth_mb: first !== undefined && last !== undefined ? Math.round((last.rss_mb - first.rss_mb) * 10) / 10 : Number.NaN,
  });
}
