/**
 * Forward-mode AD in the op layer: when an op runs inside a dual level and
 * an input carries a tangent, its outputs get the tangent its jvp rule gives
 * (see autograd/forward_ad.ts for the user API). An op's entry says how:
 *
 * - `jvp: "elementwise"`: a pointwise op. The tangent is its backward formula
 *   applied to each input's tangent (broadcast to the output) in place of the
 *   gradient, summed over inputs (PyTorch's auto_element_wise).
 * - `jvp: "linear"`: a linear op (views, sums, copies, index ops...). The
 *   tangent is the op itself applied to the tangents (zeros where an input
 *   has none; integer inputs such as indices as they are; PyTorch's
 *   auto_linear).
 * - `jvp: "multilinear"`: linear in each input (matrix products): the sum
 *   over inputs of the op with that input replaced by its tangent.
 * - `jvp: (tangents, ctx) => [...]`: a rule of its own.
 * - no `jvp`: the tangent is the backward formula transposed, J t = d/du
 *   <Jᵀu, t>, by one small differentiation of the formula. Exact for every
 *   op with a backward (every formula is twice differentiable), just slower.
 *
 * Every rule is written with tensor ops, so with grad mode on the tangents
 * are themselves differentiable (forward-over-reverse).
 */

import { runBackward } from "../autograd/engine.js";
import { primalOf, setTangent, tangentOf } from "../autograd/forward_ad.js";
import { enableGrad, isGradEnabled, noGrad } from "../autograd/grad_mode.js";
import type { BackwardContext } from "../autograd/node.js";
import { tensorMeta } from "../autograd/node.js";
import { isFloating } from "../core/dtype.js";
import { AutogradError } from "../core/errors.js";
import { untracked } from "../core/recycle.js";
import { shapesEqual } from "../core/shape.js";
import type { Tensor } from "../tensor.js";
import { applyOp, type OpDef } from "./define.js";
import * as K from "./kernels.js";

/** What a jvp rule reads: the op's inputs and outputs (without tangents) and attributes. */
export interface JvpContext<A> {
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: A;
  /** The generic rule's tangents (the backward formula transposed), for cases a rule does not cover. */
  viaBackward(): (Tensor | null)[];
}

/** A jvp rule: the tangents of the inputs (null: none) in, one tangent per output out. */
export type JvpRule<A> = (tangents: readonly (Tensor | null)[], ctx: JvpContext<A>) => (Tensor | null)[];

/** How an op computes its outputs' tangents (see the file comment). */
export type Jvp<A> = "elementwise" | "linear" | "multilinear" | JvpRule<A>;

/** The context a backward formula reads, over the live inputs and outputs (forward AD reuses the formulas). */
function formulaContext<A>(rawInputs: readonly Tensor[], attrs: A, rawOutputs: readonly Tensor[]): BackwardContext<A> {
  const inputs = rawInputs.map(primalOf);
  const outputs = rawOutputs.map(primalOf);
  return {
    attrs,
    needs: inputs.map((x) => isFloating(x.dtype)),
    inputMeta: inputs.map(tensorMeta),
    input: (i: number) => inputs[i] as Tensor,
    result: (i = 0) => outputs[i] as Tensor,
    createGraph: isGradEnabled(),
  };
}

function zerosLike(t: Tensor): Tensor {
  return K.full(t.shape, 0, t.dtype);
}

/** The sum of the terms present, in order (null when none is). */
function sumTerms(terms: readonly (Tensor | null | undefined)[]): Tensor | null {
  let sum: Tensor | null = null;
  for (const t of terms) if (t !== null && t !== undefined) sum = sum === null ? t : sum.add(t);
  return sum;
}

/** The tangents of `def`'s outputs from its inputs' `tangents` (one per output; null for integer outputs). */
export function outputTangents<A>(
  def: OpDef<A>,
  inputs: readonly Tensor[],
  attrs: A,
  outputs: readonly Tensor[],
  tangents: readonly (Tensor | null)[],
): (Tensor | null)[] {
  const jvp = def.jvp;
  if (jvp === "linear") {
    const args = inputs.map((x, i) => (isFloating(x.dtype) ? (tangents[i] ?? zerosLike(x)) : x));
    // The op itself, on the tangents (recorded when they require grad: forward-over-reverse).
    return applyOp(def, args, attrs);
  }
  if (jvp === "multilinear") {
    // Linear in each input: the sum over inputs of the op with that input replaced by its tangent.
    const terms = tangents.map((t, i) =>
      t === null
        ? null
        : applyOp(
            def,
            inputs.map((x, k) => (k === i ? t : primalOf(x))),
            attrs,
          )[0],
    );
    return [sumTerms(terms) ?? zerosLike(outputs[0] as Tensor)];
  }
  if (jvp === "elementwise") {
    const out = outputs[0] as Tensor;
    const ctx = formulaContext(inputs, attrs, outputs);
    const terms = tangents.map((t, i) =>
      t === null ? null : def.backward?.([shapesEqual(t.shape, out.shape) ? t : t.expand(out.shape)], ctx)[i],
    );
    // A formula that reduces its result (a 0-d input's gradient summed) is not pointwise there.
    if (terms.some((term) => term !== null && term !== undefined && !shapesEqual(term.shape, out.shape))) {
      return transposedBackward(def, inputs, attrs, outputs, tangents);
    }
    return [sumTerms(terms) ?? zerosLike(out)];
  }
  if (typeof jvp === "function") {
    return jvp(tangents, {
      inputs: inputs.map(primalOf),
      outputs: outputs.map(primalOf),
      attrs,
      viaBackward: () => transposedBackward(def, inputs, attrs, outputs, tangents),
    });
  }
  if (def.backward === undefined) {
    if (!outputs.some((o) => isFloating(o.dtype))) return outputs.map(() => null);
    throw new AutogradError(`Trying to use forward AD with ${def.name} that does not support it because it has not been implemented yet.`);
  }
  return transposedBackward(def, inputs, attrs, outputs, tangents);
}

/** J t as d/du <Jᵀu, t>: the backward formula at u (a zero tensor requiring grad), dotted with t, differentiated in u. */
function transposedBackward<A>(
  def: OpDef<A>,
  inputs: readonly Tensor[],
  attrs: A,
  outputs: readonly Tensor[],
  tangents: readonly (Tensor | null)[],
): (Tensor | null)[] {
  const createGraph = isGradEnabled();
  const ctx = formulaContext(inputs, attrs, outputs);
  return outputs.map((o, j) => {
    if (!isFloating(o.dtype)) return null;
    return enableGrad(() => {
      const u = zerosLike(o).requiresGrad_();
      const grads = outputs.map((p, k) => (k === j ? u : zerosLike(p))) as [Tensor, ...Tensor[]];
      const gx = (def.backward as NonNullable<OpDef<A>["backward"]>)(grads, ctx);
      const s = sumTerms(
        gx.map((g, i) => {
          const t = tangents[i];
          return g === null || g === undefined || t === null || t === undefined ? null : g.mul(t).sum();
        }),
      );
      if (s === null || !s.requiresGrad) return zerosLike(o);
      const [r] = runBackward([s], [K.full([], 1, s.dtype)], { retainGraph: createGraph, createGraph, inputs: [u], accumulate: false });
      return r ?? zerosLike(o);
    });
  });
}

/** @internal gives `outputs` their tangents when an input of `def` carries one at the active level. */
export function propagateTangents<A>(def: OpDef<A>, inputs: readonly Tensor[], attrs: A, outputs: readonly Tensor[]): void {
  const tangents = inputs.map(tangentOf);
  if (tangents.every((t) => t === null)) return;
  // Tangents are kept by their tensors: never the backward engine's to recycle (forward-over-reverse runs this inside a backward pass).
  const out = untracked(() => outputTangents(def, inputs, attrs, outputs, tangents));
  outputs.forEach((o, j) => {
    if (isFloating(o.dtype)) setTangent(o, out[j] ?? null);
  });
}

/**
 * @internal the tangent of an in-place op's result: computed from `before`
 * (self as it was) and the other inputs, then written into self's tangent in
 * place (so views of the tangent follow), or given to self when it had none.
 */
export function propagateInplaceTangent<A>(def: OpDef<A>, before: Tensor, inputs: readonly Tensor[], attrs: A): void {
  const self = inputs[0] as Tensor;
  const tangents = [tangentOf(self), ...inputs.slice(1).map(tangentOf)];
  if (tangents.every((t) => t === null)) return;
  const [t] = untracked(() => outputTangents(def, [before, ...inputs.slice(1)], attrs, [self], tangents));
  if (t === null || t === undefined) return;
  const current = tangents[0];
  if (current !== null && current !== undefined) noGrad(() => current.copy_(t));
  else setTangent(self, t);
}
