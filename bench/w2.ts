/**
 * W2 logistic regression, Kindling.
 *
 * Same definition as ../shared/bench/w2_torch.py: 200 2-D points (logregData: 100 around
 * (+1.7, +1.7) labelled 1, 100 around (-1.7, -1.7) labelled 0); p = sigmoid(x @ w + b) and the
 * binary cross-entropy written out, loss = -mean(y log p + (1 - y) log(1 - p)); w = zeros(2, 1),
 * b = zeros(1), plain SGD lr = 0.01, ITERS full-batch iterations.
 * A 20-iteration warm-up runs on throwaway parameters; the timed ITERS start from zeros.
 * Keys: ms_per_iter, total_s, accuracy; checksum loss_final, w, b.
 * Usage: npx tsx bench/w2.ts [--iters 1000]
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { emit, f32, gradOf, intArg, isMain, logregData, now, step, type WorkloadResult } from "./common.js";

export interface W2Options {
  iters: number;
}

const LR = 0.01;

export function w2({ iters }: W2Options = { iters: 1000 }): WorkloadResult {
  const data = logregData();
  const x = f32(data.x, [200, 2]);
  const y = f32(data.y, [200, 1]);

  const train = (n: number): { w: Tensor; b: Tensor; loss: Tensor } => {
    const w = torch.zeros(2, 1, { requiresGrad: true });
    const b = torch.zeros(1, { requiresGrad: true });
    let loss = torch.tensor(Number.NaN);
    for (let i = 0; i < n; i++) {
      loss = step(() => {
        const p = torch.sigmoid(x.matmul(w).add(b));
        const l = y
          .mul(torch.log(p))
          .add(torch.rsub(y, 1).mul(torch.log(torch.rsub(p, 1))))
          .mean()
          .neg();
        l.backward();
        torch.noGrad(() => {
          w.sub_(gradOf(w).mul(LR));
          b.sub_(gradOf(b).mul(LR));
          gradOf(w).zero_();
          gradOf(b).zero_();
        });
        return l;
      });
    }
    return { w, b, loss };
  };

  train(20);
  const t0 = now();
  const { w, b, loss } = train(iters);
  const final = loss.item();
  const t = (now() - t0) / 1e3;
  const accuracy = torch.noGrad(() => torch.sigmoid(x.matmul(w).add(b)).gt(0.5).float().eq(y).float().mean().item());
  return {
    workload: "w2",
    iters,
    total_s: t,
    ms_per_iter: (1e3 * t) / iters,
    accuracy,
    checksum: { loss_final: final, w: Array.from(w.detach().flatten().toTypedArray()), b: b.item() },
  };
}

if (isMain(import.meta.url)) emit(w2({ iters: intArg(process.argv, "iters", 1000) }));
