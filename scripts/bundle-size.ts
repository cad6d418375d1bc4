/**
 * What Kindling adds to a browser bundle: esbuild bundles (minified, ES
 * modules, browser platform) of two programs over the built package, and
 * prints their sizes, raw and gzipped.
 *
 *   npm run size            # both programs
 *
 * `bundle(program)` is also what test/package/bundle.test.ts runs.
 */

import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { isMain } from "../bench/util.js";

const ROOT = new URL("..", import.meta.url).pathname;

/**
 * The programs measured: the whole library, and one factory function (which still brings
 * every op: each is a Tensor method; nn, optim, data and the rest are left out).
 */
export const PROGRAMS: Record<string, string> = {
  // Every export kept (the namespace is used as a whole): the whole library.
  "import * as torch": `import * as torch from "kindling";
const x = torch.tensor([1, 2, 3], { requiresGrad: true });
x.mul(x).sum().backward();
console.log(String(x.grad), Object.keys(torch).length > 100);`,
  "import { tensor }": `import { tensor } from "kindling";
const x = tensor([1, 2, 3], { requiresGrad: true });
x.mul(x).sum().backward();
console.log(String(x.grad));`,
};

/** The minified bundle of `program` (which imports "kindling") for a browser. */
export async function bundle(program: string): Promise<string> {
  const out = await build({
    stdin: { contents: program, resolveDir: ROOT, loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false,
    logLevel: "silent",
    // The Graphviz renderer toSvg loads on demand (2 MB of WebAssembly): a bundler puts it in a chunk of its own.
    external: ["@hpcc-js/wasm-graphviz"],
    // Resolve "kindling" as an installed package does (the built dist/, its package.json's
    // sideEffects), not through the project's path mapping to src/.
    tsconfig: `${ROOT}bench/tsconfig.json`,
  });
  return (out.outputFiles[0] as { text: string }).text;
}

async function main(): Promise<void> {
  for (const [name, program] of Object.entries(PROGRAMS)) {
    const code = await bundle(program);
    const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
    console.log(`${name.padEnd(20)} ${kb(Buffer.byteLength(code)).padStart(8)} minified, ${kb(gzipSync(code).length).padStart(7)} gzipped`);
  }
}

if (isMain(import.meta.url)) await main();
