/**
 * The WebAssembly backend's mirrors (src/backend/wasm/resident.ts): a whole
 * array a kernel copied in or computed stays in linear memory for the next
 * kernel that reads it. These tests check that a mirror is made and used,
 * and above all that it never serves stale values: after every kind of
 * write (each in-place op, the reference loops, gradcheck's perturbations,
 * the user's own writes to a `frombuffer` array, a change of backend,
 * recycling, releasing the module) the next kernel reads what the array
 * holds. Arrays are 4096 floats, above the kernels' threshold.
 */
import type { Tensor } from "kindling";
import * as torch from "kindling";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { kernels, resetArena } from "../../src/backend/wasm/module.js";
import { unaryF32 } from "../../src/backend/wasm/pointwise.js";
import { releaseWasm } from "../../src/backend/wasm/pool.js";
import { _isMirrored, _setMirrorLimits, mirrorStats, resultAt, settle } from "../../src/backend/wasm/resident.js";
import { written } from "../../src/core/mirrors.js";
import { recycle } from "../../src/core/recycle.js";

const N = 4096;
const storage = (t: Tensor) => t._storage.data as Float32Array;
const values = (t: Tensor) => Array.from(t.toTypedArray());
const ramp = (n = N) =>
  torch
    .arange(n)
    .float()
    .div(n / 4)
    .sub(2);
/** What a kernel reading t now computes: t * 2 (through the wasm scalar kernel). */
const doubled = (t: Tensor) => values(t.mul(2));
const twice = (t: Tensor) => values(t).map((v) => Math.fround(v * 2));

const wasm = torch.getBackend() === "wasm";

describe.runIf(wasm)("mirrors of tensor data in WebAssembly memory", () => {
  beforeEach(() => _setMirrorLimits());
  afterEach(() => {
    _setMirrorLimits();
    torch.setBackend("wasm");
  });

  it("keeps a kernel's whole result, and its copied-in operands, in linear memory", () => {
    const x = ramp();
    const s = x.sin();
    expect(_isMirrored(storage(s))).toBe(true);
    const before = mirrorStats();
    // Reading s again uses the mirror: no new mirror, same values as the array.
    expect(doubled(s)).toEqual(twice(s));
    expect(mirrorStats().count).toBe(before.count + 1); // the product's own
    expect(mirrorStats().bytes).toBeGreaterThanOrEqual(2 * 4 * N);
  });

  it("never mirrors a frombuffer array, whose owner may write it at any time", () => {
    const buf = Float32Array.from({ length: N }, (_, i) => i / N);
    const t = torch.frombuffer(buf);
    expect(doubled(t)).toEqual(twice(t));
    expect(_isMirrored(buf)).toBe(false);
    buf[7] = 100;
    buf.fill(-3, 100, 200);
    const d = doubled(t);
    expect(d[7]).toBe(200);
    expect(d.slice(100, 200).every((v) => v === -6)).toBe(true);
    // Views of the same memory made by the user are external too.
    const again = torch.frombuffer(new Float32Array(buf.buffer));
    expect(doubled(again)).toEqual(twice(again));
    expect(_isMirrored(storage(again))).toBe(false);
  });

  const writes: [string, (s: Tensor) => void][] = [
    ["fill_", (s) => s.fill_(2)],
    ["zero_", (s) => s.zero_()],
    ["a view's fill_", (s) => s.narrow(0, 10, 100).fill_(7)],
    ["maskedFill_", (s) => s.maskedFill_(s.gt(0), 5)],
    ["indexPut_", (s) => s.indexPut_([torch.tensor([1, 5, 9], { dtype: "int64" })], torch.tensor(9))],
    ["indexPut_ accumulating", (s) => s.indexPut_([torch.tensor([1, 1], { dtype: "int64" })], torch.tensor(9), { accumulate: true })],
    [
      "copy_ from a strided source",
      (s) =>
        s.copy_(
          ramp(2 * N)
            .view(N, 2)
            .select(1, 0),
        ),
    ],
    ["add_ (a kernel writing through the mirror)", (s) => s.add_(1)],
    ["mul_ by a tensor", (s) => s.mul_(ramp())],
    ["clamp_", (s) => s.clamp_({ min: -0.25, max: 0.25 })],
    ["exp_", (s) => s.exp_()],
    ["a half written by a kernel", (s) => s.narrow(0, 0, N / 2).mul_(3)],
    ["uniform_", (s) => s.uniform_()],
    ["scatterAdd_", (s) => s.scatterAdd_(0, torch.tensor([0, 0, 3], { dtype: "int64" }), torch.ones(3))],
  ];
  for (const [name, write] of writes) {
    it(`a kernel reads what the array holds after ${name}`, () => {
      const s = ramp().sin();
      expect(_isMirrored(storage(s))).toBe(true);
      torch.noGrad(() => write(s));
      expect(doubled(s)).toEqual(twice(s));
      // And again, through whatever mirror the first read left.
      const sin = values(s.sin());
      expect(values(s).every((v, i) => Math.abs(Math.sin(v) - (sin[i] as number)) < 1e-6)).toBe(true);
    });
  }

  it("optimizer steps and gradient accumulation stay in step with the arrays", () => {
    const w = ramp().requiresGrad_(true);
    const opt = new torch.optim.SGD([w], { lr: 0.5, momentum: 0.9 });
    const ref = values(w);
    let buf = new Array<number>(N).fill(0);
    for (let step = 0; step < 3; step++) {
      opt.zeroGrad();
      w.sin().sum().backward();
      const g = values(w.grad as Tensor);
      expect(g.map((v, i) => Math.abs(v - Math.cos(ref[i] as number)) < 1e-6).every(Boolean)).toBe(true);
      buf = buf.map((b, i) => 0.9 * b + (g[i] as number));
      for (let i = 0; i < N; i++) ref[i] = (ref[i] as number) - 0.5 * (buf[i] as number);
      opt.step();
      const now = values(w);
      expect(now.every((v, i) => Math.abs(v - (ref[i] as number)) < 1e-5)).toBe(true);
      // A kernel reading w (through its mirror, if any) sees the step.
      expect(doubled(w.detach())).toEqual(twice(w));
    }
  });

  it("a write outside the backend is seen once reported with written() (and only then: the mirror is what kernels read)", () => {
    const s = ramp().sin();
    const data = storage(s);
    const old = data[3] as number;
    data[3] = 1000;
    // Unreported, the kernel still reads the mirror's old value: proof that the mirror is used.
    expect(doubled(s)[3]).toBe(Math.fround(old * 2));
    written(data);
    expect(_isMirrored(data)).toBe(false);
    expect(doubled(s)[3]).toBe(2000);
  });

  it("the kernel helpers called on arbitrary arrays never use or make mirrors", () => {
    const x = new Float32Array(N).fill(0.5);
    const out = new Float32Array(N);
    unaryF32("exp", x, out);
    expect(_isMirrored(x) || _isMirrored(out)).toBe(false);
    x.fill(-1); // written behind any backend's back, as a benchmark refilling its input does
    unaryF32("exp", x, out);
    expect(out[0]).toBeCloseTo(Math.exp(-1), 6);
    // A tensor's mirrored array handed to a helper: read from the array, and its mirror dropped once written.
    const s = ramp().sin();
    const data = storage(s);
    data[0] = 3;
    unaryF32("exp", data, data);
    expect(data[0]).toBeCloseTo(Math.exp(3), 4);
    expect(_isMirrored(data)).toBe(false);
    expect(doubled(s)).toEqual(twice(s));
  });

  it("forgets everything when the backend changes (the other one writes without telling)", () => {
    const s = ramp().sin();
    expect(_isMirrored(storage(s))).toBe(true);
    torch.setBackend("js");
    expect(mirrorStats().count).toBe(0);
    torch.noGrad(() => s.mul_(-1));
    torch.setBackend("wasm");
    expect(doubled(s)).toEqual(twice(s));
  });

  it("evicts the least recently used within its budget, never what the running kernel uses", () => {
    _setMirrorLimits({ budget: 3 * 4 * N });
    const ts = Array.from({ length: 8 }, (_, k) => ramp().add(k));
    for (const t of ts) expect(doubled(t)).toEqual(twice(t));
    expect(mirrorStats().bytes).toBeLessThanOrEqual(3 * 4 * N);
    // Two operands and a result: all three at once fit the budget exactly.
    const [a, b] = [ts[0] as Tensor, ts[1] as Tensor];
    const expected = values(a).map((v, i) => Math.fround(v * (values(b)[i] as number)));
    expect(values(a.mul(b))).toEqual(expected);
    // Room for one: b may not take the block of a, which the same kernel reads.
    _setMirrorLimits({ budget: 4 * N });
    const [c, d] = [ramp().add(1), ramp().mul(3)];
    const cd = values(c).map((v, i) => Math.fround(v * (values(d)[i] as number)));
    expect(values(c.mul(d))).toEqual(cd);
    // With no room for a result's mirror, the result is computed in the arena, never in an operand's mirror.
    const e = ramp().sin();
    expect(doubled(e)).toEqual(twice(e)); // e copied in and mirrored, the product made in the arena
    expect(_isMirrored(storage(e))).toBe(true);
    expect(doubled(e)).toEqual(twice(e));
  });

  it("drops a mirror made for a result that was never copied out", () => {
    const out = new Float32Array(N);
    kernels();
    resetArena();
    resultAt(out, 0, N, -1, true);
    expect(_isMirrored(out)).toBe(true);
    settle();
    expect(_isMirrored(out)).toBe(false);
    resetArena();
  });

  it("forgets the mirror of a buffer given back for recycling", () => {
    const s = ramp().sin();
    const data = storage(s);
    expect(_isMirrored(data)).toBe(true);
    recycle(data);
    expect(_isMirrored(data)).toBe(false);
  });

  it("forgets every mirror when the module is released", () => {
    const x = ramp().requiresGrad_(true);
    // The engine's gradients on the JS heap are given back to the pool after use.
    x.sin().mul(x.exp()).sum().backward();
    const s = ramp().sin();
    const old = ramp().sin();
    releaseWasm();
    // A helper writing an array mirrored before the release: nothing of the old memory is touched.
    unaryF32("exp", storage(old), storage(old));
    expect(mirrorStats().count).toBe(0);
    expect(doubled(s)).toEqual(twice(s));
    expect(_isMirrored(storage(s))).toBe(true);
  });
});
