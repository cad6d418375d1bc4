/**
 * The API reference (`npm run docs:api`, TypeDoc over the public entry
 * points, typedoc.json) builds without a warning: every public export
 * documented, every type it names exported, every {@link} resolved. And the
 * relative links of README.md and docs/*.md point to files that exist.
 */

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname;

describe("the API reference", () => {
  it("builds with every public export documented and no broken link", () => {
    let out = "";
    try {
      out = execFileSync(
        process.execPath,
        [join(root, "node_modules/typedoc/bin/typedoc"), "--treatWarningsAsErrors", "--out", join(root, "out/api-test")],
        { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
      );
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      out = `${err.stdout ?? ""}${err.stderr ?? ""}`;
    }
    const warnings = out.split("\n").filter((l) => /\[(warning|error)\]/.test(l) && !/Found 0 errors and 0 warnings/.test(l));
    expect(warnings).toEqual([]);
    expect(existsSync(join(root, "out/api-test/index.html"))).toBe(true);
  }, 120_000);

  it("README.md and docs/*.md link only to files that exist", () => {
    const files = [
      "README.md",
      ...readdirSync(join(root, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`),
    ];
    const broken: string[] = [];
    for (const f of files) {
      const text = readFileSync(join(root, f), "utf8");
      for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        const target = m[1] as string;
        if (/^[a-z]+:/.test(target)) continue; // http:, https:, mailto:
        if (!existsSync(join(root, dirname(f), target))) broken.push(`${f} -> ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
