/** The conformance runner's command-line contract (`npm run conformance`). */

import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

describe("npm run conformance", () => {
  const root = new URL("../../", import.meta.url).pathname;
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", "scripts/conformance.ts", ...args], { cwd: root, encoding: "utf8" });

  it("prints one line per failing case, the summary last, and exits non-zero on failures", () => {
    const dir = mkdtempSync(join(tmpdir(), "kindling-"));
    const out = join(dir, "report.json");
    const r = run("test/fixtures/runner_selftest.json", "--json", out);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toEqual([
      "FAIL selftest/wrong-value: value y: element 1 is 6, expected 7 (rtol 0.00001, atol 1e-8)",
      "FAIL selftest/unknown-op: unsupported op frobnicate",
      "conformance: 2 passed, 2 failed",
    ]);
    expect(r.status).toBe(1);
    const report = JSON.parse(readFileSync(out, "utf8"));
    expect(report.passed).toBe(2);
    expect(report.failed).toBe(2);
    expect(report.failures.map((f: { id: string }) => f.id)).toEqual(["selftest/wrong-value", "selftest/unknown-op"]);
  });

  it("exits 0 when every case passes", () => {
    const stdout = execFileSync(process.execPath, ["--import", "tsx", "scripts/conformance.ts", "test/conformance/seeds.json"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(stdout.trim().split("\n").at(-1)).toBe("conformance: 36 passed, 0 failed");
  });
});
