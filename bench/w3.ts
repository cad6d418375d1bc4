/**
 * W3 tiny-op overhead, Kindling.
 *
 * Same definition as ../shared/bench/w3_torch.py: x = 0-d tensor 1.0 requiring grad; y = x;
 * STEPS times y = y * 1.0001 + x * 0.5 (2 muls + 1 add per step = 3 * STEPS autograd ops), then
 * y.backward(). Forward (graph building) and backward are timed separately; per-op figures divide
 * by 3 * STEPS. One warm-up round, then ROUNDS timed rounds (a fresh x each round); the median round
 * is reported, and the minimum total.
 * Keys: fwd_us_per_op, bwd_us_per_op, total_us_per_op, total_s, min_total_us_per_op; checksum y, x_grad.
 * Usage: npx tsx bench/w3.ts [--steps 10000] [--rounds 5]
 */

import * as torch from "kindling";
import { emit, gradOf, intArg, isMain, median, now, type WorkloadResult } from "./common.js";

export interface W3Options {
  steps: number;
  rounds: number;
}

interface Round {
  fwd: number;
  bwd: number;
  y: number;
  g: number;
}

function oneRound(steps: number): Round {
  const x = torch.tensor(1.0, { requiresGrad: true });
  const t0 = now();
  let y = x;
  for (let i = 0; i < steps; i++) y = y.mul(1.0001).add(x.mul(0.5));
  const t1 = now();
  y.backward();
  const g = gradOf(x).item();
  const t2 = now();
  return { fwd: t1 - t0, bwd: t2 - t1, y: y.item(), g };
}

export function w3({ steps, rounds }: W3Options = { steps: 10000, rounds: 5 }): WorkloadResult {
  const ops = 3 * steps;
  oneRound(steps);
  const fwd: number[] = [];
  const bwd: number[] = [];
  const tot: number[] = [];
  let last: Round | undefined;
  for (let r = 0; r < rounds; r++) {
    last = oneRound(steps);
    fwd.push(last.fwd);
    bwd.push(last.bwd);
    tot.push(last.fwd + last.bwd);
  }
  const us = (ms: number): number => (1e3 * ms) / ops;
  return {
    workload: "w3",
    steps,
    ops,
    rounds,
    fwd_us_per_op: us(median(fwd)),
    bwd_us_per_op: us(median(bwd)),
    total_us_per_op: us(median(tot)),
    total_s: median(tot) / 1e3,
    min_total_us_per_op: us(Math.min(...tot)),
    backward_timing: "measured directly",
    checksum: { y: last?.y ?? Number.NaN, x_grad: last?.g ?? Number.NaN },
  };
}

if (isMain(import.meta.url)) {
  emit(w3({ steps: intArg(process.argv, "steps", 10000), rounds: intArg(process.argv, "rounds", 5) }));
}
