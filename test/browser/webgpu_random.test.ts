/**
 * Random numbers on the WebGPU device (issue 16), in headless Chromium: the
 * Philox kernel (src/backend/webgpu/random.ts) diffed against the reference
 * backend's spec (src/backend/ref/random.ts) for every kind and device
 * dtype, including a counter that carries into its high word; then the
 * device's generator as users meet it: seeding, streams, the random ops on
 * the device, their distributions, the generator's device check, and
 * checkpoint replaying a dropout mask.
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomFill as refFill } from "../../src/backend/ref/random.js";
import type { RandomKind, Strided } from "../../src/backend/types.js";
import type { GpuKernels } from "../../src/backend/webgpu/kernels.js";
import type { GpuOperand } from "../../src/backend/webgpu/operand.js";
import { randomFill } from "../../src/backend/webgpu/random.js";
import type { DType } from "../../src/core/dtype.js";
import { gpuKernels } from "../helpers/webgpu.js";
import { cpuArray, readAs, uploadAs } from "../helpers/webgpu_operands.js";

let gpu: GpuKernels;
beforeAll(async () => {
  gpu = await gpuKernels();
  expect(await torch.webgpu.init()).toBe(true);
});
afterAll(() => gpu?.device.destroy());

/** Fills an n-element output at `offset` with both backends; gives [reference, device] values. */
async function fillBoth(
  kind: RandomKind,
  dtype: DType,
  n: number,
  a: number,
  b: number,
  counter: number[],
  offset = 0,
): Promise<[number[], number[]]> {
  const key = [0x9e3779b9, 0x243f6a88];
  const ref: Strided = { data: cpuArray(dtype, new Array(n + offset).fill(0)), dtype, shape: [n], strides: [1], offset };
  const dev: GpuOperand = { buffer: uploadAs(gpu, dtype, new Array(n + offset).fill(0)), dtype, shape: [n], strides: [1], offset };
  refFill(ref, kind, key, counter, a, b);
  randomFill(gpu, dev, kind, key, counter, a, b);
  return [Array.from(ref.data as ArrayLike<number>).slice(offset), (await readAs(gpu, dev.buffer, dtype, n + offset)).slice(offset)];
}

const SIZES = [1, 3, 4, 5, 257, 1027, 70001];
const CARRY = [0xfffffffe, 7]; // blocks 0 and 1 are counter low words 2^32 - 2 and 2^32 - 1, then the high word carries

describe("the Philox kernel against the reference backend", () => {
  it.each(SIZES)("integers, exactly, for every device dtype (n = %i)", async (n) => {
    for (const [dtype, a, b] of [
      ["int32", -5, 11],
      ["int64", -(2 ** 31), 0],
      ["float32", 3, 1000],
      ["bool", 0, 2],
    ] as const) {
      const [want, got] = await fillBoth("int", dtype, n, a, b, CARRY, 2);
      expect(got, dtype).toEqual(want);
    }
  });

  it("integers over the whole 32-bit range (range 2^32, given as 0)", async () => {
    const [want, got] = await fillBoth("int", "int32", 4099, -(2 ** 31), 0, [5, 0]);
    expect(got).toEqual(want);
    expect(new Set(got).size).toBeGreaterThan(4090);
  });

  it.each(SIZES)("uniform floats, within an ulp (n = %i)", async (n) => {
    const [want, got] = await fillBoth("uniform", "float32", n, -2, 3, CARRY, 1);
    for (let i = 0; i < n; i++) {
      expect(Math.abs((got[i] as number) - (want[i] as number)), `element ${i}`).toBeLessThanOrEqual(5 * 2 ** -24);
      expect(got[i]).toBeGreaterThanOrEqual(-2);
      expect(got[i]).toBeLessThan(3);
    }
  });

  it.each(SIZES)("normal floats, within float32 rounding of the transforms (n = %i)", async (n) => {
    const [want, got] = await fillBoth("normal", "float32", n, 1.5, 0.25, CARRY);
    for (let i = 0; i < n; i++) expect(Math.abs((got[i] as number) - (want[i] as number)), `element ${i}`).toBeLessThan(2e-6);
  });

  it("draws nothing for an empty output", async () => {
    const [want, got] = await fillBoth("uniform", "float32", 0, 0, 1, [0, 0]);
    expect(got).toEqual(want);
  });
});

const read = (t: Tensor) => t.toTypedArrayAsync().then((v) => Array.from(v as ArrayLike<number>));
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const variance = (v: number[]) => mean(v.map((x) => (x - mean(v)) ** 2));

describe("the device's generator", () => {
  it("repeats after the same seed, moves on between draws, and differs from the CPU's stream", async () => {
    torch.manualSeed(11);
    const a = await read(torch.rand(9, { device: "webgpu" }));
    const b = await read(torch.rand(9, { device: "webgpu" }));
    torch.manualSeed(11);
    expect(await read(torch.rand(9, { device: "webgpu" }))).toEqual(a);
    expect(b).not.toEqual(a);
    torch.manualSeed(11);
    expect(Array.from(torch.rand(9).toTypedArray())).not.toEqual(a);
  });

  it("torch.webgpu.manualSeed seeds the device only; torch.manualSeed every device", async () => {
    torch.manualSeed(3);
    const cpu = Array.from(torch.rand(4).toTypedArray());
    torch.manualSeed(3);
    torch.webgpu.manualSeed(99);
    expect(torch.webgpu.initialSeed()).toBe(99);
    expect(torch.initialSeed()).toBe(3);
    expect(Array.from(torch.rand(4).toTypedArray())).toEqual(cpu);
    const dev = await read(torch.randn(4, { device: "webgpu" }));
    torch.webgpu.manualSeed(99);
    expect(await read(torch.randn(4, { device: "webgpu" }))).toEqual(dev);
  });

  it("a Generator of the device draws its own stream, and the device refuses a CPU generator", async () => {
    const g = new torch.Generator({ device: "webgpu" }).manualSeed(5);
    expect(g.device).toBe("webgpu");
    const a = await read(torch.randn([3, 2], { device: "webgpu", generator: g }));
    g.manualSeed(5);
    expect(await read(torch.empty([3, 2], { device: "webgpu" }).normal_(0, 1, { generator: g }))).toEqual(a);
    expect(() => torch.rand(2, { device: "webgpu", generator: new torch.Generator() })).toThrow(
      "rand(): Expected a 'webgpu' device type for generator but found 'cpu'",
    );
    expect(() => torch.rand(2, { generator: g })).toThrow("rand(): Expected a 'cpu' device type for generator but found 'webgpu'");
  });

  it("rand, randn, randint, randperm, uniform_, normal_ and bernoulli draw on the device with the right distributions", async () => {
    torch.manualSeed(0);
    const n = 1 << 16;
    const u = await read(torch.rand(n, { device: "webgpu" }));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(mean(u)).toBeCloseTo(0.5, 2);
    expect(variance(u)).toBeCloseTo(1 / 12, 2);
    const z = await read(torch.randn(n, { device: "webgpu" }));
    expect(mean(z)).toBeCloseTo(0, 1);
    expect(variance(z)).toBeCloseTo(1, 1);
    const w = await read(torch.empty(n, { device: "webgpu" }).uniform_(-4, -2));
    expect(Math.min(...w) >= -4 && Math.max(...w) < -2).toBe(true);
    const g = await read(torch.empty(n, { device: "webgpu" }).normal_(10, 0.5));
    expect(mean(g)).toBeCloseTo(10, 1);
    expect(Math.sqrt(variance(g))).toBeCloseTo(0.5, 1);
    const r = torch.randint(-3, 4, [n], { device: "webgpu" });
    expect(r.dtype).toBe("int64");
    expect([...new Set(await read(r))].sort((x, y) => x - y)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    const perm = torch.randperm(1000, { device: "webgpu" });
    expect(perm.device).toBe("webgpu");
    const p = await read(perm);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(p).not.toEqual([...p].sort((x, y) => x - y));
    const probs = torch.tensor([0, 1, 0.25], { device: "webgpu" }).expand([n / 4, 3]);
    const bern = await read(torch.bernoulli(probs));
    const column = (c: number) => bern.filter((_, i) => i % 3 === c);
    expect(mean(column(0))).toBe(0);
    expect(mean(column(1))).toBe(1);
    expect(mean(column(2))).toBeCloseTo(0.25, 1);
    const filled = await read(torch.zeros(n, { device: "webgpu" }).bernoulli_(0.75));
    expect(mean(filled)).toBeCloseTo(0.75, 1);
    expect(torch.randLike(torch.zeros(2, { device: "webgpu" })).device).toBe("webgpu");
  });

  it("checks tensor probabilities and standard deviations on the device, raising PyTorch's error at the next read", async () => {
    const p = torch.tensor([0.5, 1.5], { device: "webgpu" });
    torch.bernoulli(p);
    await expect(torch.zeros(1, { device: "webgpu" }).itemAsync()).rejects.toThrow("bernoulli: Expected p_in >= 0 && p_in <= 1 to be true");
    torch.zeros(2, { device: "webgpu" }).bernoulli_(torch.tensor([0.5, Number.NaN], { device: "webgpu" }));
    await expect(torch.zeros(1, { device: "webgpu" }).itemAsync()).rejects.toThrow("bernoulli: Expected p_in >= 0");
    const z = torch.normal(torch.full([4096], 3, { device: "webgpu" }), torch.full([4096], 2, { device: "webgpu" }));
    const v = await read(z);
    expect(mean(v)).toBeCloseTo(3, 1);
    expect(Math.sqrt(variance(v))).toBeCloseTo(2, 1);
    torch.normal(torch.zeros(2, { device: "webgpu" }), torch.tensor([1, -1], { device: "webgpu" }));
    await expect(torch.zeros(1, { device: "webgpu" }).itemAsync()).rejects.toThrow("normal expects all elements of std >= 0.0");
    expect(await torch.zeros(1, { device: "webgpu" }).itemAsync()).toBe(0);
  });

  it("multinomial draws on the device, with and without replacement, in the given proportions", async () => {
    torch.manualSeed(2);
    const p = torch.tensor([0.1, 0, 0.3, 0.6], { device: "webgpu" });
    const n = 20000;
    const drawn = torch.multinomial(p, n, { replacement: true });
    expect(drawn.shape).toEqual([n]);
    expect(drawn.device).toBe("webgpu");
    const d = await read(drawn);
    const share = (k: number) => d.filter((v) => v === k).length / n;
    expect([share(0), share(1), share(2), share(3)].map((v) => Math.round(v * 50) / 50)).toEqual([0.1, 0, 0.3, 0.6]);
    const rows = torch.tensor(
      [
        [1, 0, 2, 0],
        [0, 5, 0, 5],
      ],
      { device: "webgpu" },
    );
    const picked = await read(torch.multinomial(rows, 2));
    expect([picked.slice(0, 2).sort(), picked.slice(2).sort()]).toEqual([
      [0, 2],
      [1, 3],
    ]);
    const whole = await read(torch.multinomial(torch.rand([3, 6], { device: "webgpu" }), 6));
    for (let r = 0; r < 3; r++) expect(whole.slice(6 * r, 6 * r + 6).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const first = await read(torch.multinomial(torch.tensor([1, 3], { device: "webgpu" }).expand([4000, 2]), 1));
    expect(mean(first)).toBeCloseTo(0.75, 1);
    const g = new torch.Generator({ device: "webgpu" });
    const again = async () => read(torch.multinomial(p, 50, { replacement: true, generator: g.manualSeed(9) }));
    expect(await again()).toEqual(await again());
  });

  it("multinomial checks its distribution on the device, with the CPU's messages at the next read", async () => {
    const next = () => torch.zeros(1, { device: "webgpu" }).itemAsync();
    const cases: [number[], boolean, string][] = [
      [[0.5, -1], true, "multinomial: invalid multinomial distribution (encountering probability entry < 0)"],
      [
        [0.5, Number.POSITIVE_INFINITY],
        true,
        "multinomial: invalid multinomial distribution (encountering probability entry = infinity or NaN)",
      ],
      [[0, 0], true, "multinomial: invalid multinomial distribution (sum of probabilities <= 0)"],
      [[0.5, Number.NaN], false, "multinomial: probability tensor contains either `inf`, `nan` or element < 0"],
    ];
    for (const [probs, replacement, message] of cases) {
      torch.multinomial(torch.tensor(probs, { device: "webgpu" }), 1, { replacement });
      await expect(next()).rejects.toThrow(message);
      expect(() => torch.multinomial(torch.tensor(probs), 1, { replacement })).toThrow(message);
    }
    expect(await next()).toBe(0);
  });

  it("refuses integer ranges the device cannot hold", () => {
    expect(() => torch.randint(0, 2 ** 40, [2], { device: "webgpu" })).toThrow(/at most 2\^32 values/);
    expect(() => torch.randint(0, 2 ** 32, [2], { device: "webgpu" })).toThrow(/within int32's range/);
  });

  it("dropout draws its mask on the device: the kept fraction, the scale, and the gradient through the same mask", async () => {
    torch.manualSeed(1);
    const x = torch.ones([256, 64], { device: "webgpu", requiresGrad: true });
    const y = torch.F.dropout(x, { p: 0.25 });
    const v = await read(y);
    expect(new Set(v)).toEqual(new Set([0, Math.fround(1 / 0.75)]));
    expect(v.filter((e) => e === 0).length / v.length).toBeCloseTo(0.25, 1);
    y.sum().backward();
    expect(await read(x.grad as Tensor)).toEqual(v);
  });

  it("checkpoint replays the device's dropout mask in its recomputation", async () => {
    const w = torch.randn([16, 16]).to("webgpu").requiresGrad_();
    const block = (t: Tensor) => torch.F.dropout(t.matmul(w), { p: 0.5 }).tanh();
    const x = torch.randn([8, 16]).to("webgpu");
    torch.manualSeed(4);
    block(x).sum().backward();
    const plain = await read(w.grad as Tensor);
    (w.grad as Tensor).zero_();
    torch.manualSeed(4);
    torch.utils.checkpoint.checkpoint(block, x, { useReentrant: false }).sum().backward();
    const replayed = await read(w.grad as Tensor);
    for (let i = 0; i < plain.length; i++) expect(replayed[i]).toBeCloseTo(plain[i] as number, 5);
  });
});
