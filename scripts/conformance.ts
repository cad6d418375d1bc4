/**
 * npm run conformance -- FILE.json [FILE.json ...] [--json OUT.json]
 *
 * Replays corpora of `autograd-conformance/1` through Kindling, prints one
 * line per failing case and, last, `conformance: N passed, M failed`. Exits
 * non-zero if any case failed.
 */

import { readFileSync, writeFileSync } from "node:fs";
import { parseCorpus } from "../tools/conformance/format.js";
import { type CaseResult, runCase } from "../tools/conformance/runner.js";

function main(argv: string[]): number {
  const files: string[] = [];
  let jsonOut: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--json") {
      jsonOut = argv[++i] ?? null;
      if (jsonOut === null) throw new Error("--json needs a file name");
    } else {
      files.push(a);
    }
  }
  if (files.length === 0) {
    console.error("usage: npm run conformance -- FILE.json [FILE.json ...] [--json OUT.json]");
    return 2;
  }
  const results: CaseResult[] = [];
  for (const file of files) {
    const corpus = parseCorpus(readFileSync(file, "utf8"), file);
    for (const c of corpus.cases) {
      const r = runCase(c);
      results.push(r);
      if (!r.ok) console.log(`FAIL ${r.id}: ${r.reason}`);
    }
  }
  const failed = results.filter((r) => !r.ok);
  const passed = results.length - failed.length;
  if (jsonOut !== null) {
    const report = { passed, failed: failed.length, failures: failed.map((r) => ({ id: r.id, reason: r.reason })) };
    writeFileSync(jsonOut, `${JSON.stringify(report, null, 2)}\n`);
  }
  console.log(`conformance: ${passed} passed, ${failed.length} failed`);
  return failed.length === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
