/**
 * The backward engine gives back the buffers of gradients it made and
 * consumed, and new tensors take them (src/core/recycle.ts,
 * src/autograd/ownership.ts). The suite runs with recycling from 1 byte and
 * poisoned buffers (test/setup/recycle.ts): a tensor still using a buffer
 * given back would read NaN. These tests check what must never be given
 * back, and that what is given back is reused.
 */
import type { Tensor } from "kindling";
import * as torch from "kindling";
import { beforeEach, describe, expect, it } from "vitest";
import { addressOf } from "../../src/backend/wasm/module.js";
import { scratchStats } from "../../src/backend/wasm/scratch.js";
import { _pooledBytes, _resetRecycling, takeUninitialized } from "../../src/core/recycle.js";

const N = 4096;
const values = (t: Tensor | null | undefined) => Array.from((t as Tensor).toTypedArray());
const ramp = (n: number) => torch.arange(n).float().div(n);

function expectClose(actual: number[], expected: (i: number) => number, digits: number): void {
  for (let i = 0; i < actual.length; i++) expect(actual[i]).toBeCloseTo(expected(i), digits);
}

describe("recycled gradient buffers", () => {
  beforeEach(() => _resetRecycling());

  it("a backward pass gives back every gradient it made and consumed (WebAssembly scratch memory, or the JS pool)", () => {
    const x = ramp(N).requiresGrad_(true);
    // d/dx sum(sin(x) * exp(x) + x * x) = (cos x + sin x) exp x + 2x
    x.sin().mul(x.exp()).add(x.mul(x)).sum().backward();
    const expected = values(x).map((v) => (Math.cos(v) + Math.sin(v)) * Math.exp(v) + 2 * v);
    expectClose(values(x.grad), (i) => expected[i] as number, 5);
    // The .grad is the user's: on the JS heap, never a view of scratch memory.
    expect(addressOf((x.grad as Tensor).toTypedArray())).toBe(-1);
    if (torch.getBackend() === "wasm") {
      expect(scratchStats().live).toBe(0);
      expect(scratchStats().carved).toBeGreaterThan(0);
    } else {
      const pooled = _pooledBytes();
      expect(pooled).toBeGreaterThanOrEqual(4 * N);
      // The next tensor of that size takes a pooled buffer, zeroed.
      const z = torch.zeros(N);
      expect(_pooledBytes()).toBe(pooled - 4 * N);
      expect(values(z).every((v) => Object.is(v, 0))).toBe(true);
    }
  });

  it("recycled JS buffers come back zeroed where zeros are asked for", () => {
    const x = ramp(N).requiresGrad_(true);
    // A double (float64) graph stays on the JS heap on every backend.
    const y = x.double();
    y.mul(y).sum().backward();
    const pooled = _pooledBytes();
    expect(pooled).toBeGreaterThanOrEqual(8 * N);
    const z = torch.zeros(N, { dtype: "float64" });
    expect(_pooledBytes()).toBe(pooled - 8 * N);
    expect(values(z).every((v) => Object.is(v, 0))).toBe(true);
  });

  it("gradients handed out of a pass (a hook's, autograd.grad's) leave scratch memory", () => {
    const x = ramp(N).requiresGrad_(true);
    const y = x.mul(3);
    let seen: Tensor | null = null;
    y.registerHook((g) => {
      seen = g;
    });
    const [gx] = torch.autograd.grad(y.mul(y).sum(), [x]);
    expect(addressOf((seen as unknown as Tensor).toTypedArray())).toBe(-1);
    expect(addressOf((gx as Tensor).toTypedArray())).toBe(-1);
    expect(scratchStats().live).toBe(0);
  });

  it("a leaf's .grad is never given back, across passes that accumulate into it", () => {
    const x = ramp(N).requiresGrad_(true);
    for (let k = 1; k <= 3; k++) {
      x.mul(x).sum().backward();
      // Churn: tensors that would take a wrongly recycled buffer.
      torch.ones(N).mul(7).add(1);
      expectClose(values(x.grad), (i) => (2 * k * i) / N, 5);
    }
  });

  it("a gradient a hook keeps is never given back", () => {
    const x = ramp(N).requiresGrad_(true);
    const y = x.mul(3);
    const kept: Tensor[] = [];
    y.registerHook((g) => {
      kept.push(g);
    });
    y.mul(y).sum().backward();
    torch.ones(N).mul(7).add(1);
    // dL/dy = 2y = 6x
    expectClose(values(kept[0]), (i) => (6 * i) / N, 5);
    expectClose(values(x.grad), (i) => (18 * i) / N, 5);
  });

  it("a retained gradient and the gradients autograd.grad returns are never given back", () => {
    const x = ramp(N).requiresGrad_(true);
    const y = x.mul(2);
    y.retainGrad();
    y.exp().sum().backward();
    const [gx] = torch.autograd.grad(x.mul(x).sum(), [x]);
    torch.ones(N).mul(7).add(1);
    torch.ones(N).mul(5).add(2);
    expectClose(values(y.grad), (i) => Math.exp((2 * i) / N), 4);
    expectClose(values(gx), (i) => (2 * i) / N, 5);
  });

  it("nothing is given back with createGraph (the gradients are part of a graph), and second derivatives hold", () => {
    const x = ramp(N).requiresGrad_(true);
    const [g] = torch.autograd.grad(x.pow(3).sum(), [x], { createGraph: true });
    expect(_pooledBytes()).toBe(0);
    (g as Tensor).sum().backward();
    // d/dx sum(3x^2) = 6x
    expectClose(values(x.grad), (i) => (6 * i) / N, 4);
  });

  it("a gradient passed on to two inputs (AddBackward) is not written in place while both hold it", () => {
    // engine.test.ts's case at a size that recycles: z = p + q hands dz to p and q; p also gets w's gradient.
    const x = ramp(N).requiresGrad_(true);
    const p = x.mul(2);
    const q = x.mul(3);
    const w = p.mul(5);
    const z = p.add(q);
    z.mul(z).sum().add(w.sum()).backward();
    // d/dx [sum((5x)^2) + sum(10x)] = 50x + 10
    expectClose(values(x.grad), (i) => (50 * i) / N + 10, 4);
  });

  it("large buffers a kernel fills whole are made without zero-filling (poisoned here, so an element left unwritten reads NaN)", () => {
    _resetRecycling({ uninitializedMinBytes: 65536 });
    const raw = takeUninitialized("float32", 16384) as Float32Array;
    expect(raw).not.toBeNull();
    expect(Number.isNaN(raw[0]) && Number.isNaN(raw[16383])).toBe(true);
    // Too small: left to the backend's zero-filled allocation.
    expect(takeUninitialized("float32", 1000)).toBeNull();
    // Results of ops made that way hold exactly what the kernels wrote.
    const x = ramp(16384);
    const y = x.mul(2).add(x.sin());
    expect(values(y).every((v, i) => Math.abs(v - (2 * (i / 16384) + Math.sin(i / 16384))) < 1e-6)).toBe(true);
    _resetRecycling({ uninitializedMinBytes: 1 });
  });
});
