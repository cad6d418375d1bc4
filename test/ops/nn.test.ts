/**
 * torch.nn.functional ops (src/ops/nn) beyond the generic sample tests of
 * ops.test.ts: cases recorded by scripts/record/nn_extra.py (eval-mode
 * batch_norm, running statistics, return_indices, max_norm, seeded
 * dropout masks), dropout statistics, error messages and semantics.
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { conv1d, conv2d } from "../../src/ops/nn/conv.js";
import { binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy, mseLoss, nllLoss, smoothL1Loss } from "../../src/ops/nn/loss.js";
import { batchNorm, dropout, embedding, layerNorm } from "../../src/ops/nn/norm.js";
import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from "../../src/ops/nn/pool.js";
import type { Corpus } from "../../tools/conformance/format.js";
import { runCase } from "../../tools/conformance/runner.js";
import { readJson } from "../helpers/fixtures.js";
import { sampleFunction } from "../helpers/samples.js";

// ----- cases recorded by scripts/record/nn_extra.py --------------------------------------

interface DropoutMask {
  seed: number;
  shape: number[];
  p: number;
  dtype: "float32" | "float64";
  out: { data: number[] };
}
const extra = readJson<Corpus & { dropout: DropoutMask[] }>("fixtures/nn_extra.json");

describe("nn cases beyond the sample table (eval batch_norm, running statistics, indices, max_norm)", () => {
  it.each(extra.cases.map((c) => [c.id, c] as const))("%s", (_, c) => {
    const r = runCase(c);
    expect(r.reason).toBeUndefined();
    expect(r.ok).toBe(true);
  });
});

// max_norm rescales the weight in place on every call, so finite differences of the call
// are not derivatives; return_indices has two outputs. Both are covered by their values above.
const extraChecked = extra.cases
  .filter((c) => !c.id.includes("max_norm") && !c.id.includes("return_indices"))
  .map((c) => [c.id, sampleFunction(c)] as const)
  .filter(([, s]) => s !== null);

describe("nn cases beyond the sample table: gradcheck and gradgradcheck", () => {
  it.each(extraChecked)("%s", (_, s) => {
    if (s === null) return;
    expect(torch.autograd.gradcheck(s.fn, s.inputs)).toBe(true);
    expect(torch.autograd.gradgradcheck(s.fn, s.inputs)).toBe(true);
  });
});

// ----- dropout -------------------------------------------------------------------------------

describe("dropout", () => {
  it.each(extra.dropout.map((m) => [`seed ${m.seed}, p ${m.p}, ${m.dtype} ${m.shape.join("x")}`, m] as const))(
    "draws PyTorch's mask (%s)",
    (_, m) => {
      torch.manualSeed(m.seed);
      const y = dropout(torch.ones(m.shape, { dtype: m.dtype }), { p: m.p });
      expect(Array.from(y.toTypedArray())).toEqual(m.out.data);
    },
  );

  it("keeps about 1 - p of the elements, scaled by 1 / (1 - p), and the gradient through the mask", () => {
    torch.manualSeed(5);
    const p = 0.3;
    const x = torch.ones([20000], { dtype: "float64", requiresGrad: true });
    const y = dropout(x, { p });
    expect(y.gradFn?.name).toBe("MulBackward0");
    const kept = Array.from(y.toTypedArray()).filter((v) => v !== 0);
    for (const v of kept) expect(v).toBeCloseTo(1 / (1 - p), 12);
    // 20000 Bernoulli(0.7) draws: the kept fraction is within 4 standard deviations (~0.013) of 0.7.
    expect(Math.abs(kept.length / 20000 - (1 - p))).toBeLessThan(0.013);
    y.sum().backward();
    expect(Array.from((x.grad as Tensor).toTypedArray())).toEqual(Array.from(y.toTypedArray()));
  });

  it("returns the input itself for p = 0, training = false or an empty input", () => {
    const x = torch.randn(3, { requiresGrad: true });
    expect(dropout(x, { p: 0 })).toBe(x);
    expect(dropout(x, { p: 0.5, training: false })).toBe(x);
    const e = torch.zeros(0, 2);
    expect(dropout(e)).toBe(e);
  });

  it("zeroes everything for p = 1 and works in place", () => {
    const x = torch.tensor([1, 2, 3]);
    expect(Array.from(dropout(x, { p: 1 }).toTypedArray())).toEqual([0, 0, 0]);
    const h = torch.tensor([1, 2], { requiresGrad: true }).mul(1);
    const r = dropout(h, { p: 1, inplace: true });
    expect(r).toBe(h);
    expect(h.gradFn?.name).toBe("MulBackward0");
    expect(Array.from(h.toTypedArray())).toEqual([0, 0]);
  });

  it("rejects p outside [0, 1] and integer inputs", () => {
    expect(() => dropout(torch.ones(2), { p: 1.5 })).toThrow("dropout probability has to be between 0 and 1, but got 1.5");
    expect(() => dropout(torch.ones([2], { dtype: "int64" }))).toThrow(
      /dropout: result type Float can't be cast to the desired output type Long/,
    );
  });
});

// ----- errors: the op, the argument and the shapes -------------------------------------------

const d = (...shape: number[]) => torch.randn(shape, { dtype: "float64" });
const long = (values: number[]) => torch.tensor(values, { dtype: "int64" });

describe("nn errors name the op, the argument and the shapes", () => {
  const cases: [string, () => unknown, string | RegExp, string][] = [
    [
      "conv2d input dims",
      () => conv2d(d(3, 5), d(4, 3, 3, 3)),
      "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [3, 5]",
      "ShapeError",
    ],
    [
      "conv1d input dims",
      () => conv1d(d(2, 3, 5, 5), d(4, 3, 3)),
      "Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: [2, 3, 5, 5]",
      "ShapeError",
    ],
    [
      "conv2d weight dims",
      () => conv2d(d(1, 3, 5, 5), d(4, 3, 3)),
      "conv2d: expected weight to be 4-dimensional, but got weight of size [4, 3, 3]",
      "ShapeError",
    ],
    [
      "conv2d channels",
      () => conv2d(d(2, 5, 5, 5), d(4, 3, 3, 3)),
      "conv2d: Given groups=1, weight of size [4, 3, 3, 3], expected input[2, 5, 5, 5] to have 3 channels, but got 5 channels instead",
      "ShapeError",
    ],
    [
      "conv2d groups",
      () => conv2d(d(1, 4, 5, 5), d(3, 2, 3, 3), null, { groups: 2 }),
      /expected weight to be divisible by 2 at dimension 0, but got weight of size \[3, 2, 3, 3\]/,
      "ShapeError",
    ],
    [
      "conv2d bias",
      () => conv2d(d(1, 3, 5, 5), d(4, 3, 3, 3), d(3)),
      "expected bias to be 1-dimensional with 4 elements, but got bias of size [3] instead",
      "ShapeError",
    ],
    [
      "conv2d kernel",
      () => conv2d(d(1, 3, 2, 2), d(4, 3, 3, 3)),
      "conv2d: Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size can't be greater than actual input size",
      "ShapeError",
    ],
    [
      "conv2d same+stride",
      () => conv2d(d(1, 3, 5, 5), d(4, 3, 3, 3), null, { stride: 2, padding: "same" }),
      "conv2d: padding='same' is not supported for strided convolutions",
      "ArgumentError",
    ],
    [
      "conv2d padding string",
      () => conv2d(d(1, 3, 5, 5), d(4, 3, 3, 3), null, { padding: "full" as "same" }),
      "conv2d: Invalid padding string: 'full'",
      "ArgumentError",
    ],
    [
      "conv2d negative padding",
      () => conv2d(d(1, 3, 5, 5), d(4, 3, 3, 3), null, { padding: -1 }),
      "conv2d: negative padding is not supported",
      "ArgumentError",
    ],
    [
      "conv2d stride",
      () => conv2d(d(1, 3, 5, 5), d(4, 3, 3, 3), null, { stride: 0 }),
      "conv2d: non-positive stride is not supported",
      "ArgumentError",
    ],
    [
      "conv2d dtypes",
      () => conv2d(d(1, 3, 5, 5), torch.randn(4, 3, 3, 3)),
      "conv2d: expected scalar type Double but found Float",
      "DTypeError",
    ],
    [
      "max_pool2d dims",
      () => maxPool2d(d(5, 5), 2),
      "max_pool2d: non-empty 3D or 4D (batch mode) tensor expected for input, but got input of size [5, 5]",
      "ShapeError",
    ],
    [
      "max_pool2d pad",
      () => maxPool2d(d(1, 1, 5, 5), 2, { padding: 2 }),
      "max_pool2d: pad should be at most half of kernel size, but got pad=2 and kernel_size=2",
      "ArgumentError",
    ],
    [
      "max_pool2d too small",
      () => maxPool2d(d(1, 1, 1, 1), 2),
      "max_pool2d: Given input size: (1x1x1). Calculated output size: (1x0x0). Output size is too small",
      "ShapeError",
    ],
    [
      "max_pool2d dtype",
      () => maxPool2d(torch.ones([1, 1, 2, 2], { dtype: "int64" }), 2),
      `max_pool2d: "max_pool2d" not implemented for 'Long'`,
      "DTypeError",
    ],
    [
      "avg_pool2d divisor",
      () => avgPool2d(d(1, 1, 4, 4), 2, { divisorOverride: 0 }),
      "avg_pool2d: divisor must be not zero",
      "ArgumentError",
    ],
    ["adaptive dims", () => adaptiveAvgPool2d(d(5, 5), 2), "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [5, 5]", "ShapeError"],
    [
      "adaptive size",
      () => adaptiveAvgPool2d(d(1, 5, 5), -1),
      "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {-1, -1}",
      "ArgumentError",
    ],
    [
      "layer_norm shape",
      () => layerNorm(d(2, 3, 5), [4]),
      "layer_norm: Given normalized_shape=[4], expected input with shape [*, 4], but got input of size[2, 3, 5]",
      "ShapeError",
    ],
    [
      "layer_norm weight",
      () => layerNorm(d(2, 5), [5], d(4)),
      "layer_norm: Expected weight to be of same shape as normalized_shape, but got weight of shape [4] and normalized_shape = [5]",
      "ShapeError",
    ],
    [
      "batch_norm batch",
      () => batchNorm(d(1, 3), null, null, null, null, { training: true }),
      "batch_norm: Expected more than 1 value per channel when training, got input size torch.Size([1, 3])",
      "ArgumentError",
    ],
    [
      "batch_norm running_mean",
      () => batchNorm(d(4, 3), d(4), d(3), null, null, { training: true }),
      "batch_norm: running_mean should contain 3 elements not 4",
      "ShapeError",
    ],
    [
      "batch_norm eval",
      () => batchNorm(d(4, 3), null, null),
      "batch_norm: running_mean must be defined in evaluation mode",
      "ArgumentError",
    ],
    [
      "batch_norm running stats with grad",
      () => batchNorm(d(4, 3), d(3).requiresGrad_(), d(3), null, null, { training: true }),
      "The function 'native_batch_norm' is not differentiable with respect to argument 'running_mean'. This input cannot have requires_grad True.",
      "AutogradError",
    ],
    [
      "embedding indices dtype",
      () => embedding(d(2), d(3, 2)),
      /embedding: Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int/,
      "DTypeError",
    ],
    [
      "embedding range",
      () => embedding(long([0, 5]), d(3, 2)),
      /embedding: index out of range in self \(index 5, weight of size \[3, 2\]\)/,
      "IndexError",
    ],
    ["embedding weight", () => embedding(long([0]), d(3)), "embedding: 'weight' must be 2-D, but got weight of size [3]", "ShapeError"],
    [
      "embedding padding_idx",
      () => embedding(long([0]), d(3, 2), { paddingIdx: 3 }),
      "embedding: Padding_idx must be within num_embeddings",
      "ArgumentError",
    ],
    [
      "mse_loss reduction",
      () => mseLoss(d(2), d(2), { reduction: "avg" as "mean" }),
      "avg is not a valid value for reduction",
      "ArgumentError",
    ],
    ["mse_loss dtype", () => mseLoss(long([1]), long([1])), `mse_loss: "mse_cpu" not implemented for 'Long'`, "DTypeError"],
    [
      "smooth_l1_loss beta",
      () => smoothL1Loss(d(2), d(2), { beta: -1 }),
      "smooth_l1_loss does not support negative values for beta.",
      "ArgumentError",
    ],
    [
      "binary_cross_entropy sizes",
      () => binaryCrossEntropy(torch.rand(2, 3), torch.rand(3)),
      "binary_cross_entropy: Using a target size (torch.Size([3])) that is different to the input size (torch.Size([2, 3])) is deprecated. Please ensure they have the same size.",
      "ShapeError",
    ],
    [
      "binary_cross_entropy range",
      () => binaryCrossEntropy(torch.tensor([1.5]), torch.tensor([1])),
      "binary_cross_entropy: all elements of input should be between 0 and 1",
      "ArgumentError",
    ],
    [
      "binary_cross_entropy weight grad",
      () => binaryCrossEntropy(torch.rand(2), torch.rand(2), { weight: torch.rand([2], { requiresGrad: true }) }),
      "The function 'binary_cross_entropy' is not differentiable with respect to argument 'weight'.",
      "AutogradError",
    ],
    [
      "bce_with_logits sizes",
      () => binaryCrossEntropyWithLogits(d(2, 3), d(3)),
      "binary_cross_entropy_with_logits: Target size (torch.Size([3])) must be the same as input size (torch.Size([2, 3]))",
      "ShapeError",
    ],
    [
      "bce_with_logits pos_weight",
      () => binaryCrossEntropyWithLogits(d(2, 3), d(2, 3), { posWeight: d(4) }),
      "binary_cross_entropy_with_logits: pos_weight of size [4] cannot be broadcast to the input size [2, 3]",
      "ShapeError",
    ],
    ["nll_loss target range", () => nllLoss(d(3, 4), long([0, 4, 1])), "nll_loss: Target 4 is out of bounds.", "IndexError"],
    ["nll_loss negative target", () => nllLoss(d(3, 4), long([0, -1, 1])), "nll_loss: Target -1 is out of bounds.", "IndexError"],
    [
      "nll_loss batch",
      () => nllLoss(d(3, 4), long([0, 1])),
      "nll_loss: Expected input batch_size (3) to match target batch_size (2).",
      "ShapeError",
    ],
    [
      "nll_loss target dtype",
      () => nllLoss(d(3, 4), torch.tensor([0, 1, 1])),
      "nll_loss: expected scalar type Long but found Float",
      "DTypeError",
    ],
    [
      "nll_loss weight",
      () => nllLoss(d(3, 4), long([0, 1, 1]), { weight: d(3) }),
      "nll_loss: weight tensor should be defined either for all 4 classes or no classes but got weight tensor of shape: [3]",
      "ShapeError",
    ],
    [
      "nll_loss spatial target",
      () => nllLoss(d(2, 3, 4), torch.zeros([2, 5], { dtype: "int64" })),
      "nll_loss: Expected target size [2, 4], got [2, 5]",
      "ShapeError",
    ],
    [
      "nll_loss 0-d input",
      () => nllLoss(torch.tensor(1), torch.tensor(0, { dtype: "int64" })),
      "nll_loss: Expected 1 or more dimensions (got 0)",
      "ShapeError",
    ],
    [
      "cross_entropy prob dtype",
      () => crossEntropy(d(3, 4), torch.ones([3, 4], { dtype: "int64" })),
      "cross_entropy: Expected floating point type for target with class probabilities, got Long",
      "DTypeError",
    ],
    [
      "cross_entropy prob ignore_index",
      () => crossEntropy(d(3, 4), torch.rand(3, 4), { ignoreIndex: 1 }),
      "cross_entropy: ignore_index is not supported for floating point target",
      "ArgumentError",
    ],
    [
      "cross_entropy label_smoothing",
      () => crossEntropy(d(3, 4), long([0, 1, 1]), { labelSmoothing: 1.5 }),
      "cross_entropy: label_smoothing must be between 0.0 and 1.0. Got: 1.5",
      "ArgumentError",
    ],
  ];
  it.each(cases)("%s", (_, fn, message, kind) => {
    let err: unknown = null;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(torch.KindlingError);
    expect((err as Error).name).toBe(kind);
    if (typeof message === "string") expect((err as Error).message).toContain(message);
    else expect((err as Error).message).toMatch(message);
  });
});

// ----- semantics the samples do not pin down -------------------------------------------------

describe("nn semantics", () => {
  it("batch_norm in eval mode uses the running statistics and leaves them unchanged", () => {
    const x = torch.tensor([
      [1, 2],
      [3, 6],
    ]);
    const rm = torch.tensor([1, 2]);
    const rv = torch.tensor([4, 16]);
    const y = batchNorm(x, rm, rv, null, null, { eps: 0 });
    // (x - running_mean) / sqrt(running_var).
    expect(Array.from(y.toTypedArray())).toEqual([0, 0, 1, 1]);
    expect(Array.from(rm.toTypedArray())).toEqual([1, 2]);
    expect(rm._version).toBe(0);
  });

  it("batch_norm in training mode updates the running statistics in place with the unbiased variance", () => {
    const x = torch.tensor([[1], [3]], { dtype: "float64" });
    const rm = torch.zeros([1], { dtype: "float64" });
    const rv = torch.ones([1], { dtype: "float64" });
    batchNorm(x, rm, rv, null, null, { training: true, momentum: 0.5 });
    // batch mean 2, unbiased variance 2: 0.5 * 0 + 0.5 * 2 and 0.5 * 1 + 0.5 * 2.
    expect(Array.from(rm.toTypedArray())).toEqual([1]);
    expect(Array.from(rv.toTypedArray())).toEqual([1.5]);
    expect(rm._version).toBe(1);
  });

  it("binary_cross_entropy clamps the logs at -100 and keeps the gradient finite", () => {
    const x = torch.tensor([0, 1], { dtype: "float64", requiresGrad: true });
    const loss = binaryCrossEntropy(x, torch.tensor([1, 0], { dtype: "float64" }));
    expect(loss.item()).toBe(100);
    loss.backward();
    // (x - t) / max((1 - x) x, 1e-12) / 2.
    expect(Array.from((x.grad as Tensor).toTypedArray())).toEqual([-0.5e12, 0.5e12]);
  });

  it("conv2d with padding 'same' keeps the spatial size (even kernels pad one more on the right)", () => {
    const x = d(1, 2, 5, 6);
    expect(conv2d(x, d(3, 2, 3, 3), null, { padding: "same" }).shape).toEqual([1, 3, 5, 6]);
    expect(conv2d(x, d(3, 2, 2, 4), null, { padding: "same", dilation: [1, 1] }).shape).toEqual([1, 3, 5, 6]);
    expect(conv1d(d(1, 2, 7), d(1, 2, 4), null, { padding: "same", dilation: 2 }).shape).toEqual([1, 1, 7]);
  });

  it("cross_entropy with class indices is nll_loss of log_softmax", () => {
    const x = d(4, 5);
    const t = long([0, 3, 4, 1]);
    const a = crossEntropy(x, t, { ignoreIndex: 3 });
    const b = nllLoss(torch.logSoftmax(x, 1), t, { ignoreIndex: 3 });
    expect(a.item()).toBe(b.item());
    expect(a.gradFn).toBeNull();
  });

  it("nll_loss ignoring every target gives NaN for the mean and 0 for the sum", () => {
    const x = d(2, 3);
    expect(Number.isNaN(nllLoss(x, long([1, 1]), { ignoreIndex: 1 }).item())).toBe(true);
    expect(nllLoss(x, long([1, 1]), { ignoreIndex: 1, reduction: "sum" }).item()).toBe(0);
  });

  it("max_pool2d pads with -inf: an all-negative border window takes its real maximum", () => {
    const x = torch.tensor([
      [
        [
          [-5, -3],
          [-4, -6],
        ],
      ],
    ]);
    const [out, idx] = maxPool2d(x, 3, { stride: 1, padding: 1, returnIndices: true });
    expect(Array.from(out.toTypedArray())).toEqual([-3, -3, -3, -3]);
    expect(Array.from(idx.toTypedArray())).toEqual([1, 1, 1, 1]);
  });
});
