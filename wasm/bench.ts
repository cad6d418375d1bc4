/**
 * Micro-benchmarks of the WebAssembly kernels: `npx tsx wasm/bench.ts [--quick]`.
 *
 * Prints sgemm GFLOP/s (single thread and with the worker pool, against the
 * reference backend's JS matmul up to n = 512), pointwise throughput against
 * plain JS loops with Math.*, the pointwise kernels' errors against float64
 * Math.*, and the pool's dispatch round trip. Each figure is the best of
 * several timed runs (the machine may be shared), with the median beside it.
 */

import { erfc } from "../src/backend/ref/math.js";
import { matmul as refMatmul } from "../src/backend/ref/matmul.js";
import { arenaAlloc, kernels, resetArena } from "../src/backend/wasm/module.js";
import { type BinaryF32, binaryF32, type UnaryF32, unaryF32 } from "../src/backend/wasm/pointwise.js";
import { parallel, setNumThreads, waitForPool } from "../src/backend/wasm/pool.js";
import { sgemm } from "../src/backend/wasm/sgemm.js";

const quick = process.argv.includes("--quick");

function random(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return a;
}

/** Best and median seconds per call of `fn`, timed for about `budgetMs` after `warm` calls. */
function time(fn: () => void, budgetMs: number, warm = 2, minRuns = 3): { best: number; median: number } {
  for (let i = 0; i < warm; i++) fn();
  const times: number[] = [];
  const end = performance.now() + budgetMs;
  while (times.length < minRuns || performance.now() < end) {
    const t0 = performance.now();
    fn();
    times.push((performance.now() - t0) / 1e3);
    if (times.length > 10_000) break;
  }
  times.sort((x, y) => x - y);
  return { best: times[0] as number, median: times[times.length >> 1] as number };
}

function pad(s: string | number, n: number): string {
  return String(s).padStart(n);
}

function benchSgemm(): void {
  console.log("\n== sgemm C = A·B, float32, square n x n (GFLOP/s: best / median)");
  console.log(`${pad("n", 6)} ${pad("wasm 1 thread", 16)} ${pad("wasm pool", 16)} ${pad("JS ref", 14)}`);
  const sizes = quick ? [128, 256, 512, 1024] : [128, 256, 512, 1024, 2048];
  for (const n of sizes) {
    const A = random(n * n);
    const B = random(n * n);
    const C = new Float32Array(n * n);
    const a = { data: A, offsets: [0], rowStride: n, colStride: 1 };
    const b = { data: B, offsets: [0], rowStride: n, colStride: 1 };
    const c = { data: C, offsets: [0], rowStride: n, colStride: 1 };
    const flops = 2 * n * n * n;
    const budget = quick ? 400 : n >= 2048 ? 3000 : 1000;
    const gf = (t: { best: number; median: number }) => `${(flops / t.best / 1e9).toFixed(1)} / ${(flops / t.median / 1e9).toFixed(1)}`;
    const one = time(() => sgemm(n, n, n, a, b, c, { threads: 1 }), budget);
    const pool = time(() => sgemm(n, n, n, a, b, c, { threads: 2 }), budget);
    let js = "-";
    if (n <= 512) {
      const sa = { data: A, dtype: "float32" as const, shape: [n, n], strides: [n, 1], offset: 0 };
      const sb = { data: B, dtype: "float32" as const, shape: [n, n], strides: [n, 1], offset: 0 };
      const so = { data: C, dtype: "float32" as const, shape: [n, n], strides: [n, 1], offset: 0 };
      const t = time(() => refMatmul(sa, sb, so), quick ? 300 : 1000, 1, 2);
      js = gf(t);
    }
    console.log(`${pad(n, 6)} ${pad(gf(one), 16)} ${pad(gf(pool), 16)} ${pad(js, 14)}`);
  }
}

function benchShapes(): void {
  console.log("\n== sgemm other shapes, pool (GFLOP/s best)");
  const cases: [string, number, number, number, boolean, boolean, number][] = [
    ["1024x1024x1024 A^T", 1024, 1024, 1024, true, false, 1],
    ["1024x1024x1024 B^T", 1024, 1024, 1024, false, true, 1],
    ["batch 64 of 64x64x64", 64, 64, 64, false, false, 64],
    ["4096x256 by 256x256 (Linear)", 4096, 256, 256, false, true, 1],
    ["1x4096 by 4096x1024 (vector)", 1, 1024, 4096, false, false, 1],
  ];
  for (const [name, M, N, K, ta, tb, batch] of cases) {
    const A = random(batch * M * K);
    const B = random(batch * K * N);
    const C = new Float32Array(batch * M * N);
    const a = { data: A, offsets: Array.from({ length: batch }, (_, t) => t * M * K), rowStride: ta ? 1 : K, colStride: ta ? M : 1 };
    const b = { data: B, offsets: Array.from({ length: batch }, (_, t) => t * K * N), rowStride: tb ? 1 : N, colStride: tb ? K : 1 };
    const c = { data: C, offsets: Array.from({ length: batch }, (_, t) => t * M * N), rowStride: N, colStride: 1 };
    const flops = 2 * M * N * K * batch;
    const one = time(() => sgemm(M, N, K, a, b, c, { threads: 1 }), quick ? 300 : 800);
    const pool = time(() => sgemm(M, N, K, a, b, c, { threads: 2 }), quick ? 300 : 800);
    console.log(
      `${name.padEnd(32)} 1 thread ${(flops / one.best / 1e9).toFixed(1).padStart(6)}   pool ${(flops / pool.best / 1e9).toFixed(1).padStart(6)}`,
    );
  }
}

/** gelu(x) = x Phi(x) = x erfc(-x / sqrt 2) / 2, accurate in the negative tail. */
const gelu = (x: number) => 0.5 * x * erfc(-x * Math.SQRT1_2);
const MATH: Record<UnaryF32, (x: number) => number> = { exp: Math.exp, log: Math.log, sin: Math.sin, cos: Math.cos, tanh: Math.tanh, gelu };

function benchPointwise(): void {
  const n = 1 << 20;
  const x = random(n).map((v) => v * 10);
  const xp = x.map((v) => Math.abs(v) + 1e-3);
  const y = new Float32Array(n);
  console.log(`\n== pointwise float32, n = ${n} (M elements/s, best)`);
  console.log(`${"op".padEnd(6)} ${pad("wasm 1 thread", 14)} ${pad("wasm pool", 10)} ${pad("JS Math.*", 10)}`);
  const meps = (t: { best: number }) => (n / t.best / 1e6).toFixed(0);
  for (const op of ["exp", "log", "sin", "cos", "tanh"] as const) {
    const input = op === "log" ? xp : x;
    const f = MATH[op];
    setNumThreads(1);
    const one = time(() => unaryF32(op, input, y), 300, 3);
    setNumThreads(2);
    waitForPool();
    const pool = time(() => unaryF32(op, input, y), 300, 3);
    const js = time(() => {
      for (let i = 0; i < n; i++) y[i] = f(input[i] as number);
    }, 300);
    console.log(`${op.padEnd(6)} ${pad(meps(one), 14)} ${pad(meps(pool), 10)} ${pad(meps(js), 10)}`);
  }
  const b = random(n);
  for (const op of ["add", "sub", "mul"] as BinaryF32[]) {
    setNumThreads(1);
    const one = time(() => binaryF32(op, x, b, y), 300, 3);
    setNumThreads(2);
    waitForPool();
    const pool = time(() => binaryF32(op, x, b, y), 300, 3);
    const js =
      op === "add"
        ? time(() => {
            for (let i = 0; i < n; i++) y[i] = (x[i] as number) + (b[i] as number);
          }, 300)
        : op === "sub"
          ? time(() => {
              for (let i = 0; i < n; i++) y[i] = (x[i] as number) - (b[i] as number);
            }, 300)
          : time(() => {
              for (let i = 0; i < n; i++) y[i] = (x[i] as number) * (b[i] as number);
            }, 300);
    console.log(`${op.padEnd(6)} ${pad(meps(one), 14)} ${pad(meps(pool), 10)} ${pad(meps(js), 10)}`);
  }
}

/** Spacing of float32 numbers at |r| (2^-149 below the normal range). */
function ulp32(r: number): number {
  const f = Math.fround(Math.abs(r));
  if (!Number.isFinite(f)) return 2 ** 104;
  const bits = new Uint32Array(new Float32Array([f]).buffer)[0] as number;
  const e = bits >>> 23;
  return e === 0 ? 2 ** -149 : 2 ** (e - 150);
}

/** Domain of each function's sweep (finite float32 inputs). */
const DOMAIN: Record<UnaryF32, [number, number]> = {
  exp: [-105, 89],
  log: [0, 3.4e38],
  sin: [-3.4e38, 3.4e38],
  cos: [-3.4e38, 3.4e38],
  tanh: [-3.4e38, 3.4e38],
  gelu: [-3.4e38, 3.4e38],
};

function accuracy(): void {
  const stride = quick ? 997 : 61;
  console.log(`\n== pointwise accuracy vs float64 Math.* (1 in ${stride} float32 bit patterns of the domain)`);
  console.log(
    `${"op".padEnd(6)} ${"domain".padEnd(22)} ${pad("inputs", 10)} ${pad("max ulp", 9)} ${pad("at x", 14)} ${pad("max abs (|f|<=2)", 17)} ${pad("bad specials", 12)}`,
  );
  const chunk = 1 << 20;
  const xs = new Float32Array(chunk);
  const xb = new Uint32Array(xs.buffer);
  const ys = new Float32Array(chunk);
  for (const op of ["exp", "log", "sin", "cos", "tanh"] as const) {
    const f = MATH[op];
    const [lo, hi] = DOMAIN[op];
    let maxUlp = 0;
    let at = 0;
    let maxAbs = 0;
    let bad = 0;
    let count = 0;
    let fill = 0;
    const flush = () => {
      unaryF32(op, xs, ys, fill);
      for (let i = 0; i < fill; i++) {
        const x = xs[i] as number;
        const r = f(x);
        const y = ys[i] as number;
        if (Number.isNaN(r) || !Number.isFinite(r) || !Number.isFinite(y)) {
          if (!Object.is(Math.fround(r), y) && !(Number.isNaN(r) && Number.isNaN(y))) bad++;
          continue;
        }
        const err = Math.abs(y - r);
        const u = err / ulp32(r);
        if (u > maxUlp) {
          maxUlp = u;
          at = x;
        }
        if (Math.abs(r) <= 2 && err > maxAbs) maxAbs = err;
      }
      count += fill;
      fill = 0;
    };
    for (let bits = 0; bits < 2 ** 32; bits += stride) {
      xb[fill] = bits;
      const x = xs[fill] as number;
      if (!(x >= lo && x <= hi)) continue;
      if (++fill === chunk) flush();
    }
    flush();
    console.log(
      `${op.padEnd(6)} ${`[${lo}, ${hi}]`.padEnd(22)} ${pad(count, 10)} ${pad(maxUlp.toFixed(3), 9)} ${pad(at.toPrecision(7), 14)} ${pad(maxAbs.toExponential(2), 17)} ${pad(bad, 12)}`,
    );
  }
}

function dispatch(): void {
  console.log("\n== pool dispatch round trip (an empty kernel call on the caller and one worker)");
  setNumThreads(2);
  waitForPool();
  resetArena();
  const p = arenaAlloc(64);
  const one = [[p, p, p, 0]];
  const two = [
    [p, p, p, 0],
    [p, p, p, 0],
  ];
  const t1 = time(() => parallel("vadd", one), 300, 100, 1000);
  const t2 = time(() => parallel("vadd", two), 500, 100, 1000);
  console.log(`caller only: best ${(t1.best * 1e6).toFixed(2)} us, median ${(t1.median * 1e6).toFixed(2)} us`);
  console.log(`with worker: best ${(t2.best * 1e6).toFixed(2)} us, median ${(t2.median * 1e6).toFixed(2)} us (back to back)`);
  // After the worker has gone to sleep in Atomics.wait.
  const cold: number[] = [];
  for (let i = 0; i < 30; i++) {
    const until = performance.now() + 5;
    while (performance.now() < until) {
      // let the worker's spin expire
    }
    const t0 = performance.now();
    parallel("vadd", two);
    cold.push((performance.now() - t0) * 1e3);
  }
  cold.sort((x, y) => x - y);
  console.log(`with a sleeping worker: best ${(cold[0] as number).toFixed(1)} us, median ${(cold[15] as number).toFixed(1)} us`);
  const small = random(8 * 8);
  const out = new Float32Array(64);
  const m = { data: small, offsets: [0], rowStride: 8, colStride: 1 };
  const t3 = time(() => sgemm(8, 8, 8, m, m, { data: out, offsets: [0], rowStride: 8, colStride: 1 }), 300, 100, 1000);
  console.log(`sgemm 8x8x8 end to end (copies included): best ${(t3.best * 1e6).toFixed(2)} us, median ${(t3.median * 1e6).toFixed(2)} us`);
}

function coldStart(): void {
  const n = 1024;
  const A = random(n * n);
  const C = new Float32Array(n * n);
  const a = { data: A, offsets: [0], rowStride: n, colStride: 1 };
  const c = { data: C, offsets: [0], rowStride: n, colStride: 1 };
  const t0 = performance.now();
  sgemm(n, n, n, a, a, c, { threads: 1 });
  const t1 = performance.now();
  sgemm(n, n, n, a, a, c, { threads: 1 });
  const t2 = performance.now();
  console.log(`first 1024^3 sgemm (module load + baseline code + tier-up): ${(t1 - t0).toFixed(1)} ms, second: ${(t2 - t1).toFixed(1)} ms`);
}

const rt = kernels();
console.log(
  `kernels: ${rt.relaxed ? "relaxed SIMD (FMA)" : "SIMD128 (mul + add)"}, memory ${rt.shared ? "shared" : "unshared"}, Node ${process.versions.node}`,
);
coldStart();
setNumThreads(2);
console.log(`pool: ${waitForPool()} worker(s) ready`);
benchSgemm();
benchShapes();
dispatch();
benchPointwise();
accuracy();
