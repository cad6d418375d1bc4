/**
 * The op table's machinery. An op is defined once: its forward (written
 * with kernels), what it saves, and its backward formula written with
 * differentiable tensor ops (so createGraph gives higher derivatives).
 * `applyOp` does the plumbing shared by every op: the grad-mode check,
 * which inputs need a gradient, saving with version stamps, building the
 * node and its edges.
 */

import { dualLevelActive } from "../autograd/forward_ad.js";
import { isGradEnabled, setGradEnabled } from "../autograd/grad_mode.js";
import { type Edge, type Formula, gradientEdge, OpNode, type TensorMeta, tensorMeta } from "../autograd/node.js";
import { notOnDevice, SyncReadError } from "../backend/buffer.js";
import { currentDevice, type Device, deviceLabel, onDevice } from "../core/device.js";
import { isFloating } from "../core/dtype.js";
import { DeviceError, OutOfMemoryError } from "../core/errors.js";
import type { Tensor } from "../tensor.js";
import { type Jvp, propagateTangents } from "./jvp.js";
import * as K from "./kernels.js";

export interface OpDef<A> {
  /** PyTorch's name of the op (in errors and the docs). */
  readonly name: string;
  /** PyTorch's name of the backward node, e.g. `MulBackward0` (a function of the attributes where it varies). */
  readonly gradFn?: string | ((attrs: A) => string);
  /** What the backward formula reads: the inputs, the outputs, or both. */
  readonly save?: "inputs" | "result" | "both";
  /**
   * Whether the outputs are views of the first input (sharing its storage).
   * `"multiple"`: the op returns several views (unbind, split), which, as in
   * PyTorch, may not be modified in place while recording.
   */
  readonly view?: boolean | "multiple";
  /**
   * Whether the attributes hold data PyTorch's node keeps as saved tensors
   * (the index tensors of `index`, `index_put_`): like saved tensors, they
   * are released by a backward pass without retainGraph, and a formula
   * reading them afterwards raises PyTorch's backward-twice error.
   */
  readonly saveAttrs?: boolean;
  /**
   * Whether the op fills its first input without reading it (zero_, fill_,
   * random fills): in place, it may then write to a tensor whose elements
   * share memory (an expanded view), as PyTorch allows for fills.
   */
  readonly fills?: boolean;
  /** The op takes its inputs from any device and runs on the first one's (copy_: PyTorch's copy crosses devices). */
  readonly crossDevice?: boolean;
  /**
   * Computes the outputs from the inputs; runs with grad mode off and returns
   * new tensors. `into`, given when the op runs in place, is where the result
   * goes: a forward that is one kernel call passes it to the kernel, which
   * writes there when it can (same shape and dtype, no overlapping operand)
   * and returns it; otherwise the result is copied in afterwards.
   */
  readonly forward: (inputs: readonly Tensor[], attrs: A, into?: Tensor) => Tensor | Tensor[];
  /** Gradients of the inputs from the gradients of the outputs; absent for non-differentiable ops. */
  readonly backward?: Formula<A>;
  /** How forward-mode AD gives the outputs their tangents (ops/jvp.ts); absent: the backward formula, transposed. */
  readonly jvp?: Jvp<A>;
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
  // The node's name must not need the attributes once they are released.
  if (def.saveAttrs === true && typeof def.gradFn === "function") throw new Error(`${def.name}: saveAttrs needs a fixed gradFn name`);
  registry.push(def as OpDef<never>);
  const many = (inputs: readonly Tensor[], attrs: A) => applyOp(def, inputs, attrs);
  const op = (inputs: readonly Tensor[], attrs: A) => many(inputs, attrs)[0] as Tensor;
  return Object.assign(op, { def, many });
}

/** @internal runs the forward with grad mode off. */
export function runForward<A>(def: OpDef<A>, inputs: readonly Tensor[], attrs: A, into?: Tensor): Tensor[] {
  const device = def.crossDevice === true ? (inputs[0] as Tensor).device : commonDevice(def.name, inputs);
  const prev = isGradEnabled();
  setGradEnabled(false);
  try {
    // An op without tensor inputs (a factory) allocates on the device of the op that runs it.
    const out =
      device === currentDevice() || inputs.length === 0
        ? def.forward(inputs, attrs, into)
        : onDevice(device, () => def.forward(inputs, attrs, into));
    return Array.isArray(out) ? out : [out];
  } catch (e) {
    if (e instanceof SyncReadError && device !== "cpu") throw notOnDevice(`${def.name}()`, device);
    throw e instanceof OutOfMemoryError ? namedAllocationError(e, def.name) : e;
  } finally {
    setGradEnabled(prev);
  }
}

/**
 * The device an op's inputs agree on, which it runs on; PyTorch's error when
 * two differ. A 0-d CPU tensor may join an op on another device (PyTorch
 * treats it as a scalar).
 */
function commonDevice(op: string, inputs: readonly Tensor[]): Device {
  let device: Device = "cpu";
  let cpuTensor = false;
  for (const t of inputs) {
    const d = t.device;
    if (d === "cpu") {
      if (t.ndim !== 0) cpuTensor = true;
    } else if (device === "cpu") device = d;
  }
  if (device !== "cpu" && cpuTensor) {
    throw new DeviceError(
      `${op}(): Expected all tensors to be on the same device, but found at least two devices, ${deviceLabel(device)} and cpu! (move them with x.to("${device}"))`,
    );
  }
  return device;
}

/** An allocation error names the op whose forward could not allocate its result (the innermost one). */
function namedAllocationError(e: OutOfMemoryError, op: string): OutOfMemoryError {
  return e.message.startsWith("DefaultCPUAllocator") ? new OutOfMemoryError(`${op}(): ${e.message}`) : e;
}

/** @internal which inputs need a gradient (null: nothing to record). */
export function inputsNeedingGrad<A>(def: OpDef<A>, inputs: readonly Tensor[]): readonly boolean[] | null {
  if (def.backward === undefined || !isGradEnabled()) return null;
  const n = inputs.length;
  let mask = 0;
  for (let i = 0; i < n; i++) if ((inputs[i] as Tensor).requiresGrad) mask |= 1 << Math.min(i, 30);
  if (mask === 0) return null;
  if (n <= 4) return sharedNeeds(n, mask);
  return inputs.map((t) => t.requiresGrad);
}

/** The frozen needs array for `n` inputs and a bit mask (nodes share them: a graph holds thousands). */
const needsCache: (readonly boolean[])[][] = [0, 1, 2, 3, 4].map((n) =>
  Array.from({ length: 1 << n }, (_, mask) => Object.freeze(Array.from({ length: n }, (_, i) => (mask & (1 << i)) !== 0))),
);

function sharedNeeds(n: number, mask: number): readonly boolean[] {
  return (needsCache[n] as (readonly boolean[])[])[mask] as readonly boolean[];
}

OpNode.zeros = (meta: TensorMeta) => K.full(meta.shape, 0, meta.dtype, undefined, meta.device);

/**
 * Records that `outputs` view `input`'s storage (their base is the tensor
 * that owns it). Views made while recording of one of several views stay
 * unmodifiable in place (PyTorch's propagate_creation_meta).
 */
function markViews(input: Tensor, outputs: readonly Tensor[], multiple: boolean): void {
  const base = input._base ?? input;
  const recording = isGradEnabled();
  const creation = !recording ? "default" : multiple ? "multipleOutputs" : input._creationMeta;
  for (const o of outputs) {
    o._base = base;
    o._diffView = recording;
    o._creationMeta = creation;
    o._viewVersion = o._storage.version;
  }
}

/** @internal builds the node of an op (edges given: in-place ops on views route them differently). */
export function makeNode<A>(
  def: OpDef<A>,
  inputs: readonly Tensor[],
  attrs: A,
  needs: readonly boolean[],
  edges: (Edge | null)[],
): OpNode<A> {
  const meta: TensorMeta[] = inputs.map(tensorMeta);
  return new OpNode(def, attrs, edges, needs, meta);
}

/** @internal makes `outputs` the outputs of `node` (floating ones only: integer results never require grad). */
export function attachOutputs<A>(node: OpNode<A>, outputs: readonly Tensor[]): void {
  node._meta = outputs.length === 1 ? tensorMeta(outputs[0] as Tensor) : outputs.map(tensorMeta);
  for (let j = 0; j < outputs.length; j++) {
    const t = outputs[j] as Tensor;
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
  if (def.view) markViews(inputs[0] as Tensor, outputs, def.view === "multiple");
  if (needs !== null) record(def, inputs, attrs, needs, outputs);
  // After recording: a jvp rule reading the outputs sees their grad_fn (forward-over-reverse).
  if (dualLevelActive()) propagateTangents(def, inputs, attrs, outputs);
  return outputs;
}

/** Builds the node of an op that records, and makes `outputs` its outputs. */
function record<A>(def: OpDef<A>, inputs: readonly Tensor[], attrs: A, needs: readonly boolean[], outputs: Tensor[]): void {
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
}
