/** Helpers to read the JSON fixtures recorded from PyTorch (test/fixtures, test/conformance). */

// A namespace import: a browser page gets Vite's stand-in for node:fs, which throws only when used.
import * as fs from "node:fs";
import type { DType, Tensor } from "kindling";
import * as torch from "kindling";

/**
 * The fixtures a browser page has (test/setup/browser_fixtures.ts loads them
 * all before the tests run; a page cannot read files), by path under test/.
 */
function preloaded(): Record<string, unknown> | undefined {
  return (globalThis as { __kindlingFixtures?: Record<string, unknown> }).__kindlingFixtures;
}

/** A JSON fixture, by its path under test/ ("fixtures/golden/core.json"). */
export function readJson<T>(path: string): T {
  const pre = preloaded();
  if (pre !== undefined) {
    if (!(path in pre)) throw new Error(`no fixture ${path} (is it under a folder test/setup/browser_fixtures.ts loads?)`);
    return structuredClone(pre[path]) as T;
  }
  return JSON.parse(fs.readFileSync(new URL(`../${path}`, import.meta.url), "utf8")) as T;
}

/** The names (without .json) of the JSON fixtures in a folder under test/ ("fixtures/golden"). */
export function jsonNames(dir: string): string[] {
  const pre = preloaded();
  const files =
    pre !== undefined
      ? Object.keys(pre)
          .filter((p) => p.startsWith(`${dir}/`) && !p.slice(dir.length + 1).includes("/"))
          .map((p) => p.slice(dir.length + 1))
      : fs.readdirSync(new URL(`../${dir}/`, import.meta.url));
  return files
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.replace(/\.json$/, ""))
    .sort();
}

export interface TensorJson {
  dtype: DType;
  shape: number[];
  data: (number | string | boolean)[];
  requires_grad?: boolean;
}

export function decode(v: number | string | boolean): number {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v === "nan") return Number.NaN;
  if (v === "inf") return Number.POSITIVE_INFINITY;
  if (v === "-inf") return Number.NEGATIVE_INFINITY;
  return Number(v);
}

/** A tensor with exactly the recorded values (bit-exact for float32 values). */
export function fromJson(t: TensorJson): Tensor {
  return torch
    .tensor(Float64Array.from(t.data.map(decode)), { dtype: t.dtype })
    .view(t.shape)
    .detach();
}
