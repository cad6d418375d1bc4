/**
 * Bad input, replayed against what PyTorch did with it
 * (test/fixtures/errors/*.json, recorded by scripts/record/errors_golden.py
 * from test/ops/errors/*.json): each call must raise PyTorch's message with
 * a Kindling error class that stands for PyTorch's exception
 * (docs/errors.md), or, where PyTorch accepts the input, give its result.
 */

import { describe, expect, it } from "vitest";
import type { Corpus } from "../../tools/conformance/format.js";
import { runCase } from "../../tools/conformance/runner.js";
import { jsonNames, readJson } from "../helpers/fixtures.js";

const families = jsonNames("fixtures/errors");

describe.each(families)("bad input: %s", (family) => {
  const corpus = readJson<Corpus>(`fixtures/errors/${family}.json`);
  it.each(corpus.cases.map((c) => [c.id, c] as const))("%s", (_, c) => {
    const r = runCase(c);
    expect(r.reason).toBeUndefined();
  });

  it("records every call of the family's list", () => {
    const calls = readJson<{ ops: Record<string, unknown[]> }>(`ops/errors/${family}.json`).ops;
    const expected = Object.entries(calls).flatMap(([op, list]) => list.map((_, i) => `errors/${family}/${op}/${i}`));
    expect(corpus.cases.map((c) => c.id)).toEqual(expected);
  });
});
