/**
 * The browser project's setup: a page cannot read files, so every JSON
 * fixture the tests read is bundled here (Vite's import.meta.glob) and handed
 * to test/helpers/fixtures.ts before the tests run.
 */
/// <reference types="vite/client" />

const modules = import.meta.glob<unknown>(["../fixtures/**/*.json", "../ops/**/*.json", "../conformance/*.json"], {
  eager: true,
  import: "default",
});

const byPath: Record<string, unknown> = {};
for (const [file, value] of Object.entries(modules)) byPath[file.replace(/^\.\.\//, "")] = value;
(globalThis as { __kindlingFixtures?: Record<string, unknown> }).__kindlingFixtures = byPath;
