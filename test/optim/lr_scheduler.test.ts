/**
 * torch.optim.lr_scheduler against PyTorch 1.13 (test/fixtures/optim_trajectories.json,
 * scripts/record/optim_trajectories.py): the learning rates of every recorded
 * schedule, the state dicts, resuming, and PyTorch's messages.
 */

import * as torch from "kindling";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as optim from "../../src/optim/index.js";
import { readJson } from "../helpers/fixtures.js";

const { lr_scheduler: S } = optim;

type Value = number | string | boolean | null | Value[] | { [k: string]: Value };

interface SchedCase {
  scheduler: "StepLR" | "MultiStepLR" | "ExponentialLR" | "CosineAnnealingLR" | "LambdaLR" | "ReduceLROnPlateau";
  args: Value[];
  options: Record<string, Value>;
  lrs: number[];
  sequence: number[][];
  state_dict: Record<string, Value>;
}

interface Fixture {
  metrics: number[];
  schedulers: SchedCase[];
  chained: number[];
}

const fx = readJson<Fixture>("fixtures/optim_trajectories.json");

/** The LambdaLR functions of the recording script, by name. */
const LAMBDAS: Record<string, (epoch: number) => number> = {
  pow095: (e) => 0.95 ** e,
  inv: (e) => 1.0 / (1.0 + e),
  warmup5: (e) => Math.min(1.0, (e + 1) / 5),
};

type Scheduler = optim.LRScheduler | optim.ReduceLROnPlateau;

function makeOptimizer(lrs: number[], resume = false): optim.SGD {
  const groups = lrs.map((lr) => ({ params: [torch.zeros(1, { requiresGrad: true })], lr }));
  const opt = new optim.SGD(groups, { lr: lrs[0] as number });
  if (resume) for (const g of opt.paramGroups) g.initialLr = g.lr;
  return opt;
}

function build(c: SchedCase, opt: optim.SGD): Scheduler {
  const o = c.options;
  const lastEpoch = o.last_epoch as number | undefined;
  const gamma = o.gamma as number | undefined;
  const arg = c.args[0];
  switch (c.scheduler) {
    case "StepLR":
      return new S.StepLR(opt, arg as number, { gamma, lastEpoch });
    case "MultiStepLR":
      return new S.MultiStepLR(opt, arg as number[], { gamma, lastEpoch });
    case "ExponentialLR":
      return new S.ExponentialLR(opt, arg as number, { lastEpoch });
    case "CosineAnnealingLR":
      return new S.CosineAnnealingLR(opt, arg as number, { etaMin: o.eta_min as number | undefined, lastEpoch });
    case "LambdaLR":
      return new S.LambdaLR(
        opt,
        Array.isArray(arg)
          ? arg.map((n) => LAMBDAS[n as string] as (e: number) => number)
          : (LAMBDAS[arg as string] as (e: number) => number),
        {
          lastEpoch,
        },
      );
    case "ReduceLROnPlateau":
      return new S.ReduceLROnPlateau(opt, {
        mode: o.mode as "min" | "max" | undefined,
        factor: o.factor as number | undefined,
        patience: o.patience as number | undefined,
        threshold: o.threshold as number | undefined,
        thresholdMode: o.threshold_mode as "rel" | "abs" | undefined,
        cooldown: o.cooldown as number | undefined,
        minLr: o.min_lr as number | number[] | undefined,
        eps: o.eps as number | undefined,
      });
  }
}

function advance(sched: Scheduler, opt: optim.SGD, epoch: number): void {
  opt.step();
  if (sched instanceof S.ReduceLROnPlateau) sched.step(fx.metrics[epoch] as number);
  else sched.step();
}

/** Runs a case, returning the lrs after construction (epoch-based schedulers) and after each step. */
function run(c: SchedCase): { sequence: number[][]; sched: Scheduler; opt: optim.SGD } {
  const opt = makeOptimizer(c.lrs, c.options.last_epoch !== undefined);
  const sched = build(c, opt);
  const sequence = sched instanceof S.ReduceLROnPlateau ? [] : [sched.getLastLr()];
  for (let i = 0; i < fx.metrics.length; i++) {
    advance(sched, opt, i);
    sequence.push(sched.getLastLr());
  }
  return { sequence, sched, opt };
}

/** The recorded JSON encodes infinities as strings. */
function decodeValue(v: Value): Value {
  if (v === "inf") return Number.POSITIVE_INFINITY;
  if (v === "-inf") return Number.NEGATIVE_INFINITY;
  return v;
}

const inexact = (c: SchedCase) => c.scheduler === "CosineAnnealingLR" || c.scheduler === "LambdaLR";

const cases = fx.schedulers.map(
  (c, i) => [`${i}: ${c.scheduler}(${JSON.stringify(c.args)}, ${JSON.stringify(c.options)}) lrs ${c.lrs}`, c] as const,
);

describe("schedulers replay PyTorch's learning rates", () => {
  it.each(cases)("%s", (_, c) => {
    const { sequence } = run(c);
    expect(sequence.length).toBe(c.sequence.length);
    // Bit for bit, except where Math.cos or ** (in the test's lambdas) may differ from C's in the last place.
    sequence.forEach((lrs, step) => {
      lrs.forEach((lr, g) => {
        const want = (c.sequence[step] as number[])[g] as number;
        if (inexact(c)) expect(Math.abs(lr - want)).toBeLessThanOrEqual(1e-15 * Math.max(Math.abs(want), 1e-3));
        else expect(lr).toBe(want);
      });
    });
  });

  it.each(cases)("state dict: %s", (_, c) => {
    const sd = run(c).sched.stateDict();
    expect(Object.keys(sd).sort()).toEqual(Object.keys(c.state_dict).sort());
    for (const [k, want] of Object.entries(c.state_dict)) {
      if (k === "_last_lr" && inexact(c)) continue; // compared above with a tolerance
      expect(sd[k]).toEqual(decodeValue(want));
    }
  });

  it("chained schedulers compose (ExponentialLR then StepLR on one optimizer)", () => {
    const opt = makeOptimizer([0.1]);
    const scheds = [new S.ExponentialLR(opt, 0.9), new S.StepLR(opt, 3, { gamma: 0.5 })];
    const seq = [opt.paramGroups[0]?.lr];
    for (let i = 0; i < fx.metrics.length; i++) {
      opt.step();
      for (const s of scheds) s.step();
      seq.push(opt.paramGroups[0]?.lr);
    }
    expect(seq).toEqual(fx.chained);
  });
});

describe("scheduler behaviour", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("construction records initialLr and performs the initial step", () => {
    const opt = makeOptimizer([0.1, 0.02]);
    const sched = new S.StepLR(opt, 3);
    expect(opt.paramGroups.map((g) => g.initialLr)).toEqual([0.1, 0.02]);
    expect([sched.baseLrs, sched.lastEpoch, sched.getLastLr()]).toEqual([[0.1, 0.02], 0, [0.1, 0.02]]);
    expect(opt.stateDict().param_groups[0]?.initial_lr).toBe(0.1);
  });

  it("state dicts resume a schedule where it stopped", () => {
    for (const c of fx.schedulers) {
      const full = run(c).sequence;
      const opt = makeOptimizer(c.lrs, c.options.last_epoch !== undefined);
      const sched = build(c, opt);
      const half = 12;
      for (let i = 0; i < half; i++) advance(sched, opt, i);
      const saved = { opt: opt.stateDict(), sched: sched.stateDict() };
      const opt2 = makeOptimizer(c.lrs.map(() => 123));
      const sched2 = build({ ...c, options: { ...c.options, last_epoch: null } } as SchedCase, opt2);
      opt2.loadStateDict(saved.opt);
      sched2.loadStateDict(saved.sched);
      const offset = sched instanceof S.ReduceLROnPlateau ? 0 : 1;
      expect(sched2.getLastLr()).toEqual(full[half - 1 + offset]);
      for (let i = half; i < fx.metrics.length; i++) {
        advance(sched2, opt2, i);
        expect(sched2.getLastLr()).toEqual(full[i + offset]);
      }
    }
  });

  it("LambdaLR keeps its functions out of the state dict", () => {
    const sched = new S.LambdaLR(makeOptimizer([0.1, 0.2]), [
      LAMBDAS.inv as (e: number) => number,
      LAMBDAS.pow095 as (e: number) => number,
    ]);
    const sd = sched.stateDict();
    expect(sd.lr_lambdas).toEqual([null, null]);
    sched.loadStateDict({ ...sd, last_epoch: 3 });
    expect([sched.lastEpoch, sched.lrLambdas.length]).toEqual([3, 2]);
    expect(Object.keys(sd)).toEqual([
      "base_lrs",
      "last_epoch",
      "verbose",
      "_step_count",
      "_get_lr_called_within_step",
      "_last_lr",
      "lr_lambdas",
    ]);
  });

  it("verbose prints PyTorch's messages", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const opt = makeOptimizer([0.1]);
    const sched = new S.StepLR(opt, 1, { gamma: 0.5, verbose: true });
    sched.step();
    const plateau = new S.ReduceLROnPlateau(opt, { patience: 0, verbose: true });
    plateau.step(1);
    plateau.step(2);
    expect(log.mock.calls.map((c) => c[0])).toEqual([
      "Adjusting learning rate of group 0 to 1.0000e-01.",
      "Adjusting learning rate of group 0 to 5.0000e-02.",
      "Epoch 00002: reducing learning rate of group 0 to 5.0000e-03.",
    ]);
  });

  it("ReduceLROnPlateau takes a one-element tensor as its metric", () => {
    const opt = makeOptimizer([1]);
    const sched = new S.ReduceLROnPlateau(opt, { patience: 0, factor: 0.5 });
    sched.step(torch.tensor(2));
    sched.step(torch.tensor([3], { dtype: "float64" }));
    expect([sched.best, sched.numBadEpochs, sched.getLastLr()]).toEqual([2, 0, [0.5]]);
  });

  it("throws PyTorch's messages", () => {
    const opt = makeOptimizer([0.1]);
    const cases: [() => unknown, string][] = [
      [() => new S.StepLR(opt, 2, { lastEpoch: 3 }), "param 'initial_lr' is not specified in param_groups[0] when resuming an optimizer"],
      [() => new S.StepLR(3 as unknown as optim.SGD, 2), "int is not an Optimizer"],
      [() => new S.ExponentialLR({} as unknown as optim.SGD, 0.5), "dict is not an Optimizer"],
      [() => new S.LambdaLR(opt, [(e) => e, (e) => e]), "Expected 1 lr_lambdas, but got 2"],
      [() => new S.ReduceLROnPlateau(opt, { factor: 1.0 }), "Factor should be < 1.0."],
      [() => new S.ReduceLROnPlateau(opt, { mode: "avg" as "min" }), "mode avg is unknown!"],
      [() => new S.ReduceLROnPlateau(opt, { thresholdMode: "x" as "abs" }), "threshold mode x is unknown!"],
      [() => new S.ReduceLROnPlateau(opt, { minLr: [0.1, 0.2] }), "expected 1 min_lrs, got 2"],
    ];
    for (const [f, message] of cases) {
      expect(f).toThrow(torch.ArgumentError);
      expect(f).toThrow(message);
    }
  });

  it("drives any optimizer (Adam reads the scheduled lr at its next step)", () => {
    const w = torch.tensor([1], { dtype: "float64", requiresGrad: true });
    const opt = new optim.Adam([w], { lr: 0.1 });
    const sched = new S.MultiStepLR(opt, [1], { gamma: 0.5 });
    w.sum().backward();
    opt.step(); // Adam's first step moves by lr (0.1)
    sched.step();
    opt.step(); // then by about lr (0.05), the gradient being constant
    expect(opt.paramGroups[0]?.lr).toBe(0.05);
    expect(w.item()).toBeCloseTo(0.85, 6);
  });

  it("is exported flat and as the lr_scheduler namespace", () => {
    expect(optim.StepLR).toBe(S.StepLR);
    expect(new S.CosineAnnealingLR(makeOptimizer([1]), 4)).toBeInstanceOf(optim.LRScheduler);
  });
});
