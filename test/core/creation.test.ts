/** Creation functions against PyTorch (test/fixtures/creation.json, scripts/record/creation.py). */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { decode, readJson, type TensorJson } from "../helpers/fixtures.js";

const CALLS: Record<string, () => Tensor> = {
  "zeros(2, 3)": () => torch.zeros(2, 3),
  "ones([2], int32)": () => torch.ones([2], { dtype: "int32" }),
  "full([2, 2], 7)": () => torch.full([2, 2], 7),
  "full([3], true)": () => torch.full([3], true),
  "arange(5)": () => torch.arange(5),
  "arange(1, 4)": () => torch.arange(1, 4),
  "arange(0, 1, 0.1)": () => torch.arange(0, 1, 0.1),
  "arange(10, 0, -3)": () => torch.arange(10, 0, -3),
  "arange(0.5, 3)": () => torch.arange(0.5, 3),
  "linspace(0, 1, 5)": () => torch.linspace(0, 1, 5),
  "linspace(-3, 7, 11)": () => torch.linspace(-3, 7, 11),
  "linspace(0, 1, 7)": () => torch.linspace(0, 1, 7),
  "linspace(0, 1, 7, float64)": () => torch.linspace(0, 1, 7, { dtype: "float64" }),
  "eye(3)": () => torch.eye(3),
  "eye(2, 3)": () => torch.eye(2, 3),
  "rand(7)": () => torch.rand(7),
  "rand(3, 4, float64)": () => torch.rand(3, 4, { dtype: "float64" }),
  "randn(5)": () => torch.randn(5),
  "randn(20, float64)": () => torch.randn(20, { dtype: "float64" }),
  "randn(37)": () => torch.randn(37),
  "randint(0, 10, [8])": () => torch.randint(0, 10, [8]),
  "randint(-3, 3, [2, 3])": () => torch.randint(-3, 3, [2, 3]),
  "randperm(10)": () => torch.randperm(10),
  "randn(3); rand(2); randn(1)": () => torch.cat([torch.randn(3), torch.rand(2), torch.randn(1)]),
};

interface CreationCase {
  call: string;
  seed: number | null;
  result: TensorJson;
}

const { cases } = readJson<{ cases: CreationCase[] }>("fixtures/creation.json");

describe("creation matches PyTorch", () => {
  it.each(cases.map((c) => [c.call, c.seed, c] as const))("%s (seed %s)", (call, seed, c) => {
    const make = CALLS[call];
    expect(make).toBeDefined();
    if (seed !== null) torch.manualSeed(seed);
    const t = (make as () => Tensor)();
    expect(t.dtype).toBe(c.result.dtype);
    expect(t.shape).toEqual(c.result.shape);
    const expected = c.result.data.map(decode);
    // randn of 16+ elements: PyTorch's float32 path uses AVX2 approximations of log/sin/cos,
    // and its float64 path glibc's, whose last bit can differ from JavaScript's Math.
    if (call === "randn(37)" || call === "randn(20, float64)") {
      const tol = call === "randn(37)" ? 5e-6 : 1e-14;
      for (const [i, v] of Array.from(t.data).entries()) expect(Math.abs(v - (expected[i] as number))).toBeLessThan(tol);
    } else {
      expect(Array.from(t.data)).toEqual(expected);
    }
  });
});

describe("creation options and reading values", () => {
  it("tensor() infers shape and dtype from nested arrays, booleans and typed arrays", () => {
    expect(torch.tensor([[1, 2, 3]]).shape).toEqual([1, 3]);
    expect(torch.tensor([true, false]).dtype).toBe("bool");
    expect(torch.tensor(new Int32Array([1, 2])).dtype).toBe("int32");
    expect(torch.tensor(new Float64Array([1, 2])).dtype).toBe("float64");
    expect(torch.tensor([1n, 2n]).dtype).toBe("int64");
    expect(() => torch.tensor([[1, 2], [3]])).toThrow("tensor(): expected sequence of length 2 at dim 1 (got 1)");
  });

  it("item, tolist and data", () => {
    const t = torch.tensor([
      [1.5, 2],
      [3, 4],
    ]);
    expect(t.index(0, 0).item()).toBe(1.5);
    expect(t.tolist()).toEqual([
      [1.5, 2],
      [3, 4],
    ]);
    expect(t.t().data).toEqual(new Float32Array([1.5, 3, 2, 4]));
    expect(() => t.item()).toThrow("a Tensor with 4 elements cannot be converted to Scalar");
    expect(torch.tensor(7).tolist()).toBe(7);
  });

  it("requiresGrad option and the *Like functions", () => {
    const x = torch.zeros(2, { requiresGrad: true });
    expect([x.requiresGrad, x.isLeaf]).toEqual([true, true]);
    const r = torch.randLike(torch.zeros(3, { dtype: "float64" }));
    expect([r.dtype, r.shape]).toEqual(["float64", [3]]);
    expect(torch.fullLike(x, 2).tolist()).toEqual([2, 2]);
    expect(torch.zerosLike(x).requiresGrad).toBe(false);
  });

  it("typed arrays: tensor() copies with the array's dtype, frombuffer() shares the memory", () => {
    const src = new Float32Array([1.5, -2, 3]);
    const copy = torch.tensor(src);
    src[0] = 9;
    expect([copy.dtype, Array.from(copy.data)]).toEqual(["float32", [1.5, -2, 3]]);
    expect(torch.tensor(new Int32Array([1, 2])).dtype).toBe("int32");
    expect(torch.tensor(new Float64Array([2.7, -1.2]), { dtype: "int64" }).tolist()).toEqual([2, -1]);
    const shared = torch.frombuffer(src).view(3, 1);
    src[1] = 5;
    expect(shared.tolist()).toEqual([[9], [5], [3]]);
    expect(torch.frombuffer(new Float64Array([3, 4]), { dtype: "int64" }).tolist()).toEqual([3, 4]);
    expect(() => torch.frombuffer(new Float64Array([0.5]), { dtype: "int64" })).toThrow(
      "frombuffer(): element 0 (0.5) is not an integer int64 can hold exactly",
    );
    expect(() => torch.frombuffer(new Float32Array(1), { dtype: "float64" })).toThrow(
      "frombuffer(): a Float32Array cannot be viewed as float64 (it holds float32)",
    );
    expect(() => torch.frombuffer(new Uint8Array([2]))).toThrow("a Uint8Array viewed as bool must hold only 0 and 1");
  });

  it("a generator object gives its own stream", () => {
    const g = new torch.Generator(0);
    expect(Array.from(torch.rand(2, { generator: g }).data)).toEqual([0.49625658988952637, 0.7682217955589294]);
  });
});
