/**
 * Numerical gradient checks (PyTorch's torch.autograd.gradcheck and
 * gradgradcheck): the backward formulas are compared with central
 * differences in float64.
 */

import { AutogradError } from "../core/errors.js";
import { written } from "../core/mirrors.js";
import { Generator } from "../random.js";
import { Tensor } from "../tensor.js";
import { grad } from "./autograd.js";
import { randn } from "./creation.js";
import * as K from "./kernels.js";

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

type Fn = (...inputs: Tensor[]) => Tensor | readonly Tensor[];

function outputsOf(fn: Fn, inputs: readonly Tensor[]): Tensor[] {
  const out = fn(...inputs);
  return (Array.isArray(out) ? [...(out as Tensor[])] : [out as Tensor]).filter((t) => t.dtype === "float64" || t.dtype === "float32");
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

/** d outputs / d input, by central differences: [output][input element][output element]. */
function numericalJacobian(fn: Fn, inputs: readonly Tensor[], x: Tensor, eps: number, nOut: number): Float64Array[][] {
  const data = x._storage.data;
  const cols: Float64Array[][] = [];
  for (const o of elementOffsets(x)) {
    const orig = data[o] as number;
    // Written behind the backend's back: each write is reported (core/mirrors.ts).
    data[o] = orig + eps;
    written(data);
    const plus = outputsOf(fn, inputs).map((t) => Float64Array.from(t.data));
    data[o] = orig - eps;
    written(data);
    const minus = outputsOf(fn, inputs).map((t) => Float64Array.from(t.data));
    data[o] = orig;
    written(data);
    cols.push(plus.map((p, k) => p.map((v, j) => (v - ((minus[k] as Float64Array)[j] as number)) / (2 * eps))));
  }
  // Transpose to [output][input element][output element].
  return Array.from({ length: nOut }, (_, k) => cols.map((c) => c[k] as Float64Array));
}

/** d outputs / d inputs by backward passes with one-hot output gradients: [output][input][input element][output element]. */
function analyticalJacobian(outputs: readonly Tensor[], diff: readonly Tensor[]): Float64Array[][][] {
  return outputs.map((out) => {
    const n = out.numel();
    const perInput = diff.map((x) => Array.from({ length: x.numel() }, () => new Float64Array(n)));
    for (let j = 0; j < n; j++) {
      const g = K.full(out.shape, 0, out.dtype);
      g._storage.data[j] = 1;
      const grads = out.requiresGrad ? grad([out], diff, { gradOutputs: [g], retainGraph: true, allowUnused: true }) : diff.map(() => null);
      grads.forEach((gi, i) => {
        if (gi === null) return;
        const vals = gi.data;
        const cols = perInput[i] as Float64Array[];
        for (let e = 0; e < vals.length; e++) (cols[e] as Float64Array)[j] = vals[e] as number;
      });
    }
    return perInput;
  });
}

function fail(message: string, raise: boolean): false {
  if (raise) throw new AutogradError(message);
  return false;
}

/**
 * Checks the gradients of `fn` at `inputs` against finite differences.
 * Inputs that require grad must be float64. Returns true, or throws (or
 * returns false) describing the first mismatch.
 *
 * @example
 * ```ts
 * const x = torch.randn(3, { dtype: "float64", requiresGrad: true });
 * console.log(torch.autograd.gradcheck((t) => t.sin().mul(t), [x])); // true
 * ```
 */
export function gradcheck(fn: Fn, inputs: Tensor | readonly Tensor[], options: GradcheckOptions = {}): boolean {
  const ins = inputs instanceof Tensor ? [inputs] : [...inputs];
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, raiseException = true } = options;
  const diff = ins.filter((t) => t.requiresGrad);
  for (const [i, t] of ins.entries()) {
    if (t.requiresGrad && t.dtype !== "float64") {
      return fail(
        `gradcheck: Input #${i} requires gradient and is not a double precision floating point (dtype ${t.dtype})`,
        raiseException,
      );
    }
  }
  const outputs = outputsOf(fn, ins);
  const analytical = analyticalJacobian(outputs, diff);
  for (const [i, x] of diff.entries()) {
    const numerical = numericalJacobian(fn, ins, x, eps, outputs.length);
    for (let k = 0; k < outputs.length; k++) {
      const num = numerical[k] as Float64Array[];
      const ana = (analytical[k] as Float64Array[][])[i] as Float64Array[];
      for (let e = 0; e < num.length; e++) {
        const a = ana[e] as Float64Array;
        const nrow = num[e] as Float64Array;
        for (let j = 0; j < nrow.length; j++) {
          const nv = nrow[j] as number;
          const av = a[j] as number;
          if (!(Math.abs(av - nv) <= atol + rtol * Math.abs(nv))) {
            return fail(
              `Jacobian mismatch for output ${k} with respect to input ${ins.indexOf(x)},\n` +
                `at input element ${e}, output element ${j}: numerical ${nv}, analytical ${av}`,
              raiseException,
            );
          }
        }
      }
    }
  }
  return true;
}

/**
 * Checks second derivatives: gradcheck applied to the function that maps
 * the inputs and output weights to the first-order gradients (computed with
 * createGraph). Weights are random float64 normals when not given.
 *
 * @example
 * ```ts
 * const x = torch.randn(3, { dtype: "float64", requiresGrad: true });
 * console.log(torch.autograd.gradgradcheck((t) => t.pow(3), [x])); // true
 * ```
 */
export function gradgradcheck(
  fn: Fn,
  inputs: Tensor | readonly Tensor[],
  gradOutputs?: readonly Tensor[] | null,
  options: GradcheckOptions = {},
): boolean {
  const ins = inputs instanceof Tensor ? [inputs] : [...inputs];
  const outputs = outputsOf(fn, ins);
  const gen = new Generator(12345);
  const weights = gradOutputs ?? outputs.map((o) => randn(o.shape, { dtype: "float64", generator: gen, requiresGrad: true }));
  const nIn = ins.length;
  const firstOrder = (...all: Tensor[]) => {
    const xs = all.slice(0, nIn);
    const ws = all.slice(nIn);
    const outs = outputsOf(fn, xs);
    const live = outs.map((o, k) => [o, ws[k] as Tensor] as const).filter(([o]) => o.requiresGrad);
    const diff = xs.filter((t) => t.requiresGrad);
    if (live.length === 0 || diff.length === 0) return [];
    const gs = grad(
      live.map(([o]) => o),
      diff,
      { gradOutputs: live.map(([, w]) => w), createGraph: true, allowUnused: true },
    );
    return gs.filter((g): g is Tensor => g !== null);
  };
  return gradcheck(firstOrder, [...ins, ...weights], options);
}
