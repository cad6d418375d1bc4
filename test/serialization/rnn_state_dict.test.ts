/**
 * A PyTorch LSTM's state dict, saved as safetensors by
 * scripts/record/rnn_modules.py (test/fixtures/safetensors/lstm.safetensors),
 * loads into Kindling's LSTM with loadStateDict and gives PyTorch's output
 * and final states; Kindling's state dict saved and loaded back round-trips.
 * (Node only: a browser page cannot read the binary fixture.)
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { load } from "../../src/node/index.js";
import { loadBytes, saveBytes } from "../../src/serialization/index.js";
import { fromJson, readJson, type TensorJson } from "../helpers/fixtures.js";

interface SafetensorsCase {
  file: string;
  repr: string;
  keys: string[];
  input: TensorJson;
  states: [TensorJson, TensorJson];
  outputs: [TensorJson, TensorJson, TensorJson];
}

const { safetensors: c } = readJson<{ safetensors: SafetensorsCase }>("fixtures/rnn_modules.json");
const path = new URL(`../fixtures/safetensors/${c.file}`, import.meta.url);

function maxDiff(a: Tensor, expected: TensorJson): number {
  expect(a.shape).toEqual(expected.shape);
  return a.sub(fromJson(expected)).abs().max().item();
}

describe("a PyTorch LSTM's state dict from safetensors", () => {
  it("loads with loadStateDict and gives PyTorch's output", () => {
    torch.manualSeed(0); // not PyTorch's seed 1: every value must come from the file
    const lstm = new torch.nn.LSTM(3, 4, { numLayers: 2, batchFirst: true });
    expect(lstm.toString()).toBe(c.repr);
    const state = load(path);
    expect(Object.keys(state).sort()).toEqual([...c.keys].sort());
    expect(lstm.loadStateDict(state)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const [out, [h, c1]] = torch.noGrad(() => lstm.call(fromJson(c.input), [fromJson(c.states[0]), fromJson(c.states[1])]));
    expect(maxDiff(out, c.outputs[0])).toBeLessThan(1e-6);
    expect(maxDiff(h, c.outputs[1])).toBeLessThan(1e-6);
    expect(maxDiff(c1, c.outputs[2])).toBeLessThan(1e-6);
  });

  it("Kindling's LSTM state dict round-trips through safetensors with PyTorch's keys", () => {
    const a = new torch.nn.LSTM(3, 4, { numLayers: 2, batchFirst: true });
    const b = new torch.nn.LSTM(3, 4, { numLayers: 2, batchFirst: true });
    b.loadStateDict(loadBytes(saveBytes(a.stateDict())));
    expect(Object.keys(a.stateDict())).toEqual(c.keys);
    for (const [k, t] of Object.entries(a.stateDict())) expect(torch.equal(t, b.stateDict()[k] as Tensor)).toBe(true);
  });
});
