/**
 * Recurrent modules against PyTorch (test/fixtures/rnn_modules.json,
 * recorded by scripts/record/rnn_modules.py): printed form, state-dict keys,
 * seeded initial parameters, outputs and final states, and the gradients of
 * every parameter, the input and the initial states; pad_sequence; gradcheck
 * in float64; PyTorch's errors.
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it, vi } from "vitest";
import { fromJson, type TensorJson } from "../helpers/fixtures.js";
import { buildRnn, rnnFixture as fixture, rnnLabel, runPadCase, runRnnCase } from "../helpers/rnn_modules.js";

const { nn } = torch;

function expectClose(actual: Tensor | null, expected: TensorJson, tol = 1e-5): void {
  expect(actual).not.toBeNull();
  const a = actual as Tensor;
  expect(a.shape).toEqual(expected.shape);
  expect(a.dtype).toBe(expected.dtype);
  const values = a.toTypedArray();
  // The recorded values as the tensor's dtype holds them (float32 values are written in their shortest form).
  fromJson(expected)
    .toTypedArray()
    .forEach((e, i) => {
      expect(Math.abs((values[i] as number) - (e as number))).toBeLessThanOrEqual(tol * (1 + Math.abs(e as number)));
    });
}

describe("recurrent modules match PyTorch", () => {
  it.each(fixture.cases.map((c, i) => [i, rnnLabel(c), c] as const))("%i %s", (_, __, c) => {
    torch.manualSeed(0);
    const m = buildRnn(c).train(c.train);
    expect(m.toString()).toBe(c.repr);
    const sd = m.stateDict();
    expect(Object.keys(sd)).toEqual(Object.keys(c.init));
    // The seeded initial values are PyTorch's: exactly in float32; in float64 PyTorch's uniform_ computes
    // u (to - from) + from with a fused multiply-add, Kindling's without, which can differ in the last bit.
    for (const [k, t] of Object.entries(c.init)) {
      const got = Array.from((sd[k] as Tensor).toTypedArray());
      if (t.dtype === "float32") expect(got).toEqual(Array.from(fromJson(t).toTypedArray()));
      else expectClose(sd[k] as Tensor, t, 1e-15);
    }
    const { outs, x, states } = runRnnCase(m, c);
    expect(outs.length).toBe(c.outputs.length);
    for (const [k, o] of outs.entries()) expectClose(o, c.outputs[k] as TensorJson);
    expectClose(x.grad, c.input_grad);
    expect(states.length).toBe(c.state_grads?.length ?? 0);
    for (const [k, s] of states.entries()) expectClose(s.grad, c.state_grads?.[k] as TensorJson);
    const named = m.namedParameters();
    expect(named.map(([n]) => n)).toEqual(Object.keys(c.param_grads));
    for (const [name, p] of named) expectClose(p.grad, c.param_grads[name] as TensorJson);
  });
});

describe("nn.utils.rnn.padSequence matches PyTorch", () => {
  it.each(fixture.pad_sequence.map((c, i) => [i, JSON.stringify(c.kwargs), c] as const))("%i %s", (_, __, c) => {
    const { out, seqs } = runPadCase(c);
    expectClose(out, c.output, 0);
    for (const [k, s] of seqs.entries()) expectClose(s.grad, c.grads[k] as TensorJson, 0);
  });

  it("takes the first sequence's dtype, truncates the padding for integers and reads a tensor as its rows", () => {
    const ints = nn.utils.rnn.padSequence([torch.tensor([1, 2], { dtype: "int64" }), torch.tensor([3])], { paddingValue: 1.5 });
    expect(ints.dtype).toBe("int64");
    expect(ints.tolist()).toEqual([
      [1, 3],
      [2, 1],
    ]);
    expect(nn.utils.rnn.padSequence(torch.ones(2, 3)).shape).toEqual([3, 2]);
    // A sequence broadcast into its slice, as PyTorch copies it.
    expect(nn.utils.rnn.padSequence([torch.ones(2, 3), torch.tensor([5])]).tolist()).toEqual([
      [
        [1, 1, 1],
        [5, 5, 5],
      ],
      [
        [1, 1, 1],
        [0, 0, 0],
      ],
    ]);
  });
});

describe("gradcheck in float64", () => {
  const x = () => torch.randn([3, 2, 2], { dtype: "float64", requiresGrad: true });
  const h = (n: number) => torch.randn([n, 2, 3], { dtype: "float64", requiresGrad: true });

  it("LSTM (2 layers, bidirectional): parameters, input and initial states", () => {
    torch.manualSeed(0);
    const m = new nn.LSTM(2, 3, { numLayers: 2, bidirectional: true, dtype: "float64" });
    const params = m.parameters();
    const f = (...ts: Tensor[]) => {
      const [input, h0, c0] = ts as [Tensor, Tensor, Tensor];
      const [out, [hn, cn]] = m.call(input, [h0, c0]);
      return [out, hn, cn];
    };
    expect(torch.autograd.gradcheck(f, [x(), h(4), h(4), ...params])).toBe(true);
  });

  it("LSTM with a projection", () => {
    torch.manualSeed(1);
    const m = new nn.LSTM(2, 3, { projSize: 2, batchFirst: true, dtype: "float64" });
    expect(torch.autograd.gradcheck((input: Tensor) => m.call(input)[0], [x(), ...m.parameters()])).toBe(true);
  });

  it("GRU (2 layers): parameters, input and initial state", () => {
    torch.manualSeed(2);
    const m = new nn.GRU(2, 3, { numLayers: 2, dtype: "float64" });
    const f = (input: Tensor, h0: Tensor) => {
      const [out, hn] = m.call(input, h0);
      return [out, hn];
    };
    expect(torch.autograd.gradcheck(f, [x(), h(2), ...m.parameters()])).toBe(true);
  });

  it("RNN (relu, bidirectional) and the cells", () => {
    torch.manualSeed(3);
    const rnn = new nn.RNN(2, 3, { nonlinearity: "relu", bidirectional: true, dtype: "float64" });
    expect(torch.autograd.gradcheck((input: Tensor) => rnn.call(input)[0], [x(), ...rnn.parameters()])).toBe(true);
    const lstm = new nn.LSTMCell(2, 3, { dtype: "float64" });
    const gru = new nn.GRUCell(2, 3, { dtype: "float64" });
    const input = torch.randn([4, 2], { dtype: "float64", requiresGrad: true });
    const h0 = torch.randn([4, 3], { dtype: "float64", requiresGrad: true });
    expect(torch.autograd.gradcheck((i: Tensor, s: Tensor) => lstm.call(i, [s, s.mul(2)]), [input, h0, ...lstm.parameters()])).toBe(true);
    expect(torch.autograd.gradcheck((i: Tensor, s: Tensor) => gru.call(i, s), [input, h0, ...gru.parameters()])).toBe(true);
  });
});

describe("recurrent modules' options and parameters", () => {
  it("dropout acts between layers in training only", () => {
    torch.manualSeed(0);
    const m = new nn.GRU(2, 3, { numLayers: 2, dropout: 0.9 });
    const x = torch.randn(4, 1, 2);
    const [a] = m.call(x);
    const [b] = m.call(x);
    expect(a.sub(b).abs().max().item()).toBeGreaterThan(0);
    m.eval();
    expect(m.call(x)[0].sub(m.call(x)[0]).abs().max().item()).toBe(0);
  });

  it("warns for dropout with one layer, as PyTorch", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const m = new nn.LSTM(2, 3, { dropout: 0.5 });
    expect(warn).toHaveBeenCalledWith(
      "LSTM: dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects num_layers greater than 1, but got dropout=0.5 and num_layers=1",
    );
    warn.mockRestore();
    expect(m.toString()).toBe("LSTM(2, 3, dropout=0.5)");
  });

  it("allWeights lists each layer's and direction's parameters; a replaced parameter is used", () => {
    const m = new nn.LSTM(2, 3, { bidirectional: true, projSize: 1 });
    expect(m.allWeightNames).toEqual([
      ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0"],
      ["weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse", "weight_hr_l0_reverse"],
    ]);
    expect(m.allWeights.flat()).toEqual(m.parameters());
    const r = new nn.RNN(1, 1, { bias: false });
    (r as unknown as Record<string, unknown>).weight_ih_l0 = new nn.Parameter(torch.tensor([[2]]));
    (r as unknown as Record<string, unknown>).weight_hh_l0 = new nn.Parameter(torch.tensor([[0]]));
    expect(r.call(torch.tensor([[0.5]]))[0].item()).toBeCloseTo(Math.tanh(1), 6);
  });

  it("a float64 module with a float32 input is refused as PyTorch does", () => {
    const m = new nn.GRU(2, 3, { dtype: "float64" });
    expect(() => m.call(torch.ones(2, 1, 2))).toThrow(torch.DTypeError);
  });
});

// PyTorch 1.13's messages (python: torch.nn.LSTM(3, 4)(torch.zeros(2, 2, 5)) and so on).
const ERRORS: [string, () => unknown, new (...a: never[]) => Error, string][] = [
  [
    "input size",
    () => new nn.LSTM(3, 4).call(torch.zeros(2, 2, 5)),
    torch.ShapeError,
    "input.size(-1) must be equal to input_size. Expected 3, got 5",
  ],
  ["4-d input", () => new nn.LSTM(3, 4).call(torch.zeros(2, 2, 2, 3)), torch.ShapeError, "input must have 3 dimensions, got 5"],
  ["1-d input", () => new nn.GRU(3, 4).call(torch.zeros(3)), torch.ShapeError, "input must have 3 dimensions, got 2"],
  [
    "h0 shape",
    () => new nn.LSTM(3, 4).call(torch.zeros(2, 2, 3), [torch.zeros(2, 2, 4), torch.zeros(1, 2, 4)]),
    torch.ShapeError,
    "Expected hidden[0] size (1, 2, 4), got [2, 2, 4]",
  ],
  [
    "c0 shape",
    () => new nn.LSTM(3, 4).call(torch.zeros(2, 2, 3), [torch.zeros(1, 2, 4), torch.zeros(2, 2, 4)]),
    torch.ShapeError,
    "Expected hidden[1] size (1, 2, 4), got [2, 2, 4]",
  ],
  [
    "GRU h0 shape",
    () => new nn.GRU(3, 4).call(torch.zeros(2, 2, 3), torch.zeros(2, 2, 4)),
    torch.ShapeError,
    "Expected hidden size (1, 2, 4), got [2, 2, 4]",
  ],
  [
    "h0 rank, batched",
    () => new nn.LSTM(3, 4).call(torch.zeros(2, 2, 3), [torch.zeros(2, 4), torch.zeros(2, 4)]),
    torch.ShapeError,
    "For batched 3-D input, hx and cx should also be 3-D but got (2-D, 2-D) tensors",
  ],
  [
    "h0 rank, unbatched",
    () => new nn.LSTM(3, 4).call(torch.zeros(2, 3), [torch.zeros(1, 2, 4), torch.zeros(1, 2, 4)]),
    torch.ShapeError,
    "For unbatched 2-D input, hx and cx should also be 2-D but got (3-D, 3-D) tensors",
  ],
  [
    "GRU h0 rank",
    () => new nn.GRU(3, 4).call(torch.zeros(2, 2, 3), torch.zeros(2, 4)),
    torch.ShapeError,
    "For batched 3-D input, hx should also be 3-D but got 2-D tensor",
  ],
  [
    "RNN h0 rank",
    () => new nn.RNN(3, 4).call(torch.zeros(2, 3), torch.zeros(1, 2, 4)),
    torch.ShapeError,
    "For unbatched 2-D input, hx should also be 2-D but got 3-D tensor",
  ],
  [
    "empty sequence",
    () => new nn.GRU(3, 4).call(torch.zeros(0, 2, 3)),
    torch.ShapeError,
    "Expected sequence length to be larger than 0 in RNN",
  ],
  ["hidden size 0", () => new nn.LSTM(3, 0), torch.ArgumentError, "proj_size has to be smaller than hidden_size"],
  ["GRU hidden size 0", () => new nn.GRU(3, 0), torch.ArgumentError, "proj_size has to be smaller than hidden_size"],
  ["proj_size >= hidden", () => new nn.LSTM(3, 4, { projSize: 4 }), torch.ArgumentError, "proj_size has to be smaller than hidden_size"],
  [
    "proj_size < 0",
    () => new nn.LSTM(3, 4, { projSize: -1 }),
    torch.ArgumentError,
    "proj_size should be a positive integer or zero to disable projections",
  ],
  [
    "dropout > 1",
    () => new nn.LSTM(3, 4, { dropout: 1.5 }),
    torch.ArgumentError,
    "dropout should be a number in range [0, 1] representing the probability of an element being zeroed",
  ],
  ["nonlinearity", () => new nn.RNN(3, 4, { nonlinearity: "sigmoid" as "relu" }), torch.ArgumentError, "Unknown nonlinearity 'sigmoid'"],
  [
    "GRU proj_size",
    () => new nn.GRU(3, 4, { projSize: 2 } as object),
    torch.ArgumentError,
    "proj_size argument is only supported for LSTM, not RNN or GRU",
  ],
  ["num_layers 0", () => new nn.LSTM(3, 4, { numLayers: 0 }), torch.ArgumentError, "num_layers must be greater than zero"],
  [
    "cell input size",
    () => new nn.LSTMCell(3, 4).call(torch.zeros(2, 5)),
    torch.ShapeError,
    "input has inconsistent input_size: got 5 expected 3",
  ],
  [
    "cell batch",
    () => new nn.LSTMCell(3, 4).call(torch.zeros(2, 3), [torch.zeros(3, 4), torch.zeros(2, 4)]),
    torch.ShapeError,
    "Input batch size 2 doesn't match hidden0 batch size 3",
  ],
  [
    "cell c batch",
    () => new nn.LSTMCell(3, 4).call(torch.zeros(2, 3), [torch.zeros(2, 4), torch.zeros(3, 4)]),
    torch.ShapeError,
    "Input batch size 2 doesn't match hidden1 batch size 3",
  ],
  [
    "cell hidden size",
    () => new nn.GRUCell(3, 4).call(torch.zeros(2, 3), torch.zeros(2, 5)),
    torch.ShapeError,
    "hidden0 has inconsistent hidden_size: got 5, expected 4",
  ],
  [
    "cell unbatched h",
    () => new nn.GRUCell(3, 4).call(torch.zeros(3), torch.zeros(1, 4)),
    torch.ShapeError,
    "hidden0 has inconsistent hidden_size: got 1, expected 4",
  ],
  [
    "cell 3-d input",
    () => new nn.RNNCell(3, 4).call(torch.zeros(2, 2, 3)),
    torch.ShapeError,
    "RNNCell: Expected input to be 1-D or 2-D but received 3-D tensor",
  ],
  [
    "cell nonlinearity",
    () => new nn.RNNCell(3, 4, { nonlinearity: "sigmoid" as "relu" }),
    torch.ArgumentError,
    "Unknown nonlinearity: sigmoid",
  ],
  ["cell negative size", () => new nn.LSTMCell(3, -1), torch.ShapeError, "Trying to create tensor with negative dimension -4: [-4, 3]"],
  ["pad empty", () => nn.utils.rnn.padSequence([]), torch.ArgumentError, "received an empty list of sequences"],
  [
    "pad trailing",
    () => nn.utils.rnn.padSequence([torch.ones(2, 3), torch.ones(1, 4)]),
    torch.ShapeError,
    "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1",
  ],
  [
    "pad 0-d",
    () => nn.utils.rnn.padSequence([torch.tensor(1), torch.ones(3)]),
    torch.IndexError,
    "Dimension specified as 0 but tensor has no dimensions",
  ],
  ["p2v empty", () => nn.utils.parametersToVector([]), torch.ArgumentError, "torch.cat(): expected a non-empty list of Tensors"],
  [
    "v2p short",
    () => nn.utils.vectorToParameters(torch.ones(1), [torch.ones(2)]),
    torch.ShapeError,
    "shape '[2]' is invalid for input of size 1",
  ],
  [
    "v2p 2-d",
    () => nn.utils.vectorToParameters(torch.ones(2, 2), [torch.ones(2)]),
    torch.ShapeError,
    "shape '[2]' is invalid for input of size 4",
  ],
  [
    "v2p list",
    () => nn.utils.vectorToParameters([1] as unknown as Tensor, [torch.ones(2)]),
    torch.ArgumentError,
    "expected torch.Tensor, but got: list",
  ],
];

describe("PyTorch's errors", () => {
  it.each(ERRORS)("%s", (_, f, cls, message) => {
    expect(f).toThrow(cls);
    expect(f).toThrow(message);
  });
});

describe("nn.utils parameters as a vector", () => {
  it("parametersToVector concatenates and is differentiable; vectorToParameters shares the vector's memory", () => {
    const m = new nn.Linear(2, 2);
    const v = nn.utils.parametersToVector(m.parameters());
    expect(v.shape).toEqual([6]);
    v.mul(torch.arange(6)).sum().backward();
    expect(m.weight.grad?.tolist()).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(m.bias?.grad?.tolist()).toEqual([4, 5]);
    const vec = torch.arange(7, { dtype: "float32" });
    nn.utils.vectorToParameters(vec, m.parameters());
    expect(m.weight.tolist()).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(m.bias?.tolist()).toEqual([4, 5]);
    expect(m.weight.requiresGrad).toBe(true);
    vec.fill_(9);
    expect(m.bias?.tolist()).toEqual([9, 9]);
  });
});
