import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const alias = {
  "kindling/node": fileURLToPath(new URL("./src/node/index.ts", import.meta.url)),
  kindling: fileURLToPath(new URL("./src/index.ts", import.meta.url)),
};

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
          exclude: ["test/package/**"],
          setupFiles: ["test/setup/recycle.ts"],
          testTimeout: 120_000,
        },
      },
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
