import type { DType, Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { readJson } from "../helpers/fixtures.js";

type Operand = { kind: "tensor" | "0d"; dtype: DType } | { kind: "scalar"; value: number | boolean };
interface PromotionCase {
  a: Operand;
  b: Operand;
  result: DType;
}

const { cases } = readJson<{ cases: PromotionCase[] }>("fixtures/promotion.json");

function make(o: Operand): Tensor | number | boolean {
  if (o.kind === "scalar") return o.value;
  return o.kind === "tensor" ? torch.ones([2], { dtype: o.dtype }) : torch.ones([], { dtype: o.dtype });
}

const label = (o: Operand) => (o.kind === "scalar" ? `scalar ${o.value}` : `${o.kind} ${o.dtype}`);

describe("type promotion matches torch.add's result dtype (scripts/record/promotion.py)", () => {
  it.each(cases.map((c) => [label(c.a), label(c.b), c] as const))("%s + %s", (_, __, c) => {
    const a = make(c.a) as Tensor;
    expect(torch.add(a, make(c.b)).dtype).toBe(c.result);
  });
});

describe("dtype rules", () => {
  it("integer true division gives float32; rounding modes keep integers", () => {
    const a = torch.tensor([7, -7], { dtype: "int64" });
    expect(torch.div(a, 2).dtype).toBe("float32");
    expect(Array.from(torch.div(a, 2, { roundingMode: "floor" }).toTypedArray())).toEqual([3, -4]);
    expect(Array.from(torch.div(a, 2, { roundingMode: "trunc" }).toTypedArray())).toEqual([3, -3]);
  });

  it("int64 holds exact integers up to 2^53", () => {
    const big = 2 ** 53 - 1;
    const t = torch.tensor([big, -big], { dtype: "int64" });
    expect(t.tolist()).toEqual([big, -big]);
    expect(t.sub(1).tolist()).toEqual([big - 1, -big - 1]);
  });

  it("int32 arithmetic wraps like C", () => {
    const t = torch.tensor([2 ** 31 - 1], { dtype: "int32" });
    expect(t.add(1).item()).toBe(-(2 ** 31));
    expect(t.mul(2).item()).toBe(-2);
  });

  it("sums of integers and bools are int64; mean of integers throws PyTorch's message", () => {
    expect(torch.sum(torch.tensor([true, true, false])).dtype).toBe("int64");
    expect(() => torch.mean(torch.tensor([1, 2], { dtype: "int32" }))).toThrow(
      "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Int",
    );
  });

  it("in-place ops keep the tensor's dtype and refuse lossy results", () => {
    const x = torch.tensor([1, 2], { dtype: "int64" });
    expect(() => x.add_(0.5)).toThrow("result type Float can't be cast to the desired output type Long");
    x.add_(2);
    expect(x.tolist()).toEqual([3, 4]);
  });
});
