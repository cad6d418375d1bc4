/**
 * The autograd unit suites (test/autograd/cases/) on the WebGPU device: each
 * is defined once and runs on the CPU from test/autograd/*.test.ts; here the
 * default device is "webgpu", so every tensor a test makes lands there, and
 * every value is read back asynchronously. Tests that cannot run on the
 * device are skipped with their reason in their name ("[cpu only: ...]").
 */

import * as torch from "kindling";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { anomalyTests } from "../autograd/cases/anomaly.js";
import { checkpointTests } from "../autograd/cases/checkpoint.js";
import { engineTests } from "../autograd/cases/engine.js";
import { functionTests } from "../autograd/cases/function.js";
import { functionalTests } from "../autograd/cases/functional.js";
import { graphTests } from "../autograd/cases/graph.js";
import { hooksTests } from "../autograd/cases/hooks.js";
import { misuseTests } from "../autograd/cases/misuse.js";
import { viewsTests } from "../autograd/cases/views.js";
import { thrown } from "../helpers/thrown.js";

beforeAll(async () => {
  expect(await torch.webgpu.init()).toBe(true);
  torch.setDefaultDevice("webgpu");
});

afterAll(() => {
  torch.setDefaultDevice(null);
});

it("makes the suites' tensors on the device", () => {
  expect(torch.tensor([1, 2], { requiresGrad: true }).mul(2).device).toBe("webgpu");
});

describe("a gradient on the other device is refused (PyTorch: the type includes the device)", () => {
  it("assigned to .grad, either way", () => {
    const x = torch.ones(3, { requiresGrad: true });
    const onCpu = thrown(() => {
      x.grad = torch.zeros(3, { device: "cpu" });
    });
    expect(onCpu).toBeInstanceOf(torch.DTypeError);
    expect(onCpu.message).toContain("assigned grad has data of a different type");
    expect(onCpu.message).toContain("(grad on cpu, tensor on webgpu:0)");
    const c = torch.ones(3, { requiresGrad: true, device: "cpu" });
    expect(() => {
      c.grad = torch.zeros(3);
    }).toThrow("assigned grad has data of a different type (grad on webgpu:0, tensor on cpu)");
    expect(x.grad).toBeNull();
  });

  it("returned by a tensor hook or a node hook, naming the hook", () => {
    const y = torch.ones([2, 3], { requiresGrad: true }).mul(2);
    y.registerHook(function toCpu() {
      return torch.zeros([2, 3], { device: "cpu" });
    });
    const err = thrown(() => y.sum().backward());
    expect(err).toBeInstanceOf(torch.DTypeError);
    expect(err.message).toContain(
      "hook 'toCpu' has changed the type of value (was torch.FloatTensor on webgpu:0 got torch.FloatTensor on cpu)",
    );
    const z = torch.ones([2, 3], { requiresGrad: true }).mul(2);
    z.gradFn?.registerHook(function inputsToCpu() {
      return [torch.zeros([2, 3], { device: "cpu" }), null];
    });
    expect(() => z.sum().backward()).toThrow("hook 'inputsToCpu' has changed the type of value");
  });
});

describe("anomaly mode on the device", () => {
  it("checks gradients for NaN on the device: the node's error comes at the next read, as a device-side assert", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const x = torch.tensor([1, 2], { requiresGrad: true });
      torch.autograd.detectAnomaly(() => x.mul(2).sum().backward());
      expect(Array.from(await (x.grad as torch.Tensor).toTypedArrayAsync())).toEqual([2, 2]);
      const z = torch.tensor([1, 0], { requiresGrad: true });
      torch.autograd.detectAnomaly(() => torch.tensor([1, 0]).div(z).sum().backward());
      await expect(torch.zeros(1).itemAsync()).rejects.toThrow("Function 'DivBackward0' returned nan values in its 1th output.");
      expect(await torch.zeros(1).itemAsync()).toBe(0);
      torch.autograd.detectAnomaly(() => torch.tensor([1, 0]).div(z).sum().backward(), { checkNan: false });
      expect(await torch.zeros(1).itemAsync()).toBe(0);
    } finally {
      warn.mockRestore();
    }
  });
});

engineTests("webgpu");
hooksTests("webgpu");
graphTests("webgpu");
viewsTests("webgpu");
misuseTests("webgpu");
checkpointTests("webgpu");
functionTests("webgpu");
functionalTests("webgpu");
anomalyTests("webgpu");
