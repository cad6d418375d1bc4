/**
 * What a custom Function's `apply` does with what `forward` returned
 * (PyTorch's `_wrap_outputs`): the outputs' place in the graph, the saved
 * tensors, and the tangents its `jvp` gives in forward-mode AD. See
 * function.ts for the rules.
 */

import { isFloating } from "../core/dtype.js";
import { AutogradError } from "../core/errors.js";
import { rebaseViewHistory } from "../ops/inplace.js";
import * as K from "../ops/kernels.js";
import { Tensor } from "../tensor.js";
import { setTangent, withoutDualLevel } from "./forward_ad.js";
import type { FunctionClass, FunctionCtx } from "./function.js";
import { noGrad } from "./grad_mode.js";
import { type TensorMeta, tensorMeta } from "./node.js";
import { packSaved, savedHooksActive } from "./saved_hooks.js";

/** @internal gives the Function's tensor outputs the tangents its jvp returns. */
export function applyJvp(cls: FunctionClass, ctx: FunctionCtx, tangents: (Tensor | null)[], out: unknown): void {
  ctx._inJvp = true;
  let returned: unknown;
  try {
    // Its ops compute tangents' values, and see the saved tensors as primals: no level while it runs.
    const jvp = (cls as FunctionClass & { jvp: (ctx: FunctionCtx, ...t: (Tensor | null)[]) => unknown }).jvp;
    returned = noGrad(() => withoutDualLevel(() => jvp.call(cls, ctx, ...tangents)));
  } finally {
    ctx._inJvp = false;
  }
  const outputs = (Array.isArray(out) ? out : [out]) as unknown[];
  const given = (Array.isArray(returned) ? returned : [returned]) as unknown[];
  outputs.forEach((o, i) => {
    const t = given[i];
    if (o instanceof Tensor && t instanceof Tensor && isFloating(o.dtype)) setTangent(o, t);
  });
}

/** @internal PyTorch's _wrap_outputs: gives forward's outputs their place in the graph (see function.ts). */
export function wrapOutputs(ctx: FunctionCtx, raw: unknown, inputs: readonly Tensor[], executable: boolean): unknown {
  const list: unknown[] = Array.isArray(raw) ? [...raw] : [raw];
  const dirty = ctx._dirty;
  if (dirty !== null) {
    for (const d of dirty) {
      if (!list.includes(d)) {
        throw new AutogradError(
          "Some elements marked as dirty during the forward method were not returned as output. The inputs that are modified inplace must all be outputs of the Function.",
        );
      }
    }
  }
  const wrapped = new Map<Tensor, Tensor>();
  const metas: (TensorMeta | undefined)[] = [];
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (!(v instanceof Tensor)) {
      metas.push(undefined);
      continue;
    }
    const t = wrapped.get(v) ?? wrapOutput(ctx, v, i, inputs.indexOf(v), dirty?.has(v) ?? false, executable, list.length);
    if (executable && t._gradFn === ctx) t._outputNr = i;
    wrapped.set(v, t);
    list[i] = t;
    metas.push(tensorMeta(t));
  }
  ctx._outputs = metas;
  ctx._meta = metas.length === 1 && metas[0] !== undefined ? metas[0] : (metas as TensorMeta[]);
  if (executable) saveTensors(ctx, list);
  ctx._toSave = [];
  return Array.isArray(raw) ? list : list[0];
}

function wrapOutput(
  ctx: FunctionCtx,
  t: Tensor,
  outputNr: number,
  inputIndex: number,
  isDirty: boolean,
  executable: boolean,
  outputCount: number,
): Tensor {
  const isInput = inputIndex >= 0;
  if (isDirty) t._storage.version++;
  const differentiable = executable && !(ctx._nonDifferentiable?.has(t) ?? false) && isFloating(t.dtype);
  if (!differentiable) {
    if (!t.requiresGrad) return isInput && !isDirty ? aliasOf(t) : t;
    // Detached aliases of inputs rather than changing their requiresGrad.
    if (isInput) return t.detach();
    if (t._base === null) t.detach_();
    return t;
  }
  if (isDirty) {
    if (t.isLeaf && t.requiresGrad) throw new AutogradError("a leaf Variable that requires grad has been used in an in-place operation.");
    if (!isInput && !warnedDirty.has(ctx._fn)) {
      warnedDirty.add(ctx._fn);
      console.warn(
        "Only input Tensors should be given to ctx.mark_dirty(). If a Tensor is not an input, there is no need to pass it to mark_dirty().",
      );
    }
    if (t._base === null) {
      t._gradFn = ctx;
      t._outputNr = outputNr;
      return t;
    }
    if (outputCount > 1) {
      throw new AutogradError(
        "If your Function modifies inplace an input that is a view of another Tensor, your Function cannot return more than one Tensor. This is not supported by the current autograd engine. You should either make sure the input is not a view (using .clone() for example) or make your Function only return one Tensor (potentially splitting it into two Functions: one doing the inplace that returns a single Tensor and a second one that does the other operations). You can ask on the forum https://discuss.pytorch.org/ if you need help to do this change.",
      );
    }
    // PyTorch would rebase a leaf's history here (and corrupt it); Kindling refuses, as for any in-place op on such a view.
    if (t._base.isLeaf && t._base.requiresGrad) {
      throw new AutogradError("a view of a leaf Variable that requires grad is being used in an in-place operation.");
    }
    rebaseViewHistory(t, ctx, inputIndex);
    return t;
  }
  // An input returned as is comes back as a view of itself, so that it can have its own grad_fn.
  const out = isInput ? aliasOf(t) : t;
  out._gradFn = ctx;
  out._outputNr = outputNr;
  if (out._base !== null) {
    out._diffView = true;
    out._creationMeta = "inCustomFunction";
    out._viewVersion = out._storage.version;
  }
  return out;
}

/** Functions already warned about marking a non-input dirty (once each, as Python's warnings show it once). */
const warnedDirty = new WeakSet<object>();

/** A view of `t` covering all of it (PyTorch's view_as(self) made with grad mode off). */
function aliasOf(t: Tensor): Tensor {
  const v = K.asStrided(t, t.shape, t._strides, t._offset);
  v._base = t._base ?? t;
  v._viewVersion = v._storage.version;
  return v;
}

/** Records what forward saved, with versions, once the outputs are wrapped (so a saved output is known as one). */
function saveTensors(ctx: FunctionCtx, outputs: readonly unknown[]): void {
  const hooked = savedHooksActive();
  ctx._saved = ctx._toSave.map((t) => {
    if (t === null) return null;
    if (hooked) return packSaved(t);
    return { tensor: t, version: t._storage.version, outputNr: outputs.lastIndexOf(t) };
  });
}
