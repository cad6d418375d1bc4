/**
 * Forward-mode AD (torch.autograd.forwardAd): the scenarios are
 * scripts/record/autograd_extend.py's, replayed against what PyTorch 1.13
 * recorded: the API and its errors, printing, noGrad and detach, in-place ops
 * and views, forward-over-reverse, and the tangents of 47 ops and modules'
 * functions. test/ops/forward_ad.test.ts checks every op's samples against
 * finite differences.
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { expectScenario, type Recorder, recordedScenarios, recorder } from "../helpers/scenarios.js";

const fwAD = torch.autograd.forwardAd;
const F = torch.F;
const T = (v: number[]) => torch.tensor(v);
const leaf = (values: number[]) => torch.tensor(values, { requiresGrad: true });
const tangent = (t: Tensor) => fwAD.unpackDual(t).tangent;
const i64 = (v: number[] | number[][]) => torch.tensor(v, { dtype: "int64" });
const f64 = { dtype: "float64" } as const;

const FWAD_OPS: Record<string, (x: Tensor) => Tensor> = {
  exp: (x) => x.exp(),
  log: (x) => x.log(),
  sqrt: (x) => x.sqrt(),
  tanh: (x) => x.tanh(),
  sigmoid: (x) => x.sigmoid(),
  relu: (x) => x.relu(),
  abs: (x) => x.abs(),
  pow: (x) => x.pow(3),
  pow_tensor: (x) => x.pow(x),
  mul: (x) => x.mul(x.cos()),
  div: (x) => x.div(x.add(2)),
  sub: (x) => torch.rsub(x, 1),
  clamp: (x) => x.clamp(0.7, 1.6),
  where: (x) => torch.where(x.gt(1), x.mul(2), x.exp()),
  maximum: (x) => torch.maximum(x, x.flip(0)),
  sum_dim: (x) => x.reshape(2, 2).sum(1),
  mean: (x) => x.mean(),
  prod: (x) => x.prod(),
  amax: (x) => x.amax(),
  max_dim: (x) => (x.reshape(2, 2).max(1) as unknown as [Tensor, Tensor])[0],
  var: (x) => x.var(),
  std: (x) => x.std(),
  norm: (x) => x.norm(),
  logsumexp: (x) => x.logsumexp(0),
  softmax: (x) => x.softmax(0),
  log_softmax: (x) => x.logSoftmax(0),
  cumsum: (x) => x.cumsum(0),
  cumprod: (x) => x.cumprod(0),
  matmul: (x) => x.reshape(2, 2).matmul(x.reshape(2, 2)),
  mv: (x) => x.reshape(2, 2).mv(x.narrow(0, 0, 2)),
  dot: (x) => x.dot(x.flip(0)),
  cat: (x) => torch.cat([x, x.mul(2)]),
  stack: (x) => torch.stack([x, x.exp()]),
  index: (x) => x.index(i64([3, 0, 3])),
  gather: (x) => x.reshape(2, 2).gather(1, i64([[1], [0]])),
  masked_fill: (x) => x.maskedFill(x.gt(1.2), 0),
  gelu: (x) => F.gelu(x),
  silu: (x) => F.silu(x),
  softplus: (x) => F.softplus(x),
  leaky_relu: (x) => F.leakyRelu(x.sub(1), 0.1),
  mse_loss: (x) => F.mseLoss(x, torch.ones(4, f64)),
  cross_entropy: (x) => F.crossEntropy(x.reshape(2, 2), i64([1, 0])),
  linear: (x) => F.linear(x.reshape(2, 2), x.reshape(2, 2).t(), x.narrow(0, 0, 2)),
  conv1d: (x) => F.conv1d(x.reshape(1, 1, 4), x.narrow(0, 0, 2).reshape(1, 1, 2)),
  avg_pool: (x) => F.avgPool2d(x.reshape(1, 1, 2, 2), 2),
  max_pool: (x) => F.maxPool2d(x.reshape(1, 1, 2, 2), 2),
  layer_norm: (x) => F.layerNorm(x, [4]),
};

const scenarios: Record<string, (rec: Recorder) => void> = {
  fwad_api(rec) {
    const p = T([1, 2]);
    const t = T([3, 4]);
    rec.run(() => fwAD.makeDual(p, t));
    let d = p;
    let y = p;
    fwAD.dualLevel((level) => {
      rec(level);
      d = fwAD.makeDual(p, t);
      rec(String(d), d._base === p, d === p);
      rec.run(() => fwAD.makeDual(p, torch.ones(3)));
      rec.run(() => fwAD.makeDual(i64([1, 2]), T([1, 2])));
      rec.run(() => fwAD.enterDualLevel());
      y = d.sin().mul(2);
      const u = fwAD.unpackDual(y);
      rec(String(y), u.primal, u.tangent, u.primal._base === y);
      rec(fwAD.unpackDual(p).tangent);
      const z = torch.noGrad(() => d.exp());
      rec(String(z), fwAD.unpackDual(d.detach()).tangent);
      rec(String(d.select(0, 0)), String(d.sum()), String(d.mul(3)));
    });
    rec(String(d), String(y), fwAD.unpackDual(d).tangent);
  },

  fwad_inplace_and_views(rec) {
    fwAD.dualLevel(() => {
      const d = fwAD.makeDual(T([1, 2, 3]), T([3, 4, 5]));
      const e = d.clone();
      e.mul_(2);
      rec(tangent(e));
      const q = torch.zeros(3);
      q.add_(d);
      rec(tangent(q));
      const b = d.clone();
      const v = b.narrow(0, 1, 2);
      v.mul_(d.narrow(0, 1, 2));
      rec(tangent(b), tangent(v));
      const w = d.clone();
      w.select(0, 0).fill_(7);
      rec(tangent(w));
      const r = d.view(3, 1).expand(3, 2).t();
      rec(tangent(r));
    });
  },

  fwad_with_reverse(rec) {
    const x = leaf([1, 2]);
    const tt = leaf([3, 4]);
    fwAD.dualLevel(() => {
      const dx = fwAD.makeDual(x, T([3, 4]));
      const y = dx.exp().mul(dx);
      const t = tangent(y) as Tensor;
      rec(y, t);
      rec(torch.autograd.grad(t.sum(), [x]));
      const d2 = fwAD.makeDual(T([1, 2]), tt);
      const z = d2.mul(d2.sin()).sum();
      const zt = tangent(z) as Tensor;
      rec(zt, torch.autograd.grad(zt, [tt]));
    });
  },

  fwad_custom_function(rec) {
    type Ctx = torch.autograd.FunctionCtx;
    class NoJvp extends torch.autograd.Function {
      static override forward(_ctx: Ctx, x: Tensor, k: number): Tensor {
        return x.mul(k);
      }
      static override backward(_ctx: Ctx, g: Tensor): [Tensor, null] {
        return [g.mul(2), null];
      }
    }
    class WithJvp extends torch.autograd.Function {
      static override forward(ctx: Ctx, x: Tensor, k: number): [Tensor, Tensor] {
        ctx.k = k;
        ctx.saveForForward(x);
        return [x.mul(k), x.exp()];
      }
      static override backward(ctx: Ctx, g: Tensor): [Tensor, null] {
        return [g.mul(ctx.k), null];
      }
      static override jvp(ctx: Ctx, tx: Tensor, tk: null): [Tensor, Tensor] {
        const [x] = ctx.savedTensors as [Tensor];
        rec(tx, tk, x);
        return [tx.mul(ctx.k), tx.mul(x.exp())];
      }
    }
    fwAD.dualLevel(() => {
      const d = fwAD.makeDual(T([1, 2]), T([3, 4]));
      rec.run(() => NoJvp.apply(d, 2));
      const [a, b] = WithJvp.apply(d, 2);
      rec(String(a), String(b));
      rec(String(NoJvp.apply(T([1]), 2)));
    });
  },

  fwad_ops(rec) {
    for (const [name, f] of Object.entries(FWAD_OPS)) {
      fwAD.dualLevel(() => {
        const d = fwAD.makeDual(torch.tensor([0.5, 1.5, 1, 2], f64), torch.tensor([1, -2, 0.5, 3], f64));
        rec([name, tangent(f(d))]);
      });
    }
  },
};

describe("forward AD: PyTorch's recorded scenarios", () => {
  it("has every recorded scenario written here", () => {
    expect(Object.keys(scenarios).sort()).toEqual(recordedScenarios("fwad_").sort());
  });
  for (const [name, run] of Object.entries(scenarios)) {
    it(name, () => {
      const rec = recorder();
      run(rec);
      expectScenario(name, rec);
    });
  }
});

describe("forward AD: levels", () => {
  it("leaves the level when the function throws, and refuses a wrong level", () => {
    expect(() =>
      fwAD.dualLevel(() => {
        throw new Error("inside");
      }),
    ).toThrow("inside");
    const level = fwAD.enterDualLevel();
    expect(level).toBe(0);
    const d = fwAD.makeDual(T([1]), T([2]));
    fwAD.exitDualLevel();
    expect(tangent(d)).toBeNull();
    expect(() => fwAD.exitDualLevel()).toThrow("Trying to exit a forward AD level");
    // A new level does not see the old one's tangents.
    fwAD.dualLevel(() => expect(tangent(d)).toBeNull());
  });
});
