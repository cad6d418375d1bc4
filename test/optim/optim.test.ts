/**
 * torch.optim against PyTorch 1.13 (test/fixtures/optim_trajectories.json,
 * scripts/record/optim_trajectories.py): every recorded trajectory is
 * replayed step by step, state dicts are compared in PyTorch's layout, and a
 * state dict (PyTorch's or Kindling's) loaded into a fresh optimizer must
 * continue the same trajectory.
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import * as optim from "../../src/optim/index.js";
import { decode, readJson, type TensorJson } from "../helpers/fixtures.js";

// ----- the recorded problem -------------------------------------------------------

type Json = number | boolean | string | null | number[] | TensorJson;

interface OptCase {
  optimizer: "SGD" | "Adam" | "AdamW" | "RMSprop" | "Adagrad";
  options: Record<string, number | boolean | number[]>;
  groups: ({ params: number[] } & Record<string, number | boolean | number[]>)[] | null;
  losses: number[];
  trajectory: number[][][];
  mid_state_dict: RecordedStateDict;
  state_dict: RecordedStateDict;
}

interface RecordedStateDict {
  state: Record<string, Record<string, Json>>;
  param_groups: ({ params: number[] } & Record<string, Json>)[];
}

interface Fixture {
  problem: { A: number[][]; b: number[]; p1: number[]; p2: number[][]; steps: number; mid: number };
  optimizers: OptCase[];
}

const fx = readJson<Fixture>("fixtures/optim_trajectories.json");
const { A, b, p1: P1, p2: P2, steps: STEPS, mid: MID } = fx.problem;
const a = torch.tensor(A, { dtype: "float64" });
const bv = torch.tensor(b, { dtype: "float64" });

/** PyTorch keeps these in param_groups; Kindling has no use for them. */
const TORCH_ONLY = new Set(["foreach", "differentiable", "capturable", "fused"]);
// Observed: at most 8e-14 (PyTorch fuses a + alpha * b into an FMA; sums differ in the last bit).
const RTOL = 1e-12;

function makeParams(values: number[][] = [P1, P2.flat()]): Tensor[] {
  const shapes = [[3], [2, 2]];
  return values.map((v, i) =>
    torch
      .tensor(v, { dtype: "float64" })
      .view(shapes[i] as number[])
      .requiresGrad_(),
  );
}

/** loss = sum((A p1 - b)^2) + sum(p2^4) */
function lossOf(ps: Tensor[]): Tensor {
  const [p1, p2] = ps as [Tensor, Tensor];
  return a.matmul(p1).sub(bv).pow(2).sum().add(p2.pow(4).sum());
}

const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function camelOptions(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [camel(k), v]));
}

type AnyOptimizer = optim.Optimizer<optim.BaseHyperparameters, object>;

function build(c: OptCase, ps: Tensor[]): AnyOptimizer {
  const ctors = { SGD: optim.SGD, Adam: optim.Adam, AdamW: optim.AdamW, RMSprop: optim.RMSprop, Adagrad: optim.Adagrad };
  const Ctor = ctors[c.optimizer] as unknown as new (params: unknown, options: unknown) => AnyOptimizer;
  const params = c.groups === null ? ps : c.groups.map((g) => ({ ...camelOptions(g), params: g.params.map((i) => ps[i] as Tensor) }));
  return new Ctor(params, camelOptions(c.options));
}

function trainStep(opt: AnyOptimizer, ps: Tensor[]): number {
  opt.zeroGrad();
  const loss = lossOf(ps);
  loss.backward();
  opt.step();
  return loss.item();
}

function values(ps: Tensor[]): number[][] {
  return ps.map((p) => Array.from(p.toTypedArray()));
}

/** max |x - y| / max(|y|, 1e-300) over all elements. */
function relErr(x: number[], y: number[]): number {
  expect(x.length).toBe(y.length);
  let worst = 0;
  x.forEach((v, i) => {
    const w = y[i] as number;
    worst = Math.max(worst, v === w ? 0 : Math.abs(v - w) / Math.max(Math.abs(w), 1e-300));
  });
  return worst;
}

function expectClose(x: number[], y: number[], rtol = RTOL): void {
  const err = relErr(x, y);
  if (err > rtol) expect(x).toEqual(y); // shows the values
  expect(err).toBeLessThanOrEqual(rtol);
}

function isTensorJson(v: unknown): v is TensorJson {
  return typeof v === "object" && v !== null && "dtype" in v && "data" in v;
}

function decodeTensor(t: TensorJson): Tensor {
  return torch.tensor(Float64Array.from(t.data.map(decode)), { dtype: t.dtype }).view(t.shape);
}

/** A recorded PyTorch state dict as Kindling objects (tensors decoded). */
function decodeStateDict(sd: RecordedStateDict): optim.OptimizerStateDict {
  const state: optim.OptimizerStateDict["state"] = {};
  for (const [k, s] of Object.entries(sd.state)) {
    state[Number(k)] = Object.fromEntries(Object.entries(s).map(([name, v]) => [name, isTensorJson(v) ? decodeTensor(v) : (v as number)]));
  }
  return { state, param_groups: sd.param_groups as optim.OptimizerStateDict["param_groups"] };
}

function compareStateDict(actual: optim.OptimizerStateDict, expected: RecordedStateDict): void {
  expect(Object.keys(actual.state)).toEqual(Object.keys(expected.state));
  for (const [k, s] of Object.entries(expected.state)) {
    const mine = actual.state[Number(k)] as Record<string, optim.StateValue>;
    expect(Object.keys(mine).sort()).toEqual(Object.keys(s).sort());
    for (const [name, v] of Object.entries(s)) {
      const m = mine[name];
      if (isTensorJson(v)) {
        expect(m).toBeInstanceOf(torch.Tensor);
        const t = m as Tensor;
        expect([t.dtype, t.shape]).toEqual([v.dtype, v.shape]);
        expectClose(Array.from(t.toTypedArray()), v.data.map(decode));
      } else {
        expect(m).toEqual(v);
      }
    }
  }
  expect(actual.param_groups.length).toBe(expected.param_groups.length);
  expected.param_groups.forEach((g, i) => {
    const kept = Object.fromEntries(Object.entries(g).filter(([k]) => !TORCH_ONLY.has(k)));
    expect(actual.param_groups[i]).toEqual(kept);
  });
}

const label = (c: OptCase, i: number) =>
  `${i}: ${c.optimizer} ${JSON.stringify(c.options)}${c.groups === null ? "" : ` groups ${JSON.stringify(c.groups)}`}`;
const cases = fx.optimizers.map((c, i) => [label(c, i), c] as const);

// ----- replaying PyTorch --------------------------------------------------------------

describe("optimizers replay PyTorch's trajectories (float64, rtol 1e-12)", () => {
  it("covers every optimizer and option", () => {
    const seen = new Set(fx.optimizers.flatMap((c) => [c.optimizer, ...Object.keys(c.options).map((k) => `${c.optimizer}.${k}`)]));
    for (const o of ["SGD.momentum", "SGD.dampening", "SGD.nesterov", "SGD.weight_decay", "SGD.maximize", "Adam.amsgrad"]) {
      expect(seen.has(o)).toBe(true);
    }
    for (const o of ["Adam.weight_decay", "AdamW.amsgrad", "AdamW.weight_decay", "RMSprop.momentum", "RMSprop.centered"]) {
      expect(seen.has(o)).toBe(true);
    }
    for (const o of ["Adagrad.lr_decay", "Adagrad.initial_accumulator_value", "Adam.betas", "RMSprop.alpha"]) {
      expect(seen.has(o)).toBe(true);
    }
    expect(new Set(fx.optimizers.filter((c) => c.groups !== null).map((c) => c.optimizer)).size).toBe(5);
  });

  it.each(cases)("%s", (_, c) => {
    const ps = makeParams();
    const opt = build(c, ps);
    for (let step = 0; step < STEPS; step++) {
      const loss = trainStep(opt, ps);
      expectClose([loss], [c.losses[step] as number]);
      (c.trajectory[step] as number[][]).forEach((want, i) => {
        expectClose(Array.from((ps[i] as Tensor).toTypedArray()), want);
      });
    }
    compareStateDict(opt.stateDict(), c.state_dict);
  });
});

describe("loadStateDict continues the trajectory", () => {
  it.each(cases)("PyTorch's state dict after step 5: %s", (_, c) => {
    const ps = makeParams(c.trajectory[MID - 1]);
    const opt = build(c, ps);
    opt.loadStateDict(decodeStateDict(c.mid_state_dict));
    for (let step = MID; step < STEPS; step++) {
      trainStep(opt, ps);
      (c.trajectory[step] as number[][]).forEach((want, i) => {
        expectClose(Array.from((ps[i] as Tensor).toTypedArray()), want);
      });
    }
    compareStateDict(opt.stateDict(), c.state_dict);
  });

  it.each(cases)("Kindling's own state dict, into an optimizer built with other hyperparameters: %s", (_, c) => {
    const ps = makeParams();
    const opt = build(c, ps);
    for (let step = 0; step < MID; step++) trainStep(opt, ps);
    const saved = opt.stateDict();
    const fresh = makeParams(values(ps));
    const other = build({ ...c, options: { ...c.options, lr: 0.5 }, groups: c.groups?.map((g) => ({ ...g, lr: 0.7 })) ?? null }, fresh);
    other.loadStateDict(saved);
    for (let step = MID; step < STEPS; step++) {
      trainStep(opt, ps);
      trainStep(other, fresh);
      expect(values(fresh)).toEqual(values(ps)); // bit for bit
    }
    expectClose(values(fresh).flat(), (c.trajectory[STEPS - 1] as number[][]).flat());
  });
});

// ----- step, closures, zeroGrad ------------------------------------------------------

const sgdCase = fx.optimizers.find((c) => c.optimizer === "SGD" && c.options.nesterov === true && c.groups === null) as OptCase;
const adamCase = fx.optimizers.find((c) => c.optimizer === "Adam" && c.options.amsgrad === true) as OptCase;

describe("step", () => {
  it.each([sgdCase, adamCase].map((c) => [c.optimizer, c] as const))("with a closure gives the same trajectory (%s)", (_, c) => {
    const ps = makeParams();
    const opt = build(c, ps);
    const reference = makeParams();
    const refOpt = build(c, reference);
    for (let step = 0; step < STEPS; step++) {
      let calls = 0;
      const closure = () => {
        calls += 1;
        opt.zeroGrad();
        const loss = lossOf(ps);
        loss.backward();
        return loss;
      };
      // The closure runs with grad mode on even when step is called under noGrad.
      const loss = torch.noGrad(() => opt.step(closure));
      const refLoss = trainStep(refOpt, reference);
      expect(calls).toBe(1);
      expect(loss?.item()).toBe(refLoss);
      expect(loss?.gradFn?.name).toBe("AddBackward0");
      expect(values(ps)).toEqual(values(reference));
    }
    expectClose(values(ps).flat(), (c.trajectory[STEPS - 1] as number[][]).flat());
  });

  it("returns undefined without a closure, and updates in place without recording", () => {
    const w = torch.tensor([1, 2], { requiresGrad: true });
    const opt = new optim.SGD([w], { lr: 0.5 });
    w.mul(w).sum().backward();
    const version = w._version;
    expect(opt.step()).toBeUndefined();
    expect(Array.from(w.toTypedArray())).toEqual([0, 0]);
    expect([w.isLeaf, w.requiresGrad, w.gradFn]).toEqual([true, true, null]);
    expect(w._version).toBe(version + 1);
  });

  it("skips parameters without a gradient: they get no state (as PyTorch's state_dict shows)", () => {
    const ps = [torch.ones(2, { dtype: "float64" }), torch.zeros(2, { dtype: "float64" }), torch.ones(1, { dtype: "float64" })];
    for (const p of ps) p.requiresGrad_();
    const [p0, p1, p2] = ps as [Tensor, Tensor, Tensor];
    const opt = new optim.Adam([{ params: [p0] }, { params: [p1, p2], lr: 0.5 }]);
    p0.sum().add(p2.sum().mul(3)).backward();
    opt.step();
    const sd = opt.stateDict();
    // PyTorch: {0: {step: tensor(1.), ...}, 2: {step: tensor(1.), exp_avg: tensor([0.3000]), exp_avg_sq: tensor([0.0090])}}
    expect(Object.keys(sd.state)).toEqual(["0", "2"]);
    expect(opt.state.has(p1)).toBe(false);
    const s2 = sd.state[2] as Record<string, Tensor>;
    expect([s2.step?.dtype, s2.step?.shape, s2.step?.item()]).toEqual(["float32", [], 1]);
    expect(Array.from(s2.exp_avg?.toTypedArray() ?? [])).toEqual([0.29999999999999993]); // 3 * (1 - 0.9), as PyTorch
    expectClose(Array.from(s2.exp_avg_sq?.toTypedArray() ?? []), [0.009]);
    expect(Array.from(p1.toTypedArray())).toEqual([0, 0]);
    expect(sd.param_groups.map((g) => g.params)).toEqual([[0], [1, 2]]);
  });

  it("SGD without momentum keeps a null momentum buffer, as PyTorch's state dict", () => {
    const w = torch.ones(2, { requiresGrad: true });
    const opt = new optim.SGD([w], { lr: 0.1 });
    w.sum().backward();
    opt.step();
    expect(opt.stateDict().state).toEqual({ 0: { momentum_buffer: null } });
  });

  it("reads each group's hyperparameters at every step (changing lr takes effect)", () => {
    const w = torch.ones(2, { requiresGrad: true });
    const opt = new optim.SGD([w], { lr: 0.1 });
    w.sum().backward();
    (opt.paramGroups[0] as optim.ParamGroup<optim.SGDHyperparameters>).lr = 0.5;
    opt.step();
    expect(Array.from(w.toTypedArray())).toEqual([0.5, 0.5]);
  });
});

describe("zeroGrad", () => {
  it("zeroes the gradients in place by default (PyTorch 1.13: setToNone false)", () => {
    const w = torch.tensor([1, 2], { requiresGrad: true });
    const unused = torch.tensor([3], { requiresGrad: true });
    const opt = new optim.SGD([w, unused], { lr: 0.1 });
    w.mul(w).sum().backward();
    const g = w.grad as Tensor;
    opt.zeroGrad();
    expect(w.grad).toBe(g);
    expect(Array.from(g.toTypedArray())).toEqual([0, 0]);
    expect(unused.grad).toBeNull();
    w.mul(3).sum().backward(); // accumulates into the zeroed tensor
    expect(w.grad).toBe(g);
    expect(Array.from(g.toTypedArray())).toEqual([3, 3]);
  });

  it("detaches a gradient that has a gradFn before zeroing it", () => {
    const w = torch.tensor([1, 2], { requiresGrad: true });
    w.mul(w).sum().backward(undefined, { createGraph: true });
    const g = w.grad as Tensor;
    expect(g.gradFn).not.toBeNull();
    new optim.SGD([w], { lr: 0.1 }).zeroGrad();
    // PyTorch: same tensor, tensor([0., 0.]), grad_fn None, requires_grad False
    expect(w.grad).toBe(g);
    expect([g.gradFn, g.requiresGrad, Array.from(g.toTypedArray())]).toEqual([null, false, [0, 0]]);
  });

  it("sets the gradients to null with setToNone", () => {
    const w = torch.tensor([1, 2], { requiresGrad: true });
    const opt = new optim.SGD([w], { lr: 0.1 });
    w.sum().backward();
    const g = w.grad;
    opt.zeroGrad({ setToNone: true });
    expect(w.grad).toBeNull();
    w.mul(2).sum().backward();
    expect(w.grad).not.toBe(g);
    expect(Array.from(w.grad?.toTypedArray() ?? [])).toEqual([2, 2]);
  });
});

// ----- parameter groups ----------------------------------------------------------------

describe("parameter groups", () => {
  it("fill missing hyperparameters from the defaults; a group's own values win", () => {
    const [x, y] = [torch.zeros(1, { requiresGrad: true }), torch.zeros(1, { requiresGrad: true })];
    const opt = new optim.Adam([{ params: [x] }, { params: y, lr: 0.5, betas: [0.5, 0.6] }], { lr: 0.01, amsgrad: true });
    expect(opt.paramGroups.map((g) => [g.lr, g.betas, g.amsgrad, g.eps, g.weightDecay, g.maximize])).toEqual([
      [0.01, [0.9, 0.999], true, 1e-8, 0, false],
      [0.5, [0.5, 0.6], true, 1e-8, 0, false],
    ]);
    expect(opt.paramGroups[1]?.params).toEqual([y]);
    expect(opt.paramGroups[0]?.betas).not.toBe(opt.defaults.betas); // each group has its own copy
  });

  it("PyTorch's defaults", () => {
    const p = [torch.zeros(1, { requiresGrad: true })];
    expect(new optim.SGD(p, { lr: 0.1 }).defaults).toEqual({
      lr: 0.1,
      momentum: 0,
      dampening: 0,
      weightDecay: 0,
      nesterov: false,
      maximize: false,
    });
    expect(new optim.Adam(p).defaults).toEqual({
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      maximize: false,
    });
    expect(new optim.AdamW(p).defaults.weightDecay).toBe(1e-2);
    expect(new optim.RMSprop(p).defaults).toEqual({
      lr: 1e-2,
      momentum: 0,
      alpha: 0.99,
      eps: 1e-8,
      centered: false,
      weightDecay: 0,
      maximize: false,
    });
    expect(new optim.Adagrad(p).defaults).toEqual({
      lr: 1e-2,
      lrDecay: 0,
      eps: 1e-10,
      weightDecay: 0,
      initialAccumulatorValue: 0,
      maximize: false,
    });
  });

  it("addParamGroup adds a group that the next step updates", () => {
    const [x, y] = [torch.ones(1, { requiresGrad: true }), torch.ones(1, { requiresGrad: true })];
    const opt = new optim.SGD([x], { lr: 0.1, momentum: 0.9 });
    opt.addParamGroup({ params: [y], lr: 0.01 });
    expect([opt.paramGroups[1]?.lr, opt.paramGroups[1]?.momentum]).toEqual([0.01, 0.9]);
    x.add(y).sum().backward();
    opt.step();
    expect([x.item(), y.item()]).toEqual([0.8999999761581421, 0.9900000095367432]); // float32 1 - 0.1, 1 - 0.01
  });

  it("Adagrad creates its state at construction, and for groups added later at their first step", () => {
    const x = torch.ones(2, { dtype: "float64", requiresGrad: true });
    const opt = new optim.Adagrad([x], { initialAccumulatorValue: 0.5 });
    const s = opt.state.get(x);
    expect([s?.step.item(), s?.step.dtype, Array.from(s?.sum.toTypedArray() ?? [])]).toEqual([0, "float32", [0.5, 0.5]]);
    const y = torch.ones(1, { dtype: "float64", requiresGrad: true });
    opt.addParamGroup({ params: [y] });
    y.sum().backward();
    opt.step();
    expect([opt.state.get(y)?.step.item(), Array.from(opt.state.get(y)?.sum.toTypedArray() ?? [])]).toEqual([1, [1.5]]);
    expect(opt.state.get(x)?.step.item()).toBe(0); // no gradient: no step
  });

  it("accepts a non-leaf that retains its gradient", () => {
    const leaf = torch.ones(2, { requiresGrad: true });
    const h = leaf.mul(2);
    h.retainGrad();
    expect(new optim.SGD([h], { lr: 0.1 }).paramGroups[0]?.params[0]).toBe(h);
  });
});

// ----- state dicts ------------------------------------------------------------------------

describe("stateDict / loadStateDict", () => {
  function trained(): { opt: optim.Adam; ps: Tensor[] } {
    const ps = makeParams();
    const opt = new optim.Adam([{ params: [ps[0] as Tensor] }, { params: [ps[1] as Tensor], lr: 0.01 }], { lr: 0.05, amsgrad: true });
    for (let i = 0; i < 3; i++) trainStep(opt, ps);
    return { opt, ps };
  }

  it("has PyTorch's layout: indices across groups, snake_case keys", () => {
    const sd = trained().opt.stateDict();
    expect(Object.keys(sd)).toEqual(["state", "param_groups"]);
    expect(sd.param_groups).toEqual([
      { lr: 0.05, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: true, maximize: false, params: [0] },
      { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: true, maximize: false, params: [1] },
    ]);
    expect(Object.keys(sd.state)).toEqual(["0", "1"]);
    expect(Object.keys(sd.state[0] as object)).toEqual(["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]);
  });

  it("copies the state tensors when saving", () => {
    const { opt, ps } = trained();
    const sd = opt.stateDict();
    const saved = (sd.state[0] as Record<string, Tensor>).exp_avg as Tensor;
    const before = Array.from(saved.toTypedArray());
    trainStep(opt, ps);
    expect(Array.from(saved.toTypedArray())).toEqual(before);
    expect(saved).not.toBe(opt.state.get(ps[0] as Tensor)?.expAvg);
    expect(((sd.state[0] as Record<string, Tensor>).step as Tensor).item()).toBe(3);
    expect(opt.state.get(ps[0] as Tensor)?.step.item()).toBe(4);
  });

  it("copies the state tensors when loading", () => {
    const { opt } = trained();
    const sd = opt.stateDict();
    const ps = makeParams();
    const other = new optim.Adam(ps);
    other.loadStateDict({ state: sd.state, param_groups: [{ ...(sd.param_groups[0] as { params: number[] }), params: [0, 1] }] });
    const mine = other.state.get(ps[0] as Tensor)?.expAvg as Tensor;
    const before = Array.from(mine.toTypedArray());
    ((sd.state[0] as Record<string, Tensor>).exp_avg as Tensor).mul_(0);
    expect(Array.from(mine.toTypedArray())).toEqual(before);
    expect(other.paramGroups[0]?.params).toEqual(ps); // the new optimizer's own parameters
  });

  it("casts floating state to the parameter's dtype, except step", () => {
    const { opt } = trained();
    const p32 = [torch.zeros(3, { requiresGrad: true }), torch.zeros(2, 2, { requiresGrad: true })];
    const other = new optim.Adam([{ params: [p32[0] as Tensor] }, { params: [p32[1] as Tensor] }]);
    other.loadStateDict(opt.stateDict());
    const s = other.state.get(p32[1] as Tensor);
    expect([s?.expAvg.dtype, s?.expAvgSq.dtype, s?.maxExpAvgSq?.dtype, s?.step.dtype]).toEqual([
      "float32",
      "float32",
      "float32",
      "float32",
    ]);
    expect(other.paramGroups.map((g) => g.lr)).toEqual([0.05, 0.01]);
  });

  it("drops PyTorch-only group keys and fills missing ones from the defaults", () => {
    const w = torch.ones(1, { requiresGrad: true });
    const opt = new optim.SGD([w], { lr: 0.1, nesterov: true, momentum: 0.5 });
    opt.loadStateDict({ state: {}, param_groups: [{ lr: 0.2, momentum: 0.9, foreach: null, differentiable: false, params: [0] }] });
    expect(opt.paramGroups[0]).toEqual({
      lr: 0.2,
      momentum: 0.9,
      dampening: 0,
      weightDecay: 0,
      nesterov: true,
      maximize: false,
      params: [w],
    });
  });

  it("turns a numeric step (older PyTorch state dicts) into a tensor for Adam and Adagrad", () => {
    const w = torch.ones(1, { requiresGrad: true });
    const adam = new optim.Adam([w]);
    adam.loadStateDict({ state: { 0: { step: 4, exp_avg: torch.zeros(1), exp_avg_sq: torch.zeros(1) } }, param_groups: [{ params: [0] }] });
    expect(adam.state.get(w)?.step).toBeInstanceOf(torch.Tensor);
    expect(adam.state.get(w)?.step.item()).toBe(4);
  });

  it("names the mismatch when the groups do not match", () => {
    const { opt } = trained();
    const sd = opt.stateDict();
    const one = new optim.Adam(makeParams());
    expect(() => one.loadStateDict(sd)).toThrow(torch.ArgumentError);
    expect(() => one.loadStateDict(sd)).toThrow(
      "loaded state dict has a different number of parameter groups (the optimizer has 1, the state dict 2)",
    );
    const [x, y] = makeParams();
    const two = new optim.Adam([{ params: [x as Tensor, y as Tensor] }, { params: [torch.zeros(1, { requiresGrad: true })] }]);
    expect(() => two.loadStateDict(sd)).toThrow(
      "loaded state dict contains a parameter group that doesn't match the size of optimizer's group (group 0: the optimizer has 2 parameters, the state dict 1)",
    );
  });
});

// ----- errors --------------------------------------------------------------------------------

describe("invalid arguments throw PyTorch's messages", () => {
  const p = () => [torch.zeros(2, { requiresGrad: true })];
  const make: Record<string, (o: Record<string, unknown>) => unknown> = {
    SGD: (o) => new optim.SGD(p(), { lr: 0.1, ...o }),
    Adam: (o) => new optim.Adam(p(), o),
    AdamW: (o) => new optim.AdamW(p(), o),
    RMSprop: (o) => new optim.RMSprop(p(), o),
    Adagrad: (o) => new optim.Adagrad(p(), o),
  };
  // Messages recorded from PyTorch 1.13 (ValueError).
  const table: [string, Record<string, unknown>, string][] = [
    ["SGD", { lr: -1 }, "Invalid learning rate: -1"],
    ["SGD", { momentum: -0.5 }, "Invalid momentum value: -0.5"],
    ["SGD", { weightDecay: -1e-5 }, "Invalid weight_decay value: -1e-05"],
    ["SGD", { nesterov: true }, "Nesterov momentum requires a momentum and zero dampening"],
    ["SGD", { momentum: 0.9, dampening: 0.1, nesterov: true }, "Nesterov momentum requires a momentum and zero dampening"],
    ["Adam", { lr: -0.001 }, "Invalid learning rate: -0.001"],
    ["Adam", { eps: -1 }, "Invalid epsilon value: -1"],
    ["Adam", { betas: [1, 0.999] }, "Invalid beta parameter at index 0: 1"],
    ["Adam", { betas: [0.9, -0.1] }, "Invalid beta parameter at index 1: -0.1"],
    ["Adam", { weightDecay: -0.1 }, "Invalid weight_decay value: -0.1"],
    ["AdamW", { betas: [0.9, 1.5] }, "Invalid beta parameter at index 1: 1.5"],
    ["RMSprop", { alpha: -0.5 }, "Invalid alpha value: -0.5"],
    ["RMSprop", { momentum: -1 }, "Invalid momentum value: -1"],
    ["RMSprop", { eps: -1e-8 }, "Invalid epsilon value: -1e-08"],
    ["RMSprop", { lr: -0.01 }, "Invalid learning rate: -0.01"],
    ["RMSprop", { weightDecay: -2 }, "Invalid weight_decay value: -2"],
    ["Adagrad", { lrDecay: -0.1 }, "Invalid lr_decay value: -0.1"],
    ["Adagrad", { initialAccumulatorValue: -1 }, "Invalid initial_accumulator_value value: -1"],
    ["Adagrad", { eps: -1e-10 }, "Invalid epsilon value: -1e-10"],
    ["Adagrad", { weightDecay: -3 }, "Invalid weight_decay value: -3"],
    ["Adagrad", { lr: -1e16 }, "Invalid learning rate: -1e+16"],
  ];
  it.each(table)("%s %j", (name, options, message) => {
    const f = make[name] as (o: Record<string, unknown>) => unknown;
    expect(() => f(options)).toThrow(torch.ArgumentError);
    expect(() => f(options)).toThrow(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
  });

  it("for bad parameter lists", () => {
    const x = torch.zeros(2, { requiresGrad: true });
    const cases: [() => unknown, string][] = [
      [
        () => new optim.SGD(torch.zeros(2) as unknown as Tensor[], { lr: 0.1 }),
        "params argument given to the optimizer should be an iterable of Tensors or dicts, but got torch.FloatTensor",
      ],
      [() => new optim.SGD([], { lr: 0.1 }), "optimizer got an empty parameter list"],
      [
        () => new optim.SGD([1.5] as unknown as Tensor[], { lr: 0.1 }),
        "optimizer can only optimize Tensors, but one of the params is float",
      ],
      [() => new optim.SGD([x.mul(2)], { lr: 0.1 }), "can't optimize a non-leaf Tensor"],
      [() => new optim.SGD([x]), "parameter group didn't specify a value of required optimization parameter lr"],
      [() => new optim.SGD([{ params: [x] }, { params: [x] }], { lr: 0.1 }), "some parameters appear in more than one parameter group"],
    ];
    for (const [f, message] of cases) expect(f).toThrow(message);
    // lr given per group is enough, as in PyTorch
    expect(new optim.SGD([{ params: [x], lr: 0.3 }]).paramGroups[0]?.lr).toBe(0.3);
  });
});

describe("printing", () => {
  it("is PyTorch's repr without its foreach/differentiable/capturable/fused flags", () => {
    const w = torch.zeros(1, { requiresGrad: true });
    // PyTorch: 'SGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n    foreach: None\n    lr: 0.1\n ...'
    expect(String(new optim.SGD([w], { lr: 0.1, momentum: 0.9 }))).toBe(
      "SGD (\nParameter Group 0\n    dampening: 0\n    lr: 0.1\n    maximize: False\n    momentum: 0.9\n    nesterov: False\n    weight_decay: 0\n)",
    );
    const adam = new optim.Adam([{ params: [w] }, { params: [torch.zeros(1, { requiresGrad: true })], lr: 1e-5 }]);
    const group = (lr: string) =>
      `    amsgrad: False\n    betas: (0.9, 0.999)\n    eps: 1e-08\n    lr: ${lr}\n    maximize: False\n    weight_decay: 0\n`;
    expect(String(adam)).toBe(`Adam (\nParameter Group 0\n${group("0.001")}\nParameter Group 1\n${group("1e-05")})`);
  });
});

describe("with torch.nn", () => {
  it("trains a Linear module's parameters", () => {
    torch.manualSeed(0);
    const model = new torch.nn.Linear(2, 1);
    const opt = new optim.Adam(model.parameters(), { lr: 0.1 });
    const x = torch.tensor([
      [0, 1],
      [1, 0],
      [1, 1],
      [2, 1],
    ]);
    const y = torch.tensor([[1], [-1], [0], [-1]]); // exactly y = x1 - x0: w = [-1, 1], b = 0
    const lossAt = () => model.call(x).sub(y).pow(2).mean();
    const first = lossAt().item();
    for (let i = 0; i < 200; i++) {
      opt.zeroGrad();
      const loss = lossAt();
      loss.backward();
      opt.step();
    }
    expect(first).toBeGreaterThan(0.1);
    expect(lossAt().item()).toBeLessThan(1e-4);
    expect(opt.state.size).toBe(2);
    expect(Array.from(model.weight.toTypedArray()).map((v) => Math.round(v * 100) / 100)).toEqual([-1, 1]);
  });
});
