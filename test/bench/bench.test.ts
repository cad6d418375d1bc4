/**
 * The benchmark workloads (bench/) at tiny sizes: each runs and its checksums
 * agree with PyTorch's, recorded by scripts/record/bench_checksums.py at the
 * same sizes; and the runner's options (bench/run.ts), on stand-in Node
 * binaries. Nothing here is timed or judged by speed.
 */

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { logregData, mlpParams, randint, randn, record, uniform, uniformPm1, type WorkloadResult } from "../../bench/common.js";
import { kindlingConfigs, parseOptions, report, runAll } from "../../bench/run.js";
import { type Json, tableRows } from "../../bench/table.js";
import { w1 } from "../../bench/w1.js";
import { w2 } from "../../bench/w2.js";
import { w3 } from "../../bench/w3.js";
import { w4 } from "../../bench/w4.js";
import { w5 } from "../../bench/w5.js";
import { w6 } from "../../bench/w6.js";
import { w7 } from "../../bench/w7.js";
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
  it("W7 transformer training step", () => {
    const r = w7({ steps: opt("w7", "steps") });
    expectChecksums(r, "w7", 1e-5);
    expectKeys(r, ["steps", "total_s", "ms_per_step", "checksum"]);
  });
});

// ----- the runner ------------------------------------------------------------------

const scratch = mkdtempSync(join(tmpdir(), "kindling-bench-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * A stand-in Node binary: answers `--version` with `version`, and otherwise prints the JSON line of a
 * W3 run whose fwd_us_per_op is `fwd`, with the arguments it was given (so nothing real is timed).
 */
function fakeNode(name: string, version: string, fwd: number): string {
  const path = join(scratch, name);
  const line = `{"workload":"w3","node":"${version}","fwd_us_per_op":${fwd},"bwd_us_per_op":1,"total_us_per_op":3,"peak_rss_mb":50,"argv":"%s"}`;
  writeFileSync(path, `#!/bin/sh\nif [ "$1" = "--version" ]; then echo ${version}; exit 0; fi\nprintf '${line}\\n' "$*"\n`);
  chmodSync(path, 0o755);
  return path;
}

describe("bench/run.ts --browser", () => {
  it("runs W1, W4 and W6 on both devices, or the workloads and the device named", () => {
    const all = parseOptions(["--browser"]);
    expect(all.workloads).toEqual(["w1", "w4", "w6"]);
    expect(all.browser).toEqual(["cpu", "webgpu"]);
    const one = parseOptions(["--browser", "w4", "--device", "webgpu", "--sizes", "128"]);
    expect([one.workloads, one.browser, one.forward]).toEqual([["w4"], ["webgpu"], ["--sizes", "128"]]);
    expect(parseOptions(["w1"]).browser).toEqual([]);
  });

  it("refuses workloads it does not run in the browser, and a device without --browser", () => {
    expect(() => parseOptions(["--browser", "w2"])).toThrow("--browser runs w1, w4, w6, not w2");
    expect(() => parseOptions(["--device", "webgpu"])).toThrow("--device goes with --browser");
    expect(() => parseOptions(["--browser", "--device", "cuda"])).toThrow("--device takes cpu or webgpu, got 'cuda'");
  });
});

describe("bench/run.ts --node", () => {
  it("is read as a list, apart from the options given to the workloads", () => {
    const o = parseOptions(["--node", "/a/node", "w3", "--steps", "2", "--node", "/b/node", "--repeat", "2"]);
    expect(o.nodes).toEqual(["/a/node", "/b/node"]);
    expect(o.workloads).toEqual(["w3"]);
    expect(o.forward).toEqual(["--steps", "2"]);
    expect(o.repeat).toBe(2);
    expect(parseOptions(["w1"]).nodes).toEqual([]);
    expect(() => parseOptions(["--node"])).toThrow("--node needs a value");
  });

  it("without it, Kindling runs on the runner's own Node, in one column named kindling", () => {
    const [k, ...more] = kindlingConfigs([]);
    expect(more).toEqual([]);
    expect(k?.name).toBe("kindling");
    expect(k?.command("w1").cmd).toBe(process.execPath);
    expect(k?.runtime).toBe(`Node ${process.version} (${process.execPath})`);
  });

  it("runs Kindling's workloads under each Node given, one column each, with its ratios to each peer", async () => {
    const a = fakeNode("node-a", "v98.0.1", 4);
    const b = fakeNode("node-b", "v99.2.0", 2);
    const o = parseOptions(["--node", a, "--node", b, "w3", "--steps", "2", "--repeat", "2"]);
    const configs = kindlingConfigs(o.nodes);
    expect(configs.map((c) => c.name)).toEqual(["K-node98", "K-node99"]);
    const { results, lines } = await runAll(o, configs);
    // repeats interleave the configurations; each process ran bench/w3.ts under its own binary
    expect(lines.map((d) => [d["config"], d["node"], d["node_path"]])).toEqual([
      ["K-node98", "v98.0.1", a],
      ["K-node99", "v99.2.0", b],
      ["K-node98", "v98.0.1", a],
      ["K-node99", "v99.2.0", b],
    ]);
    expect(String(lines[0]?.["argv"])).toMatch(/^--import tsx \S+\/bench\/w3\.ts --steps 2$/);

    results.set("w3/torch-t1", [{ workload: "w3", fwd_us_per_op: 8, bwd_us_per_op: 2, total_us_per_op: 3, peak_rss_mb: 100 } as Json]);
    const rows = tableRows(results, o.workloads, [...configs, { name: "torch-t1", kindling: false }]);
    expect(rows[0]).toEqual(["figure", "better", "K-node98", "K-node99", "torch-t1", "K-node98/torch-t1", "K-node99/torch-t1"]);
    expect(rows[1]).toEqual(["W3 fwd us/op", "lower", "4.00", "2.00", "8.00", "0.500x", "0.250x"]);
    expect(rows.at(-1)).toEqual(["W3 peak RSS MB", "lower", "50.0", "50.0", "100", "0.500x", "0.500x"]);

    const text = report(o, configs, results, [], new Date(0));
    expect(text).toContain(`  K-node98: Node v98.0.1 (${a})`);
    expect(text).toContain(`  K-node99: Node v99.2.0 (${b})`);
  });

  it("names the columns by full version when two Node binaries share a major version", () => {
    const a = fakeNode("node-c", "v24.1.0", 1);
    const b = fakeNode("node-d", "v24.21.0", 1);
    expect(kindlingConfigs([a, b, a]).map((c) => c.name)).toEqual(["K-node24.1.0#1", "K-node24.21.0", "K-node24.1.0#2"]);
  });

  it("refuses a path that is not a Node binary", () => {
    const missing = join(scratch, "no-such-node");
    expect(() => kindlingConfigs([missing])).toThrow(`--node ${missing}: this is not a Node binary that runs here`);
  });
});
