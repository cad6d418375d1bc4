import { AutogradError } from "../core/errors.js";
import { type OptionKeys, readOptions } from "../core/options.js";
import { stack } from "../ops/combine.js";
import { zerosLike } from "../ops/creation.js";
import type { Tensor } from "../tensor.js";
import {
  asTuple,
  autogradGrad,
  callFunc,
  checkRequiresGrad,
  detached,
  type Func,
  fillInZeros,
  gradModeFor,
  gradPreprocess,
  readV,
  SINGLE_INPUT_V,
  shaped,
} from "./functional_checks.js";
import { enableGrad } from "./grad_mode.js";

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
