/**
 * Runs every example program and compares what it prints with what its
 * PyTorch twin printed (examples/expected, recorded by
 * scripts/record/examples/record_all.sh). Tensors must print identically;
 * the two-layer nets' float32 training losses must agree to 1e-3 while they
 * are above float32 noise (as in the conformance corpus).
 */

import { spawnSync } from "node:child_process";
import { relative } from "node:path";
import { describe, expect, it } from "vitest";
import { examplePrograms, expectedOutput, root } from "../tools/examples.js";

function run(file: string): string {
  const r = spawnSync(process.execPath, ["--import", "tsx", file], { cwd: root, encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout;
}

/** Lines "step loss": steps equal; losses within rtol 1e-3, or both below 1e-3. */
function expectLossesClose(actual: string, expected: string): void {
  const parse = (s: string) =>
    s
      .trim()
      .split("\n")
      .map((l) => l.split(" ").map(Number) as [number, number]);
  const a = parse(actual);
  const e = parse(expected);
  expect(a.map(([t]) => t)).toEqual(e.map(([t]) => t));
  a.forEach(([, la], i) => {
    const le = (e[i] as [number, number])[1];
    if (le < 1e-3) expect(la).toBeLessThan(1e-3);
    else expect(Math.abs(la - le)).toBeLessThanOrEqual(1e-3 * le);
  });
}

describe("examples print what PyTorch prints", () => {
  const programs = examplePrograms().map((f) => [relative(root, f), f] as const);
  it.each(programs)("%s", (_, file) => {
    const expected = expectedOutput(file);
    expect(expected).not.toBeNull();
    const out = run(file);
    if (file.includes("two_layer_net")) expectLossesClose(out, expected as string);
    else expect(out).toBe(expected);
  });
});
