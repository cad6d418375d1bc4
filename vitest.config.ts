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
        test: { name: "default", include: ["test/**/*.test.ts"], setupFiles: ["test/setup/recycle.ts"], testTimeout: 120_000 },
      },
      {
        // The conformance corpora, the op table and the engine again on the pure-TypeScript backend.
        resolve: { alias },
        test: {
          name: "js-backend",
          include: ["test/conformance/*.test.ts", "test/ops/*.test.ts", "test/autograd/*.test.ts", "test/nn/*.test.ts"],
          setupFiles: ["test/setup/backend.ts", "test/setup/recycle.ts"],
          env: { KINDLING_BACKEND: "js" },
          testTimeout: 120_000,
        },
      },
    ],
  },
});
