/**
 * Generic op tests over the sample table (test/ops/samples.json): every
 * sample's output and first/second derivatives against PyTorch's recorded
 * values (test/fixtures/ops_golden.json), then gradcheck and gradgradcheck
 * in float64 on the same inputs.
 */

import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import type { Case, Corpus } from "../../tools/conformance/format.js";
import { runCase } from "../../tools/conformance/runner.js";
import { jsonNames, readJson } from "../helpers/fixtures.js";
import { sampleFunction } from "../helpers/samples.js";

const families = jsonNames("fixtures/golden");
const golden = { cases: families.flatMap((f) => readJson<Corpus>(`fixtures/golden/${f}.json`).cases) };

describe("ops against PyTorch (values, first and second derivatives)", () => {
  it.each(golden.cases.map((c) => [c.id, c] as const))("%s", (_, c) => {
    const r = runCase(c);
    expect(r.reason).toBeUndefined();
    expect(r.ok).toBe(true);
  });
});

const checked = golden.cases.map((c) => [c.id, sampleFunction(c)] as const).filter(([, s]) => s !== null);

/**
 * Samples whose gradient is defined by PyTorch rather than being the
 * derivative, so finite differences cannot check it (their values are
 * compared with PyTorch's above, and gradgradcheck still runs on them).
 */
const GRADCHECK_OPT_OUTS: { reason: string; applies: (c: Case) => boolean }[] = [
  {
    reason: "embedding's padding_idx row gets no gradient and scale_grad_by_freq divides rows by their counts",
    applies: (c) =>
      c.steps.some((s) => s.op === "F.embedding" && (s.kwargs?.padding_idx !== undefined || s.kwargs?.scale_grad_by_freq === true)),
  },
];
const optedOut = new Set(golden.cases.filter((c) => GRADCHECK_OPT_OUTS.some((o) => o.applies(c))).map((c) => c.id));

describe("gradcheck (float64 central differences)", () => {
  it.each(checked.filter(([id]) => !optedOut.has(id)))("%s", (_, s) => {
    if (s === null) return;
    expect(torch.autograd.gradcheck(s.fn, s.inputs)).toBe(true);
  });
});

describe("gradgradcheck", () => {
  it.each(checked)("%s", (_, s) => {
    if (s === null) return;
    expect(torch.autograd.gradgradcheck(s.fn, s.inputs)).toBe(true);
  });
});

describe("the sample table covers the ops", () => {
  it.each(families)("every sample of %s was recorded", (family) => {
    const samples = readJson<{ ops: Record<string, unknown[]> }>(`ops/samples/${family}.json`).ops;
    const cases = readJson<Corpus>(`fixtures/golden/${family}.json`).cases;
    const recorded = cases.map((c) => c.id);
    const expected = Object.entries(samples).flatMap(([op, list]) => list.map((_, i) => `${op}/${i}`));
    expect(recorded).toEqual(expected);
  });
});
