/**
 * The padding family beyond its sample table (test/ops/samples/padding.json)
 * and errors corpus (test/ops/errors/padding.json): the seeded draws of the
 * sampling ops and of attention's dropout against PyTorch's
 * (test/fixtures/random_ops.json, scripts/record/random_ops.py), their
 * nodes and zero gradients, kl_div's warning, and F.pad's float32 bounds.
 */

import type { DType, Tensor } from "kindling";
import * as torch from "kindling";
import { afterEach, describe, expect, it, vi } from "vitest";
import { readJson } from "../helpers/fixtures.js";
import { thrown } from "../helpers/thrown.js";

interface Json {
  dtype: DType;
  shape: number[];
  data: (number | boolean | "nan")[];
}
type Step = Record<string, unknown> & { op: string };
interface Case {
  name: string;
  seed: number | null;
  generatorSeed: number | null;
  steps: Step[];
  results: Json[];
}

const fixture = readJson<{ cases: Case[] }>("fixtures/random_ops.json");
const dec = (j: Json): Tensor => torch.tensor(j.data.map(Number), { dtype: j.dtype }).reshape(j.shape);
const param = (v: unknown): Tensor | number => (typeof v === "number" ? v : dec(v as Json));
const values = (t: Tensor) => Array.from(t.toTypedArray() as ArrayLike<number>, Number);

function run(s: Step, generator: torch.Generator | undefined): Tensor {
  const g = { generator };
  const dtype = s.dtype as DType;
  const shape = s.shape as number[];
  switch (s.op) {
    case "multinomial":
      return torch.multinomial(dec(s.p as Json), s.n as number, { replacement: s.replacement === true, ...g });
    case "bernoulli":
      return torch.bernoulli(dec(s.p as Json), g);
    case "bernoulli_p":
      return torch.bernoulli(torch.empty(shape, { dtype }), s.p as number, g);
    case "bernoulli_":
      return torch.zeros(shape, { dtype }).bernoulli_(param(s.p), g);
    case "normal":
      if (s.size !== undefined) return torch.normal(s.mean as number, s.std as number, s.size as number[], { dtype, ...g });
      return torch.normal(param(s.mean), param(s.std), g);
    case "normal_":
      return torch.empty(shape, { dtype }).normal_(s.mean as number, s.std as number, g);
    case "uniform_":
      return torch.empty(shape, { dtype }).uniform_(s.from as number, s.to as number, g);
    case "rand":
      return torch.rand(shape, { dtype, ...g });
    case "sdpa":
      return torch.F.scaledDotProductAttention(dec(s.q as Json), dec(s.k as Json), dec(s.v as Json), {
        dropoutP: s.dropout_p as number,
        isCausal: s.is_causal === true,
      });
    default:
      throw new Error(`unknown step ${s.op}`);
  }
}

describe("seeded draws are PyTorch's", () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const gen = c.generatorSeed === null ? undefined : new torch.Generator(c.generatorSeed);
    if (c.seed !== null) torch.manualSeed(c.seed);
    c.steps.forEach((s, i) => {
      const got = run(s, gen);
      const want = c.results[i] as Json;
      expect(got.dtype).toBe(want.dtype);
      expect(got.shape).toEqual(want.shape);
      // Normals go through log/sin/cos: float64 ones agree to the last bit or two (glibc's against V8's),
      // float32 ones of 16 or more elements to ~1e-6 (PyTorch's vectorised path, src/random.ts); attention
      // sums its products in its own order. Every other draw is exact.
      const w = want.data.map(Number);
      const tol = s.op === "sdpa" || s.op.startsWith("normal") ? (want.dtype === "float32" ? 1e-6 : 1e-14) : 0;
      if (tol === 0) expect(values(got)).toEqual(w);
      else {
        values(got).forEach((v, j) => {
          expect(Math.abs(v - (w[j] as number))).toBeLessThanOrEqual(tol * (1 + Math.abs(w[j] as number)));
        });
      }
    });
  });
});

describe("sampling ops in the graph", () => {
  it("bernoulli records PyTorch's nodes, with zero gradients", () => {
    const p = torch.tensor([0.2, 0.9], { dtype: "float64", requiresGrad: true });
    const y = torch.bernoulli(p);
    expect(y.gradFn?.name).toBe("BernoulliBackward0");
    expect(values(torch.autograd.grad([y.sum()], [p])[0] as Tensor)).toEqual([0, 0]);
    const x = torch.zeros(2, { dtype: "float64", requiresGrad: true }).mul(1);
    expect(x.bernoulli_(p).gradFn?.name).toBe("BernoulliBackward1");
    expect(torch.bernoulli(p, 0.5).requiresGrad).toBe(false);
    const n = torch.normal(p, p);
    expect(n.gradFn?.name).toBe("NormalBackward3");
    expect(torch.autograd.grad([n.sum()], [p]).map((g) => values(g as Tensor))).toEqual([[0, 0]]);
    expect(torch.multinomial(p, 1).requiresGrad).toBe(false);
  });

  it("multinomial reads a non-contiguous input in order and gives int64", () => {
    torch.manualSeed(3);
    const a = torch.multinomial(
      torch
        .tensor(
          [
            [0.1, 0.3],
            [0.2, 0.4],
          ],
          { dtype: "float64" },
        )
        .t(),
      5,
      { replacement: true },
    );
    torch.manualSeed(3);
    const b = torch.multinomial(
      torch.tensor(
        [
          [0.1, 0.2],
          [0.3, 0.4],
        ],
        { dtype: "float64" },
      ),
      5,
      { replacement: true },
    );
    expect(a.dtype).toBe("int64");
    expect(values(a)).toEqual(values(b));
  });
});

describe("kl_div", () => {
  afterEach(() => vi.restoreAllMocks());

  it("warns once about reduction 'mean', as PyTorch's UserWarning", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const x = torch.tensor([[-1, -2]]);
    torch.F.klDiv(x, torch.tensor([[0.5, 0.5]]));
    torch.F.klDiv(x, torch.tensor([[0.5, 0.5]]));
    torch.F.klDiv(x, torch.tensor([[0.5, 0.5]]), { reduction: "batchmean" });
    const calls = warn.mock.calls.filter((c) => String(c[0]).includes("'mean' divides the total loss"));
    expect(calls.length).toBeLessThanOrEqual(1);
  });

  it("refuses unknown options and reductions", () => {
    const x = torch.tensor([[-1, -2]]);
    expect(thrown(() => torch.F.klDiv(x, x, { reduction: "batch" as "sum" })).message).toContain(
      "batch is not a valid value for reduction",
    );
    expect(thrown(() => torch.F.klDiv(x, x, { log_target: true } as object)).message).toContain("log_target");
  });
});

describe("random fills' bounds", () => {
  it("checks uniform_'s bounds in the tensor's dtype", () => {
    expect(thrown(() => torch.zeros(2).uniform_(-1e300, 1e300)).message).toContain("from is out of bounds for float");
    expect(thrown(() => torch.zeros(2).uniform_(0, 3.4e38).uniform_(-3.4e38, 3.4e38)).message).toContain(
      "uniform_ expects to-from <= std::numeric_limits<Float>::max(), but found to=3.4e+38 and from=-3.4e+38",
    );
    expect(values(torch.zeros(2, { dtype: "float64" }).uniform_(1e300, 1e300))).toEqual([1e300, 1e300]);
  });
});
