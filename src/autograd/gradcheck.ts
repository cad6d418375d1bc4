/**
 * Numerical gradient checks (PyTorch's torch.autograd.gradcheck and
 * gradgradcheck): the backward formulas are compared with central
 * differences in float64.
 */

import { describeValue } from "../core/describe.js";
import { isFloating } from "../core/dtype.js";
import { ArgumentError, GradcheckError } from "../core/errors.js";
import { type OptionKeys, readOptions } from "../core/options.js";
import * as K from "../ops/kernels.js";
import { randn } from "../ops/sampling.js";
import { formatTensor } from "../print.js";
import { Generator } from "../random.js";
import { Tensor } from "../tensor.js";
import { grad } from "./api.js";

/** The options of `gradcheck` and `gradgradcheck`: the finite-difference step and the tolerances (PyTorch's keyword arguments). */
export interface GradcheckOptions {
  /** Perturbation for finite differences (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Throw on mismatch (default true); otherwise return false. */
  raiseException?: boolean;
}

const GRADCHECK_KEYS: OptionKeys<GradcheckOptions> = { eps: "number", atol: "number", rtol: "number", raiseException: "boolean" };

/** A function `gradcheck` differentiates: tensors in, a tensor or several out. */
export type GradcheckFunction = (...inputs: Tensor[]) => Tensor | readonly Tensor[];

/** Everything `fn` returns (PyTorch's func_out). */
function allOutputs(fn: GradcheckFunction, inputs: readonly Tensor[]): Tensor[] {
  const out = fn(...inputs);
  return Array.isArray(out) ? [...(out as Tensor[])] : [out as Tensor];
}

/** The outputs that require grad (PyTorch's _differentiable_outputs). */
function differentiable(outputs: readonly Tensor[]): Tensor[] {
  return outputs.filter((t) => t.requiresGrad);
}

/** Storage offsets of every element of `t`, in row-major order. */
function elementOffsets(t: Tensor): number[] {
  const offs: number[] = [];
  const idx = new Array<number>(t.ndim).fill(0);
  const n = t.numel();
  for (let k = 0; k < n; k++) {
    let o = t._offset;
    for (let d = 0; d < t.ndim; d++) o += (idx[d] as number) * (t._strides[d] as number);
    offs.push(o);
    for (let d = t.ndim - 1; d >= 0; d--) {
      idx[d] = (idx[d] as number) + 1;
      if ((idx[d] as number) < (t.shape[d] as number)) break;
      idx[d] = 0;
    }
  }
  return offs;
}

/** The floating outputs' values (the others have no derivative). */
function values(outputs: readonly Tensor[]): Float64Array[] {
  return outputs.map((t) => (isFloating(t.dtype) ? Float64Array.from(t.toTypedArray()) : new Float64Array(t.numel())));
}

/** d outputs / d x by central differences: [output][input element][output element]. */
function numericalJacobian(fn: GradcheckFunction, inputs: readonly Tensor[], x: Tensor, eps: number, nOut: number): Float64Array[][] {
  // A storage's view is good until the next allocation: taken afresh for each write.
  const set = (o: number, v: number) => {
    K.storageValues(x)[o] = v;
  };
  const cols: Float64Array[][] = [];
  for (const o of elementOffsets(x)) {
    const orig = K.storageValues(x)[o] as number;
    set(o, orig + eps);
    const plus = values(allOutputs(fn, inputs));
    set(o, orig - eps);
    const minus = values(allOutputs(fn, inputs));
    set(o, orig);
    cols.push(plus.map((p, k) => p.map((v, j) => (v - ((minus[k] as Float64Array)[j] as number)) / (2 * eps))));
  }
  // Transpose to [output][input element][output element].
  return Array.from({ length: nOut }, (_, k) => cols.map((c) => c[k] as Float64Array));
}

/** d out / d inputs by backward passes with one-hot output gradients: [input][input element][output element]. */
function analyticalJacobian(out: Tensor, diff: readonly Tensor[]): Float64Array[][] {
  const n = out.numel();
  const perInput = diff.map((x) => Array.from({ length: x.numel() }, () => new Float64Array(n)));
  for (let j = 0; j < n; j++) {
    const g = K.full(out.shape, 0, out.dtype);
    K.storageValues(g)[j] = 1;
    const grads = grad([out], diff, { gradOutputs: [g], retainGraph: true, allowUnused: true });
    grads.forEach((gi, i) => {
      if (gi === null) return;
      const vals = gi.toTypedArray();
      const cols = perInput[i] as Float64Array[];
      for (let e = 0; e < vals.length; e++) (cols[e] as Float64Array)[j] = vals[e] as number;
    });
  }
  return perInput;
}

/** A Jacobian as PyTorch prints it: a float64 tensor [input elements, output elements]. */
function jacobianTensor(rows: readonly Float64Array[], nOut: number): Tensor {
  const flat = new Float64Array(rows.length * nOut);
  for (const [e, r] of rows.entries()) flat.set(r, e * nOut);
  return Tensor._fromData(flat, [rows.length, nOut], "float64");
}

function allclose(a: readonly Float64Array[], n: readonly Float64Array[], atol: number, rtol: number): boolean {
  return a.every((row, e) =>
    row.every(
      (av, j) => Math.abs(av - ((n[e] as Float64Array)[j] as number)) <= atol + rtol * Math.abs((n[e] as Float64Array)[j] as number),
    ),
  );
}

/**
 * PyTorch's _check_inputs: at least one input requires grad (else a
 * ValueError, raised even without raiseException), and those that do are
 * float64 and have no elements sharing memory.
 */
function checkInputs(inputs: readonly Tensor[], op: string): void {
  inputs.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new ArgumentError(`${op}(): inputs must be Tensors, but input ${i} is ${describeValue(t)}`);
  });
  if (!inputs.some((t) => t.requiresGrad)) {
    throw new ArgumentError(
      `${op}(): gradcheck expects at least one input tensor to require gradient, but none of the them have requires_grad=True.`,
    );
  }
  for (const [i, t] of inputs.entries()) {
    if (!t.requiresGrad) continue;
    if (t.dtype !== "float64") {
      throw new ArgumentError(`${op}(): Input #${i} requires gradient and is not a double precision floating point (dtype ${t.dtype})`);
    }
    // Perturbing one element of an expanded input would move several.
    if (t.shape.some((size, d) => size > 1 && t._strides[d] === 0)) {
      throw new ArgumentError(
        `${op}(): The ${i}th input has a dimension with stride 0. gradcheck only supports inputs that are non-overlapping to be able to compute the numerical gradients correctly. You should call .contiguous on the input before passing it to gradcheck.`,
      );
    }
  }
}

/** PyTorch's _slow_gradcheck: every Jacobian of a differentiable output against finite differences. */
function compareJacobians(fn: GradcheckFunction, inputs: readonly Tensor[], eps: number, atol: number, rtol: number): void {
  const all = allOutputs(fn, inputs);
  const outputs = differentiable(all);
  const diff = inputs.filter((t) => t.requiresGrad);
  const numerical = diff.map((x) => numericalJacobian(fn, inputs, x, eps, all.length));
  if (outputs.length === 0) {
    // Nothing to backpropagate: the function must then not depend on its inputs.
    const moves = numerical.some((perOut) => perOut.some((rows) => rows.some((r) => r.some((v) => v !== 0))));
    if (moves) throw new GradcheckError("Numerical gradient for function expected to be zero");
    return;
  }
  outputs.forEach((out, i) => {
    const k = all.indexOf(out);
    const analytical = analyticalJacobian(out, diff);
    diff.forEach((_, j) => {
      const a = analytical[j] as Float64Array[];
      const n = (numerical[j] as Float64Array[][])[k] as Float64Array[];
      if (allclose(a, n, atol, rtol)) return;
      throw new GradcheckError(
        `Jacobian mismatch for output ${i} with respect to input ${j},\n` +
          `numerical:${formatTensor(jacobianTensor(n, out.numel()))}\n` +
          `analytical:${formatTensor(jacobianTensor(a, out.numel()))}\n`,
      );
    });
  });
}

/**
 * Checks the gradients of `fn` at `inputs` against finite differences in
 * float64 (PyTorch's slow-mode gradcheck): for every output that requires
 * grad, the Jacobian its backward formulas give must match central
 * differences; when no output requires grad, the function must not depend
 * on its inputs. At least one input must require grad, and those that do
 * must be float64 (ArgumentError otherwise). A mismatch throws a
 * GradcheckError naming the output and input (their indices among those
 * that require grad) with both Jacobians, or returns false with
 * `raiseException: false`.
 *
 * @example
 * ```ts
 * const x = torch.randn(3, { dtype: "float64", requiresGrad: true });
 * console.log(torch.autograd.gradcheck((t) => t.sin().mul(t), [x])); // true
 * ```
 */
export function gradcheck(fn: GradcheckFunction, inputs: Tensor | readonly Tensor[], options?: GradcheckOptions): boolean {
  const { eps, atol, rtol, raiseException } = readOptions(options, "gradcheck", GRADCHECK_KEYS);
  const ins = inputs instanceof Tensor ? [inputs] : [...inputs];
  checkInputs(ins, "gradcheck");
  try {
    compareJacobians(fn, ins, eps ?? 1e-6, atol ?? 1e-5, rtol ?? 1e-3);
  } catch (e) {
    if (raiseException === false && e instanceof GradcheckError) return false;
    throw e;
  }
  return true;
}

/**
 * Checks second derivatives: gradcheck applied to the function that maps
 * the inputs and output weights to the first-order gradients (computed with
 * createGraph). Weights, one per output that requires grad, are random
 * float64 normals when not given. Raises as gradcheck does.
 *
 * @example
 * ```ts
 * const x = torch.randn(3, { dtype: "float64", requiresGrad: true });
 * console.log(torch.autograd.gradgradcheck((t) => t.pow(3), [x])); // true
 * ```
 */
export function gradgradcheck(
  fn: GradcheckFunction,
  inputs: Tensor | readonly Tensor[],
  gradOutputs?: readonly Tensor[] | null,
  options?: GradcheckOptions,
): boolean {
  readOptions(options, "gradgradcheck", GRADCHECK_KEYS);
  const ins = inputs instanceof Tensor ? [inputs] : [...inputs];
  checkInputs(ins, "gradgradcheck");
  const gen = new Generator(12345);
  const weights =
    gradOutputs ?? differentiable(allOutputs(fn, ins)).map((o) => randn(o.shape, { dtype: "float64", generator: gen, requiresGrad: true }));
  const nIn = ins.length;
  // PyTorch's new_func: the first-order gradients of the differentiable outputs, weighted, as a function of inputs and weights.
  const firstOrder = (...all: Tensor[]) => {
    const xs = all.slice(0, nIn);
    const outs = differentiable(allOutputs(fn, xs));
    const diff = xs.filter((t) => t.requiresGrad);
    if (outs.length === 0) return [];
    const gs = grad(outs, diff, { gradOutputs: all.slice(nIn, nIn + outs.length), createGraph: true, allowUnused: true });
    return gs.filter((g): g is Tensor => g !== null);
  };
  return gradcheck(firstOrder, [...ins, ...weights], options);
}
