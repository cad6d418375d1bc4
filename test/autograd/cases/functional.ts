/**
 * torch.autograd.functional: each scenario is scripts/record/autograd_extend.py's,
 * written in Kindling, and records what PyTorch 1.13 recorded
 * (test/helpers/scenarios.ts); plus checks against finite differences.
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { expectScenarioAsync, type Recorder, recordedScenarios, recorder } from "../../helpers/scenarios.js";
import { onDevice, type TestDevice } from "./device.js";

const AF = torch.autograd.functional;
const T = (v: number[] | number[][] | number) => torch.tensor(v);

const sqSum = (x: Tensor) => x.pow(2).sum(1);
const expAdder = (x: Tensor, y: Tensor) => x.exp().mul(2).add(y.mul(3));
const pair = (x: Tensor, y: Tensor): [Tensor, Tensor] => [x.mul(y), x.add(y).sum()];
const cubeSum = (x: Tensor) => x.pow(3).sum();
const powAdder = (x: Tensor, y: Tensor) => x.pow(2).mul(2).add(y.pow(2).mul(3)).sum();
const mixed = (x: Tensor, y: Tensor) => x.mul(y.sin()).sum().add(x.pow(2).sum());
const X = [
  [1, 2],
  [3, 4],
];

const scenarios: Record<string, (rec: Recorder) => void | Promise<void>> = {
  functional_vjp(rec) {
    const x = T(X);
    rec(AF.vjp(sqSum, x, T([1, 10])));
    rec(AF.vjp(sqSum, x, T([1, 10]), { createGraph: true }));
    rec(AF.vjp(expAdder, [T([0.5, 1]), T([2, 3])], torch.ones(2)));
    rec(AF.vjp(pair, [T([1, 2]), T([3, 4])], [torch.ones(2), T(2)]));
    rec(AF.vjp(cubeSum, T([1, 2])));
    rec(AF.vjp((x: Tensor, _y: Tensor) => x.mul(2), [T([1]), T([2])], torch.ones(1)));
    const xr = torch.tensor([1, 2], { requiresGrad: true });
    const [out, g] = AF.vjp((x) => x.pow(2), xr, torch.ones(2), { createGraph: true });
    rec(out, g, torch.autograd.grad(g.sum(), [xr]));
  },

  functional_jvp(rec) {
    const x = T(X);
    rec(AF.jvp(sqSum, x, torch.ones(2, 2)));
    rec(AF.jvp(sqSum, x, torch.ones(2, 2), { createGraph: true }));
    rec(AF.jvp(expAdder, [T([0.5, 1]), T([2, 3])], [torch.ones(2), T([1, -1])]));
    rec(AF.jvp(pair, [T([1, 2]), T([3, 4])], [torch.ones(2), torch.ones(2)]));
    rec(AF.jvp((x) => x.pow(2), T([3])));
  },

  functional_jacobian(rec) {
    rec(AF.jacobian((x) => x.exp().sum(1), T(X).div(4)));
    rec(AF.jacobian(expAdder, [T([0.5, 1]), T([2, 3])]));
    rec(AF.jacobian(pair, [T([1, 2]), T([3, 4])]));
    rec(AF.jacobian((x): [Tensor, Tensor] => [x.sin(), x.cos().sum()], T([0.5, 1])));
    rec(AF.jacobian((x) => x.sin(), T([0.5, 1]), { createGraph: true }));
    rec(AF.jacobian((x: Tensor, _y: Tensor) => x.mul(2), [T([1]), T([2])]));
    rec(AF.jacobian((x) => x.sin(), T([0.5, 1]), { vectorize: true }));
    rec(
      AF.jacobian(
        (x) => x.matmul(x.t()),
        T([
          [1, 2],
          [0.5, -1],
        ]),
      ),
    );
  },

  functional_hessian(rec) {
    rec(AF.hessian(cubeSum, T(X)));
    rec(AF.hessian(powAdder, [T([1, 2]), T([3, 4])]));
    rec(AF.hessian(mixed, [T([1, 2]), T([0.5, -1])]));
    rec(AF.hessian((x) => x.pow(2).mul(x.sum()).sum(), T([1, 2, 3]), { createGraph: true }));
    rec(AF.hessian((x) => x.exp().sum(), T([0, 1]), { vectorize: true }));
  },

  functional_vhp_hvp(rec) {
    const x = T(X);
    const v = T([
      [1, 0.5],
      [-1, 2],
    ]);
    rec(AF.vhp(cubeSum, x, v));
    rec(AF.hvp(cubeSum, x, v));
    rec(AF.vhp(mixed, [T([1, 2]), T([0.5, -1])], [torch.ones(2), T([1, 2])]));
    rec(AF.hvp(mixed, [T([1, 2]), T([0.5, -1])], [torch.ones(2), T([1, 2])]));
    rec(AF.vhp(cubeSum, x, v, { createGraph: true }));
    rec(AF.hvp(cubeSum, x, v, { createGraph: true }));
    rec(AF.hvp((x) => x.pow(4).sum(), T([2])));
  },

  functional_errors(rec) {
    const x = T(X);
    const [x0, x1] = [x.select(0, 0), x.select(0, 1)];
    rec.run(() => AF.vjp(sqSum, x));
    rec.run(() => AF.vjp(sqSum, x, torch.ones(3)));
    rec.run(() => AF.vjp(pair, [x0, x1], [torch.ones(2)]));
    rec.run(() => AF.vjp(pair, [x0, x1], [torch.ones(2), torch.ones(2)]));
    rec.run(() => AF.jvp(sqSum, x));
    rec.run(() => AF.jvp(sqSum, x, [torch.ones(2, 2), torch.ones(2, 2)]));
    rec.run(() => AF.vjp((_x) => torch.ones(1), T([1]), null, { strict: true }));
    rec.run(() => AF.vjp((x: Tensor, _y: Tensor) => x.mul(2), [T([1]), T([2])], torch.ones(1), { strict: true }));
    rec.run(() => AF.jacobian((x: Tensor, _y: Tensor) => x.mul(2), [T([1]), T([2])], { strict: true }));
    rec.run(() => AF.jacobian((x) => x.mul(2), T([1]), { strict: true, createGraph: true }));
    rec.run(() => AF.jacobian((x) => x.mul(2), T([1]), { strict: true, vectorize: true }));
    rec.run(() => AF.hessian((x) => x.mul(2).sum(), T([1, 2]), { strict: true }));
    rec.run(() => AF.hessian((x) => x.mul(2), T([1, 2])));
    rec.run(() => AF.hessian(((x: Tensor) => [x, x]) as unknown as (x: Tensor) => Tensor, T([1])));
    rec.run(() => AF.vhp((x) => x.mul(2), T([1, 2]), torch.ones(2)));
    rec.run(() => AF.hvp(((x: Tensor) => [x.sum(), x.sum()]) as unknown as (x: Tensor) => Tensor, T([1, 2]), torch.ones(2)));
    rec.run(() => AF.vhp((x) => x.sum(), T([1, 2])));
    rec.run(() => AF.hvp((x) => x.mul(2).sum(), T([1, 2]), torch.ones(2), { strict: true }));
    rec.run(() => AF.jvp((x) => x.detach().mul(2), T([1]), torch.ones(1), { strict: true }));
    rec.run(() => AF.jvp((x: Tensor, _y: Tensor) => x.mul(2), [T([1]), T([2])], [torch.ones(1), torch.ones(1)], { strict: true }));
  },
};

/** torch.autograd.functional, on `device`. */
export function functionalTests(device: TestDevice): void {
  const { cpuOnly } = onDevice(device);
  describe("autograd.functional: PyTorch's recorded scenarios", () => {
    it("has every recorded scenario written here", async () => {
      expect(Object.keys(scenarios).sort()).toEqual(recordedScenarios("functional_").sort());
    });
    for (const [name, run] of Object.entries(scenarios)) {
      it(name, async () => {
        const rec = recorder();
        await run(rec);
        await expectScenarioAsync(name, rec);
      });
    }
  });

  /** Central differences of a function of one float64 tensor, one column of the Jacobian per input element. */
  function numericJacobian(f: (x: Tensor) => Tensor, x: Tensor, eps = 1e-6): number[][] {
    const base = Array.from(x.toTypedArray() as Float64Array);
    const columns: number[][] = [];
    for (let i = 0; i < base.length; i++) {
      const at = (d: number) => {
        const p = base.slice();
        p[i] = (p[i] as number) + d;
        return Array.from(f(torch.tensor(p, { dtype: "float64" }).view(x.shape)).toTypedArray() as Float64Array);
      };
      const [plus, minus] = [at(eps), at(-eps)];
      columns.push(plus.map((v, k) => (v - (minus[k] as number)) / (2 * eps)));
    }
    // Rows: output elements; columns: input elements.
    return (columns[0] ?? []).map((_, r) => columns.map((c) => c[r] as number));
  }

  describe("autograd.functional: against finite differences", () => {
    const f = (x: Tensor) => x.sin().mul(x.sum()).add(x.pow(3).div(3));
    const x = torch.tensor([0.3, -1.2, 2], { dtype: "float64" });

    const float64Only = cpuOnly("float64: the finite differences need it; the device has none");

    float64Only("jacobian, and jvp/vjp as its products", () => {
      const numeric = numericJacobian(f, x);
      const J = AF.jacobian(f, x);
      const j = Array.from(J.toTypedArray() as Float64Array);
      numeric.flat().forEach((v, i) => {
        expect(j[i]).toBeCloseTo(v, 6);
      });
      const v = torch.tensor([1, -2, 0.5], { dtype: "float64" });
      const [, jv] = AF.jvp(f, x, v);
      const [, vj] = AF.vjp(f, x, v);
      const close = (a: Tensor, b: Tensor) => {
        const want = b.toTypedArray() as Float64Array;
        Array.from(a.toTypedArray() as Float64Array).forEach((e, i) => {
          expect(e).toBeCloseTo(want[i] as number, 10);
        });
      };
      close(jv, J.matmul(v));
      close(vj, v.matmul(J));
    });

    float64Only("hessian, and hvp/vhp as its products", () => {
      const g = (x: Tensor) => f(x).pow(2).sum();
      const gradient = (x: Tensor) => {
        const xr = x.detach().requiresGrad_();
        return torch.autograd.grad(g(xr), [xr])[0];
      };
      const numeric = numericJacobian(gradient, x);
      const H = AF.hessian(g, x);
      const h = Array.from(H.toTypedArray() as Float64Array);
      numeric.flat().forEach((v, i) => {
        expect(h[i]).toBeCloseTo(v, 4);
      });
      const v = torch.tensor([0.5, 1, -1], { dtype: "float64" });
      const [, hv] = AF.hvp(g, x, v);
      const [, vh] = AF.vhp(g, x, v);
      const hvExpected = Array.from(H.matmul(v).toTypedArray() as Float64Array);
      Array.from(hv.toTypedArray() as Float64Array).forEach((e, i) => {
        expect(e).toBeCloseTo(hvExpected[i] as number, 8);
      });
      Array.from(vh.toTypedArray() as Float64Array).forEach((e, i) => {
        expect(e).toBeCloseTo(hvExpected[i] as number, 8);
      });
    });

    it("names a bad argument, and a misspelt option", async () => {
      expect(() => AF.vjp(sqSum, [T(X), 3 as unknown as Tensor], null)).toThrow(
        "The inputs given to vjp must be either a Tensor or a tuple of Tensors but the value at index 1 has type int",
      );
      expect(() => AF.jacobian(sqSum, T(X), { createGrap: true } as never)).toThrow("createGraph");
    });
  });
}
