/**
 * The benchmark in a browser: `npm run bench -- --browser [w1 w4 w6] [--device cpu|webgpu]`.
 *
 * Bundles bench/browser/page.ts over the built package (esbuild, as the demo),
 * serves it on 127.0.0.1 and runs W1, W4 and W6 in headless Chromium
 * (Debian's, or KINDLING_CHROMIUM) on each device asked for (both by
 * default), printing one JSON line per run and a table of the headline
 * figures. Chromium gets `--enable-unsafe-webgpu`: on a machine without a GPU
 * its adapter is SwiftShader (WebGPU on the CPU), whose figures say nothing
 * about GPUs.
 */

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium } from "playwright";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT = join(ROOT, "out", "bench-browser");
const CHROMIUM = process.env["KINDLING_CHROMIUM"] ?? "/usr/bin/chromium";
export const BROWSER_WORKLOADS = ["w1", "w4", "w6"];

export interface BrowserOptions {
  workloads: string[];
  devices: ("cpu" | "webgpu")[];
  /** --iters, --steps, --sizes as the Node workloads take them. */
  forward: string[];
}

/** The page's options from the runner's forwarded `--name value` pairs. */
function pageOptions(forward: readonly string[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = 0; i + 1 < forward.length; i += 2) {
    const name = (forward[i] as string).replace(/^--/, "");
    const v = forward[i + 1] as string;
    if (name === "sizes") o.sizes = v.split(",").map(Number);
    else if (name === "iters" || name === "steps") o[name] = Number(v);
  }
  return o;
}

async function bundle(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  await build({
    entryPoints: { page: join(ROOT, "bench", "browser", "page.ts") },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    outdir: OUT,
    logLevel: "warning",
    // "kindling" is the built package, as a user's bundler finds it.
    tsconfig: join(ROOT, "bench", "tsconfig.json"),
  });
  writeFileSync(join(OUT, "index.html"), '<!doctype html><meta charset="utf-8"><script type="module" src="page.js"></script>\n');
}

/** Serves out/bench-browser on 127.0.0.1 (cross-origin isolated, as the demo), on a free port. */
function serve(): Promise<Server> {
  const server = createServer((req, res) => {
    const file = join(OUT, req.url === "/page.js" ? "page.js" : "index.html");
    const type = file.endsWith(".js") ? "text/javascript" : "text/html";
    res.writeHead(200, {
      "Content-Type": type,
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
    });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** The headline figure of a result line. */
function headline(r: Record<string, unknown>): string {
  if (typeof r.ms_per_iter === "number") return `${r.ms_per_iter.toFixed(2)} ms/iter`;
  if (typeof r.ms_per_step === "number") return `${r.ms_per_step.toFixed(2)} ms/step`;
  const sizes = r.sizes as Record<string, { gflops: number }>;
  return Object.entries(sizes)
    .map(([n, s]) => `n=${n} ${s.gflops.toFixed(1)} GFLOP/s`)
    .join(", ");
}

/** Runs the workloads on the devices in headless Chromium; resolves with the result lines. */
export async function runBrowser(o: BrowserOptions): Promise<Record<string, unknown>[]> {
  await bundle();
  const server = await serve();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--enable-unsafe-webgpu"] });
  const results: Record<string, unknown>[] = [];
  try {
    const page = await browser.newPage();
    const address = server.address() as { port: number };
    await page.goto(`http://127.0.0.1:${address.port}/`);
    await page.waitForFunction(() => typeof (globalThis as { runBench?: unknown }).runBench === "function");
    const options = pageOptions(o.forward);
    const version = browser.version();
    for (const w of o.workloads) {
      for (const device of o.devices) {
        const r = await page.evaluate(
          ([name, dev, opts]) =>
            (globalThis as unknown as { runBench(w: string, d: string, o: unknown): Promise<Record<string, unknown>> }).runBench(
              name,
              dev,
              opts,
            ),
          [w, device, options] as const,
        );
        const line = { ...r, lib: "kindling", browser: `chromium ${version}` };
        console.log(JSON.stringify(line));
        results.push(line);
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
  console.log(`\nKindling in headless Chromium (${CHROMIUM}); webgpu there is SwiftShader where the machine has no GPU:`);
  for (const r of results) console.log(`  ${String(r.workload).padEnd(3)} ${String(r.device).padEnd(7)} ${headline(r)}`);
  return results;
}
