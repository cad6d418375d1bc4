/**
 * The op table on the WebGPU device: every recorded sample (test/fixtures/
 * golden, the cases ops.test.ts replays on the CPU) run with its inputs on
 * "webgpu" (float64 as float32), its values and first and second
 * derivatives compared with PyTorch's at float32 tolerance. The ops the
 * device does not run yet (they read tensor values on the CPU: data-dependent
 * sizes, searches) must say so with PyTorch's MPS-style error.
 */

import * as torch from "kindling";
import { beforeAll, describe, expect, it } from "vitest";
import type { Case, Corpus } from "../../tools/conformance/format.js";
import { runCaseOn } from "../../tools/conformance/runner.js";
import { jsonNames, readJson } from "../helpers/fixtures.js";

const cases = jsonNames("fixtures/golden")
  .flatMap((f) => readJson<Corpus>(`fixtures/golden/${f}.json`).cases)
  .filter((c) => c.expect.error === undefined);

/** Float32 on the device against PyTorch's float64 recordings (first and second derivatives included). */
const TOL = { rtol: 1e-3, atol: 1e-4 };

/** Ops that read tensor values on the CPU, which the device does not run yet (docs/webgpu.md lists them). */
const NOT_ON_DEVICE = new Set(["unique", "unique_consecutive", ".__getitem__", "F.one_hot"]);
/** Samples whose device graph differs in a node name only (docs/webgpu.md): values and derivatives still compared. */
const OTHER_GRAPH = new Set(["cumprod", "prod", "F.scaled_dot_product_attention"]);

const op = (c: Case) => c.id.replace(/\/\d+$/, "");
const notOnDevice = (c: Case) => NOT_ON_DEVICE.has(op(c)) || NOT_ON_DEVICE.has(c.id);

beforeAll(async () => {
  expect(await torch.webgpu.init()).toBe(true);
});

describe("ops on the webgpu device against PyTorch", () => {
  it.each(cases.filter((c) => !notOnDevice(c)).map((c) => [c.id, c] as const))("%s", async (_, c) => {
    const expected = OTHER_GRAPH.has(op(c)) ? { ...c, expect: { ...c.expect, meta: undefined } } : c;
    const r = await runCaseOn(expected, "webgpu", TOL);
    expect(r.reason).toBeUndefined();
  });

  it.each(cases.filter(notOnDevice).map((c) => [c.id, c] as const))("%s says it does not run on the device", async (_, c) => {
    const r = await runCaseOn(c, "webgpu", TOL);
    // Some samples of these ops take a path that does run there (a one_hot with num_classes, index_fill without a gradient);
    // a gradient due to a CPU tensor names the asynchronous reads.
    if (!r.ok) expect(r.reason).toMatch(/is not currently implemented for the webgpu device|reads asynchronously/);
  });
});
