/**
 * Runs the `@example` of every TSDoc comment in src/: each
 * `console.log(expr); // expected` line must print `expected` (with `\n`
 * standing for a newline), so the documentation cannot drift from the code.
 */

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { format } from "node:util";
import { transformSync } from "esbuild";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";

const srcDir = new URL("../../src/", import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

interface Example {
  where: string;
  code: string;
}

/** The fenced code of every @example, with its file and line. */
function examples(): Example[] {
  const out: Example[] = [];
  for (const file of sourceFiles(srcDir)) {
    const lines = readFileSync(file, "utf8").split("\n");
    lines.forEach((line, i) => {
      if (!/^\s*\* @example/.test(line)) return;
      const start = lines.findIndex((l, j) => j > i && /^\s*\* ```ts/.test(l));
      const end = lines.findIndex((l, j) => j > start && /^\s*\* ```\s*$/.test(l));
      if (start < 0 || end < 0) throw new Error(`${relative(srcDir, file)}:${i + 1}: @example without a ts code block`);
      const code = lines
        .slice(start + 1, end)
        .map((l) => l.replace(/^\s*\* ?/, ""))
        .join("\n");
      out.push({ where: `${relative(srcDir, file)}:${i + 1}`, code });
    });
  }
  return out;
}

/** Rewrites `console.log(args); // expected` into a checked call. */
function instrument(code: string): string {
  return code
    .split("\n")
    .map((line) => {
      const m = /^(\s*)console\.log\((.*)\);\s*\/\/ (.*)$/.exec(line);
      if (m === null) return line;
      const expected = (m[3] as string).replace(/\\n/g, "\n");
      return `${m[1]}__check(${JSON.stringify(expected)}, ${m[2]});`;
    })
    .join("\n");
}

const all = examples();

describe("TSDoc examples run and print what they say", () => {
  it("there are examples", () => {
    expect(all.length).toBeGreaterThan(50);
  });

  it.each(all.map((e) => [e.where, e] as const))("%s", (_, e) => {
    const js = transformSync(instrument(e.code), { loader: "ts", format: "cjs" }).code;
    const checks: [string, string][] = [];
    const check = (expected: string, ...args: unknown[]) => checks.push([format(...args), expected]);
    const quiet = { log: () => undefined };
    new Function("torch", "__check", "console", js)(torch, check, quiet);
    for (const [actual, expected] of checks) expect(actual).toBe(expected);
  });
});
