/**
 * The benchmark runner's table (bench/run.ts): the headline figures of each
 * workload, one column per library (one per Node binary for Kindling, with
 * `--node`), each peer's figure with the ratio Kindling / peer, and the
 * checksum report against PyTorch.
 */

import { median } from "./util.js";

export type Json = Record<string, unknown>;

/** A column of the table: one library, or Kindling under one Node binary. */
export interface Column {
  /** kindling (K-node20, K-node24, ... with several Node binaries), torch-t1, tfjs-cpu, tfjs-wasm. */
  name: string;
  /** Whether it runs Kindling's workloads (the ratios divide these by the peers'). */
  kindling: boolean;
}

interface Figure {
  label: string;
  /** Which direction is better for this figure ("" when neither: accuracy). */
  better: "lower" | "higher" | "";
  value(d: Json): number | undefined;
}

export const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
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
  if (workload === "w7") list.push({ label: `W7 ms/step (${counted("steps") ?? "?"} steps)`, better: "lower", value: key("ms_per_step") });
  list.push({ label: `${W} peak RSS MB`, better: "lower", value: key("peak_rss_mb") });
  return list;
}

/** summarize.py's number format: about three significant digits. */
export function fmt(x: number | undefined): string {
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

/**
 * The table's rows (the first is the header): each figure, the direction that is better, Kindling's
 * figure (one column per Node binary), then for each peer its figure and the ratio of each Kindling
 * column to it (`K/peer`, or `K-node24/peer` with several Kindling columns).
 * `results` holds the records of each `workload/column name`.
 */
export function tableRows(results: Map<string, Json[]>, workloads: readonly string[], columns: readonly Column[]): string[][] {
  const ks = columns.filter((c) => c.kindling);
  const peers = columns.filter((c) => !c.kindling);
  const ratioName = (k: Column): string => (ks.length === 1 ? "K" : k.name);
  const head = ["figure", "better", ...ks.map((k) => k.name)];
  for (const p of peers) head.push(p.name, ...ks.map((k) => `${ratioName(k)}/${p.name}`));
  const rows = [head];
  for (const w of workloads) {
    const all = columns.flatMap((c) => results.get(`${w}/${c.name}`) ?? []);
    for (const fig of figures(w, all)) {
      const kCells = ks.map((k) => cell(results.get(`${w}/${k.name}`) ?? [], fig));
      const row = [fig.label, fig.better, ...kCells.map((k) => k.text)];
      for (const p of peers) {
        const c = cell(results.get(`${w}/${p.name}`) ?? [], fig);
        row.push(c.text);
        for (const k of kCells) {
          const ratio =
            k.value !== undefined && c.value !== undefined && c.value !== 0 && fig.better !== "" ? k.value / c.value : undefined;
          row.push(ratio === undefined ? "" : `${fmt(ratio)}x`);
        }
      }
      rows.push(row);
    }
  }
  return rows;
}

/** The rows as aligned text: the first column left-aligned, the others right-aligned, a rule under the header. */
export function formatTable(rows: readonly string[][]): string[] {
  const widths = (rows[0] ?? []).map((_, j) => Math.max(...rows.map((r) => (r[j] ?? "").length)));
  const line = (r: readonly string[]): string =>
    r.map((s, j) => (j === 0 ? s.padEnd(widths[j] ?? 0) : s.padStart(widths[j] ?? 0))).join("  ");
  const [head, ...body] = rows;
  if (head === undefined) return [];
  return [line(head), widths.map((n) => "-".repeat(n)).join("  "), ...body.map(line)];
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

/** Per workload: each column's largest relative checksum difference from PyTorch's (the peers' show the float32 noise). */
export function checksumReport(results: Map<string, Json[]>, workloads: readonly string[], columns: readonly Column[]): string[] {
  const lines: string[] = [];
  const ok = (w: string, c: string): Json | undefined => (results.get(`${w}/${c}`) ?? []).find((d) => d["status"] !== "failed");
  for (const w of workloads) {
    const ref = ok(w, "torch-t1");
    if (ref === undefined) continue;
    const parts: string[] = [];
    for (const c of columns) {
      const d = c.name === "torch-t1" ? undefined : ok(w, c.name);
      if (d !== undefined) parts.push(`${c.name} ${worstDifference(d, ref)}`);
    }
    lines.push(`  ${w}: ${parts.join(", ")}`);
  }
  return lines;
}
