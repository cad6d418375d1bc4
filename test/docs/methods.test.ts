/**
 * src/methods.ts is generated from the op functions (tools/methodsgen.ts),
 * and every Tensor method, generated or written by hand, carries TSDoc.
 */

import { readFileSync } from "node:fs";
import * as torch from "kindling";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { METHODS, methodsSource } from "../../tools/methodsgen.js";

const read = (file: string) => readFileSync(new URL(`../../src/${file}`, import.meta.url), "utf8");

/** Each method of the file's classes, whether its declaration has a TSDoc comment, and whether that has an @example. */
function methodDocs(file: string): [string, boolean, boolean][] {
  const source = ts.createSourceFile(file, read(file), ts.ScriptTarget.ES2022, true);
  const out: [string, boolean, boolean][] = [];
  for (const cls of source.statements.filter(ts.isClassDeclaration)) {
    for (const m of cls.members.filter(ts.isMethodDeclaration)) {
      // the implementation behind overloads carries none: each overload does
      const overloaded = m.body !== undefined && cls.members.some((o) => o !== m && o.name?.getText() === m.name.getText());
      const docs = ts.getJSDocCommentsAndTags(m);
      if (!overloaded) out.push([m.name.getText(), docs.length > 0, docs.some((d) => d.getText().includes("@example"))]);
    }
  }
  return out;
}

describe("src/methods.ts", () => {
  it("is up to date (run npm run gen:methods)", () => {
    expect(read("methods.ts")).toBe(methodsSource());
  });

  it("installs every listed method and the hand-written ones on Tensor", () => {
    const x = torch.ones(2);
    const listed = Object.values(METHODS).flatMap((names) => names.map((n) => n.split("=")[0] as string));
    const custom = methodDocs("methods_custom.ts").map(([name]) => name);
    expect(custom).toEqual(expect.arrayContaining(["backward", "add_", "where", "float"]));
    for (const name of [...listed, ...custom]) expect(typeof (x as unknown as Record<string, unknown>)[name], name).toBe("function");
  });

  it.each(["methods.ts", "methods_custom.ts"])("every method of %s has TSDoc (hover docs)", (file) => {
    const docs = methodDocs(file);
    expect(docs.length).toBeGreaterThan(file === "methods.ts" ? 150 : 5);
    expect(docs.filter(([, has]) => !has).map(([name]) => name)).toEqual([]);
  });

  it.each(["methods.ts", "methods_custom.ts"])("every method of %s has an @example", (file) => {
    expect(
      methodDocs(file)
        .filter(([, , example]) => !example)
        .map(([name]) => name),
    ).toEqual([]);
  });
});
