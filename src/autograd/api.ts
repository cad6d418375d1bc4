/**
 * The user-facing autograd functions (PyTorch's torch.autograd): backward
 * and grad, built on the engine (gradcheck.ts has the gradient checks). They
 * also use the op table, unlike the engine, and hand it the ops it needs
 * (bridge.ts).
 */

import { deviceLabel } from "../core/device.js";
import { isFloating } from "../core/dtype.js";
import { ArgumentError, AutogradError, DeviceError, ShapeError } from "../core/errors.js";
import { type OptionKeys, readOptions } from "../core/options.js";
import { formatSize, shapesEqual } from "../core/shape.js";
import { add, arithInplace } from "../ops/arith.js";
import { recordedCopy, to } from "../ops/convert.js";
import { refreshView } from "../ops/inplace.js";
import * as K from "../ops/kernels.js";
import { sumTo } from "../ops/movement.js";
import type { Tensor } from "../tensor.js";
import { provideEngineOps } from "./bridge.js";
import { expectGradTensor, tensorList } from "./check.js";
import { runBackward } from "./engine.js";
import { noGrad } from "./grad_mode.js";

provideEngineOps({
  add,
  addInplace: (a, b) => noGrad(() => void arithInplace.add_(a, b)),
  sumTo,
  to,
  detachedCopy: (g) => K.copy(g),
  recordedCopy,
  refreshView,
  checkNan,
});

/**
 * Anomaly mode's NaN check of a gradient. A device tensor cannot be read
 * synchronously in JavaScript: there the check is a device-side assert,
 * raised at the next read (as the device's index errors), without the
 * failing node's forward stack.
 */
function checkNan(g: Tensor, error: () => AutogradError): void {
  if (!isFloating(g.dtype)) return;
  noGrad(() => {
    if (g.device !== "cpu") K.checkAllOnDevice(K.unary("logicalNot", K.unary("isnan", g, "bool"), "bool"), error);
    else if (g.isnan().any().item()) throw error();
  });
}

/** The options of `tensor.backward` and `autograd.backward` (PyTorch's keyword arguments, camelCase). */
export interface BackwardOptions {
  /** Keep the graph (saved tensors) for another backward pass (default: createGraph). */
  retainGraph?: boolean | null;
  /** Record the backward pass itself, for higher-order derivatives. */
  createGraph?: boolean;
  /** Only accumulate into these tensors' `.grad`. */
  inputs?: Tensor | readonly Tensor[];
}

const BACKWARD_KEYS: OptionKeys<BackwardOptions> = { retainGraph: "boolean", createGraph: "boolean", inputs: true };

/** PyTorch's _make_grads: checks given gradients' shapes, creates ones for scalar outputs. */
function makeGrads(outputs: readonly Tensor[], grads: readonly (Tensor | null | undefined)[]): (Tensor | null)[] {
  return outputs.map((out, i) => {
    const g = grads[i];
    if (g !== null && g !== undefined) {
      if (!shapesEqual(g.shape, out.shape)) {
        throw new ShapeError(
          `Mismatch in shape: grad_output[${i}] has a shape of ${formatSize(g.shape)} and output[${i}] has a shape of ${formatSize(out.shape)}.`,
        );
      }
      if (g.device !== out.device) {
        throw new DeviceError(
          `invalid gradient at index ${i} - expected device ${deviceLabel(out.device)} but got ${deviceLabel(g.device)}`,
        );
      }
      return g;
    }
    if (!out.requiresGrad) return null;
    if (out.numel() !== 1) {
      throw new AutogradError(`grad can be implicitly created only for scalar outputs (output ${i} has shape ${formatShape(out.shape)})`);
    }
    return K.full(out.shape, 1, out.dtype, undefined, out.device);
  });
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

const GRADIENTS = (type: string) => `gradients can be either Tensors or None, but got ${type}`;
const INPUTS = (type: string) => `all inputs have to be Tensors, but got ${type}`;

/** The tensors of a `tensors`/`outputs` argument (a tensor or a list of tensors). */
function outputList(v: unknown, op: string, what: string): Tensor[] {
  return tensorList(v, op, what, false) as Tensor[];
}

/** The tensors of an `inputs` argument; PyTorch refuses an empty list. */
function inputList(v: unknown, op: string, empty: string): Tensor[] {
  const ins = tensorList(v, op, "inputs", false, INPUTS) as Tensor[];
  if (ins.length === 0) throw new ArgumentError(`${op}: ${empty}`);
  return ins;
}

/**
 * Computes the gradients of `tensors` with respect to the leaves of their
 * graph and adds them into the leaves' `.grad` (PyTorch's
 * `torch.autograd.backward`). `gradTensors` weight non-scalar outputs.
 *
 * @example
 * ```ts
 * const x = torch.tensor([1, 2], { requiresGrad: true });
 * torch.autograd.backward([x.mul(x).sum()]);
 * console.log(x.grad); // tensor([2., 4.])
 * ```
 */
export function backward(
  tensors: Tensor | readonly Tensor[],
  gradTensors?: Tensor | readonly (Tensor | null)[] | null,
  options?: BackwardOptions,
): void {
  const outputs = outputList(tensors, "backward()", "tensors");
  const grads = tensorList(gradTensors, "backward()", "gradTensors", true, GRADIENTS);
  run(outputs, grads, options, "backward()");
}

/** @internal `tensor.backward(gradient, options)`: as `backward([tensor], [gradient], options)`, with errors naming `gradient`. */
export function tensorBackward(tensor: Tensor, gradient?: Tensor | null, options?: BackwardOptions): void {
  const g = expectGradTensor(gradient, "backward()", "gradient", true, GRADIENTS);
  run([tensor], [g], options, "backward()");
}

function run(outputs: Tensor[], grads: (Tensor | null)[], options: BackwardOptions | undefined, op: string): void {
  const o = readOptions(options, "backward", BACKWARD_KEYS);
  const createGraph = o.createGraph ?? false;
  const inputs =
    o.inputs === undefined || o.inputs === null ? undefined : inputList(o.inputs, op, "'inputs' argument to backward() cannot be empty.");
  runBackward(outputs, makeGrads(outputs, grads), {
    retainGraph: o.retainGraph ?? createGraph,
    createGraph,
    inputs,
    accumulate: true,
  });
}

/** The options of `autograd.grad` (PyTorch's `torch.autograd.grad` keyword arguments, camelCase). */
export interface GradOptions {
  /** Weights for non-scalar outputs (PyTorch's grad_outputs). */
  gradOutputs?: Tensor | readonly (Tensor | null)[] | null;
  /** Keep the graph for another pass (default: createGraph). */
  retainGraph?: boolean | null;
  /** Record the backward pass, so the results can be differentiated again. */
  createGraph?: boolean;
  /** Return null for inputs the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

const GRAD_KEYS: OptionKeys<GradOptions> = { gradOutputs: true, retainGraph: "boolean", createGraph: "boolean", allowUnused: "boolean" };

/** One gradient per input, in order (null for unused inputs under `allowUnused`). */
export type Grads<I extends readonly Tensor[], G> = { -readonly [K in keyof I]: G };

/**
 * The gradients of `outputs` with respect to `inputs`, returned rather than
 * accumulated into `.grad` (PyTorch's `torch.autograd.grad`). With
 * `createGraph` the results can be differentiated again.
 *
 * @example
 * ```ts
 * const x = torch.tensor(3.0, { requiresGrad: true });
 * const [g] = torch.autograd.grad([x.pow(2)], [x], { createGraph: true });
 * console.log(g); // tensor(6., grad_fn=<MulBackward0>)
 * console.log(torch.autograd.grad([g], [x])[0]); // tensor(2.)
 * ```
 */
export function grad<const I extends readonly Tensor[]>(
  outputs: Tensor | readonly Tensor[],
  inputs: I,
  options: GradOptions & { allowUnused: true },
): Grads<I, Tensor | null>;
export function grad<const I extends readonly Tensor[]>(
  outputs: Tensor | readonly Tensor[],
  inputs: I,
  options?: GradOptions,
): Grads<I, Tensor>;
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor, options?: GradOptions): [Tensor];
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], options?: GradOptions): (Tensor | null)[] {
  const o = readOptions(options, "grad", GRAD_KEYS);
  const outs = outputList(outputs, "grad()", "outputs");
  const ins = inputList(inputs, "grad()", "grad requires non-empty inputs.");
  for (const t of ins) {
    if (!t.requiresGrad) throw new AutogradError("One of the differentiated Tensors does not require grad");
  }
  const grads = makeGrads(outs, tensorList(o.gradOutputs, "grad()", "gradOutputs", true, GRADIENTS));
  const createGraph = o.createGraph ?? false;
  const result = runBackward(outs, grads, {
    retainGraph: o.retainGraph ?? createGraph,
    createGraph,
    inputs: ins,
    accumulate: false,
  });
  if (!o.allowUnused && result.some((g) => g === null)) {
    throw new AutogradError(
      "One of the differentiated Tensors appears to not have been used in the graph. Set allowUnused: true if this is the desired behavior.",
    );
  }
  return result;
}
