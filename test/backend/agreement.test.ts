/**
 * The WebAssembly backend against the reference backend through the public
 * API: float32 ops large enough to take the WebAssembly kernels (matmul and
 * its relatives, convolutions built on them, the transcendental functions),
 * forward and backward. They agree to float32 rounding: the kernels
 * accumulate in float32, the reference in float64.
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { afterAll, describe, expect, it } from "vitest";

const available = (() => {
  try {
    torch.setBackend("wasm");
    return true;
  } catch {
    return false;
  }
})();
const initial = torch.getBackend();
afterAll(() => torch.setBackend(initial));

type Case = [string, number[][], (...xs: Tensor[]) => Tensor];

const CASES: Case[] = [
  [
    "mm 64x96 @ 96x48",
    [
      [64, 96],
      [96, 48],
    ],
    (a, b) => a.mm(b),
  ],
  [
    "matmul with a transposed operand",
    [
      [80, 64],
      [72, 80],
    ],
    (a, b) => a.t().matmul(b.t()),
  ],
  [
    "bmm 4 x 32x40 @ 40x24",
    [
      [4, 32, 40],
      [4, 40, 24],
    ],
    (a, b) => torch.bmm(a, b),
  ],
  [
    "broadcast matmul 3x1x20x30 @ 2x30x50",
    [
      [3, 1, 20, 30],
      [2, 30, 50],
    ],
    (a, b) => a.matmul(b),
  ],
  ["linear 50x128 -> 64", [[50, 128], [64, 128], [64]], (x, w, b) => torch.F.linear(x, w, b)],
  ["matrix-vector 128x256 @ 256", [[128, 256], [256]], (a, v) => a.mv(v)],
  [
    "conv2d 2x3x16x16, 8 filters 3x3",
    [
      [2, 3, 16, 16],
      [8, 3, 3, 3],
    ],
    (x, w) => torch.F.conv2d(x, w, null, { padding: 1 }),
  ],
  ["exp", [[40, 50]], (x) => x.exp()],
  ["log", [[40, 50]], (x) => x.abs().add(0.1).log()],
  ["sin and cos", [[40, 50]], (x) => x.mul(3).sin().add(x.cos())],
  ["tanh", [[40, 50]], (x) => x.tanh()],
  [
    "add, sub, mul, div of dense tensors",
    [
      [60, 70],
      [60, 70],
    ],
    (a, b) => a.add(b).mul(a).sub(b, { alpha: 0.5 }).div(b.abs().add(1)),
  ],
  ["ops with a broadcast scalar", [[3000], []], (a, s) => a.mul(s).add(2).sub(a.mul(0.25)).div(3).add(s)],
  [
    "scalar minus and over a tensor",
    [[3000]],
    (a) =>
      torch
        .rsub(a, 1)
        .add(torch.tensor(2).div(a.abs().add(1)))
        .add(torch.tensor(3).sub(a)),
  ],
  ["x * x (one operand twice)", [[50, 60]], (a) => a.mul(a)],
  [
    "add, sub, mul, div with a repeated row (a bias), on either side",
    [[60, 70], [70]],
    (a, r) =>
      a
        .add(r)
        .mul(r)
        .sub(r)
        .div(r.abs().add(1))
        .add(r.sub(a))
        .add(r.div(a.abs().add(1))),
  ],
  [
    "a repeated block of trailing dims, and a row through a size-1 dim",
    [
      [4, 30, 70],
      [1, 30, 70],
      [1, 70],
    ],
    (a, blk, r) => a.mul(blk).add(a.sub(r).mul(2)),
  ],
  [
    "relu, sigmoid, neg, abs, sqrt, square, reciprocal",
    [[50, 60]],
    (a) => a.relu().add(a.sigmoid()).sub(a.neg().abs().add(1).sqrt()).add(a.square()).add(a.abs().add(1).reciprocal()),
  ],
  [
    "clamp with both bounds, min only, max only",
    [[50, 60]],
    (a) =>
      a
        .clamp({ min: -0.5, max: 0.7 })
        .add(a.clamp({ min: 0.1 }))
        .add(a.clamp({ max: -0.2 })),
  ],
  ["pow 2 and 3", [[50, 60]], (a) => a.pow(2).add(a.pow(3))],
  [
    "where with a comparison",
    [
      [50, 60],
      [50, 60],
    ],
    (a, b) => torch.where(a.ge(0), b, a.mul(2)).add(torch.where(b.lt(0.5), 1, a)),
  ],
  ["sum over everything", [[300, 40]], (a) => a.sum()],
  ["sum over leading dims", [[30, 20, 10]], (a) => a.sum([0, 1])],
  ["sum over trailing dims", [[30, 20, 10]], (a) => a.sum([1, 2], { keepdim: true })],
  ["sum over a middle dim (reference path)", [[30, 20, 10]], (a) => a.sum(1)],
  ["mean of a 2-layer MLP's output", [[64, 100], [100, 80], [80]], (x, w, b) => x.mm(w).add(b).relu().mean()],
];

function run(backend: string, shapes: number[][], f: (...xs: Tensor[]) => Tensor, seed: number): { out: number[]; grads: number[][] } {
  torch.setBackend(backend);
  torch.manualSeed(seed);
  const xs = shapes.map((s) => torch.randn(s).requiresGrad_(true));
  const out = f(...xs);
  torch.manualSeed(seed + 1);
  out.backward(torch.randn(out.shape));
  return { out: Array.from(out.detach().toTypedArray()), grads: xs.map((x) => Array.from((x.grad as Tensor).toTypedArray())) };
}

function expectClose(actual: number[], expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(1, ...expected.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)));
  expect(worst / scale).toBeLessThan(2e-5);
}

/** PyTorch 1.13's values: relu and clamp compare as std::max/min, so NaN and -0 pass through. */
describe.each(["js", ...(available ? ["wasm"] : [])])("signed zeros and NaN on the %s backend", (backend) => {
  const signs = (t: Tensor): string[] => Array.from(t.toTypedArray(), (v) => (Object.is(v, -0) ? "-0" : String(v)));
  // Each pattern repeated to 4096 elements, past the wasm kernels' thresholds.
  const big = (values: number[]): Tensor => torch.tensor(Array.from({ length: 4096 }, (_, i) => values[i % values.length] as number));
  for (const n of [1, 4096]) {
    const t = (values: number[]): Tensor => (n === 1 ? torch.tensor(values) : big(values));
    it(`relu, clamp, full and fill_ (${n === 1 ? "small" : "large"} tensors)`, () => {
      torch.setBackend(backend);
      expect(signs(torch.relu(t([-0, 0, Number.NaN, -2]))).slice(0, 4)).toEqual(["-0", "0", "NaN", "0"]);
      expect(signs(t([-0, 0, Number.NaN, -2]).clamp({ min: 0 })).slice(0, 4)).toEqual(["-0", "0", "NaN", "0"]);
      expect(signs(t([0, -0]).clamp({ max: -0 })).slice(0, 2)).toEqual(["0", "-0"]);
      expect(signs(t([-0, 0]).clamp({ min: 0, max: 0 })).slice(0, 2)).toEqual(["-0", "0"]);
      expect(signs(t([1, 5]).clamp({ min: 3, max: 2 })).slice(0, 2)).toEqual(["2", "2"]);
      expect(signs(torch.full([n], -0)).slice(0, 1)).toEqual(["-0"]);
      expect(signs(torch.zeros(n).fill_(-0)).slice(0, 1)).toEqual(["-0"]);
      const x = t([-0, Number.NaN, 3, -4]);
      expect(signs(torch.where(x.ge(0), x, torch.tensor(-0))).slice(0, 4)).toEqual(["-0", "-0", "3", "-0"]);
      expect(signs(torch.where(x.lt(0), 7, x)).slice(0, 4)).toEqual(["-0", "NaN", "3", "7"]);
    });
  }
});

describe.runIf(available)("the wasm backend agrees with the js backend (float32)", () => {
  it.each(CASES.map((c, i) => [c[0], c, i] as const))("%s", (_, [, shapes, f], i) => {
    const js = run("js", shapes, f, 100 + i);
    const wasm = run("wasm", shapes, f, 100 + i);
    expectClose(wasm.out, js.out);
    for (const [k, g] of wasm.grads.entries()) expectClose(g, js.grads[k] as number[]);
  });
});
