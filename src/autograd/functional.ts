/**
 * PyTorch's `torch.autograd.functional`: vector-Jacobian and
 * Jacobian-vector products, vector-Hessian and Hessian-vector products, and
 * whole Jacobians and Hessians of a function of tensors, built on
 * `autograd.grad` (jvp and hvp by the double-backward trick, as PyTorch
 * does).
 *
 * `inputs` is a tensor or an array of tensors (PyTorch's tuple), and `func`
 * is called as `func(...inputs)`; it returns a tensor or an array of them.
 * Results follow the same shapes: a tensor where PyTorch returns a tensor,
 * an array where it returns a tuple, and `jac[i][j]` (output i, input j)
 * where both are tuples.
 */

import { describeValue, pythonTypeName } from "../core/describe.js";
import { ArgumentError, AutogradError } from "../core/errors.js";
import { type OptionKeys, readOptions } from "../core/options.js";
import { formatSize, shapesEqual } from "../core/shape.js";
import { stack } from "../ops/combine.js";
import { zerosLike } from "../ops/creation.js";
import { Tensor } from "../tensor.js";
import { grad } from "./api.js";
import { enableGrad, isGradEnabled, setGradEnabled } from "./grad_mode.js";

/** A function's tensor arguments: one tensor, or an array of them (PyTorch's tuple). */
export type Inputs = Tensor | readonly Tensor[];

/** A tensor where `T` is one, an array of tensors where `T` is an array. */
export type Like<T> = T extends Tensor ? Tensor : Tensor[];

/** The Jacobian's structure for outputs `O` and inputs `I`: a tensor, an array, or `jac[i][j]`. */
export type JacobianOf<O, I> = O extends Tensor ? Like<I> : I extends Tensor ? Tensor[] : Tensor[][];

/** The Hessian's structure for inputs `I`: a tensor, or `hess[i][j]`. */
export type HessianOf<I> = I extends Tensor ? Tensor : Tensor[][];

/** Options of vjp, jvp, vhp and hvp (PyTorch's keyword arguments). */
export interface FunctionalOptions {
  /** Compute the results in a differentiable way (default false). */
  createGraph?: boolean;
  /** Raise an error when an output does not depend on an input, instead of giving zeros (default false). */
  strict?: boolean;
}

/** Options of jacobian and hessian. */
export interface JacobianOptions extends FunctionalOptions {
  /**
   * PyTorch's experimental batching of the rows through vmap. Kindling
   * computes the rows one backward pass at a time either way (the results
   * are the same); the flag is accepted, with PyTorch's check against `strict`.
   */
  vectorize?: boolean;
}

const KEYS: OptionKeys<FunctionalOptions> = { createGraph: "boolean", strict: "boolean" };
const JACOBIAN_KEYS: OptionKeys<JacobianOptions> = { createGraph: "boolean", strict: "boolean", vectorize: "boolean" };

type Func = (...inputs: Tensor[]) => unknown;

/** PyTorch's _as_tuple: whether `v` is an array, and its tensors. */
function asTuple(v: unknown, what: string, fn: string): [boolean, Tensor[]] {
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
function gradPreprocess(inputs: readonly Tensor[], createGraph: boolean, needGraph: boolean): Tensor[] {
  return inputs.map((t) => (createGraph && t.requiresGrad ? t.view(t.shape) : t.detach().requiresGrad_(needGraph)));
}

/** PyTorch's _grad_postprocess: results detached from the graph unless it is wanted. */
function detached(ts: readonly Tensor[], createGraph: boolean): Tensor[] {
  return createGraph ? [...ts] : ts.map((t) => t.detach());
}

/** PyTorch's _validate_v: one tensor of the right size per tensor of `other`. */
function validateV(v: readonly Tensor[], other: readonly Tensor[], isOtherTuple: boolean): void {
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
function checkRequiresGrad(ts: readonly (Tensor | null)[], stage: RequiresGradStage, strict: boolean): void {
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
function autogradGrad(
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
function fillInZeros(
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
function gradModeFor<T>(createGraph: boolean, fn: () => T): T {
  const prev = isGradEnabled();
  setGradEnabled(createGraph || prev);
  try {
    return fn();
  } finally {
    setGradEnabled(prev);
  }
}

/** One value or the array, as the caller gave it. */
function shaped<T>(list: T[], isTuple: boolean): T | T[] {
  return isTuple ? list : (list[0] as T);
}

/** The vector `v` (checked against `refs`), or null where it may be left out (refs is one single-element tensor). */
function readV(
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

const SINGLE_INPUT_V = "The vector v can only be null if the input to the user-provided function is a single Tensor with a single element.";

/** `func` called on the prepared inputs, its outputs as an array (and whether it returned one). */
function callFunc(func: Func, inputs: readonly Tensor[], fn: string, strict: boolean): [boolean, Tensor[]] {
  const [isTuple, outputs] = asTuple(func(...inputs), "outputs of the user-provided function", fn);
  checkRequiresGrad(outputs, "outputs", strict);
  return [isTuple, outputs];
}

/**
 * The product of a vector `v` with the Jacobian of `func` at `inputs`
 * (PyTorch's `torch.autograd.functional.vjp`). Returns `[func's output,
 * vjp]`, the vjp shaped like the inputs. `v` may be left out when `func`
 * returns a single-element tensor.
 *
 * @example
 * ```ts
 * const f = (x: torch.Tensor) => x.pow(2).sum(1);
 * const [out, g] = torch.autograd.functional.vjp(f, torch.tensor([[1, 2], [3, 4]]), torch.tensor([1, 10]));
 * console.log(out); // tensor([ 5., 25.])
 * console.log(g); // tensor([[ 2.,  4.],\n        [60., 80.]])
 * ```
 */
export function vjp<I extends Inputs, O extends Tensor | readonly Tensor[]>(
  func: (...inputs: Tensor[]) => O,
  inputs: I,
  v?: Inputs | null,
  options?: FunctionalOptions,
): [Like<O>, Like<I>] {
  const o = readOptions(options, "vjp", KEYS);
  const createGraph = o.createGraph ?? false;
  const strict = o.strict ?? false;
  const [isInputsTuple, ins, isOutputsTuple, outputs, vs] = enableGrad(() => {
    const [isIn, raw] = asTuple(inputs, "inputs", "vjp");
    const prepared = gradPreprocess(raw, createGraph, true);
    const [isOut, outs] = callFunc(func as Func, prepared, "vjp", strict);
    const vv = readV(
      v,
      outs,
      isOut,
      "vjp",
      createGraph,
      "The vector v can only be null if the user-provided function returns a single Tensor with a single element.",
    );
    return [isIn, prepared, isOut, outs, vv] as const;
  });
  const result = gradModeFor(createGraph, () => fillInZeros(autogradGrad(outputs, ins, vs, createGraph), ins, strict, createGraph, "back"));
  return [shaped(detached(outputs, createGraph), isOutputsTuple), shaped(detached(result, createGraph), isInputsTuple)] as [
    Like<O>,
    Like<I>,
  ];
}

/**
 * The product of the Jacobian of `func` at `inputs` with a vector `v`
 * (PyTorch's `torch.autograd.functional.jvp`, by the double-backward
 * trick). Returns `[func's output, jvp]`, the jvp shaped like the output.
 *
 * @example
 * ```ts
 * const f = (x: torch.Tensor) => x.pow(2).sum(1);
 * const [, t] = torch.autograd.functional.jvp(f, torch.tensor([[1, 2], [3, 4]]), torch.ones(2, 2));
 * console.log(t); // tensor([ 6., 14.])
 * ```
 */
export function jvp<I extends Inputs, O extends Tensor | readonly Tensor[]>(
  func: (...inputs: Tensor[]) => O,
  inputs: I,
  v?: Inputs | null,
  options?: FunctionalOptions,
): [Like<O>, Like<O>] {
  const o = readOptions(options, "jvp", KEYS);
  const createGraph = o.createGraph ?? false;
  const strict = o.strict ?? false;
  const [isOutputsTuple, outputs, vs, gradOutputs, gradInputs] = enableGrad(() => {
    const [isIn, raw] = asTuple(inputs, "inputs", "jvp");
    const prepared = gradPreprocess(raw, createGraph, true);
    const vv = readV(v, prepared, isIn, "jvp", createGraph, SINGLE_INPUT_V);
    const [isOut, outs] = callFunc(func as Func, prepared, "jvp", strict);
    // The backward is linear in its grad_outputs: their values (zeros) never reach the result.
    const gouts = outs.map((t) => zerosLike(t, { requiresGrad: true }));
    const gins = autogradGrad(outs, prepared, gouts, true);
    checkRequiresGrad(gins, "grad_inputs", strict);
    return [isOut, outs, vv, gouts, gins] as const;
  });
  const trick = () => fillInZeros(autogradGrad(gradInputs, gradOutputs, vs, createGraph), outputs, strict, createGraph, "back_trick");
  const result = createGraph ? enableGrad(trick) : trick();
  return [shaped(detached(outputs, createGraph), isOutputsTuple), shaped(detached(result, createGraph), isOutputsTuple)] as [
    Like<O>,
    Like<O>,
  ];
}

/** The Jacobian of `outputs` with respect to `inputs`: one row of tensors per output, one tensor per input. */
function jacobianRows(outputs: readonly Tensor[], inputs: readonly Tensor[], createGraph: boolean, strict: boolean): Tensor[][] {
  const rows = outputs.map((out, i) => {
    const perInput: Tensor[][] = inputs.map(() => []);
    const flat = out.reshape(-1);
    for (let j = 0; j < out.numel(); j++) {
      const vj = autogradGrad([flat.select(0, j)], inputs, null, createGraph, true);
      vj.forEach((g, k) => {
        if (g !== null) {
          if (strict && createGraph && !g.requiresGrad) {
            throw new AutogradError(
              `The jacobian of the user-provided function is independent of input ${i}. This is not allowed in strict mode when createGraph: true.`,
            );
          }
          (perInput[k] as Tensor[]).push(g);
        } else {
          if (strict) {
            throw new AutogradError(
              `Output ${i} of the user-provided function is independent of input ${k}. This is not allowed in strict mode.`,
            );
          }
          (perInput[k] as Tensor[]).push(zerosLike(inputs[k] as Tensor));
        }
      });
    }
    return perInput.map((rowsOf, k) => stack(rowsOf, 0).view([...out.shape, ...(inputs[k] as Tensor).shape]));
  });
  return rows.map((r) => detached(r, createGraph));
}

/** PyTorch's _tuple_postprocess for a Jacobian: unwraps the dims that were not tuples. */
function jacobianShaped(rows: Tensor[][], isOutputsTuple: boolean, isInputsTuple: boolean): Tensor | Tensor[] | Tensor[][] {
  const byOutput = isInputsTuple ? rows : rows.map((r) => r[0] as Tensor);
  return isOutputsTuple ? byOutput : (byOutput[0] as Tensor | Tensor[]);
}

/**
 * The Jacobian of `func` at `inputs` (PyTorch's
 * `torch.autograd.functional.jacobian`): for output i and input j, a tensor
 * of shape `[...output_i.shape, ...input_j.shape]`; a tensor when func takes
 * and returns one tensor, an array when one of them is an array, and
 * `jac[i][j]` when both are.
 *
 * @example
 * ```ts
 * const f = (x: torch.Tensor, y: torch.Tensor) => x.mul(y).sum();
 * const [dx, dy] = torch.autograd.functional.jacobian(f, [torch.tensor([1, 2]), torch.tensor([3, 4])]);
 * console.log(dx, dy); // tensor([3., 4.]) tensor([1., 2.])
 * ```
 */
export function jacobian<I extends Inputs, O extends Tensor | readonly Tensor[]>(
  func: (...inputs: Tensor[]) => O,
  inputs: I,
  options?: JacobianOptions,
): JacobianOf<O, I> {
  const o = readOptions(options, "jacobian", JACOBIAN_KEYS);
  const createGraph = o.createGraph ?? false;
  const strict = o.strict ?? false;
  return enableGrad(() => {
    const [isInputsTuple, raw] = asTuple(inputs, "inputs", "jacobian");
    const prepared = gradPreprocess(raw, createGraph, true);
    const [isOutputsTuple, outputs] = callFunc(func as Func, prepared, "jacobian", strict);
    if (o.vectorize === true && strict) {
      throw new AutogradError(
        "torch.autograd.functional.jacobian: `strict: true` and `vectorize: true` are not supported together. Please either set `strict: false` or `vectorize: false`.",
      );
    }
    return jacobianShaped(jacobianRows(outputs, prepared, createGraph, strict), isOutputsTuple, isInputsTuple);
  }) as JacobianOf<O, I>;
}

/**
 * The Hessian of a scalar function `func` at `inputs` (PyTorch's
 * `torch.autograd.functional.hessian`): a tensor of shape `[...x.shape,
 * ...x.shape]` for one input, `hess[i][j]` for an array of inputs.
 *
 * @example
 * ```ts
 * const f = (x: torch.Tensor) => x.pow(3).sum();
 * console.log(torch.autograd.functional.hessian(f, torch.tensor([1, 2]))); // tensor([[ 6.,  0.],\n        [ 0., 12.]])
 * ```
 */
export function hessian<I extends Inputs>(func: (...inputs: Tensor[]) => Tensor, inputs: I, options?: JacobianOptions): HessianOf<I> {
  const o = readOptions(options, "hessian", JACOBIAN_KEYS);
  const createGraph = o.createGraph ?? false;
  const strict = o.strict ?? false;
  const [isInputsTuple, raw] = asTuple(inputs, "inputs", "hessian");
  const single = (...xs: Tensor[]): Tensor => {
    const [isTuple, outs] = asTuple(func(...xs), "outputs of the user-provided function", "hessian");
    checkRequiresGrad(outs, "outputs", strict);
    const out = outs[0] as Tensor;
    if (isTuple) throw new AutogradError("The function given to hessian should return a single Tensor");
    if (out.numel() !== 1) throw new AutogradError("The Tensor returned by the function given to hessian should contain a single element");
    return out.squeeze();
  };
  // The Jacobian of the gradient: an inner Jacobian with createGraph, whose rows the outer one differentiates.
  const gradient = (...xs: Tensor[]): Tensor[] => {
    const prepared = gradPreprocess(xs, true, true);
    const jac = jacobianRows([single(...prepared)], prepared, true, false)[0] as Tensor[];
    checkRequiresGrad(jac, "jacobian", strict);
    return jac;
  };
  const result = jacobian(gradient, raw, { createGraph, strict, vectorize: o.vectorize ?? false }) as Tensor[][];
  return (isInputsTuple ? result : (result[0] as Tensor[])[0]) as HessianOf<I>;
}

/** Shared by vhp and hvp: the prepared inputs, v, func's output and its gradient (with a graph). */
function scalarGradient(
  func: Func,
  inputs: Inputs,
  v: Inputs | null | undefined,
  fn: "vhp" | "hvp",
  createGraph: boolean,
  strict: boolean,
) {
  return enableGrad(() => {
    const [isIn, raw] = asTuple(inputs, "inputs", fn);
    const prepared = gradPreprocess(raw, createGraph, true);
    const vv = readV(v, prepared, isIn, fn, createGraph, SINGLE_INPUT_V);
    const [isOut, outs] = callFunc(func, prepared, fn, strict);
    if (isOut) throw new AutogradError(`The function given to ${fn} should return a single Tensor`);
    if ((outs[0] as Tensor).numel() !== 1)
      throw new AutogradError(`The Tensor returned by the function given to ${fn} should contain a single element`);
    const jac = autogradGrad(outs, prepared, null, true);
    checkRequiresGrad(jac, "jacobian", strict);
    return { isIn, prepared, vv, outs, jac };
  });
}

/**
 * The product of a vector `v` with the Hessian of a scalar function `func`
 * at `inputs` (PyTorch's `torch.autograd.functional.vhp`). Returns
 * `[func's output, vhp]`.
 *
 * @example
 * ```ts
 * const f = (x: torch.Tensor) => x.pow(3).sum();
 * const [out, r] = torch.autograd.functional.vhp(f, torch.tensor([1, 2]), torch.tensor([1, 1]));
 * console.log(out, r); // tensor(9.) tensor([ 6., 12.])
 * ```
 */
export function vhp<I extends Inputs>(
  func: (...inputs: Tensor[]) => Tensor,
  inputs: I,
  v?: Inputs | null,
  options?: FunctionalOptions,
): [Tensor, Like<I>] {
  const o = readOptions(options, "vhp", KEYS);
  const createGraph = o.createGraph ?? false;
  const strict = o.strict ?? false;
  const { isIn, prepared, vv, outs, jac } = scalarGradient(func as Func, inputs, v, "vhp", createGraph, strict);
  const result = gradModeFor(createGraph, () =>
    fillInZeros(autogradGrad(jac, prepared, vv, createGraph), prepared, strict, createGraph, "double_back"),
  );
  return [detached(outs, createGraph)[0] as Tensor, shaped(detached(result, createGraph), isIn)] as [Tensor, Like<I>];
}

/**
 * The product of the Hessian of a scalar function `func` at `inputs` with a
 * vector `v` (PyTorch's `torch.autograd.functional.hvp`, by the
 * double-backward trick). Returns `[func's output, hvp]`.
 *
 * @example
 * ```ts
 * const f = (x: torch.Tensor) => x.pow(3).sum();
 * const [, r] = torch.autograd.functional.hvp(f, torch.tensor([1, 2]), torch.tensor([1, 0]));
 * console.log(r); // tensor([6., 0.])
 * ```
 */
export function hvp<I extends Inputs>(
  func: (...inputs: Tensor[]) => Tensor,
  inputs: I,
  v?: Inputs | null,
  options?: FunctionalOptions,
): [Tensor, Like<I>] {
  const o = readOptions(options, "hvp", KEYS);
  const createGraph = o.createGraph ?? false;
  const strict = o.strict ?? false;
  const { isIn, prepared, vv, outs, jac } = scalarGradient(func as Func, inputs, v, "hvp", createGraph, strict);
  const [gradJac, doubleBack] = enableGrad(() => {
    const gj = prepared.map((t) => zerosLike(t, { requiresGrad: true }));
    const db = autogradGrad(jac, prepared, gj, true);
    checkRequiresGrad(jac, "hessian", strict);
    return [gj, db] as const;
  });
  const result = gradModeFor(createGraph, () =>
    fillInZeros(autogradGrad(doubleBack, gradJac, vv, createGraph), prepared, strict, createGraph, "double_back_trick"),
  );
  return [detached(outs, createGraph)[0] as Tensor, shaped(detached(result, createGraph), isIn)] as [Tensor, Like<I>];
}
