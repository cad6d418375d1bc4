/** The core, WebAssembly backend included, imports no Node built-ins, so it bundles for browsers. */

import { build } from "esbuild";
import { describe, expect, it } from "vitest";

describe("browser bundle", () => {
  it("src/index.ts bundles for the browser platform without Node built-ins", async () => {
    const result = await build({
      entryPoints: [new URL("../../src/index.ts", import.meta.url).pathname],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      logLevel: "silent",
      metafile: true,
    });
    const inputs = Object.keys(result.metafile?.inputs ?? {});
    // No Node built-in, and no package but the Graphviz renderer toSvg loads on demand (WebAssembly, made for browsers too).
    expect(
      inputs.some((f) => f.startsWith("node:") || (f.includes("node_modules") && !f.includes("node_modules/@hpcc-js/wasm-graphviz/"))),
    ).toBe(false);
    // The WebAssembly backend (its worker pool too) is part of what was checked.
    expect(inputs).toContain("src/backend/wasm/index.ts");
    expect(inputs).toContain("src/backend/wasm/pool.ts");
    expect(result.outputFiles?.[0]?.text.length).toBeGreaterThan(10_000);
  });
});
