/**
 * The attention and Transformer cases of test/fixtures/transformer_modules.json
 * (recorded by scripts/record/transformer_modules.py), how each builds its
 * Kindling module and how it runs: shared by the CPU test
 * (test/nn/transformer.test.ts) and the WebGPU one
 * (test/browser/webgpu_seq_modules.test.ts).
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { fromJson, readJson, type TensorJson } from "./fixtures.js";

const { nn } = torch;

export interface TransformerCase {
  kind: string;
  name?: string;
  args?: number[];
  kwargs?: Record<string, unknown>;
  layer?: { args: [number, number]; kwargs: Record<string, unknown> };
  num_layers?: number;
  norm?: boolean;
  kv?: "self" | "memory" | number[][];
  train?: boolean;
  repr: string;
  init: Record<string, TensorJson>;
  inputs: Record<string, TensorJson>;
  call?: Record<string, TensorJson | boolean | null>;
  output: TensorJson;
  weights?: TensorJson | null;
  out_grad: TensorJson;
  weights_grad?: TensorJson | null;
  param_grads: Record<string, TensorJson>;
  input_grads: Record<string, TensorJson>;
}

export interface TransformerFixture {
  square_subsequent_mask: TensorJson;
  cases: TransformerCase[];
  errors: Record<string, { type: string; message: string }>;
}

export const transformerFixture = readJson<TransformerFixture>("fixtures/transformer_modules.json");

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** PyTorch keyword arguments as a Kindling options object (an activation module spec becomes the module). */
function options(kwargs: Record<string, unknown> = {}): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(kwargs).map(([k, v]) => {
      if (k === "activation" && typeof v === "object" && v !== null) {
        const { module, ...rest } = v as { module: "GELU" } & Record<string, unknown>;
        return [k, new nn[module](options(rest))];
      }
      return [camel(k), v];
    }),
  );
}

/** The call's options: masks as tensors (made by `make`), flags as they are. */
function callOptions(call: TransformerCase["call"], make: (j: TensorJson) => Tensor): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(call ?? {}).map(([k, v]) => [camel(k), v !== null && typeof v === "object" ? make(v as TensorJson) : v]),
  );
}

/** The case's module (built after `torch.manualSeed(0)` for PyTorch's initial values). */
export function buildTransformer(c: TransformerCase): torch.nn.Module {
  const [a, b] = (c.args ?? []) as [number, number];
  const o = options(c.kwargs) as never;
  switch (c.kind) {
    case "MultiheadAttention":
      return new nn.MultiheadAttention(a, b, o);
    case "TransformerEncoderLayer":
      return new nn.TransformerEncoderLayer(a, b, o);
    case "TransformerDecoderLayer":
      return new nn.TransformerDecoderLayer(a, b, o);
    case "Transformer":
      return new nn.Transformer(o);
    case "Embedding":
      return new nn.Embedding(a, b, o);
    case "Mish":
      return new nn.Mish();
  }
  const layer = c.layer as NonNullable<TransformerCase["layer"]>;
  const norm = c.norm ? new nn.LayerNorm(layer.args[0]) : null;
  const lo = options(layer.kwargs) as never;
  if (c.kind === "TransformerEncoder")
    return new nn.TransformerEncoder(new nn.TransformerEncoderLayer(...layer.args, lo), c.num_layers as number, { norm });
  return new nn.TransformerDecoder(new nn.TransformerDecoderLayer(...layer.args, lo), c.num_layers as number, { norm });
}

/** The forward: the output and the attention weights (MultiheadAttention's; null for the other modules). */
function forward(m: torch.nn.Module, c: TransformerCase, inputs: Record<string, Tensor>, opts: object): [Tensor, Tensor | null] {
  const x = Object.values(inputs) as [Tensor, Tensor, Tensor];
  if (c.kind === "MultiheadAttention") {
    const mha = m as torch.nn.MultiheadAttention;
    const q = inputs.query as Tensor;
    if (c.kv === "self") return mha.call(q, q, q, opts);
    if (c.kv === "memory") return mha.call(q, inputs.memory as Tensor, inputs.memory as Tensor, opts);
    return mha.call(q, inputs.key as Tensor, inputs.value as Tensor, opts);
  }
  const call = m.call as (...args: unknown[]) => Tensor;
  if (c.kind === "Embedding" || c.kind === "Mish") return [call.call(m, x[0]), null];
  return [call.call(m, ...x, opts), null];
}

/**
 * Runs a case on module `m`, its tensors made by `make` (on the CPU, or
 * moved to a device): the floating inputs require grad (the same tensor
 * where PyTorch passed the same one), and backward runs on the output and
 * the attention weights weighted by the recorded gradients. Returns the
 * output, the weights and the inputs (whose `.grad`s backward filled).
 */
export function runTransformerCase(
  m: torch.nn.Module,
  c: TransformerCase,
  make: (j: TensorJson) => Tensor = fromJson,
): { out: Tensor; weights: Tensor | null; inputs: Record<string, Tensor> } {
  const inputs = Object.fromEntries(
    Object.entries(c.inputs).map(([k, t]) => {
      const x = make(t);
      return [k, x.dtype === "int64" ? x : x.requiresGrad_()];
    }),
  );
  const [out, weights] = forward(m, c, inputs, callOptions(c.call, make));
  let loss = out.mul(make(c.out_grad)).sum();
  if (weights !== null && c.weights_grad !== undefined && c.weights_grad !== null) {
    loss = loss.add(weights.mul(make(c.weights_grad)).sum());
  }
  loss.backward();
  return { out, weights, inputs };
}

/** The test's name for a case. */
export const transformerLabel = (c: TransformerCase): string => `${c.kind}: ${c.name ?? JSON.stringify(c.kwargs)}`;
