/**
 * Runs the `@example` of every TSDoc comment in src/, and every ```ts block
 * of README.md and docs/*.md: each `console.log(expr); // expected` line (or
 * `console.log(expr);` followed by a `// expected` line) must print
 * `expected` (with `\n` standing for a newline), so the documentation cannot
 * drift from the code. Markdown sketches that are not programs are fenced
 * ```typescript instead, and are not run.
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
  // src/methods.ts copies the op functions' examples (tools/methodsgen.ts): they run where they are written.
  for (const file of sourceFiles(srcDir).filter((f) => !f.endsWith("/methods.ts"))) {
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

const root = new URL("../../", import.meta.url).pathname;

/** The ```ts blocks of the README and docs/, with the package import removed (torch is provided). */
function markdownExamples(): Example[] {
  const files = ["README.md", ...readdirSync(join(root, "docs")).map((f) => `docs/${f}`)].filter((f) => f.endsWith(".md"));
  const out: Example[] = [];
  for (const file of files) {
    const lines = readFileSync(join(root, file), "utf8").split("\n");
    lines.forEach((line, i) => {
      if (line.trim() !== "```ts") return;
      const end = lines.findIndex((l, j) => j > i && l.trim() === "```");
      const code = lines
        .slice(i + 1, end)
        .filter((l) => !/^import \* as torch from "kindling";$/.test(l.trim()))
        .join("\n");
      out.push({ where: `${file}:${i + 1}`, code });
    });
  }
  return out;
}

/** Rewrites `console.log(args); // expected` (or the expected text on the next line) into a checked call. */
function instrument(code: string): string {
  const lines = code.split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const inline = /^(\s*)console\.log\((.*)\);\s*\/\/ (.*)$/.exec(line);
    const next = /^\s*\/\/ (.*)$/.exec(lines[i + 1] ?? "");
    const bare = /^(\s*)console\.log\((.*)\);\s*$/.exec(line);
    const [indent, args, expected] =
      inline !== null ? [inline[1], inline[2], inline[3]] : bare !== null && next !== null ? [bare[1], bare[2], next[1]] : [];
    if (args === undefined) {
      out.push(line);
      continue;
    }
    out.push(`${indent}__check(${JSON.stringify((expected as string).replace(/\\n/g, "\n"))}, ${args});`);
  }
  return out.join("\n");
}

/** The constructor of async functions (an example may `await`). */
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>;

/** Runs an example with `console.log(...) // expected` lines turned into checks of what they print. */
async function runExample(code: string): Promise<void> {
  const js = transformSync(instrument(code), { loader: "ts", format: "esm" }).code;
  const checks: [string, string][] = [];
  const check = (expected: string, ...args: unknown[]) => checks.push([format(...args), expected]);
  const quiet = { log: () => undefined };
  await new AsyncFunction("torch", "__check", "console", js)(torch, check, quiet);
  for (const [actual, expected] of checks) expect(actual).toBe(expected);
}

const all = examples();
const markdown = markdownExamples();

describe("TSDoc examples run and print what they say", () => {
  it("there are examples", () => {
    expect(all.length).toBeGreaterThan(50);
  });

  it.each(all.map((e) => [e.where, e] as const))("%s", async (_, e) => {
    await runExample(e.code);
  });
});

describe("README and docs code blocks run and print what they say", () => {
  it("the README has blocks", () => {
    expect(markdown.filter((e) => e.where.startsWith("README")).length).toBeGreaterThan(1);
  });

  it.each(markdown.map((e) => [e.where, e] as const))("%s", async (_, e) => {
    await runExample(e.code);
  });
});
