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

// The generator and the workloads' data live in data.ts (no Node imports: the browser benchmark uses them too).
export { type LayerData, logregData, mlpParams, randint, randn, uniform, uniformPm1 } from "./data.js";
export { isMain, median } from "./util.js";

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
