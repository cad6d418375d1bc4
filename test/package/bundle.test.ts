/**
 * A bundler's view of the package (scripts/bundle-size.ts): esbuild bundles,
 * minified for a browser, of a program using the whole library and one using
 * `tensor` only. Both run; the second leaves nn, optim and the rest out
 * (package.json "sideEffects" names the modules that must stay).
 */

import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bundle, PROGRAMS } from "../../scripts/bundle-size.js";

const dir = mkdtempSync(join(tmpdir(), "kindling-bundle-"));

function runBundle(name: string, code: string): string {
  const file = join(dir, `${name.replace(/\W+/g, "_")}.mjs`);
  writeFileSync(file, code);
  return execFileSync(process.execPath, [file], { encoding: "utf8" }).trim();
}

describe("bundles of the package", () => {
  it("run, and a program using only tensor() leaves the rest of the library out", async () => {
    const whole = await bundle(PROGRAMS["import * as torch"] as string);
    const one = await bundle(PROGRAMS["import { tensor }"] as string);
    expect(runBundle("whole", whole)).toBe("tensor([2., 4., 6.]) true");
    expect(runBundle("one", one)).toBe("tensor([2., 4., 6.])");
    expect(one.length).toBeLessThan(0.8 * whole.length);
    expect(one).not.toContain("is missing the required"); // nothing of nn.Module
    expect(whole).toContain("is missing the required");
  });
});
