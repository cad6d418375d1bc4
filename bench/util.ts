/**
 * Helpers of the benchmark runner and the workloads that do not load Kindling
 * (the runner, bench/run.ts, never imports it: it only starts processes).
 */

import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The median (mean of the middle two for an even count), as common.py's median. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return Number.NaN;
  return n % 2 === 1 ? (s[(n - 1) >> 1] as number) : 0.5 * ((s[n / 2 - 1] as number) + (s[n / 2] as number));
}

/** Whether the module at `moduleUrl` is the program being run (not imported). */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && resolve(script) === fileURLToPath(moduleUrl);
}
