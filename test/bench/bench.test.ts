/**
 * The benchmark workloads (bench/) at tiny sizes: each runs and its checksums
 * agree with PyTorch's, recorded by scripts/record/bench_checksums.py at the
 * same sizes. Nothing here is timed or judged by speed.
 */

import { describe, expect, it } from "vitest";
import { logregData, mlpParams, randint, randn, record, uniform, uniformPm1, type WorkloadResult } from "../../bench/common.js";
import { w1 } from "../../bench/w1.js";
import { w2 } from "../../bench/w2.js";
import { w3 } from "../../bench/w3.js";
import { w4 } from "../../bench/w4.js";
import { w5 } from "../../bench/w5.js";
import { w6 } from "../../bench/w6.js";
import { readJson } from "../helpers/fixtures.js";

interface Seeded {
  seed: number;
  n: number;
  high?: number;
  values: number[];
}

interface Spots {
  indices: number[];
  values: number[];
}

interface Fixture {
  generator: {
    uniform: Seeded[];
    randn: Seeded[];
    uniform_pm1: Seeded[];
    randint: Seeded[];
    randn_4096_seed3: Spots;
    logreg_x: Spots;
    mlp_w: (Spots & { layer: number })[];
  };
  workloads: Record<string, { options: Record<string, number | number[]>; checksum: Record<string, number | number[]>; accuracy?: number }>;
}

const fx = readJson<Fixture>("fixtures/bench_checksums.json");

const spots = (a: ArrayLike<number>, indices: number[]): number[] => indices.map((i) => a[i] as number);

describe("bench generator (common.ts) equals common.py", () => {
  it("uniform is bit-exact in float64", () => {
    for (const { seed, n, values } of fx.generator.uniform) expect(Array.from(uniform(n, seed))).toEqual(values);
  });
  it("randn, uniformPm1 and randint are bit-exact in float32 / integers", () => {
    for (const { seed, n, values } of fx.generator.randn) expect(Array.from(randn(n, seed))).toEqual(values);
    for (const { seed, n, values } of fx.generator.uniform_pm1) expect(Array.from(uniformPm1(n, seed))).toEqual(values);
    for (const { seed, n, high, values } of fx.generator.randint) expect(Array.from(randint(n, high ?? 10, seed))).toEqual(values);
    const big = fx.generator.randn_4096_seed3;
    expect(spots(randn(4096, 3), big.indices)).toEqual(big.values);
  });
  it("W2's data and W6's parameters are bit-exact", () => {
    const lx = fx.generator.logreg_x;
    expect(spots(logregData().x, lx.indices)).toEqual(lx.values);
    const layers = mlpParams();
    for (const { layer, indices, values } of fx.generator.mlp_w) expect(spots(layers[layer]?.w ?? [], indices)).toEqual(values);
  });
});

/** |actual - expected| <= atol + rtol |expected|, elementwise over numbers and arrays. */
function expectClose(actual: unknown, expected: number | number[], rtol: number, atol: number, name: string): void {
  const a = Array.isArray(actual) ? actual : [actual];
  const e = Array.isArray(expected) ? expected : [expected];
  expect(a.length, name).toBe(e.length);
  e.forEach((want, i) => {
    const got = a[i];
    expect(typeof got, name).toBe("number");
    const err = Math.abs((got as number) - want);
    expect(err, `${name}: got ${got}, PyTorch ${want}`).toBeLessThanOrEqual(atol + rtol * Math.abs(want));
  });
}

function expectChecksums(result: WorkloadResult, workload: string, rtol: number, atol = 0): void {
  const want = fx.workloads[workload]?.checksum ?? {};
  expect(Object.keys(result.checksum ?? {}).sort()).toEqual(Object.keys(want).sort());
  for (const [k, v] of Object.entries(want)) expectClose(result.checksum?.[k], v, rtol, atol, `${workload} ${k}`);
}

/** The JSON line has the peer scripts' headline keys plus Kindling's own. */
function expectKeys(result: WorkloadResult, keys: string[]): void {
  const line = record(result);
  for (const k of ["workload", "lib", "version", "backend", "node", "peak_rss_mb", ...keys]) expect(line, k).toHaveProperty(k);
  expect(line["lib"]).toBe("kindling");
  expect(typeof line["backend"]).toBe("string");
}

const opt = (w: string, k: string): number => fx.workloads[w]?.options[k] as number;

// Tolerances: the inputs are identical, so the checksums differ only by float32 rounding (summation
// order in matmul and reductions), amplified a little by a few training steps.
describe("bench workloads at tiny sizes match PyTorch's checksums", () => {
  it("W1 two-layer net", () => {
    const r = w1({ iters: opt("w1", "iters") });
    expectChecksums(r, "w1", 1e-5);
    expectKeys(r, ["iters", "total_s", "ms_per_iter", "checksum"]);
  });
  it("W2 logistic regression", () => {
    const r = w2({ iters: opt("w2", "iters") });
    expectChecksums(r, "w2", 1e-5, 1e-8);
    expect(r["accuracy"]).toBe(fx.workloads["w2"]?.accuracy);
    expectKeys(r, ["iters", "total_s", "ms_per_iter", "accuracy", "checksum"]);
  });
  it("W3 tiny ops (0-d tensors)", () => {
    const r = w3({ steps: opt("w3", "steps"), rounds: opt("w3", "rounds") });
    expectChecksums(r, "w3", 1e-6);
    expectKeys(r, ["steps", "ops", "rounds", "fwd_us_per_op", "bwd_us_per_op", "total_us_per_op", "min_total_us_per_op", "checksum"]);
  });
  it("W4 matmul", () => {
    const sizes = fx.workloads["w4"]?.options["sizes"] as number[];
    const r = w4({ sizes });
    const res = r["sizes"] as Record<string, { checksum: number; gflops: number; best_s: number; reps: number }>;
    expect(Object.keys(res)).toEqual(sizes.map(String));
    for (const n of sizes) {
      // sum(C) cancels: compare against the scale of the entries (|C_ij| ~ sqrt(n) / 3)
      expectClose(res[String(n)]?.checksum, fx.workloads["w4"]?.checksum[String(n)] as number, 1e-6, 1e-6 * n ** 2.5, `w4 n=${n}`);
      expect(res[String(n)]).toHaveProperty("gflops");
    }
    expectKeys(r, ["sizes"]);
  });
  it("W5 elementwise + reduction with backward", () => {
    const r = w5({ n: opt("w5", "n"), runs: opt("w5", "runs") });
    expectChecksums(r, "w5", 1e-5);
    expectKeys(r, ["n", "runs", "median_ms", "min_ms", "eff_GBps", "checksum"]);
  });
  it("W6 MLP training", () => {
    const r = w6({ steps: opt("w6", "steps") });
    expectChecksums(r, "w6", 1e-5);
    expectKeys(r, ["steps", "total_s", "ms_per_step", "checksum"]);
  });
});
