/**
 * A pool of worker threads running the WebAssembly kernels on the module's
 * shared memory, with a synchronous API: the calling thread hands each worker
 * a kernel call through a shared control block, does its own share of the
 * work, then blocks on `Atomics.wait` until the workers are done.
 *
 * - One worker per extra core: `os.availableParallelism() - 1` in Node,
 *   `navigator.hardwareConcurrency - 1` in browsers; `setNumThreads` changes it.
 * - Started lazily, the first time a kernel asks for threads; workers boot in
 *   the background and join once ready (until then kernels run on the calling
 *   thread), so no call ever waits for a worker to start. `waitForPool()`
 *   blocks until they are ready.
 * - Workers never keep a Node process alive (`unref`).
 * - Needs shared memory and a calling thread that may block: Node (main
 *   thread and workers); in browsers a cross-origin-isolated page's workers.
 *   A browser's main thread cannot block, so there the kernels run on the
 *   calling thread only.
 * - The worker source is a string (Node: `eval: true`; browsers: a Blob URL),
 *   so no separate file needs to be found on disk or by a bundler.
 */

import { ArgumentError } from "../../core/errors.js";
import { dropRuntime, KERNEL_NAMES, type KernelName, kernels, type WasmMemory, wasmRuntime } from "./module.js";

/** Bytes of control block per worker: int32 flags, then float64 arguments. */
const SLOT = 256;
const ARGS = 64;
const MAX_ARGS = 16;
// Int32 indices within a slot.
const SEQ = 0;
const DONE = 1;
const READY = 2;
const ERROR = 3;
const FN = 4;
const ARGC = 5;

/** How long a worker spins on its slot after a job before sleeping in Atomics.wait (ms). */
const WORKER_SPIN_MS = 0.2;
/** How long the caller spins for a worker's result before sleeping (ms). */
const CALLER_SPIN_MS = 2;

const WORKER_SOURCE = `"use strict";
function start(d) {
  const instance = new WebAssembly.Instance(d.module, { env: { memory: d.memory, sin: Math.sin, cos: Math.cos } });
  const fns = d.names.map((n) => instance.exports[n]);
  const ctl = new Int32Array(d.control, d.index * ${SLOT}, ${ARGS / 4});
  const args = new Float64Array(d.control, d.index * ${SLOT} + ${ARGS}, ${MAX_ARGS});
  const spin = d.spinMs;
  Atomics.store(ctl, ${READY}, 1);
  Atomics.notify(ctl, ${READY});
  let seen = 0;
  for (;;) {
    let seq = Atomics.load(ctl, ${SEQ});
    if (seq === seen) {
      const until = performance.now() + spin;
      while ((seq = Atomics.load(ctl, ${SEQ})) === seen && performance.now() < until) {}
      if (seq === seen) {
        Atomics.wait(ctl, ${SEQ}, seen);
        continue;
      }
    }
    seen = seq;
    let failed = 0;
    try {
      const n = ctl[${ARGC}];
      const a = [];
      for (let i = 0; i < n; i++) a.push(args[i]);
      fns[ctl[${FN}]](...a);
    } catch (e) {
      failed = 1;
    }
    Atomics.store(ctl, ${ERROR}, failed);
    Atomics.store(ctl, ${DONE}, seq);
    Atomics.notify(ctl, ${DONE});
  }
}
if (typeof process === "object" && process.versions && process.versions.node) {
  import("node:worker_threads").then((m) => start(m.workerData));
} else {
  self.onmessage = (e) => start(e.data);
}
`;

interface WorkerHandle {
  terminate(): unknown;
}

interface Slot {
  readonly ctl: Int32Array;
  readonly args: Float64Array;
  seq: number;
}

interface Pool {
  readonly memory: WasmMemory;
  readonly workers: WorkerHandle[];
  readonly slots: Slot[];
}

type NodeWorkerCtor = new (
  src: string,
  opts: { eval: true; workerData: unknown; execArgv: string[] },
) => WorkerHandle & { unref(): void; on(ev: string, f: (e: unknown) => void): void };
interface NodeProcess {
  versions?: { node?: string };
  getBuiltinModule?: (id: string) => unknown;
}
interface BrowserGlobals {
  navigator?: { hardwareConcurrency?: number };
  crossOriginIsolated?: boolean;
  Worker?: new (url: string) => WorkerHandle & { postMessage(m: unknown): void };
  Blob?: new (parts: string[], opts: { type: string }) => unknown;
  URL: { createObjectURL?(blob: unknown): string; revokeObjectURL?(url: string): void };
}

let pool: Pool | null = null;
let poolFailed = false;
let requestedThreads: number | undefined;
let blockingProbe: boolean | undefined;

function nodeProcess(): NodeProcess | undefined {
  const p = (globalThis as { process?: NodeProcess }).process;
  return p?.versions?.node !== undefined ? p : undefined;
}

/** Logical cores available to this process. */
export function hardwareThreads(): number {
  hardware ??= countHardwareThreads();
  return hardware;
}

let hardware: number | undefined;

function countHardwareThreads(): number {
  const proc = nodeProcess();
  if (proc !== undefined) {
    const os = proc.getBuiltinModule?.("node:os") as { availableParallelism?: () => number; cpus(): unknown[] } | undefined;
    if (os !== undefined) return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
    return 1;
  }
  return Math.max(1, (globalThis as BrowserGlobals).navigator?.hardwareConcurrency ?? 1);
}

/** Whether this thread may block in Atomics.wait (false on a browser's main thread). */
function canBlock(): boolean {
  if (blockingProbe === undefined) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      blockingProbe = true;
    } catch {
      blockingProbe = false;
    }
  }
  return blockingProbe;
}

/**
 * Threads kernels use, the calling one included: what `setNumThreads` asked
 * for (default: the hardware's), or 1 where no kernel thread can run (no
 * shared WebAssembly memory, a thread that may not block such as a browser
 * page's main thread, no workers) or the pool failed to start.
 */
export function getNumThreads(): number {
  const wanted = wantedThreads();
  return wanted > 1 && (poolFailed || !poolPossible()) ? 1 : wanted;
}

/** Threads kernels may use as asked for (or the hardware's), whether or not a pool can run here. */
function wantedThreads(): number {
  return requestedThreads ?? hardwareThreads();
}

let possible: boolean | undefined;

/** Whether kernel threads can run here: shared memory, a calling thread that may block, and workers. */
function poolPossible(): boolean {
  possible ??= checkPoolPossible();
  return possible;
}

function checkPoolPossible(): boolean {
  const rt = wasmRuntime();
  if (rt === null || !rt.shared || !canBlock()) return false;
  const proc = nodeProcess();
  return proc !== undefined ? nodeWorkers(proc) !== undefined : browserWorkers() !== null;
}

/** Node's worker_threads, where this Node reaches it synchronously from an ES module (20.16+). */
function nodeWorkers(proc: NodeProcess): { Worker: NodeWorkerCtor } | undefined {
  return proc.getBuiltinModule?.("node:worker_threads") as { Worker: NodeWorkerCtor } | undefined;
}

/** What a browser needs to start workers on shared memory (a cross-origin isolated context), or null. */
function browserWorkers(): { Worker: NonNullable<BrowserGlobals["Worker"]>; sourceUrl(source: string): string } | null {
  const g = globalThis as unknown as BrowserGlobals;
  const { Worker, Blob, URL: urls } = g;
  const create = urls.createObjectURL;
  if (g.crossOriginIsolated !== true || Worker === undefined || Blob === undefined || create === undefined) return null;
  return { Worker, sourceUrl: (source) => create.call(urls, new Blob([source], { type: "text/javascript" })) };
}

/**
 * Resolves once the kernel threads have started (at once where none run),
 * with the number of threads kernels use: the awaitable form of a pool that
 * boots in the background, for a browser worker that may not block while
 * waiting.
 */
export async function ready(timeoutMs = 10_000): Promise<number> {
  const end = performance.now() + timeoutMs;
  let n = readyWorkers();
  while (pool !== null && n < pool.slots.length && performance.now() < end) {
    await new Promise((r) => setTimeout(r, 5));
    n = readyWorkers();
  }
  return 1 + n;
}

/** Sets how many threads kernels may use, the calling one included (like torch.set_num_threads); 1 disables the pool. */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`setNumThreads: expected a positive integer for 'n', got ${n}`);
  requestedThreads = n;
  if (pool !== null && pool.workers.length !== n - 1) shutdownPool();
}

function startPool(): Pool | null {
  const workersWanted = wantedThreads() - 1;
  const rt = wasmRuntime();
  if (workersWanted < 1 || rt === null || !poolPossible()) return null;
  const control = new SharedArrayBuffer(SLOT * workersWanted);
  const slots: Slot[] = [];
  for (let i = 0; i < workersWanted; i++) {
    slots.push({ ctl: new Int32Array(control, i * SLOT, ARGS / 4), args: new Float64Array(control, i * SLOT + ARGS, MAX_ARGS), seq: 0 });
  }
  const data = (index: number) => ({
    module: rt.module,
    memory: rt.memory,
    control,
    index,
    names: KERNEL_NAMES,
    spinMs: WORKER_SPIN_MS,
  });
  const workers: WorkerHandle[] = [];
  const proc = nodeProcess();
  try {
    if (proc !== undefined) {
      const wt = nodeWorkers(proc);
      if (wt === undefined) return null;
      // No inherited options: the parent's loaders (tsx) or --input-type would change how the source
      // is evaluated, and V8 flags (--experimental-wasm-*) are process-wide anyway.
      const execArgv: string[] = [];
      for (let i = 0; i < workersWanted; i++) {
        const w = new wt.Worker(WORKER_SOURCE, { eval: true, workerData: data(i), execArgv });
        w.unref();
        // A worker that fails to start never sets READY and is never used.
        w.on("error", () => {});
        workers.push(w);
      }
    } else {
      const g = browserWorkers();
      if (g === null) return null;
      const url = g.sourceUrl(WORKER_SOURCE);
      for (let i = 0; i < workersWanted; i++) {
        const w = new g.Worker(url);
        w.postMessage(data(i));
        workers.push(w);
      }
    }
  } catch {
    for (const w of workers) w.terminate();
    return null;
  }
  return { memory: rt.memory, workers, slots };
}

/**
 * Workers ready to take work now, starting the pool on first use (0 until its
 * workers have booted, and where no pool can run).
 */
export function readyWorkers(): number {
  if (getNumThreads() < 2) return 0;
  const rt = wasmRuntime();
  if (pool !== null && rt !== null && pool.memory !== rt.memory) shutdownPool();
  if (pool === null) {
    if (poolFailed) return 0;
    pool = startPool();
    if (pool === null) {
      poolFailed = true;
      return 0;
    }
  }
  let n = 0;
  for (const s of pool.slots) {
    if (Atomics.load(s.ctl, READY) !== 1) break;
    n++;
  }
  return n;
}

/**
 * Starts the pool if needed and blocks until every worker is ready (or
 * `timeoutMs` passes); returns the number of ready workers.
 */
export function waitForPool(timeoutMs = 10_000): number {
  readyWorkers();
  if (pool === null) return 0;
  const end = performance.now() + timeoutMs;
  for (const s of pool.slots) {
    for (;;) {
      if (Atomics.load(s.ctl, READY) === 1) break;
      const left = end - performance.now();
      if (left <= 0) return readyWorkers();
      Atomics.wait(s.ctl, READY, 0, left);
    }
  }
  return pool.slots.length;
}

/** Whether the pool's workers exist (started, ready or not). */
export function poolStarted(): boolean {
  return pool !== null;
}

/** Terminates the workers; the next kernel that wants threads starts new ones. */
export function shutdownPool(): void {
  if (pool !== null) for (const w of pool.workers) w.terminate();
  pool = null;
  poolFailed = false;
  possible = undefined;
}

/**
 * Runs `fn` once per argument list, concurrently: `jobs[0]` on the calling
 * thread and `jobs[i]` on worker i - 1 (which must be ready: see
 * readyWorkers). Returns when all are done; rethrows a worker's failure.
 */
export function parallel(fn: KernelName, jobs: readonly (readonly number[])[]): void {
  const rt = kernels();
  const f = rt.exports[fn] as (...args: number[]) => void;
  const first = jobs[0];
  if (first === undefined) return;
  if (jobs.length === 1) {
    f(...first);
    return;
  }
  const p = pool;
  if (p === null || jobs.length - 1 > p.slots.length) throw new Error("wasm pool: more jobs than ready workers");
  const fnIndex = KERNEL_NAMES.indexOf(fn);
  for (let w = 1; w < jobs.length; w++) {
    const s = p.slots[w - 1] as Slot;
    const args = jobs[w] as readonly number[];
    s.args.set(args);
    s.ctl[FN] = fnIndex;
    s.ctl[ARGC] = args.length;
    s.seq = (s.seq + 1) | 0 || 1;
    Atomics.store(s.ctl, SEQ, s.seq);
    Atomics.notify(s.ctl, SEQ, 1);
  }
  let error: unknown;
  try {
    f(...first);
  } catch (e) {
    error = e;
  }
  let failed = false;
  for (let w = 1; w < jobs.length; w++) {
    const s = p.slots[w - 1] as Slot;
    let done = Atomics.load(s.ctl, DONE);
    if (done !== s.seq) {
      const until = performance.now() + CALLER_SPIN_MS;
      while (done !== s.seq && performance.now() < until) done = Atomics.load(s.ctl, DONE);
      while (done !== s.seq) {
        Atomics.wait(s.ctl, DONE, done);
        done = Atomics.load(s.ctl, DONE);
      }
    }
    if (Atomics.load(s.ctl, ERROR) !== 0) failed = true;
  }
  if (error !== undefined) throw error;
  if (failed) throw new Error(`wasm pool: kernel ${fn} failed in a worker`);
}

/**
 * Terminates the pool and drops the module's memory so the GC can reclaim
 * it (WebAssembly memory never shrinks); the next kernel call starts afresh.
 */
export function releaseWasm(): void {
  shutdownPool();
  dropRuntime();
}
