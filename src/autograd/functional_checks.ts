/**
 * The checks and plumbing torch.autograd.functional shares (PyTorch's
 * private helpers of the same names in torch/autograd/functional.py):
 * argument shapes, strict mode's errors, zeros for independent inputs.
 */

import { describeValue, pythonTypeName } from "../core/describe.js";
import { ArgumentError, AutogradError } from "../core/errors.js";
import { formatSize, shapesEqual } from "../core/shape.js";
import { zerosLike } from "../ops/creation.js";
import { Tensor } from "../tensor.js";
import { grad } from "./api.js";
import type { Inputs } from "./functional.js";
import { isGradEnabled, setGradEnabled } from "./grad_mode.js";

export type Func = (...inputs: Tensor[]) => unknown;

/** PyTorch's _as_tuple: whether `v` is an array, and its tensors. */
export function asTuple(v: unknown, what: string, fn: string): [boolean, Tensor[]] {
  const isTuple = Array.isArray(v);
  const list: unknown[] = isTuple ? v : [v];
  list.forEach((el, i) => {
    if (el instanceof Tensor) return;
    const where = isTuple ? `the value at index ${i}` : `the given ${what}`;
    throw new ArgumentError(
      `The ${what} given to ${fn} must be either a Tensor or a tuple of Tensors but ${where} has type ${pythonTypeName(el)} (got ${describeValue(el)}).`,
    );
  });
  return [isTuple, list as Tensor[]];
}

/** PyTorch's _grad_preprocess: inputs the function's graph starts from (views of them under createGraph, else detached copies of their references). */
export function gradPreprocess(inputs: readonly Tensor[], createGraph: boolean, needGraph: boolean): Tensor[] {
  return inputs.map((t) => (createGraph && t.requiresGrad ? t.view(t.shape) : t.detach().requiresGrad_(needGraph)));
}

/** PyTorch's _grad_postprocess: results detached from the graph unless it is wanted. */
export function detached(ts: readonly Tensor[], createGraph: boolean): Tensor[] {
  return createGraph ? [...ts] : ts.map((t) => t.detach());
}

/** PyTorch's _validate_v: one tensor of the right size per tensor of `other`. */
export function validateV(v: readonly Tensor[], other: readonly Tensor[], isOtherTuple: boolean): void {
  if (v.length !== other.length) {
    throw new AutogradError(
      isOtherTuple
        ? `v is a tuple of invalid length: should be ${other.length} but got ${v.length}.`
        : "The given v should contain a single Tensor.",
    );
  }
  v.forEach((el, i) => {
    const o = other[i] as Tensor;
    if (!shapesEqual(el.shape, o.shape)) {
      const prefix = isOtherTuple ? `Entry ${i} in ` : "";
      throw new AutogradError(`${prefix}v has invalid size: should be ${formatSize(o.shape)} but got ${formatSize(el.shape)}.`);
    }
  });
}

type RequiresGradStage = "outputs" | "grad_inputs" | "jacobian" | "hessian";

/** PyTorch's _check_requires_grad (strict mode only). */
export function checkRequiresGrad(ts: readonly (Tensor | null)[], stage: RequiresGradStage, strict: boolean): void {
  if (!strict) return;
  ts.forEach((t, i) => {
    if (t === null) {
      throw new AutogradError(`The output of the user-provided function is independent of input ${i}. This is not allowed in strict mode.`);
    }
    if (t.requiresGrad) return;
    const messages: Record<RequiresGradStage, string> = {
      hessian: `The hessian of the user-provided function with respect to input ${i} is independent of the input. This is not allowed in strict mode. You should ensure that your function is thrice differentiable and that the hessian depends on the inputs.`,
      jacobian: `While computing the hessian, found that the jacobian of the user-provided function with respect to input ${i} is independent of the input. This is not allowed in strict mode. You should ensure that your function is twice differentiable and that the jacobian depends on the inputs (this would be violated by a linear function for example).`,
      grad_inputs: `The gradient with respect to input ${i} is independent of the inputs of the user-provided function. This is not allowed in strict mode.`,
      outputs: `Output ${i} of the user-provided function does not require gradients. The outputs must be computed in a differentiable manner from the input when running in strict mode.`,
    };
    throw new AutogradError(messages[stage]);
  });
}

/** PyTorch's _autograd_grad: `grad` over the outputs that require grad, null for every input when none does. */
export function autogradGrad(
  outputs: readonly (Tensor | null)[],
  inputs: readonly Tensor[],
  gradOutputs: readonly (Tensor | null)[] | null,
  createGraph: boolean,
  retainGraph?: boolean,
): (Tensor | null)[] {
  const outs: Tensor[] = [];
  const gouts: (Tensor | null)[] = [];
  outputs.forEach((o, i) => {
    if (o === null || !o.requiresGrad) return;
    outs.push(o);
    gouts.push(gradOutputs?.[i] ?? null);
  });
  if (outs.length === 0) return inputs.map(() => null);
  return grad(outs, inputs, { gradOutputs: gouts, allowUnused: true, createGraph, retainGraph: retainGraph ?? createGraph });
}

type ZerosStage = "back" | "back_trick" | "double_back" | "double_back_trick";

/** PyTorch's _fill_in_zeros: zeros (like `refs`) for inputs nothing depended on, or strict mode's errors. */
export function fillInZeros(
  grads: readonly (Tensor | null)[],
  refs: readonly Tensor[],
  strict: boolean,
  createGraph: boolean,
  stage: ZerosStage,
): Tensor[] {
  return grads.map((g, i) => {
    if (g === null) {
      if (strict) {
        const messages: Record<ZerosStage, string> = {
          back: `The output of the user-provided function is independent of input ${i}. This is not allowed in strict mode.`,
          back_trick: `The gradient with respect to the input is independent of entry ${i} in the grad_outputs when using the double backward trick to compute forward mode gradients. This is not allowed in strict mode.`,
          double_back: `The jacobian of the user-provided function is independent of input ${i}. This is not allowed in strict mode.`,
          double_back_trick: `The hessian of the user-provided function is independent of entry ${i} in the grad_jacobian. This is not allowed in strict mode as it prevents from using the double backward trick to replace forward mode AD.`,
        };
        throw new AutogradError(messages[stage]);
      }
      return zerosLike(refs[i] as Tensor);
    }
    if (strict && createGraph && !g.requiresGrad) {
      const what = stage.startsWith("double") ? "hessian" : "jacobian";
      throw new AutogradError(
        `The ${what} of the user-provided function is independent of input ${i}. This is not allowed in strict mode when createGraph: true.`,
      );
    }
    return g;
  });
}

/** Runs `fn` with grad mode on when `createGraph`, else in the caller's mode (PyTorch's set_grad_enabled(create_graph or is_grad_enabled())). */
export function gradModeFor<T>(createGraph: boolean, fn: () => T): T {
  const prev = isGradEnabled();
  setGradEnabled(createGraph || prev);
  try {
    return fn();
  } finally {
    setGradEnabled(prev);
  }
}

/** One value or the array, as the caller gave it. */
export function shaped<T>(list: T[], isTuple: boolean): T | T[] {
  return isTuple ? list : (list[0] as T);
}

/** The vector `v` (checked against `refs`), or null where it may be left out (refs is one single-element tensor). */
export function readV(
  v: Inputs | null | undefined,
  refs: readonly Tensor[],
  isTuple: boolean,
  fn: string,
  createGraph: boolean,
  missing: string,
): Tensor[] | null {
  if (v === null || v === undefined) {
    if (refs.length !== 1 || (refs[0] as Tensor).numel() !== 1) throw new AutogradError(missing);
    return null;
  }
  const [, list] = asTuple(v, "v", fn);
  const vs = gradPreprocess(list, createGraph, false);
  validateV(vs, refs, isTuple);
  return vs;
}

export const SINGLE_INPUT_V =
  "The vector v can only be null if the input to the user-provided function is a single Tensor with a single element.";

/** `func` called on the prepared inputs, its outputs as an array (and whether it returned one). */
export function callFunc(func: Func, inputs: readonly Tensor[], fn: string, strict: boolean): [boolean, Tensor[]] {
  const [isTuple, outputs] = asTuple(func(...inputs), "outputs of the user-provided function", fn);
  checkRequiresGrad(outputs, "outputs", strict);
  return [isTuple, outputs];
}
