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
      for (const [i, v] of Array.from(t.toTypedArray()).entries()) expect(Math.abs(v - (expected[i] as number))).toBeLessThan(tol);
    } else {
      expect(Array.from(t.toTypedArray())).toEqual(expected);
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
    // No values at all: PyTorch's default dtype (it was bool).
    expect(torch.tensor([]).dtype).toBe("float32");
    expect(torch.tensor([[], []]).dtype).toBe("float32");
    expect(torch.tensor([[], []]).shape).toEqual([2, 0]);
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
    expect(t.t().toTypedArray()).toEqual(new Float32Array([1.5, 3, 2, 4]));
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
    expect([copy.dtype, Array.from(copy.toTypedArray())]).toEqual(["float32", [1.5, -2, 3]]);
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
    expect(Array.from(torch.rand(2, { generator: g }).toTypedArray())).toEqual([0.49625658988952637, 0.7682217955589294]);
  });
});

/**
 * Bad input PyTorch's recorded corpus cannot express (test/ops/errors/creation.json
 * and conversion.json hold the rest): JavaScript values (null, undefined,
 * strings, varargs sizes) and Kindling's own limits (int64 holds integers up
 * to 2^53 exactly; casts of unrepresentable floats raise where PyTorch's cast
 * is undefined behaviour). The expected messages contain PyTorch's.
 */
describe("values a dtype cannot hold raise instead of wrapping or rounding", () => {
  it("tensor() refuses NaN, infinities and out-of-range values for integer dtypes, naming the element", () => {
    expect(() =>
      torch.tensor(
        [
          [1, 2],
          [3, Number.NaN],
        ],
        { dtype: "int64" },
      ),
    ).toThrow("tensor(): value cannot be converted to type int64 without overflow (element [1, 1]: NaN has no integer value)");
    expect(() => torch.tensor([2 ** 31], { dtype: "int32" })).toThrow("value cannot be converted to type int32 without overflow");
    expect(() => torch.tensor(new Float32Array([1, Number.POSITIVE_INFINITY]), { dtype: "int32" })).toThrow(
      "(element [1]: Infinity has no integer value)",
    );
    expect(() => torch.tensor(new Uint32Array([2 ** 32 - 1]), { dtype: "int32" })).toThrow(
      "value cannot be converted to type int32 without overflow",
    );
    expect(torch.tensor([1.9, -1.9, 2 ** 31 - 0.5], { dtype: "int32" }).tolist()).toEqual([1, -1, 2 ** 31 - 1]);
    expect(torch.tensor([Number.NaN], { dtype: "bool" }).tolist()).toEqual([1]);
  });

  it("int64 refuses integers beyond 2^53, which its Float64Array storage would round", () => {
    const message = "value cannot be converted to type int64 without overflow";
    expect(torch.tensor([2 ** 53, -(2 ** 53)], { dtype: "int64" }).tolist()).toEqual([2 ** 53, -(2 ** 53)]);
    expect(() => torch.tensor([2 ** 54], { dtype: "int64" })).toThrow(message);
    expect(() => torch.tensor(new Float64Array([2 ** 60]), { dtype: "int64" })).toThrow(message);
    // 2^53 + 1 is exact as a bigint and would round to 2^53 as a number.
    expect(() => torch.tensor([1n, 2n ** 53n + 1n])).toThrow("(element [1]: 9007199254740993 is beyond 2^53");
    expect(() => torch.tensor(new BigInt64Array([-(2n ** 60n)]))).toThrow(message);
    expect(() => torch.full([2], 2 ** 60, { dtype: "int64" })).toThrow(
      "full(): value cannot be converted to type int64_t without overflow",
    );
    expect(() => torch.zeros(2, { dtype: "int64" }).fill_(2 ** 54)).toThrow("fill_(): value cannot be converted to type int64_t");
    expect(() => torch.arange(0, 2 ** 60, 2 ** 58)).toThrow("arange(): value cannot be converted to type int64_t without overflow");
    expect(() => torch.randint(0, 2 ** 60, [2])).toThrow("randint(): to - 1 is out of bounds for int64_t");
  });

  it("numbers in arithmetic must fit the integer dtype they join (PyTorch wraps them silently)", () => {
    const i64 = torch.tensor([1, 2], { dtype: "int64" });
    const i32 = torch.tensor([1, 2], { dtype: "int32" });
    expect(() => i64.add(2 ** 60)).toThrow("add(): value cannot be converted to type int64_t without overflow");
    expect(() => i32.add(2 ** 40)).toThrow("add(): value cannot be converted to type int without overflow");
    expect(() => i32.eq(2 ** 40)).toThrow("eq(): value cannot be converted to type int without overflow");
    expect(() => i32.clamp({ min: 2 ** 40 })).toThrow("clamp(): value cannot be converted to type int without overflow");
    expect(() => i32.maskedFill(torch.tensor([true, false]), torch.tensor(Number.NaN))).toThrow(
      "masked_fill(): value cannot be converted to type int without overflow",
    );
    // Integral numbers beyond int64's range are floats (only a Python float can be 1e40).
    expect(i64.add(1e40).dtype).toBe("float32");
    expect(i32.add(2 ** 31 - 2).tolist()).toEqual([2 ** 31 - 1, -(2 ** 31)]); // results wrap, as PyTorch's
  });

  it("casts into integer dtypes refuse NaN, infinities and out-of-range values (PyTorch's cast is undefined there)", () => {
    const x = torch.tensor([
      [1.5, -2.5],
      [Number.NaN, 3],
    ]);
    const message = "to(): value cannot be converted to type int64 without overflow (element [1, 0]: NaN has no integer value)";
    expect(() => x.to("int64")).toThrow(message);
    expect(() => x.long()).toThrow(message);
    expect(() => torch.tensor([3e10]).int()).toThrow("to(): value cannot be converted to type int32 without overflow");
    expect(() => torch.tensor([2 ** 40], { dtype: "int64" }).int()).toThrow("outside int32's range");
    expect(() => torch.tensor([Number.POSITIVE_INFINITY], { dtype: "float64" }).to("int64")).toThrow("Infinity has no integer value");
    expect(() => torch.zeros(2, { dtype: "int64" }).copy_(torch.tensor([1, Number.NaN]))).toThrow(
      "copy_(): value cannot be converted to type int64 without overflow",
    );
    expect(() => torch.tensor(x, { dtype: "int32" })).toThrow("tensor(): value cannot be converted to type int32 without overflow");
    // A strided view is checked over its own elements only.
    expect(x.index(0).to("int64").tolist()).toEqual([1, -2]);
    expect(x.t().index(1).to("int32").tolist()).toEqual([-2, 3]);
    // Casts that cannot overflow are not checked.
    expect(x.to("float64").isnan().any().item()).toBe(1);
    expect(x.to("bool").tolist()).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(
      torch
        .tensor([2 ** 31 - 1], { dtype: "int32" })
        .long()
        .tolist(),
    ).toEqual([2 ** 31 - 1]);
  });
});

describe("JavaScript-only bad creation arguments get PyTorch's messages", () => {
  const bad = (v: unknown) => v as never;

  it("null, undefined and strings in tensor() data", () => {
    expect(() => torch.tensor(bad([1, null]))).toThrow("tensor(): Could not infer dtype of NoneType (the element at [1] is null)");
    expect(() => torch.tensor(bad([[1], [undefined]]))).toThrow("Could not infer dtype of NoneType (the element at [1, 0] is undefined)");
    expect(() => torch.tensor(bad(null))).toThrow("Could not infer dtype of NoneType (data is null)");
    expect(() => torch.tensor(bad([1, "a"]))).toThrow("tensor(): invalid data type 'str' (the element at [1] is \"a\"");
    expect(() => torch.tensor(bad({ a: 1 }))).toThrow("tensor(): Could not infer dtype of dict");
  });

  it("sizes passed as separate arguments name the bad element and its position", () => {
    expect(() => torch.zeros(1.5)).toThrow("zeros(): argument 'size' (position 1) must be tuple of SymInts, not float");
    expect(() => torch.zeros(bad("a"))).toThrow("zeros(): argument 'size' (position 1) must be tuple of SymInts, not str");
    expect(() => torch.zeros(bad(null))).toThrow("zeros(): argument 'size' (position 1) must be tuple of SymInts, not NoneType");
    expect(() => torch.ones(2, Number.NaN)).toThrow(
      "ones(): argument 'size' must be tuple of SymInts, but found element of type float at pos 2 (got [2, NaN]; a size is a list of non-negative integers)",
    );
    expect(() => torch.rand(2, bad(undefined), 3)).toThrow(
      "rand(): argument 'size' must be tuple of ints, but found element of type NoneType at pos 2",
    );
    expect(() => torch.randn(2, -3)).toThrow("randn(): Trying to create tensor with negative dimension -3: [2, -3]");
    expect(torch.zeros(2, 3, { dtype: "int32" }).shape).toEqual([2, 3]);
  });

  it("fill values, counts, ranges, seeds and norm orders of the wrong kind", () => {
    expect(() => torch.zeros(2).fill_(bad("a"))).toThrow(
      "fill_() received an invalid combination of arguments - got (str), but expected one of:",
    );
    expect(() => torch.fullLike(torch.zeros(2), bad(null))).toThrow(
      "full_like(): argument 'fill_value' (position 2) must be Number, not NoneType",
    );
    expect(() => torch.zeros(3).maskedFill_(torch.tensor([true, false, true]), bad("a"))).toThrow(
      "masked_fill_() received an invalid combination of arguments - got (Tensor, str), but expected one of:",
    );
    expect(() => torch.eye(2, 1.5)).toThrow("eye(): argument 'm' (position 2) must be int, not float");
    expect(() => torch.linspace(bad("0"), 1, 3)).toThrow("linspace(): argument 'start' (position 1) must be Number, not str");
    expect(() => torch.arange(0, bad(null))).toThrow("arange(): argument 'end' (position 2) must be Number, not NoneType");
    expect(() => torch.randint(0, 2.5, [3])).toThrow("randint(): argument 'high' (position 2) must be int, not float");
    expect(() => torch.randint(3)).toThrow("randint(): expected (high, size) or (low, high, size)");
    expect(() => torch.manualSeed(bad("1"))).toThrow("manual_seed(): seed must be a number, not string");
    expect(() => torch.manualSeed(2 ** 64)).toThrow("manual_seed(): Overflow when unpacking long");
    expect(() => torch.norm(torch.ones(3), bad({ dim: 0 }))).toThrow("norm(): p must be a number, 'fro' or 'nuc'; got an object");
    expect(() => torch.norm(torch.ones(2, 2), bad("nuc"))).toThrow("norm(): p='nuc' (the nuclear norm) is not supported");
    expect(torch.norm(torch.tensor([3, 4]), null).item()).toBe(5);
  });
});
