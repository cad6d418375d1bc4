/**
 * Generic op tests over the sample table (test/ops/samples.json): every
 * sample's output and first/second derivatives against PyTorch's recorded
 * values (test/fixtures/ops_golden.json), then gradcheck and gradgradcheck
 * in float64 on the same inputs.
 */

import { readdirSync } from "node:fs";
import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import type { Arg, Case, Corpus } from "../../tools/conformance/format.js";
import { callOp, type Value } from "../../tools/conformance/ops.js";
import { runCase } from "../../tools/conformance/runner.js";
import { fromJson, readJson } from "../helpers/fixtures.js";

const families = readdirSync(new URL("../fixtures/golden/", import.meta.url)).map((f) => f.replace(/\.json$/, ""));
const golden = { cases: families.flatMap((f) => readJson<Corpus>(`fixtures/golden/${f}.json`).cases) };

describe("ops against PyTorch (values, first and second derivatives)", () => {
  it.each(golden.cases.map((c) => [c.id, c] as const))("%s", (_, c) => {
    const r = runCase(c);
    expect(r.reason).toBeUndefined();
    expect(r.ok).toBe(true);
  });
});

/** The sample as a function of its float64 inputs that require grad (other inputs fixed). */
function sampleFunction(c: Case): { fn: (...xs: Tensor[]) => Tensor[]; inputs: Tensor[] } | null {
  const names = Object.entries(c.inputs)
    .filter(([n, t]) => t.requires_grad && t.dtype === "float64" && !n.startsWith("v_") && !n.startsWith("grad_"))
    .map(([n]) => n);
  if (names.length === 0) return null;
  const fixed = new Map(Object.entries(c.inputs).map(([n, t]) => [n, fromJson(t)]));
  const opIndex = c.steps.findIndex((s) => s.op !== ".t");
  const opSteps = c.steps.slice(0, opIndex + 1);
  const outNames = ([] as string[]).concat(opSteps.at(-1)?.out ?? []);
  const fn = (...xs: Tensor[]) => {
    const env = new Map<string, unknown>(fixed);
    for (const [i, n] of names.entries()) env.set(n, xs[i]);
    const resolve = (a: Arg): Value => {
      if (Array.isArray(a)) return a.map(resolve);
      if (a !== null && typeof a === "object" && "ref" in a) return env.get(a.ref) as Value;
      if (a !== null && typeof a === "object" && "slice" in a) return new torch.Slice(...a.slice);
      if (a !== null && typeof a === "object" && "none" in a) return null;
      if (a !== null && typeof a === "object" && "ellipsis" in a) return "...";
      return a as Value;
    };
    for (const s of opSteps) {
      const kwargs = Object.fromEntries(Object.entries(s.kwargs ?? {}).map(([k, v]) => [k, resolve(v)]));
      const r = callOp(s.op, s.args.map(resolve), kwargs);
      if (Array.isArray(s.out)) for (const [i, n] of s.out.entries()) env.set(n, (r as unknown[])[i]);
      else env.set(s.out as string, r);
    }
    // Several outputs: the floating ones (indices are not differentiable).
    return outNames.map((n) => env.get(n) as Tensor).filter((t) => t.dtype === "float64" || t.dtype === "float32");
  };
  const inputs = names.map((n) => fromJson(c.inputs[n] as never).requiresGrad_(true));
  return { fn, inputs };
}

const checked = golden.cases.map((c) => [c.id, sampleFunction(c)] as const).filter(([, s]) => s !== null);

describe("gradcheck (float64 central differences)", () => {
  it.each(checked)("%s", (_, s) => {
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
