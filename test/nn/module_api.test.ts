/**
 * nn.Module's own API: registration, traversal, buffers, train/eval,
 * zeroGrad, state dicts (PyTorch's error messages, recorded from torch 1.13),
 * apply, to, hooks and the printed form.
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";

const { nn } = torch;

class Net extends nn.Module {
  fc1 = new nn.Linear(2, 4);
  act = new nn.ReLU();
  head = new nn.Sequential(new nn.Linear(4, 1), new nn.Sigmoid());
  // Declared without a value: registerBuffer sets it (PyTorch refuses a name that already holds a value).
  scale!: Tensor;
  constructor() {
    super();
    this.registerBuffer("scale", torch.ones(1));
    this.registerBuffer("cache", torch.zeros(2), { persistent: false });
  }
  override forward(x: Tensor): Tensor {
    return this.head.call(this.act.call(this.fc1.call(x))).mul(this.scale);
  }
}

describe("registration and traversal", () => {
  it("finds parameters, modules and buffers in definition order with dotted names", () => {
    const s = new nn.Sequential(new nn.Linear(2, 4), new nn.ReLU(), new nn.Sequential(new nn.Linear(4, 1), new nn.Sigmoid()));
    // PyTorch: [n for n, _ in s.named_modules()] and named_parameters()
    expect(s.namedModules().map(([n]) => n)).toEqual(["", "0", "1", "2", "2.0", "2.1"]);
    expect(s.namedParameters().map(([n]) => n)).toEqual(["0.weight", "0.bias", "2.0.weight", "2.0.bias"]);
    expect(s.children().length).toBe(3);
    expect(s.modules().length).toBe(6);
    expect(s.parameters().every((p) => p instanceof nn.Parameter && p.requiresGrad)).toBe(true);
  });

  it("buffers: persistent ones go in the state dict, others do not", () => {
    const net = new Net();
    expect(net.namedBuffers().map(([n]) => n)).toEqual(["scale", "cache"]);
    // PyTorch: a module's own parameters and buffers come before its children's.
    expect(Object.keys(net.stateDict())).toEqual(["scale", "fc1.weight", "fc1.bias", "head.0.weight", "head.0.bias"]);
    const bn = new nn.BatchNorm1d(2);
    expect(bn.namedBuffers().map(([n]) => n)).toEqual(["running_mean", "running_var", "num_batches_tracked"]);
  });

  it("the printed form is PyTorch's", () => {
    const s = new nn.Sequential(new nn.Linear(2, 4), new nn.ReLU(), new nn.Sequential(new nn.Linear(4, 1), new nn.Sigmoid()));
    expect(String(s)).toBe(
      [
        "Sequential(",
        "  (0): Linear(in_features=2, out_features=4, bias=True)",
        "  (1): ReLU()",
        "  (2): Sequential(",
        "    (0): Linear(in_features=4, out_features=1, bias=True)",
        "    (1): Sigmoid()",
        "  )",
        ")",
      ].join("\n"),
    );
  });
});

describe("modes, gradients, dtype", () => {
  it("train() and eval() set the mode of every submodule, and dropout follows it", () => {
    const m = new nn.Sequential(new nn.Dropout(0.5), new nn.Linear(3, 3));
    m.eval();
    expect(m.modules().every((x) => !x.training)).toBe(true);
    const x = torch.ones(4, 3);
    expect((m.at(0).call(x) as Tensor).tolist()).toEqual(x.tolist());
    m.train();
    expect(m.modules().every((x) => x.training)).toBe(true);
    torch.manualSeed(0);
    const y = m.at(0).call(torch.ones(1000)) as Tensor;
    const zeros = y.eq(0).sum().item();
    expect(zeros).toBeGreaterThan(400);
    expect(zeros).toBeLessThan(600);
    expect(y.max().item()).toBe(2);
  });

  it("zeroGrad zeroes the gradients in place, or sets them to null", () => {
    const m = new nn.Linear(2, 1);
    m.call(torch.ones(1, 2)).sum().backward();
    const g = m.weight.grad as Tensor;
    m.zeroGrad();
    expect(m.weight.grad).toBe(g);
    expect(g.tolist()).toEqual([[0, 0]]);
    m.zeroGrad({ setToNone: true });
    expect(m.weight.grad).toBeNull();
  });

  it("apply visits every module; to() converts parameters and buffers", () => {
    const net = new Net();
    const names: string[] = [];
    net.apply((m) => names.push(m.constructor.name));
    expect(names).toEqual(["Linear", "ReLU", "Linear", "Sigmoid", "Sequential", "Net"]);
    net.to("float64");
    expect(net.parameters().every((p) => p.dtype === "float64" && p.isLeaf && p.requiresGrad)).toBe(true);
    expect(net.buffers().every((b) => b.dtype === "float64")).toBe(true);
    expect(net.call(torch.ones(3, 2, { dtype: "float64" })).dtype).toBe("float64");
  });

  it("to() after a backward: the next gradients have the new dtype (the leaves' gradient accumulators follow them)", () => {
    const m = new nn.Linear(2, 1);
    const h = m.weight.registerHook((g) => g.mul(2));
    m.call(torch.ones(1, 2)).sum().backward();
    m.to("float64");
    expect(m.weight.grad?.dtype).toBe("float64");
    m.call(torch.tensor([[0.1, 1 / 3]], { dtype: "float64" }))
      .sum()
      .backward();
    // 2 + 2 x, in float64 (through float32, 1/3 would round); the hook registered before the move still runs.
    expect(m.weight.grad?.dtype).toBe("float64");
    expect(m.weight.grad?.tolist()).toEqual([[2 + 0.2, 2 + 2 / 3]]);
    h.remove();
  });

  it("forward hooks see the input and can replace the output", () => {
    const m = new nn.Linear(2, 2);
    const seen: number[][] = [];
    const handle = m.registerForwardHook((_, input, output) => {
      seen.push((input[0] as Tensor).shape as number[]);
      return (output as Tensor).mul(0);
    });
    expect(m.call(torch.ones(3, 2)).abs().sum().item()).toBe(0);
    handle.remove();
    expect(m.call(torch.ones(3, 2)).abs().sum().item()).toBeGreaterThan(0);
    expect(seen).toEqual([[3, 2]]);
  });
});

describe("state dicts", () => {
  it("round-trips into a fresh model", () => {
    torch.manualSeed(1);
    const a = new Net();
    const b = new Net();
    b.loadStateDict(a.stateDict());
    const x = torch.randn(5, 2);
    expect(b.call(x).tolist()).toEqual(a.call(x).tolist());
  });

  it("strict loading reports missing and unexpected keys and size mismatches with PyTorch's messages", () => {
    const m = new nn.Linear(2, 3);
    expect(() => m.loadStateDict({ weight: torch.zeros(3, 2) })).toThrow(
      'Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: "bias". ',
    );
    expect(() => m.loadStateDict({ weight: torch.zeros(3, 2), bias: torch.zeros(3), extra: torch.zeros(1) })).toThrow(
      'Error(s) in loading state_dict for Linear:\n\tUnexpected key(s) in state_dict: "extra". ',
    );
    expect(() => m.loadStateDict({ weight: torch.zeros(2, 2), bias: torch.zeros(3) })).toThrow(
      "Error(s) in loading state_dict for Linear:\n\tsize mismatch for weight: copying a param with shape torch.Size([2, 2]) from checkpoint, " +
        "the shape in current model is torch.Size([3, 2]).",
    );
  });

  it("a failed strict load changes nothing; non-strict loading returns what did not match", () => {
    const m = new nn.Linear(2, 3);
    const before = m.weight.tolist();
    expect(() => m.loadStateDict({ weight: torch.ones(3, 2) })).toThrow();
    expect(m.weight.tolist()).toEqual(before);
    const r = m.loadStateDict({ weight: torch.ones(3, 2), extra: torch.zeros(1) }, { strict: false });
    expect(r).toEqual({ missingKeys: ["bias"], unexpectedKeys: ["extra"] });
    expect(m.weight.tolist()).toEqual([
      [1, 1],
      [1, 1],
      [1, 1],
    ]);
  });
});

describe("Module.call", () => {
  it("is typed from forward: its arguments and its result", () => {
    const lin = new torch.nn.Linear(2, 3);
    const y: Tensor = lin.call(torch.ones(1, 2));
    expect(y.shape).toEqual([1, 3]);
    // @ts-expect-error a Linear's forward takes a Tensor
    expect(() => lin.call("abc")).toThrow(torch.KindlingError);
    // @ts-expect-error and one argument
    expect(() => lin.call()).toThrow(torch.KindlingError);
  });
});
