/**
 * PyTorch's device model: tensors live on "cpu" (Kindling's only device for
 * now); `x.to(...)` takes a dtype, a device, both, or a tensor; factories
 * take `{ device }`; modules move with `module.to(...)`. A device Kindling
 * does not have raises PyTorch's message with what to do instead.
 */

import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { thrown } from "../helpers/thrown.js";

describe("tensors on the cpu device", () => {
  it("x.to takes PyTorch's forms: a device, a device and a dtype, a dtype, a tensor", () => {
    const x = torch.tensor([1.5, 2]);
    expect(x.device).toBe("cpu");
    expect(x.to("cpu")).toBe(x);
    expect(x.to("cpu:0")).toBe(x);
    expect(x.cpu()).toBe(x);
    const d = x.to("cpu", "float64");
    expect(d.dtype).toBe("float64");
    expect(d.tolist()).toEqual([1.5, 2]);
    expect(x.to(torch.tensor([0], { dtype: "int64" })).tolist()).toEqual([1, 2]);
    expect(x.to("float32")).toBe(x);
  });

  it("a device Kindling does not have raises PyTorch's message and says why", () => {
    const x = torch.ones(2);
    const cuda = thrown(() => x.to("cuda" as never));
    expect(cuda).toBeInstanceOf(torch.ArgumentError);
    expect(cuda.message).toContain("Expected one of cpu, webgpu device type at start of device string: cuda");
    expect(cuda.message).toContain('there is no CUDA in JavaScript: the GPU is "webgpu"');
    // Node has no WebGPU here: init() resolves to false and the device stays unavailable, saying what to do.
    const gpu = thrown(() => x.to("webgpu"));
    expect(gpu).toBeInstanceOf(torch.DeviceError);
    expect(gpu.message).toContain("to(): the webgpu device is not available: call `await torch.webgpu.init()` first");
    expect(thrown(() => x.to("cpu:1" as never)).message).toContain("device string: cpu:1");
  });

  it("x.to refuses what is neither a dtype, a device nor a tensor, and a dtype given twice", () => {
    const x = torch.ones(2);
    const e = thrown(() => x.to(5 as never));
    expect(e).toBeInstanceOf(torch.DTypeError);
    expect(e.message).toContain(
      'to(): expected a dtype (float32, float64, int32, int64 or bool), a device ("cpu", "webgpu") or a tensor, got a number (5)',
    );
    expect(thrown(() => x.to("float65" as never)).message).toContain("to(): expected a dtype");
    expect(thrown(() => x.to("float32", "float64")).message).toContain("a dtype was given twice");
  });
});

describe("factories and modules", () => {
  it("factories take { device }", () => {
    expect(torch.zeros(2, { device: "cpu" }).device).toBe("cpu");
    expect(torch.tensor([1, 2], { device: "cpu", dtype: "int64" }).tolist()).toEqual([1, 2]);
    expect(torch.randn(3, { device: "cpu" }).shape).toEqual([3]);
    expect(torch.arange(3, { device: "cpu" }).tolist()).toEqual([0, 1, 2]);
    const e = thrown(() => torch.ones(2, { device: "cuda" as never }));
    expect(e).toBeInstanceOf(torch.ArgumentError);
    expect(e.message).toContain("ones(): Expected one of cpu, webgpu device type at start of device string: cuda");
  });

  it("module.to takes a device, a device and a dtype, a dtype or a tensor, in place", () => {
    const m = new torch.nn.Linear(2, 3);
    const w = m.weight;
    expect(m.to("cpu")).toBe(m);
    expect(m.to("cpu", "float64").weight.dtype).toBe("float64");
    expect(m.weight).toBe(w);
    expect(m.to(torch.ones(1)).weight.dtype).toBe("float32");
    expect(thrown(() => m.to("int64")).message).toContain(
      "nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=int64",
    );
    expect(thrown(() => m.to("cuda" as never)).message).toContain(
      "Expected one of cpu, webgpu device type at start of device string: cuda",
    );
  });
});
