import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { fromJson, readJson, type TensorJson } from "../helpers/fixtures.js";

interface PrintCase extends TensorJson {
  opts: { precision?: number; sci_mode?: boolean; linewidth?: number; threshold?: number; edgeitems?: number };
  repr: string;
}

const { cases } = readJson<{ cases: PrintCase[] }>("fixtures/print.json");

describe("printing matches PyTorch's repr (fixtures recorded by scripts/record/print_cases.py)", () => {
  it.each(cases.map((c, i) => [i, c.repr.split("\n")[0], c] as const))("case %i: %s", (_, __, c) => {
    const t = fromJson(c);
    if (c.requires_grad) t.requiresGrad_(true);
    const o = c.opts;
    torch.setPrintoptions({
      precision: o.precision,
      sciMode: o.sci_mode,
      linewidth: o.linewidth,
      threshold: o.threshold,
      edgeitems: o.edgeitems,
    });
    try {
      expect(t.toString()).toBe(c.repr);
    } finally {
      torch.setPrintoptions({ profile: "default" });
    }
  });

  it("prints grad_fn of non-leaves", () => {
    const x = torch.tensor([1, 2, 3], { requiresGrad: true });
    expect(x.mul(2).mean().toString()).toBe("tensor(4., grad_fn=<MeanBackward0>)");
    expect(x.toString()).toBe("tensor([1., 2., 3.], requires_grad=True)");
  });

  it("prints int64 values beyond 2^53 (from arithmetic) with their exact digits, as PyTorch", () => {
    // 2^60 is stored exactly; String() would print 1152921504606847000.
    const x = torch.tensor([2 ** 40, -3], { dtype: "int64" }).mul(2 ** 20);
    expect(x.toString()).toBe("tensor([1152921504606846976,            -3145728])");
  });
});
