/**
 * A PyTorch TransformerEncoderLayer's state dict, written as safetensors by
 * scripts/record/transformer_modules.py (test/fixtures/safetensors/
 * transformer_encoder_layer.*), loads into Kindling's layer with
 * loadStateDict and gives PyTorch's output for the recorded input.
 */

import * as torch from "kindling";
import { load } from "kindling/node";
import { describe, expect, it } from "vitest";
import { fromJson, readJson, type TensorJson } from "../helpers/fixtures.js";

interface Recorded {
  module: { args: [number, number]; kwargs: { dim_feedforward: number; batch_first: boolean } };
  keys: string[];
  input: TensorJson;
  src_mask: TensorJson;
  output: TensorJson;
}

describe("a PyTorch TransformerEncoderLayer state dict from safetensors", () => {
  it("loads with loadStateDict and gives PyTorch's output", () => {
    const rec = readJson<Recorded>("fixtures/safetensors/transformer_encoder_layer.json");
    const state = load(new URL("../fixtures/safetensors/transformer_encoder_layer.safetensors", import.meta.url));
    expect(Object.keys(state).sort()).toEqual([...rec.keys].sort());
    const { dim_feedforward, batch_first } = rec.module.kwargs;
    const layer = new torch.nn.TransformerEncoderLayer(...rec.module.args, { dimFeedforward: dim_feedforward, batchFirst: batch_first });
    expect(Object.keys(layer.stateDict())).toEqual(rec.keys);
    expect(layer.loadStateDict(state)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    layer.eval();
    const out = torch.noGrad(() => layer.call(fromJson(rec.input), { srcMask: fromJson(rec.src_mask) }));
    const want = fromJson(rec.output);
    expect(out.shape).toEqual(want.shape);
    expect(out.sub(want).abs().max().item()).toBeLessThan(1e-5);
  });
});
