/**
 * Bad arguments to optimizers and schedulers: PyTorch's messages (recorded
 * by scripts/record/nn_errors.py), the stricter checks Kindling adds where
 * PyTorch would silently schedule NaN or negative learning rates, and
 * optimizer state dicts that are not one.
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { expectPyTorchError } from "../helpers/pytorch_errors.js";

const { optim } = torch;
const S = optim.lr_scheduler;
const p = () => torch.zeros(2, { requiresGrad: true });
// biome-ignore lint/suspicious/noExplicitAny: deliberately wrong arguments
const bad = (v: unknown): any => v;

function opt(groups = 1): torch.optim.SGD {
  return new optim.SGD(
    Array.from({ length: groups }, () => ({ params: [p()] })),
    { lr: 1 },
  );
}

/** One optimizer step and one scheduler step, as a training loop's first epoch ends. */
function stepped(make: (o: torch.optim.SGD) => { step(): void }): void {
  const o = opt();
  const s = make(o);
  o.step();
  s.step();
}

const CASES: Record<string, () => unknown> = {
  sgd_lr: () => new optim.SGD([p()], { lr: -0.1 }),
  sgd_momentum: () => new optim.SGD([p()], { lr: 0.1, momentum: -1 }),
  sgd_weight_decay: () => new optim.SGD([p()], { lr: 0.1, weightDecay: -1 }),
  sgd_lr_before_empty: () => new optim.SGD([], { lr: -1 }),
  sgd_empty: () => new optim.SGD([], { lr: 0.1 }),
  sgd_tensor: () => new optim.SGD(bad(p()), { lr: 0.1 }),
  sgd_not_tensor: () => new optim.SGD([p(), bad(3)], { lr: 0.1 }),
  sgd_group_then_tensor: () => new optim.SGD([{ params: [p()] }, bad(p())], { lr: 0.1 }),
  sgd_unknown_option: () => new optim.SGD([p()], bad({ lr: 0.1, weightdecay: 0.1 })),
  adam_lr_nan: () => new optim.Adam([p()], { lr: Number.NaN }),
  adam_eps: () => new optim.Adam([p()], { eps: -1 }),
  sgd_same_parameter_two_groups: () => {
    const x = p();
    return new optim.SGD([{ params: [x] }, { params: [x] }], { lr: 0.1 });
  },
  optimizer_load_group_count: () =>
    new optim.SGD([p()], { lr: 0.1 }).loadStateDict({ state: {}, param_groups: [{ params: [0] }, { params: [1] }] }),
  optimizer_load_group_size: () => new optim.SGD([p()], { lr: 0.1 }).loadStateDict(new optim.SGD([p(), p()], { lr: 0.1 }).stateDict()),
  steplr_zero_step: () => stepped((o) => new S.StepLR(o, 0)),
  cosine_zero_tmax_step: () => stepped((o) => new S.CosineAnnealingLR(o, 0)),
  multisteplr_int: () => new S.MultiStepLR(opt(), bad(3)),
  lambdalr_count: () => new S.LambdaLR(opt(2), [() => 1]),
  lambdalr_not_callable: () => new S.LambdaLR(opt(), bad(5)),
  plateau_factor: () => new S.ReduceLROnPlateau(opt(), { factor: 1 }),
  plateau_mode: () => new S.ReduceLROnPlateau(opt(), { mode: bad("constructor") }),
  plateau_threshold_mode: () => new S.ReduceLROnPlateau(opt(), { thresholdMode: bad("toString") }),
  plateau_min_lrs: () => new S.ReduceLROnPlateau(opt(2), { minLr: [0.1] }),
  scheduler_not_optimizer: () => new S.StepLR(bad(5), 1),
};

describe("PyTorch's errors for bad optimizer and scheduler arguments", () => {
  it.each(Object.keys(CASES))("%s", (id) => {
    expectPyTorchError(id, CASES[id] as () => unknown);
  });
});

describe("optimizer arguments PyTorch takes silently", () => {
  it("NaN, a string or a negative value in any group is refused (PyTorch checks only the defaults, and lets NaN through)", () => {
    const cases: [() => unknown, string][] = [
      [() => new optim.SGD([p()], { lr: Number.NaN }), "Invalid learning rate: nan"],
      [() => new optim.SGD([p()], { lr: bad("0.1") }), "Invalid learning rate: 0.1 (expected a number, got str)"],
      [() => new optim.SGD([{ params: [p()], lr: -1 }], { lr: 0.1 }), "Invalid learning rate: -1"],
      [() => new optim.Adam([{ params: [p()], betas: [0.9, 1] }]), "Invalid beta parameter at index 1: 1"],
      [() => new optim.Adam([p()], { betas: bad(0.9) }), "Invalid betas: expected two numbers [beta1, beta2], got float"],
      [() => new optim.RMSprop([p()], { alpha: Number.NaN }), "Invalid alpha value: nan"],
      [() => opt().addParamGroup({ params: [p()], lr: -0.5 }), "Invalid learning rate: -0.5"],
      [() => new optim.SGD([{ params: [p()], momentum: 0 }], { lr: 0.1, momentum: 0.9, nesterov: true }), "Nesterov momentum requires"],
    ];
    for (const [f, message] of cases) {
      expect(f).toThrow(torch.ArgumentError);
      expect(f).toThrow(message);
    }
  });

  it("a parameter listed twice in one group is refused (each step would update it twice)", () => {
    const x = p();
    expect(() => new optim.SGD([x, x], { lr: 0.1 })).toThrow(
      "optimizer contains a parameter group with duplicate parameters; in future, this will cause an error",
    );
  });

  it("a misspelt option names the spelling it takes", () => {
    expect(() => new optim.SGD([p()], bad({ lr: 0.1, weight_decay: 0.1 }))).toThrow(
      "SGD() got an unexpected keyword argument 'weight_decay' (did you mean 'weightDecay'?)",
    );
    expect(() => new optim.Adam([p()], bad({ beta: [0.9, 0.99] }))).toThrow(
      "Adam() got an unexpected keyword argument 'beta' (did you mean 'betas'?)",
    );
    expect(() => new S.StepLR(opt(), 2, bad({ step_size: 3 }))).toThrow("StepLR() got an unexpected keyword argument 'step_size'");
    expect(() => new optim.SGD([p()], bad(0.1))).toThrow("— keyword arguments go in an options object: { lr: 0.1 }");
    expect(() => new S.StepLR(opt(), 2, bad(0.5))).toThrow("— keyword arguments go in an options object: { gamma: 0.5 }");
    expect(() => new S.ReduceLROnPlateau(opt(), bad({ min_lr: 0.1 }))).toThrow("(did you mean 'minLr'?)");
  });

  it("parameter lists and groups that are not one name what they are", () => {
    expect(() => new optim.SGD(bad(5), { lr: 0.1 })).toThrow(
      "params argument given to the optimizer should be an iterable of Tensors or dicts, but got int",
    );
    expect(() => new optim.SGD([{ lr: 0.1 } as never])).toThrow("addParamGroup: the parameter group has no 'params'");
    expect(() => opt().addParamGroup(bad([p()]))).toThrow("param group must be a dict");
    expect(() => opt().addParamGroup({ params: bad(7) })).toThrow("'params' must be a Tensor or an iterable of Tensors, got int");
  });
});

describe("JavaScript misuse of step and zeroGrad", () => {
  it("names the argument", () => {
    expect(() => opt().step(bad(null))).toThrow(
      "step: the closure must be a function that re-evaluates the model and returns the loss, got NoneType",
    );
    expect(() => opt().zeroGrad(bad({ set_to_none: true }))).toThrow("zeroGrad() got an unexpected keyword argument 'set_to_none'");
  });
});

describe("optimizer loadStateDict's argument", () => {
  const trained = () => {
    const w = torch.ones(2, { requiresGrad: true });
    const o = new optim.Adam([w], { lr: 0.1 });
    w.sum().backward();
    o.step();
    return o;
  };

  it("names what is wrong with something that is not an optimizer state dict", () => {
    const o = trained();
    const sd = o.stateDict();
    const cases: [unknown, string][] = [
      [null, "expected an optimizer state dict { state, param_groups }, got NoneType"],
      [new Map(), "expected an optimizer state dict { state, param_groups }, got Map"],
      [new torch.nn.Linear(1, 1).stateDict(), "the state dict has no 'param_groups'"],
      [{ param_groups: sd.param_groups }, "the state dict has no 'state'"],
      [{ ...sd, param_groups: {} }, "'param_groups' must be an array of parameter groups, got dict"],
      [{ ...sd, param_groups: [{ lr: 1 }] }, "param_groups[0].params must be an array of parameter indices, got NoneType"],
      [{ ...sd, state: [] }, "'state' must be an object mapping parameter indices to their state, got list"],
      [{ ...sd, state: { 0: 5 } }, "state[0] must be an object, got int"],
      [{ ...sd, state: { 0: { exp_avg: "x" } } }, "state[0].exp_avg must be a Tensor, a number or null, got str"],
      [{ ...sd, state: { w: {} } }, "'state' key 'w' is not a parameter index"],
    ];
    for (const [arg, message] of cases) {
      expect(() => o.loadStateDict(bad(arg))).toThrow(torch.ArgumentError);
      expect(() => o.loadStateDict(bad(arg))).toThrow(`loadStateDict: ${message}`);
    }
  });

  it("keys named like Object.prototype members stay own keys", () => {
    const o = trained();
    // JSON.parse makes "__proto__" an own key (Object.assign or `group[key] = v` would set the prototype instead).
    const json = JSON.stringify({ param_groups: o.stateDict().param_groups }).replace(
      '"params"',
      '"__proto__":{"polluted":true},"constructor":3,"params"',
    );
    const sd = JSON.parse(json) as torch.optim.OptimizerStateDict;
    expect(Object.hasOwn(sd.param_groups[0] as object, "__proto__")).toBe(true);
    o.loadStateDict({ state: {}, param_groups: sd.param_groups });
    const loaded = o.paramGroups[0] as unknown as Record<string, unknown>;
    expect(Object.getPrototypeOf(loaded)).toBe(Object.prototype);
    expect(loaded.polluted).toBeUndefined();
    expect(loaded.constructor).toBe(3);
    const saved = o.stateDict().param_groups[0] as object;
    expect(Object.getPrototypeOf(saved)).toBe(Object.prototype);
    expect(Object.hasOwn(saved, "__proto__")).toBe(true);
  });
});

describe("schedulers with degenerate arguments", () => {
  it("StepLR(opt, 0) and CosineAnnealingLR(opt, 0) throw at the first step, as PyTorch, leaving the scheduler as it was", () => {
    for (const make of [(o: torch.optim.SGD) => new S.StepLR(o, 0), (o: torch.optim.SGD) => new S.CosineAnnealingLR(o, 0)]) {
      const o = opt();
      const s = make(o);
      expect(() => s.step()).toThrow(torch.ArgumentError);
      expect(() => s.step()).toThrow("is 0; it must be a non-zero number of epochs");
      expect([s.lastEpoch, s.getLastLr(), o.paramGroups[0]?.lr]).toEqual([0, [1], 1]);
    }
    // resuming a CosineAnnealingLR with TMax 0 (PyTorch: ZeroDivisionError at construction's initial step)
    const o = opt();
    (o.paramGroups[0] as { initialLr?: number }).initialLr = 1;
    expect(() => new S.CosineAnnealingLR(o, 0, { lastEpoch: 3 })).toThrow("ZeroDivisionError");
  });

  it("factors that would schedule NaN, infinite or negative learning rates are refused (PyTorch schedules them)", () => {
    const cases: [() => unknown, string][] = [
      [
        () => new S.ExponentialLR(opt(), Number.NaN),
        "ExponentialLR: gamma must be a finite number >= 0, got nan (the learning rate would become NaN)",
      ],
      [() => new S.ExponentialLR(opt(), -0.5), "got -0.5 (the learning rate would become negative)"],
      [() => new S.ExponentialLR(opt(), Number.POSITIVE_INFINITY), "got inf (the learning rate would become infinite)"],
      [() => new S.ExponentialLR(opt(), bad("0.5")), "ExponentialLR: gamma must be a number, got str"],
      [() => new S.StepLR(opt(), 2, { gamma: -1 }), "StepLR: gamma must be a finite number >= 0"],
      [() => new S.StepLR(opt(), Number.NaN), "StepLR: stepSize must be a number of epochs, got float NaN"],
      [() => new S.MultiStepLR(opt(), [1], { gamma: Number.NaN }), "MultiStepLR: gamma must be"],
      [() => new S.MultiStepLR(opt(), bad(["1"])), "MultiStepLR: milestones must be numbers (epochs), got str"],
      [() => new S.CosineAnnealingLR(opt(), 4, { etaMin: -0.1 }), "CosineAnnealingLR: etaMin must be a finite number >= 0"],
      [() => new S.LambdaLR(opt(), () => Number.NaN), "LambdaLR.step: lr_lambda(0) must be a finite number >= 0, got nan"],
      [
        () =>
          new S.LambdaLR(
            opt(),
            bad(() => "x"),
          ),
        "LambdaLR.step: lr_lambda(0) must be a number, got str",
      ],
      [() => new S.LambdaLR(opt(2), [() => 1, bad(3)]), "LambdaLR: 'int' object is not callable"],
      [() => new S.ReduceLROnPlateau(opt(), { factor: Number.NaN }), "Factor should be < 1.0."],
      [() => new S.ReduceLROnPlateau(opt(), { factor: -0.5 }), "ReduceLROnPlateau: factor must be >= 0, got -0.5"],
      [() => new S.ReduceLROnPlateau(opt(), { patience: Number.NaN }), "ReduceLROnPlateau: patience must be a number"],
      [
        () => new S.ReduceLROnPlateau(opt()).step(bad("0.5")),
        "ReduceLROnPlateau.step: the metric must be a number or a one-element tensor, got str",
      ],
      [() => new S.StepLR(opt(), 1).loadStateDict(bad(null)), "loadStateDict: expected a scheduler state dict (an object), got NoneType"],
    ];
    for (const [f, message] of cases) {
      expect(f).toThrow(torch.ArgumentError);
      expect(f).toThrow(message);
    }
  });

  it("a LambdaLR whose factor turns negative later throws at that step (linear decay run past its end)", () => {
    const o = opt();
    const s = new S.LambdaLR(o, (e) => 1 - e / 2);
    s.step();
    s.step();
    expect(o.paramGroups[0]?.lr).toBe(0);
    expect(() => s.step()).toThrow("lr_lambda(3) must be a finite number >= 0, got -0.5 (the learning rate would become negative)");
    expect(s.lastEpoch).toBe(2);
  });

  it("edge values PyTorch accepts work as in PyTorch", () => {
    const run = (make: (o: torch.optim.SGD) => torch.optim.LRScheduler, n = 4) => {
      const o = opt();
      const s = make(o);
      const lrs = [s.getLastLr()[0] as number];
      for (let i = 0; i < n; i++) {
        s.step();
        lrs.push(s.getLastLr()[0] as number);
      }
      return lrs;
    };
    // PyTorch: MultiStepLR(o, [3, 1], gamma=0.5) -> [1.0, 0.5, 0.5, 0.25, 0.25]; [2, 2] -> [1.0, 1.0, 0.25, 0.25, 0.25]
    expect(run((o) => new S.MultiStepLR(o, [3, 1], { gamma: 0.5 }))).toEqual([1, 0.5, 0.5, 0.25, 0.25]);
    expect(run((o) => new S.MultiStepLR(o, [2, 2], { gamma: 0.5 }))).toEqual([1, 1, 0.25, 0.25, 0.25]);
    // ExponentialLR(o, 0) -> [1.0, 0.0, 0.0, 0.0, 0.0]; StepLR(o, 1.5) -> [1.0, 1.0, 1.0, 0.1, 0.1]
    expect(run((o) => new S.ExponentialLR(o, 0))).toEqual([1, 0, 0, 0, 0]);
    expect(run((o) => new S.StepLR(o, 1.5))).toEqual([1, 1, 1, 0.1, 0.1]);
    // CosineAnnealingLR(o, -2) -> [1.0, 0.5, 0.0, 0.49999999999999994, 1.0]
    const cos = run((o) => new S.CosineAnnealingLR(o, -2));
    expect(cos.map((v) => Number(v.toFixed(12)))).toEqual([1, 0.5, 0, 0.5, 1]);
  });
});

describe("a Tensor typed where an array of parameters is expected", () => {
  it("is refused with PyTorch's message", () => {
    const t: Tensor = p();
    expect(() => new optim.Adam(bad(t))).toThrow("but got torch.FloatTensor");
  });
});
