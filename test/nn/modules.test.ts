/**
 * nn modules against PyTorch (test/fixtures/nn_modules.json, recorded by
 * scripts/record/nn_modules.py): printed form, state-dict keys, seeded
 * initial parameters, outputs, gradients and updated buffers.
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { readJson, type TensorJson } from "../helpers/fixtures.js";
import { build, type ModuleCase, runModuleCase } from "../helpers/nn_modules.js";

function expectClose(actual: Tensor, expected: TensorJson, rtol = 1e-5, atol = 1e-6): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.dtype).toBe(expected.dtype);
  const a = actual.toTypedArray();
  expected.data.forEach((e, i) => {
    const v = a[i] as number;
    expect(Math.abs(v - Number(e))).toBeLessThanOrEqual(atol + rtol * Math.abs(Number(e)));
  });
}

const { cases } = readJson<{ cases: ModuleCase[] }>("fixtures/nn_modules.json");

describe("nn modules match PyTorch", () => {
  it.each(cases.map((c, i) => [i, c.repr.split("\n")[0], c] as const))("%i %s", (_, __, c) => {
    torch.manualSeed(0);
    const m = build(c);
    m.train(c.train ?? true);
    expect(m.toString()).toBe(c.repr);
    if (c.init !== undefined) {
      const sd = m.stateDict();
      expect(Object.keys(sd)).toEqual(Object.keys(c.init));
      // Seeded initial values are PyTorch's exactly.
      for (const [k, t] of Object.entries(c.init)) expect(Array.from((sd[k] as Tensor).toTypedArray())).toEqual(t.data.map(Number));
    }
    const { out, x } = runModuleCase(m, c);
    expectClose(out, c.output);
    expectClose(x.grad as Tensor, c.input_grad);
    for (const [name, p] of m.namedParameters()) {
      const g = c.param_grads?.[name];
      if (g !== undefined) expectClose(p.grad as Tensor, g);
    }
    for (const [k, t] of Object.entries(c.state_after ?? {})) expectClose(m.stateDict()[k] as Tensor, t);
  });
});
