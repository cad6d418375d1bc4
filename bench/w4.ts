/**
 * W4 matmul throughput, Kindling.
 *
 * Same definition as ../shared/bench/w4_torch.py: C = A @ B, square float32, n in
 * 128, 256, 512, 1024, 2048, forward only (no autograd). A = uniformPm1 seed 41, B seed 42.
 * Two warm-up calls, one timed call, then best of REPS further calls, REPS chosen so each size
 * takes about 1 s (3..50). GFLOP/s = 2 n^3 / best time.
 * Keys: sizes[n] = { best_s, reps, gflops, checksum } with checksum = sum(C) in float64.
 * Usage: npx tsx bench/w4.ts [--sizes 128,256,512,1024,2048]
 */

import * as torch from "kindling";
import { emit, f32, intListArg, isMain, now, sum64, uniformPm1, type WorkloadResult } from "./common.js";

export interface W4Options {
  sizes: number[];
}

export interface W4Size {
  best_s: number;
  reps: number;
  gflops: number;
  checksum: number;
}

export const W4_SIZES = [128, 256, 512, 1024, 2048];

function timeSize(n: number): W4Size {
  const a = f32(uniformPm1(n * n, 41), [n, n]);
  const b = f32(uniformPm1(n * n, 42), [n, n]);
  let c = torch.mm(a, b);
  c = torch.mm(a, b);
  let t0 = now();
  torch.mm(a, b);
  const one = (now() - t0) / 1e3;
  const reps = Math.max(3, Math.min(50, Math.trunc(1 / Math.max(one, 1e-9))));
  let best = one;
  for (let r = 0; r < reps; r++) {
    t0 = now();
    c = torch.mm(a, b);
    best = Math.min(best, (now() - t0) / 1e3);
  }
  return { best_s: best, reps, gflops: (2 * n ** 3) / best / 1e9, checksum: sum64(c) };
}

export function w4({ sizes }: W4Options = { sizes: W4_SIZES }): WorkloadResult {
  const res: Record<string, W4Size> = {};
  // no autograd anywhere here: the inputs do not require grad, as in the PyTorch script
  for (const n of sizes) res[String(n)] = timeSize(n);
  return { workload: "w4", sizes: res };
}

if (isMain(import.meta.url)) emit(w4({ sizes: intListArg(process.argv, "sizes", W4_SIZES) }));
