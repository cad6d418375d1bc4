/**
 * The conformance corpora recorded from PyTorch (copies of
 * ../shared/conformance kept in this folder), replayed through the public
 * API (in Node and in the browser project).
 */

import { describe, expect, it } from "vitest";
import type { Corpus } from "../../tools/conformance/format.js";
import { runCase } from "../../tools/conformance/runner.js";
import { readJson } from "../helpers/fixtures.js";

const CORPORA = ["seeds.json", "seed_two_layer_net.json", "ops.json", "programs.json"];

describe.each(CORPORA)("corpus %s", (file) => {
  const corpus = readJson<Corpus>(`conformance/${file}`);
  it.each(corpus.cases.map((c) => [c.id, c] as const))("%s", (_, c) => {
    const r = runCase(c);
    expect(r.reason).toBeUndefined();
  });
});
