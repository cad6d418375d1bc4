/**
 * W7 transformer training step, Kindling: the character-level causal transformer of
 * examples/train/charlm.ts (vocabulary 27, context 32, width 64, 4 heads, 2 pre-norm layers with GELU
 * and feed-forward 256, a final LayerNorm and a linear head), batch 32, cross entropy, AdamW lr 2e-3.
 *
 * Same definition as bench/peers/w7_torch.py: torch.manualSeed(7); codes = randint(0, 27, [32, 33]),
 * one fixed batch reused every step (inputs codes[:, :32], targets codes[:, 1:]); the weights are
 * built after torch.manualSeed(0), PyTorch's initialisation reproduced. 5 warm-up steps on a
 * throwaway model, then STEPS timed steps from a fresh one; each step: zeroGrad, forward,
 * loss.backward(), optimizer.step().
 * Keys: ms_per_step, total_s; checksum loss_first, loss_final, head_sum.
 * Usage: npx tsx bench/w7.ts [--steps 50]
 */

import * as torch from "kindling";
import { CharTransformer } from "../examples/train/charlm.js";
import { emit, intArg, isMain, now, step, sum64, type WorkloadResult } from "./common.js";

export interface W7Options {
  steps: number;
}

const B = 32;
const T = 32;
const V = 27;
const LR = 2e-3;

function make(): { model: CharTransformer; optimizer: torch.optim.AdamW } {
  torch.manualSeed(0);
  const model = new CharTransformer();
  return { model, optimizer: new torch.optim.AdamW(model.parameters(), { lr: LR }) };
}

function lossOf(model: CharTransformer, x: torch.Tensor, y: torch.Tensor): torch.Tensor {
  return torch.F.crossEntropy(model.call(x).reshape(-1, V), y.reshape(-1));
}

function train(model: CharTransformer, optimizer: torch.optim.AdamW, x: torch.Tensor, y: torch.Tensor, steps: number): number {
  let loss = Number.NaN;
  for (let s = 0; s < steps; s++) {
    loss = step(() => {
      optimizer.zeroGrad();
      const l = lossOf(model, x, y);
      l.backward();
      optimizer.step();
      return l.item();
    });
  }
  return loss;
}

export function w7({ steps }: W7Options = { steps: 50 }): WorkloadResult {
  torch.manualSeed(7);
  const codes = torch.randint(0, V, [B, T + 1]);
  const x = codes.narrow(1, 0, T);
  const y = codes.narrow(1, 1, T);
  const warm = make();
  train(warm.model, warm.optimizer, x, y, 5);
  const { model, optimizer } = make();
  const first = torch.noGrad(() => lossOf(model, x, y).item());
  const t0 = now();
  const final = train(model, optimizer, x, y, steps);
  const t = (now() - t0) / 1e3;
  return {
    workload: "w7",
    steps,
    total_s: t,
    ms_per_step: (1e3 * t) / steps,
    checksum: { loss_first: first, loss_final: final, head_sum: sum64(model.head.weight) },
  };
}

if (isMain(import.meta.url)) emit(w7({ steps: intArg(process.argv, "steps", 50) }));
