/**
 * W5 elementwise + reduction with backward, Kindling.
 *
 * Same definition as ../shared/bench/w5_torch.py: x = N float32 uniformPm1 seed 51, requiring grad.
 * One run: x.grad = null; loss = (x.sin() * x.exp() + x * x).sum(); loss.backward().
 * 3 warm-up runs, then RUNS timed runs; median ms per forward + backward, and effective
 * GB/s = 8 bytes per element (read x once, write x.grad once) / time.
 * Keys: median_ms, min_ms, eff_GBps; checksum loss, grad_sum (float64 sum of x.grad).
 * Usage: npx tsx bench/w5.ts [--n 1000000] [--runs 20]
 */

import { emit, f32, gradOf, intArg, isMain, median, now, step, sum64, uniformPm1, type WorkloadResult } from "./common.js";

export interface W5Options {
  n: number;
  runs: number;
}

export function w5({ n, runs }: W5Options = { n: 1_000_000, runs: 20 }): WorkloadResult {
  const x = f32(uniformPm1(n, 51), [n]).requiresGrad_(true);
  const run = (): [number, number] =>
    step(() => {
      x.grad = null;
      const loss = x.sin().mul(x.exp()).add(x.mul(x)).sum();
      loss.backward();
      return [loss.item(), sum64(gradOf(x))];
    });

  for (let i = 0; i < 3; i++) run();
  const ts: number[] = [];
  let last: [number, number] = [Number.NaN, Number.NaN];
  for (let i = 0; i < runs; i++) {
    const t0 = now();
    last = run();
    ts.push(now() - t0);
  }
  const m = median(ts);
  return {
    workload: "w5",
    n,
    runs,
    median_ms: m,
    min_ms: Math.min(...ts),
    eff_GBps: (8 * n) / (m / 1e3) / 1e9,
    checksum: { loss: last[0], grad_sum: last[1] },
  };
}

if (isMain(import.meta.url)) emit(w5({ n: intArg(process.argv, "n", 1_000_000), runs: intArg(process.argv, "runs", 20) }));
