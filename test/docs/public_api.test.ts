/**
 * The public index (src/index.ts) names every export: no `export *` of a
 * module (internal kernels leaked that way), and nothing it exports is
 * marked `@internal`.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as torch from "kindling";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const src = new URL("../../src/", import.meta.url).pathname;
const indexFile = join(src, "index.ts");

/** The statement holding a declaration's TSDoc (`export const [a, a_] = ...` documents both). */
function statementOf(decl: ts.Node): ts.Node {
  let n = decl;
  while (n.parent !== undefined && !ts.isSourceFile(n.parent)) n = n.parent;
  return n;
}

/** `name (file)` of every export of the index whose declaration is documented `@internal`. */
function internalExports(): string[] {
  const program = ts.createProgram([indexFile], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(indexFile) as ts.SourceFile);
  const found: string[] = [];
  for (const exported of module === undefined ? [] : checker.getExportsOfModule(module)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    for (const decl of symbol.declarations ?? []) {
      const statement = statementOf(decl);
      const docs = ts.getJSDocCommentsAndTags(statement).map((d) => d.getText());
      if (docs.some((d) => /@internal\b/.test(d))) found.push(`${exported.name} (${decl.getSourceFile().fileName.slice(src.length)})`);
    }
  }
  return found;
}

describe("the public index", () => {
  it("lists its exports by name (no export * of a module)", () => {
    const text = readFileSync(indexFile, "utf8");
    expect(text.match(/^export \* from .*$/gm) ?? []).toEqual([]);
  });

  it("exports nothing marked @internal", () => {
    expect(internalExports()).toEqual([]);
  });

  it("keeps the backward kernels and the raw-array constructor internal", () => {
    for (const name of ["tanhBackward", "sigmoidBackward", "thresholdBackward", "fromTypedArray"]) expect(torch).not.toHaveProperty(name);
    // the ops PyTorch has at top level stay
    for (const name of ["tanh", "sigmoid", "relu", "frombuffer", "getNumThreads", "setNumThreads"]) expect(torch).toHaveProperty(name);
  });
});
