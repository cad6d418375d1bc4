/**
 * The recurrent module and pad_sequence cases of test/fixtures/rnn_modules.json
 * (recorded by scripts/record/rnn_modules.py), how each builds its Kindling
 * module and how it runs: shared by the CPU test (test/nn/rnn.test.ts) and
 * the WebGPU one (test/browser/webgpu_seq_modules.test.ts).
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { fromJson, readJson, type TensorJson } from "./fixtures.js";

const { nn } = torch;

export interface RnnCase {
  module: string;
  args: [number, number];
  kwargs: Record<string, unknown>;
  train: boolean;
  repr: string;
  init: Record<string, TensorJson>;
  input: TensorJson;
  states?: TensorJson[];
  outputs: TensorJson[];
  out_weights: TensorJson[];
  input_grad: TensorJson;
  state_grads?: TensorJson[];
  param_grads: Record<string, TensorJson>;
}

export interface PadCase {
  kwargs: { batch_first?: boolean; padding_value?: number };
  sequences: TensorJson[];
  output: TensorJson;
  out_weight: TensorJson;
  grads: TensorJson[];
}

export const rnnFixture = readJson<{ cases: RnnCase[]; pad_sequence: PadCase[] }>("fixtures/rnn_modules.json");

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const options = (kwargs: Record<string, unknown>) => Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [camel(k), v]));

export type AnyRecurrent = torch.nn.Module & { call(input: Tensor, hx?: unknown): unknown };

/** The case's module, with PyTorch's constructor arguments (built after `torch.manualSeed(0)` for PyTorch's initial values). */
export function buildRnn(c: RnnCase): AnyRecurrent {
  const Ctor = (nn as unknown as Record<string, new (i: number, h: number, o: object) => AnyRecurrent>)[c.module];
  if (Ctor === undefined) throw new Error(`no module ${c.module}`);
  return new Ctor(c.args[0], c.args[1], options(c.kwargs));
}

/** The module's results as a flat list, [output, h, (c)] or, for a cell, [h, (c)]. */
function forward(m: AnyRecurrent, x: Tensor, states: Tensor[] | undefined): Tensor[] {
  const lstm = m instanceof nn.LSTM || m instanceof nn.LSTMCell;
  const hx = states === undefined ? undefined : lstm ? states : states[0];
  const r = m.call(x, hx) as Tensor | [Tensor, Tensor] | [Tensor, Tensor | [Tensor, Tensor]];
  if (r instanceof torch.Tensor) return [r];
  if (m instanceof nn.LSTMCell) return r as Tensor[];
  const [out, h] = r as [Tensor, Tensor | [Tensor, Tensor]];
  return [out, ...(Array.isArray(h) ? h : [h])];
}

/**
 * Runs a case on module `m`, its tensors made by `make` (on the CPU, or
 * moved to a device): the input and initial states require grad, and
 * backward runs on the outputs weighted by the recorded weights. Returns
 * the outputs ([output, h, (c)], or a cell's [h, (c)]), the input and the
 * states (whose `.grad`s backward filled).
 */
export function runRnnCase(
  m: AnyRecurrent,
  c: RnnCase,
  make: (j: TensorJson) => Tensor = fromJson,
): { outs: Tensor[]; x: Tensor; states: Tensor[] } {
  const x = make(c.input).requiresGrad_();
  const states = c.states?.map((s) => make(s).requiresGrad_());
  const outs = forward(m, x, states);
  torch
    .stack(outs.map((o, k) => o.mul(make(c.out_weights[k] as TensorJson)).sum()))
    .sum()
    .backward();
  return { outs, x, states: states ?? [] };
}

/** Runs a pad_sequence case: its sequences (made by `make`, requiring grad), padded, and backward through the weighted sum. */
export function runPadCase(c: PadCase, make: (j: TensorJson) => Tensor = fromJson): { out: Tensor; seqs: Tensor[] } {
  const seqs = c.sequences.map((s) => make(s).requiresGrad_());
  const out = nn.utils.rnn.padSequence(seqs, { batchFirst: c.kwargs.batch_first, paddingValue: c.kwargs.padding_value });
  out.mul(make(c.out_weight)).sum().backward();
  return { out, seqs };
}

/** The test's name for a case. */
export const rnnLabel = (c: RnnCase): string =>
  `${c.repr}${c.train ? "" : " eval"} input [${c.input.shape.join(", ")}]${c.states === undefined ? "" : " with states"}`;
