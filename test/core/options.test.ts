/**
 * Options objects (PyTorch's keyword arguments) are read through one check,
 * `readOptions`: a PyTorch-style positional value where the options go, a
 * misspelt key and a value of the wrong kind each raise an error that says
 * what to write, where JavaScript alone would ignore them and change the
 * result. The sweep at the end passes an unknown key to every function of
 * src/ that takes options, and checks that the list is complete.
 */

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import * as torch from "kindling";
import { save } from "kindling/node";
import { describe, expect, it } from "vitest";
import { thrown } from "../helpers/thrown.js";

const { F, nn, optim } = torch;
const S = optim.lr_scheduler;

/** A value passed where the types do not allow it: the mistakes under test are JavaScript's. */
const bad = <T>(v: unknown) => v as T;

const x = () =>
  torch.tensor([
    [1, -2, 3],
    [4, 5, -6],
  ]);
const y = () =>
  torch.tensor([
    [2, 2, 2],
    [3, 3, 3],
  ]);

describe("a PyTorch-style positional value where the options object goes", () => {
  // [call, the op as messages name it, the hint: PyTorch's next positional argument as an option]
  const cases: [string, () => unknown, string, string][] = [
    ["x.sum(1, true)", () => x().sum(1, bad(true)), "sum", "{ keepdim: true }"],
    ["x.mean(1, true)", () => x().mean(1, bad(true)), "mean", "{ keepdim: true }"],
    ["x.max(1, true)", () => x().max(1, bad(true)), "max", "{ keepdim: true }"],
    ["x.min(1, true)", () => x().min(1, bad(true)), "min", "{ keepdim: true }"],
    ["x.amax(1, true)", () => x().amax(1, bad(true)), "amax", "{ keepdim: true }"],
    ["x.argmax(1, true)", () => x().argmax(1, bad(true)), "argmax", "{ keepdim: true }"],
    // PyTorch 1.13: std(input, dim, unbiased, keepdim).
    ["x.std(1, true)", () => x().std(1, bad(true)), "std", "{ unbiased: true }"],
    ["x.var(1, false)", () => x().var(1, bad(false)), "var", "{ unbiased: false }"],
    ["x.logsumexp(1, true)", () => x().logsumexp(1, bad(true)), "logsumexp", "{ keepdim: true }"],
    ["x.softmax(1, 'float64')", () => x().softmax(1, bad("float64")), "softmax", '{ dtype: "float64" }'],
    ["x.logSoftmax(1, 'float64')", () => x().logSoftmax(1, bad("float64")), "log_softmax", '{ dtype: "float64" }'],
    ["x.cumsum(1, 'float64')", () => x().cumsum(1, bad("float64")), "cumsum", '{ dtype: "float64" }'],
    ["F.dropout(x, 0.5, false)", () => F.dropout(x(), bad(0.5)), "dropout", "{ p: 0.5 }"],
    ["F.leakyRelu(x, 0.2, true)", () => F.leakyRelu(x(), 0.2, bad(true)), "leaky_relu", "{ inplace: true }"],
    ["x.add(y, 2)", () => x().add(y(), bad(2)), "add", "{ alpha: 2 }"],
    ["x.add_(y, 2)", () => x().add_(y(), bad(2)), "add_", "{ alpha: 2 }"],
    ["x.div(y, 'floor')", () => x().div(y(), bad("floor")), "div", '{ roundingMode: "floor" }'],
    ["F.mseLoss(x, y, 'sum')", () => F.mseLoss(x(), y(), bad("sum")), "mse_loss", '{ reduction: "sum" }'],
    ["torch.tensor([1, 2], 'int64')", () => torch.tensor([1, 2], bad("int64")), "tensor", '{ dtype: "int64" }'],
    ["torch.zeros(2, 'int64')", () => torch.zeros(2, bad("int64")), "zeros", '{ dtype: "int64" }'],
    ["torch.arange(3, 'int32')", () => torch.arange(3, bad("int32")), "arange", '{ dtype: "int32" }'],
    ["F.conv2d(x, w, null, 2)", () => F.conv2d(torch.ones(1, 1, 4, 4), torch.ones(1, 1, 2, 2), null, bad(2)), "conv2d", "{ stride: 2 }"],
    ["new nn.Linear(2, 3, false)", () => new nn.Linear(2, 3, bad(false)), "Linear", "{ bias: false }"],
    ["new nn.Conv2d(1, 1, 3, 2)", () => new nn.Conv2d(1, 1, 3, bad(2)), "Conv2d", "{ stride: 2 }"],
    ["new optim.SGD(params, 0.1)", () => new optim.SGD([torch.zeros(1, { requiresGrad: true })], bad(0.1)), "SGD", "{ lr: 0.1 }"],
    ["setPrintoptions(2)", () => torch.setPrintoptions(bad(2)), "setPrintoptions", "{ precision: 2 }"],
  ];

  it.each(cases)("%s", (_, f, op, hint) => {
    const e = thrown(f);
    expect(e).toBeInstanceOf(torch.ArgumentError);
    expect(e.message.startsWith(`${op}(): expected an options object {`)).toBe(true);
    expect(e.message).toContain(`— keyword arguments go in an options object: ${hint}`);
  });

  it("nothing is changed before the error (leakyRelu in place)", () => {
    const t = torch.tensor([-1, 2]);
    expect(() => F.leakyRelu(t, 0.2, bad(true))).toThrow(torch.ArgumentError);
    expect(t.tolist()).toEqual([-1, 2]);
  });

  it("an object that is not a plain object is named, without a hint", () => {
    expect(thrown(() => x().sum(0, bad(x()))).message).toBe("sum(): expected an options object { keepdim, dtype }, got a Tensor");
    expect(thrown(() => x().sum(0, bad([true]))).message).toBe("sum(): expected an options object { keepdim, dtype }, got an array");
    expect(thrown(() => torch.rand(2, bad(new torch.Generator(1)))).message).toBe(
      "rand(): expected an options object { dtype, device, requiresGrad, generator }, got a Generator",
    );
  });
});

describe("a misspelt key", () => {
  const cases: [string, () => unknown, string][] = [
    ["keepDim", () => x().sum(0, bad({ keepDim: true })), "sum() got an unexpected keyword argument 'keepDim' (did you mean 'keepdim'?)"],
    [
      "keep_dim",
      () => x().sum(0, bad({ keep_dim: true })),
      "sum() got an unexpected keyword argument 'keep_dim' (did you mean 'keepdim'?)",
    ],
    [
      "requires_grad",
      () => torch.ones(2, bad({ requires_grad: true })),
      "ones() got an unexpected keyword argument 'requires_grad' (did you mean 'requiresGrad'?); ones takes { dtype, device, requiresGrad }",
    ],
    [
      "reductio",
      () => F.mseLoss(x(), y(), bad({ reductio: "sum" })),
      "mse_loss() got an unexpected keyword argument 'reductio' (did you mean 'reduction'?)",
    ],
    [
      "retain_graph",
      () =>
        x()
          .sum()
          .backward(null, bad({ retain_graph: true })),
      "backward() got an unexpected keyword argument 'retain_graph' (did you mean 'retainGraph'?)",
    ],
    ["dim", () => x().sum(0, bad({ dim: 1 })), "sum() got an unexpected keyword argument 'dim'; sum takes { keepdim, dtype }"],
    ["constructor", () => x().sum(0, bad(JSON.parse('{"constructor": 1}'))), "sum() got an unexpected keyword argument 'constructor'"],
    [
      "__proto__",
      () => torch.setPrintoptions(JSON.parse('{"__proto__": 5}')),
      "setPrintoptions() got an unexpected keyword argument '__proto__'",
    ],
  ];

  it.each(cases)("%s", (_, f, message) => {
    const e = thrown(f);
    expect(e).toBeInstanceOf(torch.ArgumentError);
    expect(e.message).toContain(message);
  });
});

describe("a value of the wrong kind", () => {
  const cases: [string, () => unknown, string][] = [
    ["keepdim: 'yes'", () => x().sum(0, bad({ keepdim: "yes" })), `sum(): option 'keepdim' must be a boolean, got a string ("yes")`],
    ["alpha: '2'", () => x().add(y(), bad({ alpha: "2" })), `add(): option 'alpha' must be a number, got a string ("2")`],
    ["requiresGrad: 1", () => torch.ones(2, bad({ requiresGrad: 1 })), "ones(): option 'requiresGrad' must be a boolean, got a number (1)"],
    ["inplace: 1", () => F.silu(x(), bad({ inplace: 1 })), "silu(): option 'inplace' must be a boolean, got a number (1)"],
    ["bias: 0", () => new nn.Linear(2, 3, bad({ bias: 0 })), "Linear(): option 'bias' must be a boolean, got a number (0)"],
  ];

  it.each(cases)("%s", (_, f, message) => {
    const e = thrown(f);
    expect(e).toBeInstanceOf(torch.ArgumentError);
    expect(e.message).toBe(message);
  });

  it("an unknown dtype is a DTypeError naming the dtypes (it was a JavaScript TypeError)", () => {
    for (const f of [() => x().sum(0, bad({ dtype: "float65" })), () => torch.zeros(2, bad({ dtype: "float65" }))]) {
      const e = thrown(f);
      expect(e).toBeInstanceOf(torch.DTypeError);
      expect(e.message).toMatch(
        /^(sum|zeros)\(\): option 'dtype' must be a dtype \(float32, float64, int32, int64 or bool\), got a string \("float65"\)$/,
      );
    }
  });

  it("a generator that is not one", () => {
    expect(thrown(() => torch.rand(2, bad({ generator: 5 }))).message).toBe(
      "rand(): option 'generator' must be a torch.Generator, got a number (5)",
    );
    expect(thrown(() => torch.empty(2).uniform_(0, 1, bad({ generator: {} }))).message).toBe(
      "uniform_(): option 'generator' must be a torch.Generator, got an object",
    );
  });
});

describe("null and undefined options mean the defaults", () => {
  it("for the options object and for each option", () => {
    // After a variable number of sizes or numbers a null stays an argument: PyTorch's error for None.
    expect(() => torch.arange(0, bad(null))).toThrow("arange(): argument 'end' (position 2) must be Number, not NoneType");
    expect(x().sum(1, bad(null)).tolist()).toEqual([2, 3]);
    expect(x().sum(1, undefined).tolist()).toEqual([2, 3]);
    expect(x().sum(1, { keepdim: undefined }).shape).toEqual([2]);
    expect(x().sum(1, bad({ keepdim: null })).shape).toEqual([2]);
    expect(
      x()
        .add(y(), bad({ alpha: null }))
        .tolist(),
    ).toEqual([
      [3, 0, 5],
      [7, 8, -3],
    ]);
    expect(torch.zeros(2, { dtype: undefined, requiresGrad: null as never }).dtype).toBe("float32");
    expect(torch.tensor([1, 2], bad({ dtype: null })).dtype).toBe("float32");
    expect(F.dropout(x(), bad({ p: null, training: false })).tolist()).toEqual(x().tolist());
  });

  it("the keys that are given take effect", () => {
    expect(x().sum(1, { keepdim: true }).shape).toEqual([2, 1]);
    expect(x().add(y(), { alpha: 2 }).tolist()).toEqual([
      [5, 2, 7],
      [10, 11, 0],
    ]);
    expect(torch.tensor([1, 2], { dtype: "int64" }).dtype).toBe("int64");
    expect(x().softmax(1, { dtype: "float64" }).dtype).toBe("float64");
    expect(F.dropout(x(), { training: false }).tolist()).toEqual(x().tolist());
  });
});

// ----- the sweep -------------------------------------------------------------------------

const UNKNOWN = { notAnOption: 1 };
const o = () => UNKNOWN as never;
const p = () => torch.zeros(2, { requiresGrad: true });
const sgd = () => new optim.SGD([p()], { lr: 0.1 });
const idx = () => torch.tensor([0, 1], { dtype: "int64" });
const x4 = () => torch.ones(1, 1, 4, 4);
const grad = () => {
  const t = torch.tensor([1, 2], { requiresGrad: true, dtype: "float64" });
  return [t, t.mul(t).sum()] as const;
};

class HalveLR extends S.LRScheduler {
  protected getLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr / 2);
  }
}

/**
 * One call per function of src/ that takes an options object, with an
 * unknown key as the options, keyed `file:function` (`file:Class` for a
 * constructor) as the completeness check below finds them; functions whose
 * options follow a variable number of arguments are listed under their names.
 */
const SWEEP: Record<string, () => unknown> = {
  // Tensor methods (methods.ts, generated, and methods_custom.ts): each delegates to the function that reads the options.
  "methods_custom.ts:backward": () => grad()[1].backward(null, o()),
  "methods.ts:add": () => x().add(1, o()),
  "methods.ts:sub": () => x().sub(1, o()),
  "methods.ts:rsub": () => x().rsub(1, o()),
  "methods.ts:div": () => x().div(2, o()),
  "methods_custom.ts:add_": () => x().add_(1, o()),
  "methods_custom.ts:sub_": () => x().sub_(1, o()),
  "methods.ts:softmax": () => x().softmax(0, o()),
  "methods.ts:logSoftmax": () => x().logSoftmax(0, o()),
  "methods.ts:sum": () => x().sum(0, o()),
  "methods.ts:mean": () => x().mean(0, o()),
  "methods.ts:norm": () => x().norm(2, 0, o()),
  "methods.ts:prod": () => x().prod(0, o()),
  "methods.ts:amax": () => x().amax(0, o()),
  "methods.ts:amin": () => x().amin(0, o()),
  "methods.ts:max": () => x().max(0, o()),
  "methods.ts:min": () => x().min(0, o()),
  "methods.ts:argmax": () => x().argmax(0, o()),
  "methods.ts:argmin": () => x().argmin(0, o()),
  "methods.ts:var": () => x().var(0, o()),
  "methods.ts:std": () => x().std(0, o()),
  "methods.ts:logsumexp": () => x().logsumexp(0, o()),
  "methods.ts:cumsum": () => x().cumsum(0, o()),
  "methods.ts:cumprod": () => x().cumprod(0, o()),
  "methods.ts:all": () => x().all(0, o()),
  "methods.ts:any": () => x().any(0, o()),
  "methods.ts:indexAdd": () => x().indexAdd(0, idx(), y(), o()),
  "methods.ts:indexAdd_": () => x().indexAdd_(0, idx(), y(), o()),
  "methods.ts:put": () => x().put(idx(), torch.ones(2), o()),
  "methods.ts:put_": () => x().put_(idx(), torch.ones(2), o()),
  "methods.ts:indexPut_": () => x().indexPut_([0], 1, o()),
  "methods.ts:uniform_": () => torch.empty(2).uniform_(0, 1, o()),
  "methods.ts:normal_": () => torch.empty(2).normal_(0, 1, o()),
  "methods.ts:clamp": () => x().clamp(o()),
  "methods.ts:clamp_": () => x().clamp_(o()),
  // torch.*
  "ops/arith.ts:add": () => torch.add(x(), 1, o()),
  "ops/arith.ts:sub": () => torch.sub(x(), 1, o()),
  "ops/arith.ts:rsub": () => torch.rsub(x(), 1, o()),
  "ops/arith.ts:div": () => torch.div(x(), 2, o()),
  "ops/arith.ts:add_": () => x().add_(y(), o()),
  "ops/arith.ts:sub_": () => x().sub_(y(), o()),
  "ops/where.ts:clamp": () => torch.clamp(x(), o()),
  "ops/where.ts:clamp_": () => torch.clamp_(x(), o()),
  "ops/reduce.ts:sum": () => torch.sum(x(), 0, o()),
  "ops/reduce.ts:mean": () => torch.mean(x(), 0, o()),
  "ops/statistics.ts:norm": () => torch.norm(x(), 2, 0, o()),
  "ops/reduce.ts:prod": () => torch.prod(x(), 0, o()),
  "ops/extrema.ts:amax": () => torch.amax(x(), 0, o()),
  "ops/extrema.ts:amin": () => torch.amin(x(), 0, o()),
  "ops/extrema.ts:max": () => torch.max(x(), 0, o()),
  "ops/extrema.ts:min": () => torch.min(x(), 0, o()),
  "ops/extrema.ts:argmax": () => torch.argmax(x(), 0, o()),
  "ops/extrema.ts:argmin": () => torch.argmin(x(), 0, o()),
  "ops/statistics.ts:var_": () => torch.var(x(), 0, o()),
  "ops/statistics.ts:std": () => torch.std(x(), 0, o()),
  "ops/statistics.ts:logsumexp": () => torch.logsumexp(x(), 0, o()),
  "ops/scan.ts:cumsum": () => torch.cumsum(x(), 0, o()),
  "ops/scan.ts:cumprod": () => torch.cumprod(x(), 0, o()),
  "ops/reduce.ts:all": () => torch.all(x(), 0, o()),
  "ops/reduce.ts:any": () => torch.any(x(), 0, o()),
  "ops/activation.ts:softmax": () => torch.softmax(x(), 0, o()),
  "ops/activation.ts:logSoftmax": () => torch.logSoftmax(x(), 0, o()),
  "ops/activation.ts:leakyRelu": () => F.leakyRelu(x(), 0.1, o()),
  "ops/activation.ts:elu": () => F.elu(x(), 1, o()),
  "ops/activation.ts:gelu": () => F.gelu(x(), o()),
  "ops/activation.ts:softplus": () => F.softplus(x(), o()),
  "ops/activation.ts:silu": () => F.silu(x(), o()),
  "ops/creation.ts:tensor": () => torch.tensor([1], o()),
  "ops/creation.ts:frombuffer": () => torch.frombuffer(new Float32Array(2), o()),
  "ops/creation.ts:zeros": () => torch.zeros(2, o()),
  "ops/creation.ts:ones": () => torch.ones([2], o()),
  "ops/creation.ts:empty": () => torch.empty(2, 3, o()),
  "ops/creation.ts:full": () => torch.full([2], 1, o()),
  "ops/creation.ts:zerosLike": () => torch.zerosLike(x(), o()),
  "ops/creation.ts:onesLike": () => torch.onesLike(x(), o()),
  "ops/creation.ts:emptyLike": () => torch.emptyLike(x(), o()),
  "ops/creation.ts:fullLike": () => torch.fullLike(x(), 1, o()),
  "ops/creation.ts:arange": () => torch.arange(3, o()),
  "ops/creation.ts:linspace": () => torch.linspace(0, 1, 3, o()),
  "ops/creation.ts:eye": () => torch.eye(2, 2, o()),
  "ops/creation.ts:eye(n, options)": () => torch.eye(2, o()),
  "ops/sampling.ts:rand": () => torch.rand(2, o()),
  "ops/sampling.ts:randn": () => torch.randn([2], o()),
  "ops/sampling.ts:randint": () => torch.randint(0, 3, [2], o()),
  "ops/sampling.ts:randperm": () => torch.randperm(3, o()),
  "ops/sampling.ts:randLike": () => torch.randLike(x().float(), o()),
  "ops/sampling.ts:randnLike": () => torch.randnLike(x().float(), o()),
  // uniform_ and normal_ are methods only (as in PyTorch): reached through the method
  "ops/convert.ts:uniform_": () => torch.empty(2).uniform_(0, 1, o()),
  "ops/convert.ts:normal_": () => torch.empty(2).normal_(0, 1, o()),
  "ops/index_ops.ts:indexAdd": () => torch.indexAdd(x(), 0, idx(), y(), o()),
  "ops/index_ops.ts:indexAdd_": () => x().indexAdd_(0, idx(), y(), o()),
  "ops/gather_scatter.ts:put": () => torch.put(x(), idx(), torch.ones(2), o()),
  "ops/gather_scatter.ts:put_": () => x().put_(idx(), torch.ones(2), o()),
  "ops/indexing.ts:indexPut_": () => torch.indexPut_(x(), [0], 1, o()),
  "ops/linalg.ts:addmm": () => torch.addmm(torch.zeros(2), torch.eye(2), torch.eye(2), o()),
  "autograd/api.ts:backward": () => torch.autograd.backward([grad()[1]], null, o()),
  "autograd/api.ts:tensorBackward": () => grad()[1].backward(undefined, o()),
  "autograd/api.ts:grad": () => {
    const [t, s] = grad();
    return torch.autograd.grad([s], [t], o());
  },
  "autograd/forward_ad.ts:makeDual": () =>
    torch.autograd.forwardAd.dualLevel(() => torch.autograd.forwardAd.makeDual(torch.ones(1), torch.ones(1), o())),
  "autograd/forward_ad.ts:unpackDual": () =>
    torch.autograd.forwardAd.dualLevel(() => torch.autograd.forwardAd.unpackDual(torch.ones(1), o())),
  "autograd/forward_ad.ts:exitDualLevel": () => {
    torch.autograd.forwardAd.enterDualLevel();
    try {
      return torch.autograd.forwardAd.exitDualLevel(o());
    } finally {
      // The unknown key was refused before the level was left.
      torch.autograd.forwardAd.exitDualLevel();
    }
  },
  "methods.ts:isclose": () => x().isclose(x(), o()),
  "methods.ts:allclose": () => x().allclose(x(), o()),
  "ops/compare.ts:isclose": () => torch.isclose(x(), x(), o()),
  "ops/compare.ts:allclose": () => torch.allclose(x(), x(), o()),
  "ops/layout.ts:meshgrid": () => torch.meshgrid([x()], o()),
  "ops/nn/similarity.ts:cosineSimilarity": () => torch.F.cosineSimilarity(x(), x(), o()),
  "ops/nn/similarity.ts:normalize": () => torch.F.normalize(x(), o()),
  "methods.ts:sort": () => x().sort(0, o()),
  "methods.ts:argsort": () => x().argsort(0, o()),
  "methods.ts:topk": () => x().topk(1, 0, o()),
  "methods.ts:kthvalue": () => x().kthvalue(1, 0, o()),
  "methods.ts:median": () => x().median(0, o()),
  "ops/sorting.ts:sort": () => torch.sort(x(), 0, o()),
  "ops/sorting.ts:argsort": () => torch.argsort(x(), 0, o()),
  "ops/sorting.ts:topk": () => torch.topk(x(), 1, 0, o()),
  "ops/sorting.ts:kthvalue": () => torch.kthvalue(x(), 1, 0, o()),
  "ops/sorting.ts:median": () => torch.median(x(), 0, o()),
  "methods.ts:nanmedian": () => x().nanmedian(0, o()),
  "methods.ts:mode": () => x().mode(0, o()),
  "methods.ts:aminmax": () => x().aminmax(o()),
  "methods.ts:unique": () => x().unique(o()),
  "methods.ts:uniqueConsecutive": () => x().uniqueConsecutive(o()),
  "ops/selection.ts:nanmedian": () => torch.nanmedian(x(), 0, o()),
  "ops/selection.ts:mode": () => torch.mode(x(), 0, o()),
  "ops/selection.ts:aminmax": () => torch.aminmax(x(), o()),
  "ops/unique.ts:unique": () => torch.unique(x(), o()),
  "ops/unique.ts:uniqueConsecutive": () => torch.uniqueConsecutive(x(), o()),
  "ops/search.ts:searchsorted": () => torch.searchsorted(torch.tensor([1, 2]), x(), o()),
  "ops/search.ts:bucketize": () => torch.bucketize(x(), torch.tensor([1, 2]), o()),
  "methods.ts:nansum": () => x().nansum(0, o()),
  "methods.ts:nanmean": () => x().nanmean(0, o()),
  "ops/reduce.ts:nansum": () => torch.nansum(x(), 0, o()),
  "ops/reduce.ts:nanmean": () => torch.nanmean(x(), 0, o()),
  "ops/statistics.ts:varMean": () => torch.varMean(x(), 0, o()),
  "ops/statistics.ts:stdMean": () => torch.stdMean(x(), 0, o()),
  "ops/nn/huber.ts:huberLoss": () => torch.F.huberLoss(x(), x(), o()),
  "ops/nn/pad.ts:pad": () => torch.F.pad(x(), [1, 1], o()),
  "ops/nn/kl_div.ts:klDiv": () => torch.F.klDiv(x(), x(), o()),
  "ops/nn/attention.ts:scaledDotProductAttention": () => torch.F.scaledDotProductAttention(x(), x(), x(), o()),
  "ops/random_ops.ts:multinomial": () => torch.multinomial(x().abs(), 1, o()),
  "ops/random_ops.ts:bernoulli": () => torch.bernoulli(x().abs().div(9), 0.5, o()),
  "ops/random_ops.ts:bernoulli_": () => x().bernoulli_(0.5, o()),
  "ops/random_ops.ts:normal": () => torch.normal(x(), 1, o()),
  "methods.ts:multinomial": () => x().abs().multinomial(1, o()),
  "methods.ts:bernoulli": () => x().abs().div(9).bernoulli(o()),
  "methods.ts:bernoulli_": () => x().bernoulli_(0.5, o()),
  "ops/nn/mish.ts:mish": () => torch.F.mish(x().float(), o()),
  "autograd/draw.ts:toDot": () => torch.autograd.graph.toDot(grad()[1], o()),
  "autograd/anomaly.ts:detectAnomaly": () => torch.autograd.detectAnomaly(() => 0, o()),
  "autograd/functional.ts:vjp": () => torch.autograd.functional.vjp((t) => t.sum(), grad()[0], null, o()),
  "autograd/functional.ts:jvp": () => torch.autograd.functional.jvp((t) => t.sum(), grad()[0], null, o()),
  "autograd/functional.ts:vhp": () => torch.autograd.functional.vhp((t) => t.sum(), grad()[0], null, o()),
  "autograd/functional.ts:hvp": () => torch.autograd.functional.hvp((t) => t.sum(), grad()[0], null, o()),
  "autograd/functional.ts:jacobian": () => torch.autograd.functional.jacobian((t) => t.sum(), grad()[0], o()),
  "autograd/functional.ts:hessian": () => torch.autograd.functional.hessian((t) => t.sum(), grad()[0], o()),
  "autograd/gradcheck.ts:gradcheck": () => torch.autograd.gradcheck((t) => t.sin(), [grad()[0]], o()),
  "autograd/gradcheck.ts:gradgradcheck": () => torch.autograd.gradgradcheck((t) => t.sin(), [grad()[0]], null, o()),
  "print.ts:setPrintoptions": () => torch.setPrintoptions(o()),
  "serialization/index.ts:saveBytes": () => torch.saveBytes({ w: torch.ones(1) }, o()),
  "node/index.ts:save": () => save({ w: torch.ones(1) }, join(tmpdir(), "kindling-options-sweep.safetensors"), o()),
  // torch.F
  "ops/nn/conv.ts:conv1d": () => F.conv1d(torch.ones(1, 1, 4), torch.ones(1, 1, 2), null, o()),
  "ops/nn/conv.ts:conv2d": () => F.conv2d(x4(), torch.ones(1, 1, 2, 2), null, o()),
  "ops/nn/dropout.ts:dropout": () => F.dropout(x(), o()),
  "ops/nn/embedding.ts:embedding": () => F.embedding(idx(), torch.ones(3, 2), o()),
  "ops/nn/loss.ts:mseLoss": () => F.mseLoss(x(), y(), o()),
  "ops/nn/loss.ts:l1Loss": () => F.l1Loss(x(), y(), o()),
  "ops/nn/loss.ts:smoothL1Loss": () => F.smoothL1Loss(x(), y(), o()),
  "ops/nn/loss.ts:binaryCrossEntropy": () => F.binaryCrossEntropy(torch.full([2], 0.5), torch.ones(2), o()),
  "ops/nn/loss.ts:binaryCrossEntropyWithLogits": () => F.binaryCrossEntropyWithLogits(x(), y(), o()),
  "ops/nn/nll.ts:nllLoss": () => F.nllLoss(torch.zeros(2, 3), idx(), o()),
  "ops/nn/nll.ts:crossEntropy": () => F.crossEntropy(torch.zeros(2, 3), idx(), o()),
  "ops/nn/norm.ts:layerNorm": () => F.layerNorm(x().float(), [3], null, null, o()),
  "ops/nn/norm.ts:batchNorm": () => F.batchNorm(x().float(), torch.zeros(3), torch.ones(3), null, null, o()),
  "ops/nn/pool.ts:maxPool2d": () => F.maxPool2d(x4(), 2, o()),
  "ops/nn/pool.ts:avgPool2d": () => F.avgPool2d(x4(), 2, o()),
  // torch.nn
  "nn/layers.ts:Linear": () => new nn.Linear(2, 3, o()),
  "nn/layers.ts:GELU": () => new nn.GELU(o()),
  "nn/layers.ts:Softplus": () => new nn.Softplus(o()),
  "nn/conv.ts:ConvNd": () => new nn.Conv2d(1, 1, 3, o()),
  "nn/conv.ts:Conv1d": () => new nn.Conv1d(1, 1, 3, o()),
  "nn/conv.ts:Conv2d": () => new nn.Conv2d(1, 1, 3, o()),
  "nn/conv.ts:MaxPool2d": () => new nn.MaxPool2d(2, o()),
  "nn/conv.ts:AvgPool2d": () => new nn.AvgPool2d(2, o()),
  "nn/loss.ts:MSELoss": () => new nn.MSELoss(o()),
  "nn/loss.ts:L1Loss": () => new nn.L1Loss(o()),
  "nn/loss.ts:SmoothL1Loss": () => new nn.SmoothL1Loss(o()),
  "nn/loss.ts:BCELoss": () => new nn.BCELoss(o()),
  "nn/loss.ts:BCEWithLogitsLoss": () => new nn.BCEWithLogitsLoss(o()),
  "nn/loss.ts:CrossEntropyLoss": () => new nn.CrossEntropyLoss(o()),
  "nn/loss.ts:NLLLoss": () => new nn.NLLLoss(o()),
  "nn/normalization.ts:BatchNorm": () => new nn.BatchNorm2d(3, o()),
  "nn/normalization.ts:BatchNorm1d": () => new nn.BatchNorm1d(3, o()),
  "nn/normalization.ts:BatchNorm2d": () => new nn.BatchNorm2d(3, o()),
  "nn/normalization.ts:LayerNorm": () => new nn.LayerNorm(3, o()),
  "nn/normalization.ts:Embedding": () => new nn.Embedding(3, 2, o()),
  "nn/attention.ts:MultiheadAttention": () => new nn.MultiheadAttention(4, 2, o()),
  "nn/attention.ts:forward": () => new nn.MultiheadAttention(4, 2).call(torch.zeros(1, 4), torch.zeros(1, 4), torch.zeros(1, 4), o()),
  "nn/transformer.ts:TransformerEncoderLayer": () => new nn.TransformerEncoderLayer(4, 2, o()),
  "nn/transformer.ts:TransformerDecoderLayer": () => new nn.TransformerDecoderLayer(4, 2, o()),
  "nn/transformer.ts:TransformerEncoder": () => new nn.TransformerEncoder(new nn.Identity(), 1, o()),
  "nn/transformer.ts:TransformerDecoder": () => new nn.TransformerDecoder(new nn.Identity(), 1, o()),
  "nn/transformer.ts:forward": () => new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 4 }).call(torch.zeros(1, 4), o()),
  "nn/transformer_model.ts:Transformer": () => new nn.Transformer(o()),
  "nn/transformer_model.ts:forward": () =>
    new nn.Transformer({ dModel: 4, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 4 }).call(
      torch.zeros(1, 4),
      torch.zeros(1, 4),
      o(),
    ),
  "nn/module.ts:registerBuffer": () => new nn.Module().registerBuffer("b", null, o()),
  "nn/module.ts:namedParameters": () => new nn.Linear(1, 1).namedParameters(o()),
  "nn/module.ts:parameters": () => new nn.Linear(1, 1).parameters(o()),
  "nn/module.ts:namedBuffers": () => new nn.Linear(1, 1).namedBuffers(o()),
  "nn/module.ts:buffers": () => new nn.Linear(1, 1).buffers(o()),
  "nn/module.ts:zeroGrad": () => new nn.Linear(1, 1).zeroGrad(o()),
  "nn/module.ts:loadStateDict": () => new nn.Linear(1, 1).loadStateDict({}, o()),
  "nn/init.ts:uniform_": () => nn.init.uniform_(torch.empty(2), 0, 1, o()),
  "nn/init.ts:normal_": () => nn.init.normal_(torch.empty(2), 0, 1, o()),
  "nn/init.ts:xavierUniform_": () => nn.init.xavierUniform_(torch.empty(2, 2), 1, o()),
  "nn/init.ts:xavierNormal_": () => nn.init.xavierNormal_(torch.empty(2, 2), 1, o()),
  "nn/init.ts:kaimingUniform_": () => nn.init.kaimingUniform_(torch.empty(2, 2), o()),
  "nn/init.ts:kaimingNormal_": () => nn.init.kaimingNormal_(torch.empty(2, 2), o()),
  "nn/utils.ts:clipGradNorm_": () => nn.utils.clipGradNorm_([p()], 1, o()),
  "nn/rnn.ts:RNN": () => new nn.RNN(2, 3, o()),
  "nn/rnn.ts:LSTM": () => new nn.LSTM(2, 3, o()),
  "nn/rnn.ts:GRU": () => new nn.GRU(2, 3, o()),
  "nn/rnn_cells.ts:RNNCell": () => new nn.RNNCell(2, 3, o()),
  "nn/rnn_cells.ts:LSTMCell": () => new nn.LSTMCell(2, 3, o()),
  "nn/rnn_cells.ts:GRUCell": () => new nn.GRUCell(2, 3, o()),
  "nn/rnn_utils.ts:padSequence": () => nn.utils.rnn.padSequence([torch.ones(2)], o()),
  // torch.optim
  "optim/sgd.ts:SGD": () => new optim.SGD([p()], o()),
  "optim/adam.ts:Adam": () => new optim.Adam([p()], o()),
  "optim/adam.ts:AdamW": () => new optim.AdamW([p()], o()),
  "optim/adagrad.ts:Adagrad": () => new optim.Adagrad([p()], o()),
  "optim/rmsprop.ts:RMSprop": () => new optim.RMSprop([p()], o()),
  "optim/optimizer.ts:zeroGrad": () => sgd().zeroGrad(o()),
  "optim/lr_scheduler.ts:LRScheduler": () => new HalveLR(sgd(), o()),
  "optim/lr_scheduler.ts:StepLR": () => new S.StepLR(sgd(), 2, o()),
  "optim/lr_scheduler.ts:MultiStepLR": () => new S.MultiStepLR(sgd(), [1], o()),
  "optim/lr_scheduler.ts:ExponentialLR": () => new S.ExponentialLR(sgd(), 0.5, o()),
  "optim/lr_scheduler.ts:CosineAnnealingLR": () => new S.CosineAnnealingLR(sgd(), 4, o()),
  "optim/lr_scheduler.ts:LambdaLR": () => new S.LambdaLR(sgd(), () => 1, o()),
  "optim/plateau.ts:ReduceLROnPlateau": () => new S.ReduceLROnPlateau(sgd(), o()),
  // torch.utils.data
  "data/dataloader.ts:DataLoader": () => new torch.utils.data.DataLoader([1, 2], o()),
  "data/dataset.ts:randomSplit": () => torch.utils.data.randomSplit([1, 2], [1, 1], o()),
};

/**
 * Functions with an `options` parameter that users do not call: each receives
 * options already read by the public function named here.
 */
const INTERNAL: Record<string, string> = {
  "autograd/engine.ts:runBackward": "the engine's own options, from backward and grad",
  "ops/sizes.ts:finish": "reads requiresGrad and device from options the creation function has read",
  "ops/sizes.ts:optionDevice": "reads device from options the creation function has read",
  "serialization/safetensors.ts:metadataOption": "reads the options of saveBytes and save",
};

/** `file:function` (`file:Class` for a constructor) of every function of src/ with a parameter named `options`. */
function functionsTakingOptions(): string[] {
  const src = new URL("../../src/", import.meta.url).pathname;
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => {
      const path = join(dir, f);
      return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
    });
  // A declaration's name and its parameter list (one level of nested parentheses, for function types).
  const declaration = /(?:export function (\w+)|^ {2}(\w+)|^ {2}(\w+): )\(((?:[^()]|\((?:[^()]|\([^()]*\))*\))*)\)/gm;
  const found = new Set<string>();
  for (const file of files(src)) {
    const rel = relative(src, file);
    if (rel.startsWith("backend/") || rel.startsWith("core/")) continue;
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(declaration)) {
      if (!/\boptions\??:/.test(m[4] ?? "")) continue;
      let name = m[1] ?? m[2] ?? m[3];
      if (name === "constructor") name = [...text.slice(0, m.index).matchAll(/^(?:export )?(?:abstract )?class (\w+)/gm)].pop()?.[1];
      found.add(`${rel}:${name}`);
    }
  }
  return [...found].sort();
}

describe("every function that takes options refuses an unknown key", () => {
  it("the sweep lists every function of src/ with an options parameter", () => {
    const listed = functionsTakingOptions();
    expect(listed.length).toBeGreaterThan(100);
    expect(listed.filter((key) => !Object.hasOwn(SWEEP, key) && !Object.hasOwn(INTERNAL, key))).toEqual([]);
  });

  it.each(Object.keys(SWEEP))("%s", (key) => {
    const e = thrown(SWEEP[key] as () => unknown);
    expect(e, e.stack).toBeInstanceOf(torch.ArgumentError);
    expect(e.message).toMatch(/^[\w.]+\(\) got an unexpected keyword argument 'notAnOption'; [\w.]+ takes \{ [\w, ]+ \}$/);
  });

  it("save wrote nothing", () => {
    expect(existsSync(join(tmpdir(), "kindling-options-sweep.safetensors"))).toBe(false);
  });
});
