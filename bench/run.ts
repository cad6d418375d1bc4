/**
 * The benchmark runner: `npm run bench [-- OPTIONS] [w1 ... w7]`.
 *
 * Runs each workload (bench/w1.ts ... w7.ts) in its own process, so the peak
 * RSS of each JSON line is that workload's own, and prints a table of the
 * headline figures (medians over --repeat processes).
 *
 *   w1 w3 ...            only these workloads (default: all seven)
 *   --repeat K           K processes per workload and library; the table shows medians
 *   --json OUT.jsonl     also write every JSON line (one per process) to OUT.jsonl
 *   --peers              also run the peer scripts of ../shared/bench (and bench/peers/w7_torch.py) beside Kindling: PyTorch with
 *                        one thread on OpenBLAS (as run_all.sh selects it) and TensorFlow.js (cpu and
 *                        wasm); the table then gives each peer's figure and the ratio Kindling / peer.
 *                        A peer that is not installed is skipped with a note.
 *   --peers-dir DIR      where the peer scripts are (default: env KINDLING_PEERS_DIR, else
 *                        ../shared/bench from the project root); tfjs is loaded from env
 *                        PEERS_NODE_DIR (default /tmp/peers/node), as the peer scripts do
 *   --node PATH          run Kindling's workloads under this Node binary (default: the runner's own).
 *                        Given several times, each Node gets its own column (K-node20, K-node24, ...)
 *                        and its own ratios to the peers, from the same run. The peers' scripts keep
 *                        the runner's Node.
 *   --scope              also run each of Kindling's configurations with every training step inside
 *                        torch.scope (W1, W2, W5, W6), as a second column (K-node20+scope, ...)
 *   --browser            run W1, W4 and W6 (or those named) in headless Chromium instead, on the CPU and
 *                        on WebGPU (bench/browser.ts); --device cpu|webgpu picks one
 *   --NAME VALUE         any other option goes to every workload process, peers included
 *                        (their names match: --iters, --steps, --rounds, --sizes, --n, --runs)
 *
 * Kindling's workloads run on the built package (dist/), as a user's program would: `npm run bench`
 * builds it first, and a stale or missing dist/ is an error.
 *
 * Peak RSS: Kindling's processes report their own (process.resourceUsage().maxRSS); the peers'
 * scripts print none, so it is measured from outside with `/usr/bin/time -f %M` (the same getrusage
 * figure), or, without /usr/bin/time, by polling the child's VmHWM in /proc/PID/status.
 */

import { type SpawnOptions, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BROWSER_WORKLOADS, runBrowser } from "./browser.js";
import { type Column, checksumReport, fmt, formatTable, type Json, num, tableRows } from "./table.js";
import { isMain } from "./util.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WORKLOADS = ["w1", "w2", "w3", "w4", "w5", "w6", "w7"];
/** The PyTorch scripts of Kindling's own workloads (W7), which ../shared/bench does not have. */
const OWN_PEERS = join(ROOT, "bench", "peers");
const PYTHON = "/usr/bin/python3"; // Debian's python, which has python3-torch (not a pyenv python3 on PATH)
const TIME = "/usr/bin/time";
const BLAS_OMP = "/usr/lib/x86_64-linux-gnu/openblas-openmp";

export interface Options {
  workloads: string[];
  repeat: number;
  json: string | undefined;
  peers: boolean;
  peersDir: string;
  /** The Node binaries to run Kindling's workloads under (empty: the runner's own). */
  nodes: string[];
  /** Also run Kindling's workloads with their steps inside torch.scope. */
  scope: boolean;
  /** Run in headless Chromium (bench/browser.ts) on these devices instead (empty: in Node). */
  browser: ("cpu" | "webgpu")[];
  forward: string[];
}

export function parseOptions(argv: readonly string[]): Options {
  const o: Options = {
    workloads: [],
    repeat: 1,
    json: undefined,
    peers: false,
    peersDir: "",
    nodes: [],
    scope: false,
    browser: [],
    forward: [],
  };
  let device: string | null = null;
  let peersDir = process.env["KINDLING_PEERS_DIR"] ?? resolve(ROOT, "../shared/bench");
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (WORKLOADS.includes(a)) o.workloads.push(a);
    else if (a === "--peers") o.peers = true;
    else if (a === "--scope") o.scope = true;
    else if (a === "--browser") o.browser = ["cpu", "webgpu"];
    else if (a === "--device") device = next();
    else if (a === "--repeat") o.repeat = Math.max(1, Number.parseInt(next(), 10) || 1);
    else if (a === "--json") o.json = resolve(next());
    else if (a === "--peers-dir") peersDir = resolve(next());
    else if (a === "--node") o.nodes.push(next());
    else if (a.startsWith("--")) o.forward.push(a, next());
    else throw new Error(`unknown workload or option '${a}' (workloads: ${WORKLOADS.join(" ")})`);
  }
  if (device !== null) {
    if (device !== "cpu" && device !== "webgpu") throw new Error(`--device takes cpu or webgpu, got '${device}'`);
    if (o.browser.length === 0) throw new Error("--device goes with --browser (in Node the workloads run on the CPU)");
    o.browser = [device];
  }
  if (o.browser.length > 0) {
    const other = o.workloads.filter((w) => !BROWSER_WORKLOADS.includes(w));
    if (other.length > 0) throw new Error(`--browser runs ${BROWSER_WORKLOADS.join(", ")}, not ${other.join(", ")}`);
    if (o.workloads.length === 0) o.workloads = [...BROWSER_WORKLOADS];
  }
  if (o.workloads.length === 0) o.workloads = [...WORKLOADS];
  o.peersDir = peersDir;
  return o;
}

// ----- the libraries to run ----------------------------------------------------

export interface Config extends Column {
  command(workload: string): { cmd: string; args: string[]; env: NodeJS.ProcessEnv; cwd: string };
  /** Whether the process reports its own peak_rss_mb. */
  selfRss: boolean;
  /** Whether it has a script for the workload (default: yes); TensorFlow.js's stop at W6. */
  has?(workload: string): boolean;
  /** What runs it, for the title: e.g. "Node v24.1.0 (/path/to/node)". */
  runtime?: string;
}

/** The version a Node binary reports (`node --version`); an Error naming `--node` when it does not run. */
function nodeVersion(path: string): string {
  const r = spawnSync(path, ["--version"], { encoding: "utf8" });
  const v = r.status === 0 ? r.stdout.trim() : "";
  if (!/^v\d+\.\d+\.\d+/.test(v)) {
    const why = r.error?.message ?? (r.stderr.trim() || `exit status ${r.status}`);
    throw new Error(`--node ${path}: this is not a Node binary that runs here (${why})`);
  }
  return v;
}

/**
 * The column names of Kindling under several Node versions: K-node<major>, the full version
 * where two majors agree, and a counter where two versions agree.
 */
function kindlingNames(versions: readonly string[]): string[] {
  const major = (v: string) => v.slice(1).split(".")[0] as string;
  const names = versions.map((v) => `K-node${versions.filter((u) => major(u) === major(v)).length > 1 ? v.slice(1) : major(v)}`);
  return names.map((n, i) =>
    names.indexOf(n) === i && names.lastIndexOf(n) === i ? n : `${n}#${names.slice(0, i + 1).filter((m) => m === n).length}`,
  );
}

/**
 * Kindling's workloads, one configuration per Node binary (the runner's own when `nodes` is empty).
 * They import "kindling" as a user's program does: the built package (dist/, compiled by tsc),
 * through bench/tsconfig.json, which drops the project's path mapping to src/ (tsx's on-the-fly
 * transform of src/ adds a name-keeping call to every closure it creates).
 */
export function kindlingConfigs(nodes: readonly string[], scoped = false): Config[] {
  const paths = nodes.length === 0 ? [process.execPath] : nodes;
  const versions = paths.map((p) => (p === process.execPath ? process.version : nodeVersion(p)));
  const names = paths.length === 1 ? ["kindling"] : kindlingNames(versions);
  const config = (path: string, i: number, scope: boolean): Config => ({
    name: `${names[i] as string}${scope ? "+scope" : ""}`,
    kindling: true,
    selfRss: true,
    runtime: `Node ${versions[i]} (${path})${scope ? ", steps inside torch.scope" : ""}`,
    command: (w) => ({
      cmd: path,
      args: ["--import", "tsx", join(ROOT, "bench", `${w}.ts`)],
      env: { TSX_TSCONFIG_PATH: join(ROOT, "bench", "tsconfig.json"), ...(scope ? { KINDLING_BENCH_SCOPE: "1" } : {}) },
      cwd: ROOT,
    }),
  });
  return paths.flatMap((path, i) => (scoped ? [config(path, i, false), config(path, i, true)] : [config(path, i, false)]));
}

/** The newest modification time of the files under `dir`. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Whether dist/ is built from the current src/ (`npm run bench` builds it first). */
function isBuilt(): boolean {
  const entry = join(ROOT, "dist", "index.js");
  return existsSync(entry) && statSync(entry).mtimeMs >= newestMtime(join(ROOT, "src"));
}

function hasAvx512(): boolean {
  try {
    return /\bavx512f\b/.test(readFileSync("/proc/cpuinfo", "utf8"));
  } catch {
    return false;
  }
}

/** PyTorch, 1 thread, on Debian's OpenMP OpenBLAS (run_all.sh's torch-t1 configuration). */
function torchConfig(dir: string, notes: string[]): Config | null {
  if (!existsSync(join(dir, "w1_torch.py"))) return null;
  const probe = spawnSync(PYTHON, ["-c", "import torch, numpy"], { stdio: "ignore" });
  if (probe.status !== 0) {
    notes.push(`torch-t1 skipped: ${PYTHON} cannot import torch and numpy (apt-get install python3-torch python3-numpy)`);
    return null;
  }
  const env: NodeJS.ProcessEnv = {};
  if (existsSync(BLAS_OMP)) env["LD_LIBRARY_PATH"] = BLAS_OMP;
  else notes.push(`torch-t1 runs on the default BLAS: ${BLAS_OMP} is missing (apt-get install libopenblas0-openmp)`);
  // run_all.sh forces OpenBLAS's AVX-512 kernels; on a CPU without AVX-512 they die with SIGILL,
  // so there OpenBLAS is left to pick its kernels for the CPU it finds.
  if (hasAvx512()) env["OPENBLAS_CORETYPE"] = "SkylakeX";
  else notes.push("torch-t1: this CPU has no AVX-512, so OPENBLAS_CORETYPE=SkylakeX (run_all.sh) is not set; OpenBLAS chose its kernels");
  return {
    name: "torch-t1",
    kindling: false,
    selfRss: false,
    command: (w) => ({ cmd: PYTHON, args: [`${w}_torch.py`, "--threads", "1"], env, cwd: torchDir(dir, w) }),
  };
}

/** Where the PyTorch script of a workload is: the project's bench/peers for its own workloads (W7), else the peers' directory. */
function torchDir(dir: string, workload: string): string {
  return existsSync(join(OWN_PEERS, `${workload}_torch.py`)) ? OWN_PEERS : dir;
}

/** TensorFlow.js with the cpu or wasm backend, from PEERS_NODE_DIR. */
function tfjsConfig(dir: string, backend: "cpu" | "wasm", notes: string[]): Config | null {
  const nodeDir = process.env["PEERS_NODE_DIR"] ?? "/tmp/peers/node";
  const pkg = backend === "cpu" ? "@tensorflow/tfjs" : "@tensorflow/tfjs-backend-wasm";
  if (!existsSync(join(dir, "w1_tfjs.mjs"))) return null;
  if (!existsSync(join(nodeDir, "node_modules", pkg, "package.json"))) {
    notes.push(`tfjs-${backend} skipped: ${pkg} is not installed in ${nodeDir} (see ${join(dir, "run_all.sh")})`);
    return null;
  }
  return {
    name: `tfjs-${backend}`,
    kindling: false,
    selfRss: false,
    runtime: `Node ${process.version} (${process.execPath})`,
    command: (w) => ({ cmd: process.execPath, args: [`${w}_tfjs.mjs`, "--backend", backend], env: { PEERS_NODE_DIR: nodeDir }, cwd: dir }),
    has: (w) => existsSync(join(dir, `${w}_tfjs.mjs`)),
  };
}

function peerConfigs(dir: string, notes: string[]): Config[] {
  if (!existsSync(dir)) {
    notes.push(`peers skipped: no peer scripts in ${dir} (use --peers-dir or KINDLING_PEERS_DIR)`);
    return [];
  }
  const found = [torchConfig(dir, notes), tfjsConfig(dir, "cpu", notes), tfjsConfig(dir, "wasm", notes)];
  return found.filter((c): c is Config => c !== null);
}

// ----- running one process -----------------------------------------------------

interface Finished {
  stdout: string;
  stderr: string;
  status: number | null;
  /** Peak RSS in KiB measured from outside, when asked for. */
  peakKb: number | undefined;
}

function vmHwmKb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs a command to its end, collecting its output and (with `measure`) its peak RSS. */
function runProcess(cmd: string, args: string[], opts: SpawnOptions, measure: boolean): Promise<Finished> {
  const useTime = measure && existsSync(TIME);
  const tmp = useTime ? mkdtempSync(join(tmpdir(), "kindling-bench-")) : "";
  const timeFile = join(tmp, "rss");
  const [file, argv] = useTime ? [TIME, ["-f", "%M", "-o", timeFile, cmd, ...args]] : [cmd, args];
  return new Promise((done) => {
    const child = spawn(file, argv, { ...opts, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let polled: number | undefined;
    const poll = measure && !useTime ? setInterval(() => (polled = Math.max(polled ?? 0, vmHwmKb(child.pid ?? -1) ?? 0)), 20) : undefined;
    child.stdout?.on("data", (d) => (stdout += d));
    child.stderr?.on("data", (d) => (stderr += d));
    child.on("error", (e) => (stderr += String(e)));
    child.on("close", (status) => {
      if (poll) clearInterval(poll);
      let peakKb = polled;
      if (useTime) {
        const last = existsSync(timeFile) ? readFileSync(timeFile, "utf8").trim().split("\n").pop() : undefined;
        peakKb = last !== undefined && /^\d+$/.test(last) ? Number(last) : undefined;
        rmSync(tmp, { recursive: true, force: true });
      }
      done({ stdout, stderr, status, peakKb });
    });
  });
}

function lastJsonLine(stdout: string): Json | undefined {
  const lines = stdout.trim().split("\n").reverse();
  for (const line of lines) {
    try {
      const v: unknown = JSON.parse(line);
      if (v !== null && typeof v === "object" && !Array.isArray(v)) return v as Json;
    } catch {
      // not the JSON line
    }
  }
  return undefined;
}

/** One process of one workload under one configuration, as a JSON record (status "failed" on error). */
async function runOne(config: Config, workload: string, forward: string[]): Promise<Json> {
  const { cmd, args, env, cwd } = config.command(workload);
  const t0 = performance.now();
  const r = await runProcess(cmd, [...args, ...forward], { cwd, env: { ...process.env, ...env } }, !config.selfRss);
  const wall = (performance.now() - t0) / 1e3;
  const d = lastJsonLine(r.stdout);
  if (r.status !== 0 || d === undefined) {
    const tail = r.stderr.trim().split("\n").slice(-6).join(" | ");
    return { workload, config: config.name, status: "failed", exit: r.status, stderr_tail: tail };
  }
  d["config"] = config.name;
  if (config.kindling) d["node_path"] = cmd;
  if (config.selfRss) d["peak_rss_source"] = "process.resourceUsage().maxRSS";
  else if (r.peakKb !== undefined) {
    d["peak_rss_mb"] = r.peakKb / 1024;
    d["peak_rss_source"] = existsSync(TIME) ? "/usr/bin/time -f %M" : "/proc/PID/status VmHWM (polled)";
  }
  d["wall_s"] = wall;
  return d;
}

// ----- main ----------------------------------------------------------------------

/** Runs every workload under every configuration, `repeat` processes each; records by `workload/config`. */
export async function runAll(
  o: Options,
  configs: readonly Config[],
  log = (_: string) => {},
): Promise<{ results: Map<string, Json[]>; lines: Json[] }> {
  const results = new Map<string, Json[]>();
  const lines: Json[] = [];
  for (const w of o.workloads) {
    // repeats interleave the libraries, so a slow spell of a shared machine hits them alike
    for (let r = 1; r <= o.repeat; r++) {
      for (const c of configs) {
        if (c.has !== undefined && !c.has(w)) continue;
        log(`${w} ${c.name} run ${r}/${o.repeat} ... `);
        const d = await runOne(c, w, o.forward);
        log(d["status"] === "failed" ? `FAILED: ${String(d["stderr_tail"])}\n` : `${fmt(num(d["wall_s"]))} s\n`);
        lines.push(d);
        results.set(`${w}/${c.name}`, [...(results.get(`${w}/${c.name}`) ?? []), d]);
      }
    }
  }
  return { results, lines };
}

/** The printed report: what ran where, the table, the checksums against PyTorch and the notes. */
export function report(
  o: Options,
  configs: readonly Config[],
  results: Map<string, Json[]>,
  notes: readonly string[],
  started: Date,
): string[] {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const out = [`Kindling benchmarks, ${started.toISOString()}, ${cpu} (${cpus().length} cores)`];
  for (const c of configs) if (c.runtime !== undefined) out.push(`  ${c.name}: ${c.runtime}`);
  const ks = configs.filter((c) => c.kindling).length;
  const k = ks === 1 ? "K/peer = Kindling's figure / the peer's" : "K-nodeN/peer = Kindling's figure under that Node / the peer's";
  out.push(`medians of ${o.repeat} process(es) per figure. ${k}: where lower is better`);
  out.push("(ms, us, MB) above 1x means Kindling is slower or larger; where higher is better (GFLOP/s) below 1x means slower.", "");
  out.push(...formatTable(tableRows(results, o.workloads, configs)));
  const sums = o.peers ? checksumReport(results, o.workloads, configs) : [];
  if (sums.length > 0)
    out.push("", "checksums: largest relative difference from torch-t1's (same inputs; float32 rounding only):", ...sums);
  if (notes.length > 0) out.push("", "notes:", ...notes.map((n) => `  ${n}`));
  return out;
}

async function main(): Promise<void> {
  let o: Options;
  let configs: Config[];
  const notes: string[] = [];
  try {
    o = parseOptions(process.argv.slice(2));
    configs = [...kindlingConfigs(o.nodes, o.scope), ...(o.peers ? peerConfigs(o.peersDir, notes) : [])];
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  if (!isBuilt()) {
    process.stderr.write("bench: dist/ is missing or older than src/; run `npm run build` first (`npm run bench` does)\n");
    process.exitCode = 1;
    return;
  }
  if (o.browser.length > 0) {
    await runBrowser({ workloads: o.workloads, devices: o.browser, forward: o.forward });
    return;
  }
  const started = new Date();
  const { results, lines } = await runAll(o, configs, (s) => process.stderr.write(s));
  if (o.json !== undefined) writeFileSync(o.json, `${lines.map((d) => JSON.stringify(d)).join("\n")}\n`);
  console.log(`\n${report(o, configs, results, notes, started).join("\n")}`);
  if (o.json !== undefined) console.log(`\nJSON lines written to ${o.json}`);
  // a failing peer is reported in its cells; only a failing Kindling run fails the command
  const kindling = new Set(configs.filter((c) => c.kindling).map((c) => c.name));
  if (lines.some((d) => d["status"] === "failed" && kindling.has(String(d["config"])))) process.exitCode = 1;
}

if (isMain(import.meta.url)) await main();
