/**
 * The browser demo (demo/): the autograd playground and the digits MLP
 * trained in a Web Worker with a live loss plot. Bundles the page and the
 * worker with esbuild over the built package, and serves them on 127.0.0.1
 * with the headers that make the page cross-origin isolated (so the worker
 * gets kernel threads).
 *
 *   npm run demo                 # builds, serves http://127.0.0.1:8321/
 *   npm run demo -- --port 9000
 *   npm run demo -- --build      # only writes out/demo/
 *
 * `?epochs=N` in the page's address sets the training length (default 20).
 */

import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { extname, join, normalize } from "node:path";
import { build } from "esbuild";
import { isMain } from "../bench/util.js";

const ROOT = new URL("..", import.meta.url).pathname;
export const OUT = join(ROOT, "out", "demo");
const DIGITS = join(ROOT, "examples", "data", "digits.csv.gz");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".gz": "application/gzip",
};

/** Bundles demo/ into out/demo/ (the page script, the worker, the HTML and CSS, uPlot's CSS). */
export async function buildDemo(): Promise<void> {
  if (!existsSync(join(ROOT, "dist", "index.js"))) throw new Error("dist/ is missing: run `npm run build` first (`npm run demo` does)");
  mkdirSync(OUT, { recursive: true });
  await build({
    entryPoints: { main: join(ROOT, "demo", "main.ts"), "train.worker": join(ROOT, "demo", "train.worker.ts") },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    outdir: OUT,
    sourcemap: true,
    logLevel: "warning",
    // "kindling" is the built package, as a user's bundler finds it (not the project's path mapping to src/).
    tsconfig: join(ROOT, "bench", "tsconfig.json"),
  });
  for (const f of ["index.html", "page.css"]) copyFileSync(join(ROOT, "demo", f), join(OUT, f));
  copyFileSync(join(ROOT, "node_modules", "uplot", "dist", "uPlot.min.css"), join(OUT, "uPlot.min.css"));
}

/** Serves out/demo/ (and the digits data at /data/digits.csv.gz) on 127.0.0.1; resolves with the server once listening. */
export function serveDemo(port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
    const file = path === "/data/digits.csv.gz" ? DIGITS : join(OUT, normalize(path === "/" ? "/index.html" : path));
    if (!file.startsWith(OUT) && file !== DIGITS) {
      res.writeHead(403).end();
      return;
    }
    if (!existsSync(file)) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, {
      "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
      // Cross-origin isolation: SharedArrayBuffer, and kernel threads in the worker.
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
      "Cache-Control": "no-store",
    });
    res.end(readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf("--port");
  const port = at >= 0 ? Number(args[at + 1]) : 8321;
  await buildDemo();
  if (args.includes("--build")) {
    console.log(`demo: built ${OUT}`);
    return;
  }
  await serveDemo(port);
  console.log(`demo: http://127.0.0.1:${port}/  (Ctrl-C stops it)`);
}

if (isMain(import.meta.url)) await main();
