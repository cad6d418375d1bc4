/**
 * Shared helpers for Kindling's benchmark workloads (bench/w1.ts ... w6.ts).
 *
 * Data generation is the counter-based hash PRNG of the peer scripts
 * (../shared/bench/common.py and common.mjs), re-implemented bit for bit, so
 * Kindling sees the same float32 inputs as PyTorch and TensorFlow.js and the
 * checksums (initial/final loss, sums) can be compared across libraries:
 *
 *     u(i, seed)  = (lowbias32(i XOR (seed * 0x9E3779B9 mod 2^32)) + 0.5) / 2^32   in (0, 1)
 *     randn[i]    = sqrt(-2 ln u(2i)) * cos(2 pi u(2i+1))   (Box-Muller in float64, then float32)
 */

import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import type { Tensor } from "kindling";
import * as torch from "kindling";

export { isMain, median } from "./util.js";

// ----- the generator ---------------------------------------------------------

const GOLDEN = 0x9e3779b9;

/** lowbias32: a 32-bit integer hash with good avalanche (all arithmetic mod 2^32). */
function hash32(v: number): number {
  let x = v >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

/** `n` float64 values in (0, 1): u(0, seed) ... u(n-1, seed). */
export function uniform(n: number, seed: number): Float64Array {
  const key = Math.imul(seed, GOLDEN) >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (hash32((i ^ key) >>> 0) + 0.5) / 4294967296;
  return out;
}

/** `n` float32 standard normals (Box-Muller on consecutive pairs of uniforms). */
export function randn(n: number, seed: number): Float32Array {
  const u = uniform(2 * n, seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = Math.sqrt(-2 * Math.log(u[2 * i] as number)) * Math.cos(2 * Math.PI * (u[2 * i + 1] as number));
  }
  return out;
}

/** `n` float32 values uniform in (-1, 1). */
export function uniformPm1(n: number, seed: number): Float32Array {
  const u = uniform(n, seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (u[i] as number) * 2 - 1;
  return out;
}

/** `n` integers uniform in [0, high). */
export function randint(n: number, high: number, seed: number): Int32Array {
  const u = uniform(n, seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor((u[i] as number) * high);
  return out;
}

/** W2's data: 100 points around (+1.7, +1.7) labelled 1, then 100 around (-1.7, -1.7) labelled 0. */
export function logregData(): { x: Float32Array; y: Float32Array } {
  const z = randn(400, 21);
  const x = new Float32Array(400);
  // the shift is done in float64, then rounded once to float32 (as common.py does)
  for (let i = 0; i < 400; i++) x[i] = (z[i] as number) + (i < 200 ? 1.7 : -1.7);
  const y = new Float32Array(200);
  y.fill(1, 0, 100);
  return { x, y };
}

/** One layer of W6's MLP: W (row-major [fanIn, fanOut]) and b. */
export interface LayerData {
  w: Float32Array;
  b: Float32Array;
  shape: [number, number];
}

/** W6's parameters: W_l = randn(in, out) / sqrt(in) with seeds 61, 62, 63, and b_l = 0. */
export function mlpParams(): LayerData[] {
  const sizes = [784, 256, 128, 10];
  const layers: LayerData[] = [];
  for (let l = 0; l < 3; l++) {
    const fanIn = sizes[l] as number;
    const fanOut = sizes[l + 1] as number;
    const w = randn(fanIn * fanOut, 61 + l);
    const s = Math.sqrt(fanIn);
    for (let i = 0; i < w.length; i++) w[i] = (w[i] as number) / s;
    layers.push({ w, b: new Float32Array(fanOut), shape: [fanIn, fanOut] });
  }
  return layers;
}

// ----- tensors from generated data -------------------------------------------

/**
 * A float32 tensor of the given shape holding a copy of `data` (row-major), made as a
 * user's program makes one (torch.tensor). Not torch.frombuffer: memory given that way stays
 * the caller's, who may write it at any time, so the WebAssembly backend never keeps it resident
 * and copies it in at every kernel that reads it (docs/performance.md, "Memory").
 */
export function f32(data: Float32Array, shape: readonly number[]): Tensor {
  return torch.tensor(data, { dtype: "float32" }).view([...shape]);
}

/** An int64 tensor holding a copy of `data`. */
export function i64(data: Int32Array, shape: readonly number[]): Tensor {
  return torch.tensor(data, { dtype: "int64" }).view([...shape]);
}

/** `t.grad`, which the caller knows was populated by a backward pass. */
export function gradOf(t: Tensor): Tensor {
  const g = t.grad;
  if (g === null) throw new Error("expected a gradient after backward()");
  return g;
}

/**
 * Runs one training step: inside `torch.scope` when the runner asked for the scoped variant
 * (`npm run bench -- --scope` sets KINDLING_BENCH_SCOPE=1 in a second process per Node), else as is.
 * The returned value (the loss) is kept.
 */
export function step<T>(f: () => T): T {
  return SCOPED ? torch.scope(f) : f();
}

const SCOPED = process.env["KINDLING_BENCH_SCOPE"] === "1";

/** Sum of all elements, accumulated in float64 (as `float(t.double().sum())`). */
export function sum64(t: Tensor): number {
  return t.double().sum().item();
}

// ----- timing ----------------------------------------------------------------

/** Milliseconds from an arbitrary origin (performance.now). */
export const now = (): number => performance.now();

// ----- arguments -------------------------------------------------------------

/** `--name value` from `argv`, or `undefined`. */
export function argValue(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** `--name N` as a positive integer, or `def`. */
export function intArg(argv: readonly string[], name: string, def: number): number {
  const v = argValue(argv, name);
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} expects a positive integer, got '${v}'`);
  return n;
}

/** `--name a,b,c` as positive integers, or `def`. */
export function intListArg(argv: readonly string[], name: string, def: readonly number[]): number[] {
  const v = argValue(argv, name);
  if (v === undefined) return [...def];
  return v.split(",").map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} expects positive integers, got '${v}'`);
    return n;
  });
}

// ----- output ----------------------------------------------------------------

/** The workload-specific part of a result line: everything but the environment keys `emit` adds. */
export interface WorkloadResult {
  workload: string;
  /** Checksums to compare across libraries (W4 keeps its per-size checksums in `sizes` instead). */
  checksum?: Record<string, number | number[]>;
  [key: string]: unknown;
}

/** The name of the backend running the kernels ("js" when Kindling has no `getBackend`). */
export function backendName(): string {
  const lib = torch as { getBackend?: () => string };
  return typeof lib.getBackend === "function" ? lib.getBackend() : "js";
}

function kindlingVersion(): string {
  const file = new URL("../package.json", import.meta.url);
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

/** Peak resident set size of this process so far, in MiB (getrusage's ru_maxrss). */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** The full JSON record of a result: the peers' keys plus lib, backend and the environment. */
export function record(result: WorkloadResult): Record<string, unknown> {
  const { workload, ...rest } = result;
  return {
    workload,
    lib: "kindling",
    version: kindlingVersion(),
    backend: backendName(),
    threads: torch.getNumThreads(),
    ...rest,
    node: process.version,
    cpus: cpus().length,
    peak_rss_mb: peakRssMb(),
  };
}

/** Prints ONE JSON line for a result, with the same keys as the peer scripts. */
export function emit(result: WorkloadResult): void {
  console.log(JSON.stringify(record(result)));
}
