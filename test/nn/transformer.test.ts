/**
 * MultiheadAttention and the Transformer modules against PyTorch 1.13
 * (test/fixtures/transformer_modules.json, recorded by
 * scripts/record/transformer_modules.py): printed form, state-dict keys,
 * seeded initial parameters, outputs, attention weights and the gradients of
 * every parameter and input; PyTorch's messages for bad arguments; the deep
 * copies TransformerEncoder makes of its layer.
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import type { TensorJson } from "../helpers/fixtures.js";
import { thrown } from "../helpers/thrown.js";
import { buildTransformer, transformerFixture as fixture, runTransformerCase, transformerLabel } from "../helpers/transformer_modules.js";

const { nn } = torch;

function expectClose(actual: Tensor | null | undefined, expected: TensorJson, what: string, rtol = 1e-4, atol = 1e-5): void {
  expect(actual, what).toBeInstanceOf(torch.Tensor);
  const t = actual as Tensor;
  expect([what, t.shape, t.dtype]).toEqual([what, expected.shape, expected.dtype]);
  const a = t.toTypedArray();
  let worst = 0;
  expected.data.forEach((e, i) => {
    const want = e === "-inf" ? Number.NEGATIVE_INFINITY : Number(e);
    const got = a[i] as number;
    if (!Number.isFinite(want)) expect(got, what).toBe(want);
    else worst = Math.max(worst, Math.abs(got - want) - (atol + rtol * Math.abs(want)));
  });
  expect(worst, `${what}: beyond tolerance by`).toBeLessThanOrEqual(0);
}

describe("attention and Transformer modules match PyTorch", () => {
  it.each(fixture.cases.map((c, i) => [i, transformerLabel(c), c] as const))("%i %s", (_, __, c) => {
    torch.manualSeed(0);
    const m = buildTransformer(c);
    m.train(c.train ?? true);
    expect(m.toString()).toBe(c.repr);
    const sd = m.stateDict();
    expect(Object.keys(sd)).toEqual(Object.keys(c.init));
    for (const [k, t] of Object.entries(c.init)) expectClose(sd[k], t, `init ${k}`, 0, 1e-7);
    const { out, weights, inputs } = runTransformerCase(m, c);
    expectClose(out, c.output, "output");
    if (c.weights !== undefined && c.weights !== null) expectClose(weights, c.weights, "weights");
    else expect(weights).toBe(null);
    for (const [name, g] of Object.entries(c.input_grads)) expectClose(inputs[name]?.grad, g, `grad of ${name}`);
    const params = Object.fromEntries(m.namedParameters());
    expect(Object.keys(params).filter((n) => params[n]?.grad !== null)).toEqual(Object.keys(c.param_grads));
    for (const [name, g] of Object.entries(c.param_grads)) expectClose(params[name]?.grad, g, `grad of ${name}`);
  });

  it("generateSquareSubsequentMask is PyTorch's", () => {
    expectClose(nn.Transformer.generateSquareSubsequentMask(4), fixture.square_subsequent_mask, "mask");
  });
});

describe("PyTorch's messages for bad arguments", () => {
  const x = () => torch.zeros(3, 2, 4);
  const mha = () => {
    torch.manualSeed(0);
    return new nn.MultiheadAttention(4, 2);
  };
  const bool = (...shape: number[]) => torch.zeros(shape, { dtype: "bool" });
  const int = (...shape: number[]) => torch.zeros(shape, { dtype: "int64" });
  const u = () => torch.zeros(3, 4);
  // [the fixture's name, the call, Kindling's class]
  const calls: Record<string, [() => unknown, new (...args: never[]) => Error]> = {
    "embed_dim not divisible by num_heads": [() => new nn.MultiheadAttention(5, 2), torch.ArgumentError],
    "int key_padding_mask": [() => mha().call(x(), x(), x(), { keyPaddingMask: int(2, 3) }), torch.DTypeError],
    "4-d query": [() => mha().call(torch.zeros(1, 3, 2, 4), x(), x()), torch.ShapeError],
    "batched query, 2-d key": [() => mha().call(x(), u(), x()), torch.ShapeError],
    "unbatched query, 3-d value": [() => mha().call(u(), u(), x()), torch.ShapeError],
    "batched query, 1-d key_padding_mask": [() => mha().call(x(), x(), x(), { keyPaddingMask: bool(3) }), torch.ShapeError],
    "unbatched query, 2-d key_padding_mask": [() => mha().call(u(), u(), u(), { keyPaddingMask: bool(1, 3) }), torch.ShapeError],
    "1-d attn_mask": [() => mha().call(x(), x(), x(), { attnMask: torch.zeros(3) }), torch.ShapeError],
    "4-d attn_mask": [() => mha().call(x(), x(), x(), { attnMask: torch.zeros(1, 4, 3, 3) }), torch.ShapeError],
    "unbatched, 3-d attn_mask of the wrong shape": [() => mha().call(u(), u(), u(), { attnMask: torch.zeros(4, 3, 3) }), torch.ShapeError],
    "wrong embedding dim": [() => mha().call(torch.zeros(3, 2, 3), torch.zeros(3, 2, 3), torch.zeros(3, 2, 3)), torch.ShapeError],
    "int attn_mask": [() => mha().call(x(), x(), x(), { attnMask: int(3, 3) }), torch.DTypeError],
    "2-d attn_mask of the wrong shape": [() => mha().call(x(), x(), x(), { attnMask: torch.zeros(3, 4) }), torch.ShapeError],
    "3-d attn_mask of the wrong shape": [() => mha().call(x(), x(), x(), { attnMask: torch.zeros(2, 3, 3) }), torch.ShapeError],
    "key_padding_mask of the wrong shape": [() => mha().call(x(), x(), x(), { keyPaddingMask: bool(2, 4) }), torch.ShapeError],
    "key and value shapes differ": [() => mha().call(x(), x(), torch.zeros(4, 2, 4)), torch.ShapeError],
    "kdim/vdim: key and value lengths differ": [
      () => new nn.MultiheadAttention(4, 2, { kdim: 3, vdim: 5 }).call(x(), torch.zeros(3, 2, 3), torch.zeros(4, 2, 5)),
      torch.ShapeError,
    ],
    "unknown activation": [() => new nn.TransformerEncoderLayer(4, 2, { activation: "tanh" as never }), torch.ArgumentError],
    "encoder layer, int key padding mask": [
      () => new nn.TransformerEncoderLayer(4, 2).call(x(), { srcKeyPaddingMask: int(2, 3) }),
      torch.DTypeError,
    ],
    "transformer, batch sizes differ": [
      () =>
        new nn.Transformer({ dModel: 4, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 8 }).call(
          x(),
          torch.zeros(3, 3, 4),
        ),
      torch.ShapeError,
    ],
    "transformer, feature size not d_model": [
      () =>
        new nn.Transformer({ dModel: 4, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 8 }).call(
          torch.zeros(3, 2, 5),
          torch.zeros(3, 2, 5),
        ),
      torch.ShapeError,
    ],
  };

  it("every recorded case is called", () => {
    expect(Object.keys(calls).sort()).toEqual(Object.keys(fixture.errors).sort());
  });

  it.each(Object.entries(fixture.errors))("%s", (name, { message }) => {
    const [call, cls] = calls[name] as [() => unknown, new (...args: never[]) => Error];
    const e = thrown(call);
    expect(e).toBeInstanceOf(cls);
    expect(e.message).toContain(message);
  });
});

describe("masks", () => {
  it("a float key padding mask is added to a float attention mask (PyTorch 2; 1.13 ignored it)", () => {
    torch.manualSeed(0);
    const mha = new nn.MultiheadAttention(4, 2);
    const x = torch.randn(3, 2, 4);
    const attnMask = torch.randn(3, 3);
    const keyPaddingMask = torch.tensor([
      [0, -1, -3],
      [-2, 0, 0],
    ]);
    // The same as one 3-d mask: attnMask[l, s] + keyPaddingMask[n, s] for row n * H + h.
    const perHead = torch.stack([0, 0, 1, 1].map((n) => attnMask.add(keyPaddingMask.select(0, n))));
    const [a, wa] = mha.call(x, x, x, { attnMask, keyPaddingMask });
    const [b, wb] = mha.call(x, x, x, { attnMask: perHead });
    expect(a.sub(b).abs().max().item()).toBeLessThan(1e-6);
    expect(
      (wa as Tensor)
        .sub(wb as Tensor)
        .abs()
        .max()
        .item(),
    ).toBeLessThan(1e-6);
    const [c] = mha.call(x, x, x, { attnMask });
    expect(a.sub(c).abs().max().item()).toBeGreaterThan(1e-3);
  });

  it("a fully masked row gives NaN, as PyTorch's softmax of all -inf", () => {
    torch.manualSeed(0);
    const mha = new nn.MultiheadAttention(4, 2);
    const x = torch.randn(2, 1, 4);
    const [out] = mha.call(x, x, x, { keyPaddingMask: torch.tensor([[true, true]]) });
    expect(Boolean(out.isnan().all().item())).toBe(true);
  });
});

describe("TransformerEncoder's layers are deep copies", () => {
  it("equal initial values, separate storage, no random numbers drawn", () => {
    torch.manualSeed(0);
    const layer = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8, activation: new nn.GELU() });
    const after = torch.randn(1).item();
    torch.manualSeed(0);
    const layer2 = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8, activation: new nn.GELU() });
    const encoder = new nn.TransformerEncoder(layer2, 2);
    expect(torch.randn(1).item()).toBe(after);
    const [l0, l1] = [...encoder.layers] as [torch.nn.TransformerEncoderLayer, torch.nn.TransformerEncoderLayer];
    expect(l0).toBeInstanceOf(nn.TransformerEncoderLayer);
    expect(l0).not.toBe(layer2);
    expect(l0.selfAttn).not.toBe(l1.selfAttn);
    expect(l0.activation).toBeInstanceOf(nn.GELU);
    expect(l0.activation).not.toBe(layer.activation);
    for (const [k, v] of Object.entries(layer.stateDict())) {
      expect(Array.from((l1.stateDict()[k] as Tensor).toTypedArray()), k).toEqual(Array.from(v.toTypedArray()));
    }
    // Training one copy leaves the others and the original alone.
    torch.noGrad(() => l0.linear1.weight.add_(1));
    expect(l1.linear1.weight.sub(layer2.linear1.weight).abs().max().item()).toBe(0);
    expect(l0.linear1.weight.sub(layer2.linear1.weight).abs().max().item()).toBe(1);
    expect(l0.selfAttn.inProjWeight?.requiresGrad).toBe(true);
    expect(encoder.parameters().length).toBe(2 * layer.parameters().length);
  });

  it("a layer's hooks and fields are copied; numLayers 0 gives an empty stack", () => {
    const layer = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8, normFirst: true });
    let calls = 0;
    layer.registerForwardHook(() => {
      calls += 1;
    });
    const encoder = new nn.TransformerEncoder(layer, 2);
    encoder.call(torch.zeros(3, 1, 4));
    expect(calls).toBe(2);
    expect((encoder.layers.at(1) as torch.nn.TransformerEncoderLayer).normFirst).toBe(true);
    const x = torch.randn(3, 1, 4);
    expect(new nn.TransformerEncoder(layer, 0).call(x)).toBe(x);
  });
});

describe("gradients flow to every parameter in training mode with dropout", () => {
  it("a causal encoder trains: the loss falls over a few SGD steps", () => {
    torch.manualSeed(0);
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true });
    const model = new nn.TransformerEncoder(layer, 2, { norm: new nn.LayerNorm(8) });
    const opt = new torch.optim.SGD(model.parameters(), { lr: 0.1 });
    const x = torch.randn(4, 5, 8);
    const target = torch.randn(4, 5, 8);
    const mask = nn.Transformer.generateSquareSubsequentMask(5);
    const losses: number[] = [];
    for (let step = 0; step < 5; step++) {
      opt.zeroGrad();
      const loss = torch.F.mseLoss(model.call(x, { mask }), target);
      loss.backward();
      for (const [name, p] of model.namedParameters()) expect(p.grad, name).not.toBe(null);
      opt.step();
      losses.push(loss.item());
    }
    expect(losses.at(-1)).toBeLessThan(losses[0] as number);
  });
});
