import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { playwright } from "@vitest/browser-playwright";
import { defineConfig } from "vitest/config";

/** Debian's chromium (`.ci/run` installs it when missing); playwright downloads no browser. */
const CHROMIUM = process.env.KINDLING_CHROMIUM ?? "/usr/bin/chromium";
const HAS_CHROMIUM = existsSync(CHROMIUM);

const alias = {
  "kindling/node": fileURLToPath(new URL("./src/node/index.ts", import.meta.url)),
  kindling: fileURLToPath(new URL("./src/index.ts", import.meta.url)),
};

const browserProject = {
  // The engine, nn, the ops and the conformance corpora in headless Chromium (WebAssembly backend).
  resolve: { alias },
  // Cross-origin isolation (SharedArrayBuffer, the kernel threads in a Web Worker).
  server: { headers: { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" } },
  test: {
    name: "browser",
    include: [
      "test/browser/*.test.ts",
      "test/autograd/*.test.ts",
      "test/nn/*.test.ts",
      "test/ops/*.test.ts",
      "test/conformance/corpora.test.ts",
    ],
    // Node's memory mechanics (white-box) and the fuzz suite (Node's environment knobs) stay in Node.
    exclude: ["test/autograd/recycle.test.ts", "test/ops/fuzz.test.ts"],
    setupFiles: ["test/setup/browser_fixtures.ts"],
    testTimeout: 120_000,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      // --enable-unsafe-webgpu: WebGPU on Linux (SwiftShader's adapter where there is no GPU), for test/browser/webgpu.test.ts.
      provider: playwright({ launchOptions: { executablePath: CHROMIUM, args: ["--enable-unsafe-webgpu"] } }),
      instances: [{ browser: "chromium" as const }],
    },
  },
};

if (!HAS_CHROMIUM) {
  console.warn(`vitest: no Chromium at ${CHROMIUM} (apt-get install chromium, or set KINDLING_CHROMIUM): the browser tests are skipped`);
}

export default defineConfig({
  resolve: { alias },
  test: {
    testTimeout: 120_000,
    pool: "threads",
    projects: [
      {
        // Everything, on the default backend (WebAssembly where available).
        resolve: { alias },
        test: {
          name: "default",
          include: ["test/**/*.test.ts"],
          exclude: ["test/package/**", "test/browser/**", "test/memory/**"],
          setupFiles: ["test/setup/recycle.ts"],
          testTimeout: 120_000,
        },
      },
      {
        // Memory over long loops, with the library's own settings (no test-mode recycling or poisoning).
        resolve: { alias },
        test: { name: "memory", include: ["test/memory/*.test.ts"], testTimeout: 300_000 },
      },
      ...(HAS_CHROMIUM ? [browserProject] : []),
      {
        // Kindling installed as other projects install it: npm pack of a fresh clone, git-URL installs.
        test: { name: "package", include: ["test/package/*.test.ts"], testTimeout: 600_000, hookTimeout: 600_000 },
      },
      {
        // The conformance corpora and the engine again on the pure-TypeScript backend.
        resolve: { alias },
        test: {
          name: "js-backend",
          include: ["test/conformance/*.test.ts", "test/autograd/*.test.ts", "test/nn/*.test.ts"],
          setupFiles: ["test/setup/backend.ts", "test/setup/recycle.ts"],
          env: { KINDLING_BACKEND: "js" },
          testTimeout: 120_000,
        },
      },
      {
        // The op table again on the pure-TypeScript backend in the debug mode: every backend
        // contract checked, every element a kernel reads or writes bounds-checked (the fuzz
        // suite runs the reference backend that way from the default project).
        resolve: { alias },
        test: {
          name: "js-bounds",
          include: ["test/ops/*.test.ts"],
          exclude: ["test/ops/fuzz.test.ts"],
          setupFiles: ["test/setup/backend.ts", "test/setup/bounds.ts", "test/setup/recycle.ts"],
          env: { KINDLING_BACKEND: "js", KINDLING_DEBUG_BOUNDS: "1" },
          testTimeout: 120_000,
        },
      },
    ],
  },
});
