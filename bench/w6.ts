/**
 * W6 MLP training, Kindling: 784-256-128-10, ReLU, softmax cross-entropy (mean), batch 128, SGD lr = 0.01.
 *
 * Same definition as ../shared/bench/w6_torch.py: X = randn(128, 784) seed 60, labels =
 * randint(0, 10) seed 64, one fixed batch reused every step; W_l = randn(in, out) / sqrt(in) seeds
 * 61..63, b_l = 0 (mlpParams). Layers are raw tensors (h = x @ W + b), so every library does
 * exactly the same ops. 5 warm-up steps on a throwaway copy of the parameters, then STEPS timed
 * steps from the initial parameters; each step: loss.backward(), then under noGrad
 * p.sub_(p.grad.mul(lr)) and p.grad = null.
 * Keys: ms_per_step, total_s; checksum loss_first, loss_final, W1_sum.
 * Usage: npx tsx bench/w6.ts [--steps 200]
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { emit, f32, gradOf, i64, intArg, isMain, mlpParams, now, randint, randn, step, sum64, type WorkloadResult } from "./common.js";

export interface W6Options {
  steps: number;
}

const B = 128;
const LR = 0.01;

function makeParams(): Tensor[] {
  const ps: Tensor[] = [];
  for (const { w, b, shape } of mlpParams()) {
    ps.push(f32(w, shape).requiresGrad_(true), f32(b, [shape[1]]).requiresGrad_(true));
  }
  return ps;
}

function forward(x: Tensor, params: Tensor[]): Tensor {
  const [w1, b1, w2, b2, w3, b3] = params as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
  const h1 = torch.relu(x.matmul(w1).add(b1));
  const h2 = torch.relu(h1.matmul(w2).add(b2));
  return h2.matmul(w3).add(b3);
}

function train(x: Tensor, labels: Tensor, params: Tensor[], steps: number): Tensor {
  let loss = torch.tensor(Number.NaN);
  for (let s = 0; s < steps; s++) {
    loss = step(() => {
      const l = torch.F.crossEntropy(forward(x, params), labels);
      l.backward();
      torch.noGrad(() => {
        for (const p of params) {
          p.sub_(gradOf(p).mul(LR));
          p.grad = null;
        }
      });
      return l;
    });
  }
  return loss;
}

export function w6({ steps }: W6Options = { steps: 200 }): WorkloadResult {
  const x = f32(randn(B * 784, 60), [B, 784]);
  const labels = i64(randint(B, 10, 64), [B]);
  train(x, labels, makeParams(), 5);
  const params = makeParams();
  const first = torch.noGrad(() => torch.F.crossEntropy(forward(x, params), labels).item());
  const t0 = now();
  const loss = train(x, labels, params, steps);
  const final = loss.item();
  const t = (now() - t0) / 1e3;
  return {
    workload: "w6",
    steps,
    total_s: t,
    ms_per_step: (1e3 * t) / steps,
    checksum: { loss_first: first, loss_final: final, W1_sum: sum64(params[0] as Tensor) },
  };
}

if (isMain(import.meta.url)) emit(w6({ steps: intArg(process.argv, "steps", 200) }));
