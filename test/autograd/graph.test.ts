/**
 * torch.autograd.graph's saved-tensor hooks: the scenarios are
 * scripts/record/autograd_extend.py's, replayed against what PyTorch 1.13
 * recorded.
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { expectScenario, type Recorder, recordedScenarios, recorder } from "../helpers/scenarios.js";

const leaf = (values: number[]) => torch.tensor(values, { requiresGrad: true });
const hooks = torch.autograd.graph.savedTensorsHooks;
const values = (t: Tensor) => Array.from(t.toTypedArray() as Float32Array, Number);

/** Lexicographic order of number lists (Python's sort of lists). */
function byValues(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

function loggingHooks(log: [string, number[]][]): [(t: Tensor) => number[], (p: number[]) => Tensor] {
  return [
    (t) => {
      // float32 values widened exactly, as PyTorch's tolist() gives them.
      log.push(["pack", values(t)]);
      return values(t);
    },
    (p) => {
      log.push(["unpack", p]);
      return torch.tensor(p);
    },
  ];
}

const scenarios: Record<string, (rec: Recorder) => void> = {
  hooks_pack_unpack(rec) {
    const x = leaf([1, 2]);
    const log: [string, number[]][] = [];
    const y = hooks(...loggingHooks(log), () => x.sin().mul(x));
    rec(log);
    log.length = 0;
    y.sum().backward();
    rec(log.map((e) => e[1]).sort(byValues), x.grad);
  },

  hooks_nesting_and_functions(rec) {
    const x = leaf([1, 2]);
    let log: string[] = [];
    const tag = (name: string) => (t: Tensor) => {
      log.push(name);
      return t;
    };
    hooks(
      tag("outer"),
      (t: Tensor) => t,
      () => {
        hooks(
          tag("inner"),
          (t: Tensor) => t,
          () => x.sin(),
        );
        x.cos();
      },
    );
    rec(log);
    log = [];
    class S extends torch.autograd.Function {
      static override forward(ctx: torch.autograd.FunctionCtx, x: Tensor): Tensor {
        ctx.saveForBackward(x);
        return x.mul(2);
      }
      static override backward(ctx: torch.autograd.FunctionCtx, g: Tensor): Tensor {
        const [x] = ctx.savedTensors as [Tensor];
        return g.mul(x);
      }
    }
    const [y, z] = hooks(tag("p"), tag("u"), () => [S.apply(x), x.exp()]);
    y?.sum().backward();
    z?.sum().backward(null, { retainGraph: true });
    z?.sum().backward();
    rec(log, x.grad);
  },

  hooks_semantics(rec) {
    const x = leaf([1, 2]);
    const same = (t: Tensor) => t;
    let c = x;
    const d = hooks(same, same, () => {
      c = x.mul(2);
      return c.sin();
    });
    c.add_(1);
    rec.run(() => d.sum().backward());
    x.grad = null;
    const badPack = (t: Tensor) => t.add_(1);
    // x * 2 is made outside the hooks: mul saves both its inputs, PyTorch's saves only what the needed gradients read.
    let x2 = x.mul(2);
    rec.run(() => hooks(badPack, same, () => x2.sin()));
    x2 = x.mul(2);
    const y = hooks(
      () => 3,
      (p: number) => p as unknown as Tensor,
      () => x2.sin(),
    );
    rec.run(() => y.sum().backward());
    const e = hooks(
      (t) => t.mul(2),
      (t: Tensor) => t.div(2),
      () => x.exp(),
    );
    e.sum().backward();
    rec(x.grad);
    const p = hooks(
      (t) => t.detach().clone(),
      same,
      () => x.pow(3),
    );
    const [g] = torch.autograd.grad(p.sum(), [x], { createGraph: true });
    rec(g, torch.autograd.grad(g.sum(), [x]));
  },
};

describe("saved-tensor hooks: PyTorch's recorded scenarios", () => {
  it("has every recorded scenario written here", () => {
    expect(Object.keys(scenarios).sort()).toEqual(recordedScenarios("hooks_").sort());
  });
  for (const [name, run] of Object.entries(scenarios)) {
    it(name, () => {
      const rec = recorder();
      run(rec);
      expectScenario(name, rec);
    });
  }

  it("gives back the hooks' result and unregisters them after, even when the function throws", () => {
    const x = leaf([1, 2]);
    let packs = 0;
    const count = (t: Tensor) => {
      packs++;
      return t;
    };
    expect(() =>
      hooks(
        count,
        (t: Tensor) => t,
        () => {
          x.sin();
          throw new Error("inside");
        },
      ),
    ).toThrow("inside");
    x.sin();
    expect(packs).toBe(1);
    expect(() =>
      hooks(
        3 as never,
        (t: Tensor) => t,
        () => 0,
      ),
    ).toThrow("pack and unpack must be functions");
  });
});
