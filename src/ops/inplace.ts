/**
 * In-place ops and views (PyTorch's rebase_history and CopySlices).
 *
 * An in-place op writes its result into the tensor's storage and bumps the
 * version counter shared by every view of that storage. When it records, the
 * tensor's history is rebased onto the op's node. When the tensor is a view,
 * its base gets a CopySlices node (the op applied to the viewed region of the
 * base's gradient) and the view's grad_fn becomes AsStridedBackward0 of the
 * base; other views of the base regenerate theirs the same way when read.
 */

import { dualLevelActive, tangentOf } from "../autograd/forward_ad.js";
import { isGradEnabled } from "../autograd/grad_mode.js";
import { type CreationMeta, type Edge, gradientEdge, Node, OpNode, type TensorMeta, tensorMeta } from "../autograd/node.js";
import { canCast, scalarTypeName } from "../core/dtype.js";
import { ArgumentError, AutogradError, DTypeError } from "../core/errors.js";
import type { Tensor } from "../tensor.js";
import { attachOutputs, defineOp, inputsNeedingGrad, makeNode, type Op, type OpDef, runForward } from "./define.js";
import { propagateInplaceTangent } from "./jvp.js";
import * as K from "./kernels.js";

/** Where a view sits in its base's storage, relative to the base's first element. */
interface Geometry {
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
}

interface AsStridedAttrs {
  view: Geometry;
  base: Geometry;
}

const asStridedOp: Op<AsStridedAttrs> = defineOp<AsStridedAttrs>({
  name: "as_strided",
  gradFn: "AsStridedBackward0",
  view: true,
  forward: ([x], { view }) => K.asStrided(x as Tensor, view.shape, view.strides, (x as Tensor)._offset + view.offset),
  backward: ([g], c) => [asStridedScatterOp([g], c.attrs)],
});

// The gradient of a strided view: zeros laid out like the base, with the
// view's elements added in (repeated elements of an expanded view sum).
// Its derivative reads the view's elements back, so it needs its gradient
// laid out like the base too (an expanded or differently strided gradient
// would be read at the wrong memory offsets).
const asStridedScatterOp: Op<AsStridedAttrs> = defineOp<AsStridedAttrs>({
  name: "as_strided_backward",
  gradFn: "AsStridedBackwardBackward0",
  forward: ([g], { view, base }) => {
    const out = K.emptyStrided(base.shape, base.strides, (g as Tensor).dtype, (g as Tensor).device);
    K.addInto(K.asStrided(out, view.shape, view.strides, view.offset), g as Tensor);
    return out;
  },
  backward: ([gg], c) => [asStridedOp([laidOutAs(gg, c.attrs.base)], c.attrs)],
});

/** `t` (of the base's shape) with the base's strides: itself, or a copy recorded in the graph (CopyBackwards). */
function laidOutAs(t: Tensor, base: Geometry): Tensor {
  if (t._strides.every((s, d) => s === base.strides[d])) return t;
  const out = K.emptyStrided(base.shape, base.strides, t.dtype, t.device);
  out.copy_(t);
  return out;
}

function geometry(t: Tensor, base: Tensor): Geometry {
  return { shape: t.shape, strides: t._strides, offset: t._offset - base._offset };
}

function baseGeometry(base: Tensor): Geometry {
  return { shape: base.shape, strides: base._strides, offset: 0 };
}

/** Gives `view` the grad_fn AsStridedBackward0 pointing at its base's current history. */
function rebaseView(view: Tensor, base: Tensor): void {
  const attrs: AsStridedAttrs = { view: geometry(view, base), base: baseGeometry(base) };
  const node = new OpNode(asStridedOp.def, attrs, [gradientEdge(base)], [true], [tensorMeta(base)]);
  node._meta = tensorMeta(view);
  view._gradFn = node;
  view._outputNr = 0;
  view._viewVersion = view._storage.version;
}

/**
 * @internal regenerates a view's grad_fn if its storage changed in place
 * since it was set (PyTorch's VariableHooks::grad_fn); one of several views
 * may not be regenerated.
 */
export function refreshView(view: Tensor): void {
  const base = view._base;
  if (base === null || !view._diffView || view._viewVersion === view._storage.version) return;
  if (view._gradFn === null && !base.requiresGrad) return;
  if (view._creationMeta !== "default") throw viewModifiedError(view, true);
  view._viewVersion = view._storage.version;
  rebaseView(view, base);
}

/**
 * PyTorch's handle_view_on_rebase: the error for a view that may not follow
 * an in-place change, made to it (`indirect` false) or to its base or
 * another view of the base (`indirect` true).
 */
function viewModifiedError(view: Tensor, indirect: boolean): AutogradError {
  const modified = indirect ? "its base or another view of its base has been" : "is being";
  const fn = view._gradFn;
  let msg: string;
  if (!view._diffView || fn === null) {
    const prefix =
      fn === null ? "A view was created in" : `Output ${view._outputNr} of ${fn.name} is a view of a view which was created in`;
    msg = `${prefix} no_grad mode and ${modified} modified inplace with grad mode enabled.`;
  } else {
    msg = `Output ${view._outputNr} of ${fn.name} is a view and ${modified} modified inplace.`;
  }
  return new AutogradError(`${msg} ${VIEW_RULES[view._creationMeta]}`);
}

/** What PyTorch's handle_view_on_rebase says of each way a view can be made. */
const VIEW_RULES: Readonly<Record<CreationMeta, string>> = {
  multipleOutputs:
    "This view is the output of a function that returns multiple views. Such functions do not allow the output views to be modified inplace. You should replace the inplace operation by an out-of-place one.",
  inCustomFunction:
    "This view was created inside a custom Function (or because an input was returned as-is) and the autograd logic to handle view+inplace would override the custom backward associated with the custom Function, leading to incorrect gradients. This behavior is forbidden. You can fix this by cloning the output of the custom Function.",
  default:
    "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the view and the inplace either both inside the no_grad block (if you don't want the inplace to be tracked) or both outside (if you want the inplace to be tracked).",
};

/**
 * The node a base gets when one of its views is modified in place: the
 * base's gradient, with the viewed region replaced by what the in-place op's
 * backward makes of it; the op's other inputs get their gradients as usual.
 */
class CopySlices extends Node {
  readonly name = "CopySlices";

  /** `selfIndex`: which of fn's inputs is the view (the first for an op; any for a custom Function's dirty input). */
  constructor(
    baseEdge: Edge | null,
    baseMeta: TensorMeta,
    private readonly base: Geometry,
    private readonly view: Geometry,
    private readonly fn: Node,
    private readonly selfIndex = 0,
  ) {
    super(fn._next.map((e, i) => (i === selfIndex ? baseEdge : e)));
    this._meta = baseMeta;
  }

  override get _runsUserCode(): boolean {
    return this.fn._runsUserCode;
  }

  _apply(grads: (Tensor | null)[], createGraph: boolean): (Tensor | null)[] {
    const g = grads[0];
    if (g === null || g === undefined) return this._next.map(() => null);
    const result = K.emptyStrided(this.base.shape, this.base.strides, g.dtype, g.device);
    result.copy_(g);
    const slice = asStridedOp([result], { view: this.view, base: this.base });
    const res = this.fn._apply([slice.clone()], createGraph);
    const selfGrad = res[this.selfIndex];
    if (selfGrad !== null && selfGrad !== undefined) slice.copy_(selfGrad);
    else slice.zero_();
    return this._next.map((_, i) => (i === this.selfIndex ? result : (res[i] ?? null)));
  }

  override _release(): void {
    this.fn._release();
  }
}

/** PyTorch's checks before an in-place op on `self` while recording. */
const OVERLAP_HINT = "Please clone() the tensor before performing the operation.";

/**
 * PyTorch's memory-overlap checks for in-place ops: the written-to tensor may
 * not have elements sharing memory (an expanded view), except for fills, and
 * an input may not partly overlap it (the same memory in a different layout).
 */
function checkOverlap<A>(def: OpDef<A>, self: Tensor, inputs: readonly Tensor[]): void {
  if (!def.fills && hasInternalOverlap(self)) {
    throw new ArgumentError(
      `unsupported operation: more than one element of the written-to tensor refers to a single memory location. ${OVERLAP_HINT}`,
    );
  }
  for (let i = 1; i < inputs.length; i++) {
    const x = inputs[i] as Tensor;
    if (partlyOverlaps(self, x)) {
      throw new ArgumentError(
        `unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location. ${OVERLAP_HINT}`,
      );
    }
  }
}

/** A size > 1 dim with stride 0 (what PyTorch detects as internal overlap). */
function hasInternalOverlap(t: Tensor): boolean {
  for (let d = 0; d < t.ndim; d++) if (t._strides[d] === 0 && (t.shape[d] as number) > 1) return true;
  return false;
}

/** Whether the layout covers a block of memory exactly once (a permutation of a contiguous layout). */
function nonOverlappingAndDense(t: Tensor): boolean {
  const dims = t.shape.map((s, d) => [s, Math.abs(t._strides[d] as number)] as const).filter(([s]) => s !== 1);
  dims.sort((a, b) => a[1] - b[1]);
  let expected = 1;
  for (const [size, stride] of dims) {
    if (stride !== expected) return false;
    expected *= size;
  }
  return true;
}

/** PyTorch's partial overlap: the same storage, both dense, memory ranges that meet but differ (or the same range in another order). */
function partlyOverlaps(a: Tensor, b: Tensor): boolean {
  if (a._storage !== b._storage || a.numel() === 0 || b.numel() === 0) return false;
  if (!nonOverlappingAndDense(a) || !nonOverlappingAndDense(b)) return false;
  const aStart = a._offset;
  const bStart = b._offset;
  const aEnd = aStart + a.numel();
  const bEnd = bStart + b.numel();
  if (aStart === bStart && aEnd === bEnd) {
    return !(a.shape.length === b.shape.length && a._strides.every((s, d) => s === b._strides[d]));
  }
  return aStart < bEnd && bStart < aEnd;
}

/**
 * PyTorch's check_inplace, when grad mode is on and an input requires grad
 * (a view requires grad when its base does): a view made in no-grad mode or
 * one of several views may not be modified; nor may a leaf requiring grad or
 * a view of one.
 */
function checkInplace(self: Tensor, inputs: readonly Tensor[]): void {
  if (!isGradEnabled()) return;
  const base = self._base;
  if (!inputs.some((t) => t.requiresGrad) && !(base?.requiresGrad ?? false)) return;
  if (base !== null) {
    if (self._creationMeta !== "default" || !self._diffView) throw viewModifiedError(self, false);
    if (base.isLeaf && base.requiresGrad) {
      throw new AutogradError("a view of a leaf Variable that requires grad is being used in an in-place operation.");
    }
  }
  if (self.isLeaf && self.requiresGrad) {
    throw new AutogradError("a leaf Variable that requires grad is being used in an in-place operation.");
  }
}

/** A copy of `t`'s values that keeps its place in the graph (the value an in-place op overwrites). */
function snapshot(t: Tensor): Tensor {
  const c = K.copy(t);
  c._gradFn = t.gradFn;
  c._outputNr = t._outputNr;
  c._requiresGrad = t._requiresGrad;
  return c;
}

/**
 * Runs `def` in place on `inputs[0]`: the result is written into its
 * storage, the version counter is bumped and, when recording, the history is
 * rebased onto the op's node (through CopySlices for views).
 */
export function applyInplace<A>(def: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  const self = inputs[0] as Tensor;
  const op = `${def.name}_`;
  checkInplace(self, inputs);
  checkOverlap(def, self, inputs);
  const needs = inputsNeedingGrad(def, inputs);
  // A formula reading the inputs needs self as it was before the write.
  const savesInputs = def.save === "inputs" || def.save === "both";
  const saved = needs !== null && savesInputs ? [snapshot(self), ...inputs.slice(1)] : null;
  // Forward AD reads self as it was too (its tangent is computed after the write).
  const before = dualLevelActive() && inputs.some((t) => tangentOf(t) !== null) ? (saved?.[0] ?? K.copy(self)) : null;
  const result = runForward(def, inputs, attrs, self)[0] as Tensor;
  // The kernel wrote into self when it could; otherwise copy the result in.
  if (result !== self) {
    if (!canCast(result.dtype, self.dtype)) {
      throw new DTypeError(
        `${op}: result type ${scalarTypeName(result.dtype)} can't be cast to the desired output type ${scalarTypeName(self.dtype)}`,
      );
    }
    K.copyInto(self, result, op);
  }
  self._storage.version++;
  if (needs !== null) recordInplace(def, inputs, attrs, needs, saved);
  if (before !== null) propagateInplaceTangent(def, before, inputs, attrs);
  return self;
}

/** Rebases self's history onto the in-place op's node (through CopySlices for a view). */
function recordInplace<A>(def: OpDef<A>, inputs: readonly Tensor[], attrs: A, needs: readonly boolean[], saved: Tensor[] | null): void {
  const self = inputs[0] as Tensor;
  const others = inputs.map((t, i) => (i > 0 && needs[i] ? gradientEdge(t) : null));
  const base = self._base;
  const onView = base !== null && self._diffView;
  const node = makeNode(def, inputs, attrs, needs, onView ? others : [needs[0] ? gradientEdge(self) : null, ...others.slice(1)]);
  if (saved !== null) node._saveInputs(saved);
  attachOutputs(node, [self]);
  if (def.save === "result" || def.save === "both") node._saveResults([self]);
  if (onView) rebaseViewHistory(self, node, 0);
}

/**
 * @internal PyTorch's rebase_history for a view `self` that `node` modified
 * in place (`self` is the node's input `selfIndex`): the base's history goes
 * through CopySlices of `node`, and the view's grad_fn becomes
 * AsStridedBackward0 of the base.
 */
export function rebaseViewHistory(self: Tensor, node: Node, selfIndex: number): void {
  const base = self._base as Tensor;
  const copySlices = new CopySlices(
    base.requiresGrad ? gradientEdge(base) : null,
    tensorMeta(base),
    baseGeometry(base),
    geometry(self, base),
    node,
    selfIndex,
  );
  base._gradFn = copySlices;
  base._outputNr = 0;
  rebaseView(self, base);
}
