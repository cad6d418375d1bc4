/**
 * torch.scope, torch.keep and dispose(): what a scope frees, what it keeps,
 * and that training inside scopes computes exactly what it computes without.
 * (Runs on both backends, with every buffer given back poisoned: a tensor
 * still reading freed memory would read NaN.)
 */

import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { _pooledBytes } from "../../src/core/recycle.js";

/** A tensor's gradient as nested arrays (a function: TypeScript narrows `t.grad` after `t.grad = null`). */
const gradList = (t: torch.Tensor) => t.grad?.tolist();

const FREED = /memory was freed \(by torch\.scope.*torch\.keep\(t\)/;

describe("torch.scope", () => {
  it("frees what the function made and did not return; using it raises FreedTensorError", () => {
    let a: torch.Tensor | undefined;
    let literal: torch.Tensor | undefined;
    const out = torch.scope(() => {
      a = torch.arange(6).mul(2);
      literal = torch.tensor([1, 2]);
      return a.add(1);
    });
    expect(literal?.isDisposed).toBe(true);
    expect(out.tolist()).toEqual([1, 3, 5, 7, 9, 11]);
    const made = a as torch.Tensor;
    expect(made.isDisposed).toBe(true);
    expect(() => made.add(1)).toThrow(torch.FreedTensorError);
    expect(() => made.add(1)).toThrow(FREED);
    expect(() => made.tolist()).toThrow(torch.FreedTensorError);
    expect(() => made.sum().item()).toThrow(torch.FreedTensorError);
    expect(String(made)).toBe("tensor(<freed>, size=(6), dtype=torch.int64)");
  });

  it("keeps what the result reaches: tensors in arrays, objects, Maps and Sets, and their views", () => {
    const r = torch.scope(() => {
      const x = torch.ones(2, 3).mul(4);
      const y = torch.full([2], 7);
      return { list: [x.t()], nested: { m: new Map([["y", y]]) }, s: new Set([y.add(1)]), n: 3 };
    });
    expect((r.list[0] as torch.Tensor).tolist()).toEqual([
      [4, 4],
      [4, 4],
      [4, 4],
    ]);
    expect(r.nested.m.get("y")?.tolist()).toEqual([7, 7]);
    expect([...r.s][0]?.tolist()).toEqual([8, 8]);
    expect(r.n).toBe(3);
  });

  it("keeps the graph behind a returned tensor: backward after the scope gives the same gradients", () => {
    const x = torch.tensor([0.5, -1.25, 2], { requiresGrad: true });
    const loss = torch.scope(() => x.sin().mul(x.exp()).add(x.mul(x)).sum());
    loss.backward();
    const scoped = x.grad?.tolist();
    x.grad = null;
    x.sin().mul(x.exp()).add(x.mul(x)).sum().backward();
    expect(scoped).toEqual(gradList(x));
  });

  it("keeps the gradients backward stores: .grad, retained grads, and a createGraph grad with its graph", () => {
    const x = torch.tensor([1.5, -2], { requiresGrad: true });
    let mid: torch.Tensor | undefined;
    torch.scope(() => {
      mid = x.mul(3);
      mid.retainGrad();
      mid.pow(2).sum().backward();
    });
    expect(x.grad?.tolist()).toEqual([27, -36]);
    expect(mid?.isDisposed).toBe(true);

    const w = torch.tensor([2, 3], { requiresGrad: true });
    torch.scope(() => {
      w.pow(3).sum().backward(null, { createGraph: true });
    });
    expect(w.grad?.tolist()).toEqual([12, 27]);
    const g = w.grad as torch.Tensor;
    w.grad = null;
    g.sum().backward(); // d/dw of 3 w^2 = 6 w, through the graph the scope kept
    expect(gradList(w)).toEqual([12, 18]);
  });

  it("nests: what an inner scope returns belongs to the outer one and is freed when that ends", () => {
    let inner: torch.Tensor | undefined;
    let innerSeen: number[] | undefined;
    torch.scope(() => {
      inner = torch.scope(() => torch.ones(3).mul(5));
      innerSeen = inner.tolist() as number[];
    });
    expect(innerSeen).toEqual([5, 5, 5]);
    expect(inner?.isDisposed).toBe(true);
  });

  it("torch.keep saves a tensor from every open scope", () => {
    const seen: torch.Tensor[] = [];
    torch.scope(() => {
      torch.scope(() => {
        const y = torch.ones(2).mul(3);
        seen.push(torch.keep(y));
        seen.push(y.add(1)); // not kept
      });
    });
    expect(seen[0]?.tolist()).toEqual([3, 3]);
    expect(seen[1]?.isDisposed).toBe(true);
    const t = torch.ones(1);
    expect(torch.keep(t)).toBe(t); // outside a scope: nothing to do
    expect(() => torch.keep(3 as unknown as torch.Tensor)).toThrow(/keep\(\): expected a Tensor, got int/);
  });

  it("frees on a throw and rethrows; rejects a non-function and an async function", () => {
    let a: torch.Tensor | undefined;
    expect(() =>
      torch.scope(() => {
        a = torch.ones(2).mul(2);
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(a?.isDisposed).toBe(true);
    expect(() => torch.scope(5 as unknown as () => void)).toThrow(torch.ArgumentError);
    expect(() => torch.scope(async () => torch.ones(1))).toThrow(/returned a Promise; a scope takes a synchronous function/);
  });

  it("keeps modules made inside (parameters and buffers) and what they compute stays right", () => {
    torch.manualSeed(0);
    const m = torch.scope(() => new torch.nn.Sequential(new torch.nn.Linear(3, 4), new torch.nn.BatchNorm1d(4)));
    const x = torch.randn(5, 3);
    torch.scope(() => {
      m.forward(x).sum().backward();
    });
    for (const p of m.parameters()) {
      expect(p.isDisposed).toBe(false);
      expect(p.grad?.isDisposed).toBe(false);
    }
    const bn = m.at(1) as torch.nn.BatchNorm1d;
    expect(bn.runningMean?.isDisposed).toBe(false);
    expect(Number.isFinite(bn.runningVar?.sum().item())).toBe(true);
  });

  it("training inside scopes computes exactly what it computes without (SGD with momentum, Adam)", () => {
    const train = (scoped: boolean, makeOpt: (ps: torch.Tensor[]) => { zeroGrad(): void; step(): unknown }): number[][] => {
      torch.manualSeed(7);
      const model = new torch.nn.Sequential(new torch.nn.Linear(4, 8), new torch.nn.ReLU(), new torch.nn.Linear(8, 3));
      const opt = makeOpt([...model.parameters()]);
      const x = torch.randn(16, 4);
      const y = torch.randint(0, 3, [16]);
      const losses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const stepFn = () => {
          opt.zeroGrad();
          const loss = torch.F.crossEntropy(model.forward(x), y);
          loss.backward();
          opt.step();
          return loss;
        };
        losses.push((scoped ? torch.scope(stepFn) : stepFn()).item());
      }
      return [losses, ...[...model.parameters()].map((p) => p.flatten().tolist() as number[])];
    };
    const sgd = (ps: torch.Tensor[]) => new torch.optim.SGD(ps, { lr: 0.1, momentum: 0.9 });
    const adam = (ps: torch.Tensor[]) => new torch.optim.Adam(ps, { lr: 0.01 });
    expect(train(true, sgd)).toEqual(train(false, sgd));
    expect(train(true, adam)).toEqual(train(false, adam));
  });

  it("gives large buffers back for reuse", () => {
    const before = _pooledBytes();
    torch.scope(() => {
      torch.ones(100_000).mul(2).exp();
    });
    expect(_pooledBytes()).toBeGreaterThanOrEqual(before + 400_000);
  });
});

describe("dispose", () => {
  it("frees a tensor's memory: it and its views can no longer be used; twice does nothing", () => {
    const t = torch.arange(4).float();
    const v = t.view(2, 2);
    expect(t.isDisposed).toBe(false);
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(v.isDisposed).toBe(true);
    expect(() => v.add(1)).toThrow(torch.FreedTensorError);
    t.dispose();
    expect(t.isDisposed).toBe(true);
  });

  it("disposing a view or a .data alias leaves the tensor it views intact", () => {
    const base = torch.tensor([1, 2, 3, 4]);
    const v = base.narrow(0, 1, 2);
    v.dispose();
    expect(v.isDisposed).toBe(true);
    expect(() => v.sum()).toThrow(torch.FreedTensorError);
    expect(base.tolist()).toEqual([1, 2, 3, 4]);

    const p = new torch.nn.Parameter(torch.full([3], 2));
    const alias = p.data;
    alias.dispose();
    expect(alias.isDisposed).toBe(true);
    expect(p.tolist()).toEqual([2, 2, 2]);
    expect(p.mul(2).tolist()).toEqual([4, 4, 4]);
  });

  it("`using` disposes at the end of the block", () => {
    let seen: torch.Tensor | undefined;
    {
      using t = torch.ones(3);
      seen = t;
      expect(t.sum().item()).toBe(3);
    }
    expect(seen.isDisposed).toBe(true);
  });
});
