/**
 * The WebGPU device model (issue 16) in headless Chromium, on SwiftShader's
 * adapter where the machine has no GPU: tensors on "webgpu", moves between
 * devices, asynchronous reads, PyTorch's same-device error, autograd and
 * the optimizers on the device, each checked against the same computation
 * on the CPU.
 */

import * as torch from "kindling";
import { beforeAll, describe, expect, it } from "vitest";

beforeAll(async () => {
  expect(await torch.webgpu.init()).toBe(true);
});

/** `a`'s values (any device) and `b`'s agree within float32 rounding of values about 1. */
async function expectClose(a: torch.Tensor, b: torch.Tensor, tol = 1e-5): Promise<void> {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = [await a.toTypedArrayAsync(), await b.toTypedArrayAsync()];
  for (let i = 0; i < x.length; i++)
    expect(Math.abs((x[i] as number) - (y[i] as number))).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(y[i] as number)));
}

describe("tensors on the webgpu device", () => {
  it("are made on the device, moved there and read back asynchronously", async () => {
    expect(torch.webgpu.isAvailable()).toBe(true);
    const x = torch.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { device: "webgpu" },
    );
    expect(x.device).toBe("webgpu");
    expect(String(x)).toBe("tensor(..., device='webgpu:0', size=(2, 2))");
    expect(await x.toStringAsync()).toBe("tensor([[1., 2.],\n        [3., 4.]], device='webgpu:0')");
    expect(await x.tolistAsync()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(await x.sum().itemAsync()).toBe(10);
    const back = await x.t().cpuAsync();
    expect(back.device).toBe("cpu");
    expect(back.tolist()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    const moved = torch.arange(6, { dtype: "int64" }).to("webgpu");
    expect(await moved.toStringAsync()).toBe("tensor([0, 1, 2, 3, 4, 5], device='webgpu:0')");
    expect(await torch.ones(3, { dtype: "bool", device: "webgpu" }).tolistAsync()).toEqual([1, 1, 1]);
    expect(torch.zerosLike(x).device).toBe("webgpu");
    expect(await torch.full([2], 7, { device: "webgpu:0" }).tolistAsync()).toEqual([7, 7]);
  });

  it("refuse synchronous reads, naming the asynchronous ones", () => {
    const x = torch.ones(1, { device: "webgpu" });
    for (const read of [() => x.item(), () => x.tolist(), () => x.toTypedArray(), () => x.to("cpu"), () => x.cpu()]) {
      expect(read).toThrow(torch.DeviceError);
      expect(read).toThrow(/await x\.cpuAsync\(\)/);
    }
  });

  it("raise PyTorch's error for tensors on two devices; a 0-d CPU tensor joins as a scalar", async () => {
    const g = torch.ones(3, { device: "webgpu" });
    const c = torch.ones(3);
    expect(() => g.add(c)).toThrow("Expected all tensors to be on the same device, but found at least two devices, webgpu:0 and cpu!");
    expect(() => torch.matmul(c.view(1, 3), g.view(3, 1))).toThrow(torch.DeviceError);
    expect(await g.mul(torch.tensor(2.5)).tolistAsync()).toEqual([2.5, 2.5, 2.5]);
    expect(await g.add(1).tolistAsync()).toEqual([2, 2, 2]);
  });

  it("hold float32, int32, int64 and bool; float64 and int64 beyond int32 are refused", () => {
    expect(() => torch.ones(2, { dtype: "float64", device: "webgpu" })).toThrow(/no float64/);
    expect(() => torch.tensor([1, 2], { dtype: "float64" }).to("webgpu")).toThrow(/no float64.*use float32/);
    expect(() => torch.tensor([2 ** 40], { dtype: "int64" }).to("webgpu")).toThrow(/int32's range/);
  });

  it("copy_ uploads a CPU source", async () => {
    const g = torch.zeros(2, 3, { device: "webgpu" });
    g.copy_(torch.arange(3));
    expect(await g.tolistAsync()).toEqual([
      [0, 1, 2],
      [0, 1, 2],
    ]);
  });
});

describe("autograd on the webgpu device", () => {
  it("computes the gradients the CPU computes, and keeps them on the device", async () => {
    torch.manualSeed(0);
    const xc = torch.randn(4, 5);
    const wc = torch.randn(5, 3, { requiresGrad: true });
    const x = xc.to("webgpu");
    const w = wc.detach().to("webgpu").requiresGrad_();
    expect(w.isLeaf).toBe(true);
    const f = (a: torch.Tensor, b: torch.Tensor) =>
      a
        .matmul(b)
        .relu()
        .mul(a.sum(1, { keepdim: true }))
        .sigmoid()
        .sum();
    const y = f(x, w);
    expect(y.gradFn?.name).toBe("SumBackward0");
    y.backward();
    f(xc, wc).backward();
    expect(w.grad?.device).toBe("webgpu");
    await expectClose(w.grad as torch.Tensor, wc.grad as torch.Tensor);
    // Gradients accumulate until zero_().
    f(x, w).backward();
    await expectClose(w.grad as torch.Tensor, (wc.grad as torch.Tensor).mul(2));
    w.grad?.zero_();
    expect(await w.grad?.sum().itemAsync()).toBe(0);
  });

  it("takes second derivatives (createGraph) and autograd.grad", async () => {
    const x = torch.tensor([0.5, -1, 2], { device: "webgpu", requiresGrad: true });
    const [g] = torch.autograd.grad(x.pow(3).sum(), [x], { createGraph: true });
    await expectClose(g as torch.Tensor, torch.tensor([0.75, 3, 12]));
    const [gg] = torch.autograd.grad((g as torch.Tensor).sum(), [x]);
    await expectClose(gg as torch.Tensor, torch.tensor([3, -6, 12]));
  });

  it("checks in-place changes of saved tensors and leaves, as on the CPU", () => {
    const a = torch.ones(3, { device: "webgpu", requiresGrad: true });
    expect(() => a.add_(1)).toThrow("a leaf Variable that requires grad is being used in an in-place operation.");
    const b = a.mul(2);
    const c = b.pow(2); // saves b
    b.add_(1);
    expect(() => c.sum().backward()).toThrow(/modified by an inplace operation/);
  });

  it("runs hooks, retainGrad, noGrad and detach as on the CPU", async () => {
    const x = torch.tensor([1, 2, 3], { device: "webgpu", requiresGrad: true });
    const seen: string[] = [];
    x.registerHook((g) => {
      seen.push(g.device);
      return g.mul(2);
    });
    const y = x.mul(x);
    y.retainGrad();
    const z = torch.noGrad(() => x.mul(3));
    expect(z.requiresGrad).toBe(false);
    expect(x.detach().requiresGrad).toBe(false);
    y.sum().backward();
    expect(seen).toEqual(["webgpu"]);
    expect(await y.grad?.tolistAsync()).toEqual([1, 1, 1]);
    expect(await x.grad?.tolistAsync()).toEqual([4, 8, 12]);
  });

  it("frees what torch.scope's function made on the GPU, keeping its result and the gradients", async () => {
    const w = torch.randn(64, 64, { device: "webgpu", requiresGrad: true });
    const step = () =>
      torch.scope(() => {
        const loss = w.matmul(w).tanh().sum();
        loss.backward();
        return loss;
      });
    await step().itemAsync();
    const before = torch.webgpu.memoryAllocated();
    for (let i = 0; i < 5; i++) await step().itemAsync();
    // Each step's intermediates went back to the pool: only the returned losses (one size class each) remain.
    expect(torch.webgpu.memoryAllocated() - before).toBeLessThanOrEqual(5 * 256);
    expect(w.grad?.device).toBe("webgpu");
    expect(torch.webgpu.memoryReserved()).toBeGreaterThanOrEqual(torch.webgpu.memoryAllocated());
  });

  it("gives a copy from the CPU a gradient only when it can come back synchronously", () => {
    const cpuLeaf = torch.ones(2, { requiresGrad: true });
    const y = cpuLeaf.to("webgpu").mul(2).sum();
    expect(y.gradFn?.name).toBe("SumBackward0");
    expect(() => y.backward()).toThrow(/ToCopyBackward0: the gradient of a copy from cpu to webgpu/);
  });
});

describe("nn and optim on the webgpu device", () => {
  it("module.to('webgpu') moves the parameters; SGD and Adam steps match the CPU's", async () => {
    for (const make of [
      (p: torch.Tensor[]) => new torch.optim.SGD(p, { lr: 0.1, momentum: 0.9 }),
      (p: torch.Tensor[]) => new torch.optim.Adam(p, { lr: 0.01 }),
    ]) {
      torch.manualSeed(3);
      const cpu = new torch.nn.Sequential(new torch.nn.Linear(6, 8), new torch.nn.Tanh(), new torch.nn.Linear(8, 3));
      torch.manualSeed(3);
      const gpu = new torch.nn.Sequential(new torch.nn.Linear(6, 8), new torch.nn.Tanh(), new torch.nn.Linear(8, 3)).to("webgpu");
      expect(gpu.parameters().every((p) => p.device === "webgpu")).toBe(true);
      const [oc, og] = [make(cpu.parameters()), make(gpu.parameters())];
      const x = torch.randn(10, 6);
      const y = torch.randint(0, 3, [10]);
      const [xg, yg] = [x.to("webgpu"), y.to("webgpu")];
      for (let step = 0; step < 3; step++) {
        for (const [model, opt, a, b] of [
          [cpu, oc, x, y],
          [gpu, og, xg, yg],
        ] as const) {
          opt.zeroGrad();
          torch.F.crossEntropy(model.call(a), b).backward();
          opt.step();
        }
      }
      const [pc, pg] = [cpu.parameters(), gpu.parameters()];
      for (let i = 0; i < pc.length; i++) await expectClose(pg[i] as torch.Tensor, pc[i] as torch.Tensor, 1e-4);
    }
  });

  it("runs an LSTM, a GRU and a Transformer encoder layer as the CPU does, gradients included", async () => {
    const makers: (() => torch.nn.Module)[] = [
      () => new torch.nn.LSTM(4, 8, { numLayers: 2, batchFirst: true, bidirectional: true }),
      () => new torch.nn.GRU(4, 8, { batchFirst: true }),
      () => new torch.nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 16, dropout: 0, batchFirst: true, normFirst: true }),
    ];
    for (const make of makers) {
      torch.manualSeed(5);
      const cpu = make();
      torch.manualSeed(5);
      const gpu = make().to("webgpu");
      const x = torch.randn(3, 5, 4);
      const run = (m: torch.nn.Module, input: torch.Tensor): torch.Tensor => {
        const out = m.call(input) as torch.Tensor | [torch.Tensor, unknown];
        return Array.isArray(out) ? out[0] : out;
      };
      const yc = run(cpu, x);
      const yg = run(gpu, x.to("webgpu"));
      await expectClose(yg, yc, 1e-4);
      yc.square().sum().backward();
      yg.square().sum().backward();
      const [pc, pg] = [cpu.parameters(), gpu.parameters()];
      for (let i = 0; i < pc.length; i++) await expectClose(pg[i]?.grad as torch.Tensor, pc[i]?.grad as torch.Tensor, 1e-3);
    }
  });
});
