/**
 * The op table's machinery. An op is defined once: its forward (written
 * with kernels), what it saves, and its backward formula written with
 * differentiable tensor ops (so createGraph gives higher derivatives).
 * `applyOp` does the plumbing shared by every op: the grad-mode check,
 * which inputs need a gradient, saving with version stamps, building the
 * node and its edges.
 */

import { isGradEnabled, setGradEnabled } from "../autograd/grad_mode.js";
import { type Edge, type Formula, gradientEdge, OpNode, type TensorMeta } from "../autograd/node.js";
import { canCast, isFloating, scalarTypeName } from "../core/dtype.js";
import { AutogradError, DTypeError } from "../core/errors.js";
import type { Tensor } from "../tensor.js";
import * as K from "./kernels.js";

export interface OpDef<A> {
  /** PyTorch's name of the op (in errors and the docs). */
  readonly name: string;
  /** PyTorch's name of the backward node, e.g. `MulBackward0` (a function of the attributes where it varies). */
  readonly gradFn?: string | ((attrs: A) => string);
  /** What the backward formula reads: the inputs, the outputs, or both. */
  readonly save?: "inputs" | "result" | "both";
  /** Whether the outputs are views of the first input (sharing its storage). */
  readonly view?: boolean;
  /** Computes the outputs from the inputs; runs with grad mode off and returns new tensors. */
  readonly forward: (inputs: readonly Tensor[], attrs: A) => Tensor | Tensor[];
  /** Gradients of the inputs from the gradients of the outputs; absent for non-differentiable ops. */
  readonly backward?: Formula<A>;
}

/** A defined op: its table entry plus the function that applies it. */
export interface Op<A> {
  readonly def: OpDef<A>;
  /** Applies the op, recording it when a floating input requires grad and grad mode is on. */
  (inputs: readonly Tensor[], attrs: A): Tensor;
  /** For ops with several outputs. */
  many(inputs: readonly Tensor[], attrs: A): Tensor[];
}

const registry: OpDef<never>[] = [];

/** Every op defined so far (docs and generic tests iterate over it). */
export function opTable(): readonly OpDef<unknown>[] {
  return registry as unknown as readonly OpDef<unknown>[];
}

/** Defines an op (one entry of the op table). */
export function defineOp<A = Record<string, never>>(def: OpDef<A>): Op<A> {
  registry.push(def as OpDef<never>);
  const many = (inputs: readonly Tensor[], attrs: A) => applyOp(def, inputs, attrs);
  const op = (inputs: readonly Tensor[], attrs: A) => many(inputs, attrs)[0] as Tensor;
  return Object.assign(op, { def, many });
}

function runForward<A>(def: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor[] {
  const prev = isGradEnabled();
  setGradEnabled(false);
  try {
    const out = def.forward(inputs, attrs);
    return Array.isArray(out) ? out : [out];
  } finally {
    setGradEnabled(prev);
  }
}

/** Which inputs need a gradient (null: nothing to record). */
function inputsNeedingGrad<A>(def: OpDef<A>, inputs: readonly Tensor[]): boolean[] | null {
  if (def.backward === undefined || !isGradEnabled()) return null;
  let needs: boolean[] | null = null;
  for (let i = 0; i < inputs.length; i++) {
    if ((inputs[i] as Tensor).requiresGrad) {
      needs ??= new Array<boolean>(inputs.length).fill(false);
      needs[i] = true;
    }
  }
  return needs;
}

function nodeName<A>(def: OpDef<A>, attrs: A): string {
  const g = def.gradFn;
  if (g === undefined) return `${def.name}Backward0`;
  return typeof g === "string" ? g : g(attrs);
}

const zerosFor = (meta: TensorMeta) => K.full(meta.shape, 0, meta.dtype);

function makeNode<A>(def: OpDef<A>, inputs: readonly Tensor[], attrs: A, needs: boolean[], edges: (Edge | null)[]): OpNode<A> {
  const meta: TensorMeta[] = inputs.map((t) => ({ shape: t.shape, dtype: t.dtype }));
  return new OpNode(nodeName(def, attrs), def.backward as Formula<A>, attrs, edges, needs, meta, zerosFor);
}

/** Makes `out` outputs of `node` (floating outputs only: integer results never require grad). */
function attachOutputs<A>(node: OpNode<A>, outputs: readonly Tensor[]): void {
  for (let j = 0; j < outputs.length; j++) {
    const t = outputs[j] as Tensor;
    node._meta[j] = { shape: t.shape, dtype: t.dtype };
    if (isFloating(t.dtype)) {
      t._gradFn = node;
      t._outputNr = j;
    }
  }
}

/** Runs an op and records it in the graph when needed. */
export function applyOp<A>(def: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor[] {
  const needs = inputsNeedingGrad(def, inputs);
  const outputs = runForward(def, inputs, attrs);
  if (def.view) {
    const base = inputs[0] as Tensor;
    for (const o of outputs) o._base = base._base ?? base;
  }
  if (needs === null) return outputs;
  const node = makeNode(
    def,
    inputs,
    attrs,
    needs,
    inputs.map((t, i) => (needs[i] ? gradientEdge(t) : null)),
  );
  if (def.save === "inputs" || def.save === "both") node._saveInputs(inputs);
  attachOutputs(node, outputs);
  if (def.save === "result" || def.save === "both") node._saveResults(outputs);
  return outputs;
}

/** PyTorch's checks before an in-place op on `self` while recording. */
function checkInplace(self: Tensor, op: string): void {
  if (!isGradEnabled()) return;
  if (self.isLeaf && self.requiresGrad) {
    throw new AutogradError(`${op}: a leaf Variable that requires grad is being used in an in-place operation.`);
  }
  const base = self._base;
  if (base?.isLeaf && base.requiresGrad) {
    throw new AutogradError(`${op}: a view of a leaf Variable that requires grad is being used in an in-place operation.`);
  }
}

/** A copy of `t`'s values that keeps its place in the graph (the value an in-place op overwrites). */
function snapshot(t: Tensor): Tensor {
  const c = K.copy(t);
  c._gradFn = t._gradFn;
  c._outputNr = t._outputNr;
  c._requiresGrad = t._requiresGrad;
  return c;
}

/**
 * Runs `op` in place on `inputs[0]`: the result is written into its storage,
 * its version counter is bumped and, when recording, its history is rebased
 * onto the op's node (PyTorch's rebase_history).
 */
export function applyInplace<A>(def: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  const self = inputs[0] as Tensor;
  checkInplace(self, `${def.name}_`);
  const needs = inputsNeedingGrad(def, inputs);
  // A formula reading the inputs needs self as it was before the write.
  const saved = needs !== null && (def.save === "inputs" || def.save === "both") ? [snapshot(self), ...inputs.slice(1)] : null;
  const result = runForward(def, inputs, attrs)[0] as Tensor;
  if (!canCast(result.dtype, self.dtype)) {
    throw new DTypeError(
      `${def.name}_: result type ${scalarTypeName(result.dtype)} can't be cast to the desired output type ${scalarTypeName(self.dtype)}`,
    );
  }
  K.copyInto(self, result);
  self._storage.version++;
  if (needs === null) return self;
  if (self._base?.requiresGrad) {
    throw new AutogradError(`${def.name}_: in-place operations on views of tensors that require grad are not supported yet`);
  }
  const node = makeNode(
    def,
    inputs,
    attrs,
    needs,
    inputs.map((t, i) => (needs[i] ? gradientEdge(t) : null)),
  );
  if (saved !== null) node._saveInputs(saved);
  attachOutputs(node, [self]);
  if (def.save === "result" || def.save === "both") node._saveResults([self]);
  return self;
}
