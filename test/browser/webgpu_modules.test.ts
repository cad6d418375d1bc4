/**
 * The nn modules of test/fixtures/nn_modules.json on the WebGPU device: each
 * built with PyTorch's seed, moved there with `module.to("webgpu")`, run on
 * an input there, and its output, input gradient, parameter gradients and
 * updated buffers (BatchNorm's running statistics) read back and compared
 * with PyTorch's at float32 tolerance. Dropout in training draws its mask
 * from the device's own generator (docs/webgpu.md, "Random numbers"), so
 * its case checks what any mask must give instead of PyTorch's mask.
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { beforeAll, describe, expect, it } from "vitest";
import { fromJson, readJson, type TensorJson } from "../helpers/fixtures.js";
import { build, type ModuleCase, runModuleCase } from "../helpers/nn_modules.js";

const { cases } = readJson<{ cases: ModuleCase[] }>("fixtures/nn_modules.json");

beforeAll(async () => {
  expect(await torch.webgpu.init()).toBe(true);
});

async function expectClose(what: string, actual: Tensor | null, expected: TensorJson): Promise<void> {
  expect(actual?.device, what).toBe("webgpu");
  const t = actual as Tensor;
  expect(t.shape, what).toEqual(expected.shape);
  const a = await t.toTypedArrayAsync();
  expected.data.forEach((e, i) => {
    expect(Math.abs((a[i] as number) - Number(e)), `${what}[${i}]`).toBeLessThanOrEqual(1e-4 + 1e-3 * Math.abs(Number(e)));
  });
}

const onDevice = (j: TensorJson): Tensor => fromJson(j).to("webgpu");

/** Dropout(p) in training on the device: each output is 0 or x / (1 - p), and the input's gradient is the output gradient through the same mask. */
async function expectDropout(c: ModuleCase, out: Tensor, x: Tensor): Promise<void> {
  const keep = 1 - Number(c.args[0]);
  const [y, g] = [await out.toTypedArrayAsync(), await (x.grad as Tensor).toTypedArrayAsync()];
  const [input, outGrad] = [fromJson(c.input).toTypedArray(), fromJson(c.out_grad as TensorJson).toTypedArray()];
  // Whether element i was kept shows in its gradient (the recorded output gradient has no zeros; an input may be 0).
  const kept = Array.from(g, (v) => v !== 0);
  expect(outGrad.every((v) => v !== 0)).toBe(true);
  expect(kept.includes(true) && kept.includes(false), "a mask that keeps some elements and drops others").toBe(true);
  y.forEach((v, i) => {
    expect(v, `output[${i}]`).toBeCloseTo(kept[i] ? (input[i] as number) / keep : 0, 5);
    expect(g[i], `input grad[${i}]`).toBeCloseTo(kept[i] ? (outGrad[i] as number) / keep : 0, 5);
  });
}

describe("nn modules on the webgpu device match PyTorch", () => {
  it.each(cases.map((c, i) => [i, c.repr.split("\n")[0], c] as const))("%i %s", async (_, __, c) => {
    torch.manualSeed(0);
    const m = build(c).to("webgpu");
    m.train(c.train ?? true);
    expect(m.parameters().every((p) => p.device === "webgpu")).toBe(true);
    const { out, x } = runModuleCase(m, c, onDevice);
    if (c.module === "Dropout" && (c.train ?? true)) return expectDropout(c, out, x);
    await expectClose("output", out, c.output);
    await expectClose("input grad", x.grad, c.input_grad);
    for (const [name, p] of m.namedParameters()) {
      const g = c.param_grads?.[name];
      if (g !== undefined) await expectClose(`${name} grad`, p.grad, g);
    }
    for (const [k, t] of Object.entries(c.state_after ?? {})) await expectClose(k, m.stateDict()[k] as Tensor, t);
  });
});
