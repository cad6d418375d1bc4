/**
 * W1 two-layer net (PyTorch's tutorial "tensors + autograd"), Kindling.
 *
 * Same definition as ../shared/bench/w1_torch.py: N=64, D_in=1000, H=100,
 * D_out=10, lr=1e-6, float32; x, y, w1, w2 = randn seeds 1, 2, 3, 4.
 * 5 warm-up iterations (they do update the weights), then ITERS timed iterations of
 *   yPred = x.mm(w1).clamp({ min: 0 }).mm(w2); loss = yPred.sub(y).pow(2).sum(); loss.backward()
 *   noGrad: w.sub_(w.grad.mul(lr)); w.grad.zero_()
 * Keys: ms_per_iter, total_s; checksum loss_first (warm-up iteration 1), loss_final, w1_sum.
 * Usage: npx tsx bench/w1.ts [--iters 500]
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { emit, f32, gradOf, intArg, isMain, now, randn, step, sum64, type WorkloadResult } from "./common.js";

export interface W1Options {
  iters: number;
}

const N = 64;
const D_IN = 1000;
const H = 100;
const D_OUT = 10;
const LR = 1e-6;

export function w1({ iters }: W1Options = { iters: 500 }): WorkloadResult {
  const x = f32(randn(N * D_IN, 1), [N, D_IN]);
  const y = f32(randn(N * D_OUT, 2), [N, D_OUT]);
  const w1 = f32(randn(D_IN * H, 3), [D_IN, H]).requiresGrad_(true);
  const w2 = f32(randn(H * D_OUT, 4), [H, D_OUT]).requiresGrad_(true);

  const iteration = (): Tensor => {
    const yPred = x.mm(w1).clamp({ min: 0 }).mm(w2);
    const loss = yPred.sub(y).pow(2).sum();
    loss.backward();
    torch.noGrad(() => {
      w1.sub_(gradOf(w1).mul(LR));
      w2.sub_(gradOf(w2).mul(LR));
      gradOf(w1).zero_();
      gradOf(w2).zero_();
    });
    return loss;
  };

  const first = step(iteration).item(); // warm-up iteration 1 (the loss before any update)
  for (let i = 0; i < 4; i++) step(iteration);
  const t0 = now();
  let loss = step(iteration);
  for (let i = 1; i < iters; i++) loss = step(iteration);
  const final = loss.item();
  const t = (now() - t0) / 1e3;
  return {
    workload: "w1",
    iters,
    total_s: t,
    ms_per_iter: (1e3 * t) / iters,
    checksum: { loss_first: first, loss_final: final, w1_sum: sum64(w1) },
  };
}

if (isMain(import.meta.url)) emit(w1({ iters: intArg(process.argv, "iters", 500) }));
