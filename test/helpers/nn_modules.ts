/**
 * The nn module cases of test/fixtures/nn_modules.json (recorded by
 * scripts/record/nn_modules.py) and how each builds its Kindling module:
 * shared by the CPU test (test/nn/modules.test.ts) and the WebGPU one
 * (test/browser/webgpu_modules.test.ts).
 */

import * as torch from "kindling";
import { fromJson, type TensorJson } from "./fixtures.js";

const { nn } = torch;

export interface ModuleCase {
  module: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  train?: boolean;
  loss?: boolean;
  kind?: string;
  repr: string;
  init?: Record<string, TensorJson>;
  input: TensorJson;
  target?: TensorJson;
  output: TensorJson;
  out_grad?: TensorJson;
  input_grad: TensorJson;
  param_grads?: Record<string, TensorJson>;
  state_after?: Record<string, TensorJson>;
}

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function options(kwargs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(kwargs).map(([k, v]) => [camel(k), Array.isArray(v) && k.includes("weight") ? torch.tensor(v as number[]) : v]),
  );
}

/** The Kindling module for a case: PyTorch's positional arguments, keyword arguments as an options object. */
export function build(c: ModuleCase): torch.nn.Module {
  const a = c.args as never[];
  const o = options(c.kwargs) as never;
  const N = nn as unknown as Record<string, new (...args: unknown[]) => torch.nn.Module>;
  const Ctor = N[c.module];
  if (Ctor === undefined) throw new Error(`no module ${c.module}`);
  if (c.loss) return new Ctor(o);
  switch (c.module) {
    case "Linear":
    case "Conv1d":
    case "Conv2d":
    case "MaxPool2d":
    case "AvgPool2d":
    case "BatchNorm1d":
    case "BatchNorm2d":
    case "LayerNorm":
      return new Ctor(...a, o);
    case "GELU":
    case "Softplus":
      return new Ctor(o);
    default:
      return new Ctor(...a);
  }
}

/**
 * Runs a case's forward and backward on module `m`, its tensors made by
 * `make` (on the CPU, or moved to a device): the loss against the target,
 * or the output weighted by the recorded output gradient. Returns the output
 * and the input (whose `.grad` backward filled).
 */
export function runModuleCase(
  m: torch.nn.Module,
  c: ModuleCase,
  make: (j: TensorJson) => torch.Tensor = fromJson,
): { out: torch.Tensor; x: torch.Tensor } {
  const x = make(c.input).requiresGrad_();
  let out: torch.Tensor;
  if (c.loss) {
    const inp = c.module === "BCELoss" ? x.sigmoid() : c.module === "NLLLoss" ? x.logSoftmax(-1) : x;
    out = m.call(inp, make(c.target as TensorJson)) as torch.Tensor;
    out.backward(torch.onesLike(out));
  } else {
    out = m.call(x) as torch.Tensor;
    out
      .mul(make(c.out_grad as TensorJson))
      .sum()
      .backward();
  }
  return { out, x };
}
