/**
 * The conformance corpora (the tutorials' programs, recorded from PyTorch:
 * test/conformance) replayed on the WebGPU device: inputs and the steps' own
 * factories made there (float64 as float32), values and gradients read back
 * and compared at float32 tolerance, and the autograd errors (backward
 * twice, in-place on a leaf, version counter, ...) raised as on the CPU.
 */

import * as torch from "kindling";
import { beforeAll, describe, expect, it } from "vitest";
import type { Corpus } from "../../tools/conformance/format.js";
import { runCaseOn } from "../../tools/conformance/runner.js";
import { readJson } from "../helpers/fixtures.js";

const CORPORA = ["seeds.json", "seed_two_layer_net.json", "ops.json", "programs.json"];

/**
 * prod's double backward on a device takes the formula that allows zeros
 * (reading whether x holds one would need a read back): same values, other
 * nodes in the second-order graph (docs/webgpu.md).
 */
const OTHER_GRAPH = new Set(["prod/all/double-backward"]);

beforeAll(async () => {
  expect(await torch.webgpu.init()).toBe(true);
});

describe.each(CORPORA)("corpus %s on the webgpu device", (file) => {
  const corpus = readJson<Corpus>(`conformance/${file}`);
  it.each(corpus.cases.map((c) => [c.id, c] as const))("%s", async (_, c) => {
    const run = OTHER_GRAPH.has(c.id) ? { ...c, expect: { ...c.expect, meta: undefined } } : c;
    const r = await runCaseOn(run, "webgpu", { rtol: 1e-3, atol: 1e-4 });
    expect(r.reason).toBeUndefined();
  });
});
