/**
 * The benchmark runner: `npm run bench [-- OPTIONS] [w1 ... w6]`.
 *
 * Runs each workload (bench/w1.ts ... w6.ts) in its own process, so the peak
 * RSS of each JSON line is that workload's own, and prints a table of the
 * headline figures (medians over --repeat processes).
 *
 *   w1 w3 ...            only these workloads (default: all six)
 *   --repeat K           K processes per workload and library; the table shows medians
 *   --json OUT.jsonl     also write every JSON line (one per process) to OUT.jsonl
 *   --peers              also run the peer scripts of ../shared/bench beside Kindling: PyTorch with
 *                        one thread on OpenBLAS (as run_all.sh selects it) and TensorFlow.js (cpu and
 *                        wasm); the table then gives each peer's figure and the ratio Kindling / peer.
 *                        A peer that is not installed is skipped with a note.
 *   --peers-dir DIR      where the peer scripts are (default: env KINDLING_PEERS_DIR, else
 *                        ../shared/bench from the project root); tfjs is loaded from env
 *                        PEERS_NODE_DIR (default /tmp/peers/node), as the peer scripts do
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
import { median } from "./common.js";

type Json = Record<string, unknown>;

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WORKLOADS = ["w1", "w2", "w3", "w4", "w5", "w6"];
const PYTHON = "/usr/bin/python3"; // Debian's python, which has python3-torch (not a pyenv python3 on PATH)
const TIME = "/usr/bin/time";
const BLAS_OMP = "/usr/lib/x86_64-linux-gnu/openblas-openmp";

interface Options {
  workloads: string[];
  repeat: number;
  json: string | undefined;
  peers: boolean;
  peersDir: string;
  forward: string[];
}

function parseOptions(argv: readonly string[]): Options {
  const o: Options = { workloads: [], repeat: 1, json: undefined, peers: false, peersDir: "", forward: [] };
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
    else if (a === "--repeat") o.repeat = Math.max(1, Number.parseInt(next(), 10) || 1);
    else if (a === "--json") o.json = resolve(next());
    else if (a === "--peers-dir") peersDir = resolve(next());
    else if (a.startsWith("--")) o.forward.push(a, next());
    else throw new Error(`unknown workload or option '${a}' (workloads: ${WORKLOADS.join(" ")})`);
  }
  if (o.workloads.length === 0) o.workloads = [...WORKLOADS];
  o.peersDir = peersDir;
  return o;
}

// ----- the libraries to run ----------------------------------------------------

interface Config {
  /** Column name: kindling, torch-t1, tfjs-cpu, tfjs-wasm. */
  name: string;
  command(workload: string): { cmd: string; args: string[]; env: NodeJS.ProcessEnv; cwd: string };
  /** Whether the process reports its own peak_rss_mb. */
  selfRss: boolean;
}

/**
 * Kindling's workloads import "kindling" as a user's program does: the built
 * package (dist/, compiled by tsc), through bench/tsconfig.json, which drops
 * the project's path mapping to src/ (tsx's on-the-fly transform of src/ adds
 * a name-keeping call to every closure it creates).
 */
const kindling: Config = {
  name: "kindling",
  selfRss: true,
  command: (w) => ({
    cmd: process.execPath,
    args: ["--import", "tsx", join(ROOT, "bench", `${w}.ts`)],
    env: { TSX_TSCONFIG_PATH: join(ROOT, "bench", "tsconfig.json") },
    cwd: ROOT,
  }),
};

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
    selfRss: false,
    command: (w) => ({ cmd: PYTHON, args: [`${w}_torch.py`, "--threads", "1"], env, cwd: dir }),
  };
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
    selfRss: false,
    command: (w) => ({ cmd: process.execPath, args: [`${w}_tfjs.mjs`, "--backend", backend], env: { PEERS_NODE_DIR: nodeDir }, cwd: dir }),
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
  if (config.selfRss) d["peak_rss_source"] = "process.resourceUsage().maxRSS";
  else if (r.peakKb !== undefined) {
    d["peak_rss_mb"] = r.peakKb / 1024;
    d["peak_rss_source"] = existsSync(TIME) ? "/usr/bin/time -f %M" : "/proc/PID/status VmHWM (polled)";
  }
  d["wall_s"] = wall;
  return d;
}

// ----- the table ---------------------------------------------------------------

interface Figure {
  label: string;
  /** Which direction is better for this figure ("" when neither: accuracy). */
  better: "lower" | "higher" | "";
  value(d: Json): number | undefined;
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const key =
  (k: string, scale = 1) =>
  (d: Json): number | undefined => {
    const v = num(d[k]);
    return v === undefined ? undefined : v * scale;
  };

function w4Sizes(records: Json[]): string[] {
  const sizes = new Set<string>();
  for (const d of records) for (const n of Object.keys((d["sizes"] as Json | undefined) ?? {})) sizes.add(n);
  return [...sizes].sort((a, b) => Number(a) - Number(b));
}

function figures(workload: string, records: Json[]): Figure[] {
  const W = workload.toUpperCase();
  const counted = (k: string): number | undefined => records.map((d) => num(d[k])).find((v) => v !== undefined);
  const list: Figure[] = [];
  if (workload === "w1") list.push({ label: `W1 ms/iter (${counted("iters") ?? "?"} iters)`, better: "lower", value: key("ms_per_iter") });
  if (workload === "w2") {
    list.push({ label: `W2 total ms (${counted("iters") ?? "?"} steps)`, better: "lower", value: key("total_s", 1e3) });
    list.push({ label: "W2 accuracy", better: "", value: key("accuracy") });
  }
  if (workload === "w3") {
    for (const k of ["fwd", "bwd", "total"]) list.push({ label: `W3 ${k} us/op`, better: "lower", value: key(`${k}_us_per_op`) });
  }
  if (workload === "w4") {
    for (const n of w4Sizes(records)) {
      list.push({
        label: `W4 GFLOP/s n=${n}`,
        better: "higher",
        value: (d) => num(((d["sizes"] as Json | undefined)?.[n] as Json | undefined)?.["gflops"]),
      });
    }
  }
  if (workload === "w5") list.push({ label: "W5 median ms", better: "lower", value: key("median_ms") });
  if (workload === "w6") list.push({ label: `W6 ms/step (${counted("steps") ?? "?"} steps)`, better: "lower", value: key("ms_per_step") });
  list.push({ label: `${W} peak RSS MB`, better: "lower", value: key("peak_rss_mb") });
  return list;
}

/** summarize.py's number format: about three significant digits. */
function fmt(x: number | undefined): string {
  if (x === undefined) return "-";
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

function cell(records: Json[], fig: Figure): { text: string; value: number | undefined } {
  if (records.length === 0) return { text: "n/a", value: undefined };
  const values = records.map((d) => fig.value(d)).filter((v): v is number => v !== undefined);
  if (values.length === 0) return { text: records.some((d) => d["status"] === "failed") ? "failed" : "-", value: undefined };
  const m = median(values);
  return { text: fmt(m), value: m };
}

function tableRows(results: Map<string, Json[]>, workloads: string[], configs: Config[]): string[][] {
  const peers = configs.slice(1);
  const head = ["figure", "better", "kindling"];
  for (const p of peers) head.push(p.name, `K/${p.name}`);
  const rows = [head];
  for (const w of workloads) {
    const all = configs.flatMap((c) => results.get(`${w}/${c.name}`) ?? []);
    for (const fig of figures(w, all)) {
      const k = cell(results.get(`${w}/kindling`) ?? [], fig);
      const row = [fig.label, fig.better, k.text];
      for (const p of peers) {
        const c = cell(results.get(`${w}/${p.name}`) ?? [], fig);
        const ratio = k.value !== undefined && c.value !== undefined && c.value !== 0 && fig.better !== "" ? k.value / c.value : undefined;
        row.push(c.text, ratio === undefined ? "" : `${fmt(ratio)}x`);
      }
      rows.push(row);
    }
  }
  return rows;
}

function printTable(rows: string[][]): void {
  const widths = (rows[0] ?? []).map((_, j) => Math.max(...rows.map((r) => (r[j] ?? "").length)));
  const line = (r: string[]): string => r.map((s, j) => (j === 0 ? s.padEnd(widths[j] ?? 0) : s.padStart(widths[j] ?? 0))).join("  ");
  const [head, ...body] = rows;
  if (head === undefined) return;
  console.log(line(head));
  console.log(widths.map((n) => "-".repeat(n)).join("  "));
  for (const r of body) console.log(line(r));
}

// ----- checksums against PyTorch -------------------------------------------------

/** The numeric checksum leaves of a record: checksum.* (arrays flattened) and W4's sizes[n].checksum. */
function checksums(d: Json): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of Object.entries((d["checksum"] as Json | undefined) ?? {})) {
    const values: unknown[] = Array.isArray(v) ? v : [v];
    values.forEach((x, i) => {
      const n = num(x);
      if (n !== undefined) out.set(Array.isArray(v) ? `${k}[${i}]` : k, n);
    });
  }
  for (const [n, s] of Object.entries((d["sizes"] as Json | undefined) ?? {})) {
    const v = num((s as Json)["checksum"]);
    if (v !== undefined) out.set(`sum(C) n=${n}`, v);
  }
  return out;
}

/** The checksum of `d` farthest from `ref`'s, as a relative difference. */
function worstDifference(d: Json, ref: Json): string {
  const mine = checksums(d);
  let worst = { name: "", rel: 0 };
  for (const [name, want] of checksums(ref)) {
    const v = mine.get(name);
    const rel = v === undefined ? Number.POSITIVE_INFINITY : Math.abs(v - want) / Math.max(Math.abs(want), 1e-30);
    if (rel >= worst.rel) worst = { name, rel };
  }
  return `${worst.rel.toExponential(1)} (${worst.name})`;
}

/** Per workload: each library's largest relative checksum difference from PyTorch's (the peers' show the float32 noise). */
function checksumReport(results: Map<string, Json[]>, workloads: string[], configs: Config[]): string[] {
  const lines: string[] = [];
  const ok = (w: string, c: string): Json | undefined => (results.get(`${w}/${c}`) ?? []).find((d) => d["status"] !== "failed");
  for (const w of workloads) {
    const ref = ok(w, "torch-t1");
    if (ref === undefined) continue;
    const parts: string[] = [];
    for (const c of configs) {
      const d = c.name === "torch-t1" ? undefined : ok(w, c.name);
      if (d !== undefined) parts.push(`${c.name} ${worstDifference(d, ref)}`);
    }
    lines.push(`  ${w}: ${parts.join(", ")}`);
  }
  return lines;
}

// ----- main ----------------------------------------------------------------------

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (!isBuilt()) {
    process.stderr.write("bench: dist/ is missing or older than src/; run `npm run build` first (`npm run bench` does)\n");
    process.exitCode = 1;
    return;
  }
  const notes: string[] = [];
  const configs = [kindling, ...(o.peers ? peerConfigs(o.peersDir, notes) : [])];
  const results = new Map<string, Json[]>();
  const lines: Json[] = [];
  const started = new Date();
  for (const w of o.workloads) {
    // repeats interleave the libraries, so a slow spell of a shared machine hits them alike
    for (let r = 1; r <= o.repeat; r++) {
      for (const c of configs) {
        process.stderr.write(`${w} ${c.name} run ${r}/${o.repeat} ... `);
        const d = await runOne(c, w, o.forward);
        process.stderr.write(d["status"] === "failed" ? `FAILED: ${String(d["stderr_tail"])}\n` : `${fmt(num(d["wall_s"]))} s\n`);
        lines.push(d);
        results.set(`${w}/${c.name}`, [...(results.get(`${w}/${c.name}`) ?? []), d]);
      }
    }
  }
  if (o.json !== undefined) writeFileSync(o.json, `${lines.map((d) => JSON.stringify(d)).join("\n")}\n`);
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(`\nKindling benchmarks, ${started.toISOString()}, ${cpu} (${cpus().length} cores), Node ${process.version}`);
  console.log(`medians of ${o.repeat} process(es) per figure. K/peer = Kindling's figure / the peer's: where lower is better`);
  console.log("(ms, us, MB) above 1x means Kindling is slower or larger; where higher is better (GFLOP/s) below 1x means slower.\n");
  printTable(tableRows(results, o.workloads, configs));
  const report = o.peers ? checksumReport(results, o.workloads, configs) : [];
  if (report.length > 0)
    console.log(`\nchecksums: largest relative difference from torch-t1's (same inputs; float32 rounding only):\n${report.join("\n")}`);
  if (notes.length > 0) console.log(`\nnotes:\n${notes.map((n) => `  ${n}`).join("\n")}`);
  if (o.json !== undefined) console.log(`\nJSON lines written to ${o.json}`);
  // a failing peer is reported in its cells; only a failing Kindling run fails the command
  if (lines.some((d) => d["status"] === "failed" && d["config"] === "kindling")) process.exitCode = 1;
}

await main();
