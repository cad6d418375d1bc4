/**
 * Graph nodes. Every op that records creates one node holding edges to the
 * nodes of its inputs, the tensors its backward formula needs (saved with
 * the version they had), and the metadata of the tensors it produced.
 */

import { notOnDevice, SyncReadError } from "../backend/buffer.js";
import { currentDevice, type Device, onDevice } from "../core/device.js";
import type { DType } from "../core/dtype.js";
import { legacyTypeName } from "../core/dtype.js";
import { AutogradError } from "../core/errors.js";
import { formatShape } from "../core/shape.js";
import type { RemovableHandle, Tensor } from "../tensor.js";
import { isAnomalyEnabled, recordTrace } from "./anomaly.js";
import { PackedSaved, packSaved, savedHooksActive } from "./saved_hooks.js";

/**
 * A tensor hook: gets the gradient, may return a replacement. (It gets null
 * on an output of a multi-output op that received no gradient while another
 * output did; see `Tensor.registerHook`.)
 */
export type Hook = (grad: Tensor) => Tensor | undefined | void;

/** A node hook run after the node computed its gradients (PyTorch's `Node.register_hook`). */
export type NodeHook = (gradInputs: (Tensor | null)[], gradOutputs: (Tensor | null)[]) => (Tensor | null)[] | undefined | void;

/** A node hook run before the node computes its gradients (PyTorch's `Node.register_prehook`). */
export type NodePreHook = (gradOutputs: (Tensor | null)[]) => (Tensor | null)[] | undefined | void;

/** Where a gradient goes: input `inputNr` of `node`. */
export interface Edge {
  /** The node the gradient flows into. */
  readonly node: Node;
  /** Which of the node's incoming gradients it is: the index of the forward output it belongs to (PyTorch's `input_nr`). */
  readonly inputNr: number;
}

/** How a view was made, where that limits what may be done to it (PyTorch's CreationMeta; see Tensor._creationMeta). */
export type CreationMeta = "default" | "multipleOutputs" | "inCustomFunction";

/** Shape and dtype of a tensor a node produced; gradients flowing back are checked against it. */
export interface TensorMeta {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly device: Device;
}

const inspectSymbol = Symbol.for("nodejs.util.inspect.custom");

/** @internal PyTorch's error for a saved tensor read after the graph was freed. */
export const BACKWARD_TWICE =
  "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). " +
  "Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). " +
  "Specify retainGraph: true if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.";

let sequenceCounter = 0;

const NO_META: TensorMeta[] = Object.freeze([]) as unknown as TensorMeta[];

/** @internal what a backward pass keeps per node: the edges still to arrive and the gradients so far. */
export interface RunSlot {
  pass: number;
  deps: number;
  buffer: (Tensor | null)[] | null;
}

/** @internal a node's hooks. */
export interface NodeHooks {
  /** Tensor hooks per output number, in registration order. */
  tensor: Map<number, Map<number, Hook>> | null;
  /** Non-leaf outputs whose gradient is kept (retainGrad). */
  retained: Map<number, Tensor> | null;
  pre: Map<number, NodePreHook> | null;
  post: Map<number, NodeHook> | null;
  nextId: number;
}

/** A node of the backward graph (PyTorch's `torch.autograd.graph.Node`). */
export abstract class Node {
  /** PyTorch's class name of the node, e.g. `MulBackward0`. */
  abstract readonly name: string;
  /** @internal creation order; later nodes run first when several are ready. */
  readonly _seq: number;
  /** @internal one edge per input of the op (null where the input needs no gradient). */
  _next: (Edge | null)[];
  /**
   * @internal metadata of the op's outputs: the one output's, or a list when
   * there are several (a graph has thousands of nodes, most with one output).
   */
  _meta: TensorMeta | readonly TensorMeta[] = NO_META;

  /** @internal the metadata of output `i`. */
  _outputMeta(i: number): TensorMeta | undefined {
    const m = this._meta;
    return Array.isArray(m) ? (m as readonly TensorMeta[])[i] : i === 0 ? (m as TensorMeta) : undefined;
  }

  /** @internal how many outputs the node has metadata for. */
  _outputCount(): number {
    const m = this._meta;
    return Array.isArray(m) ? m.length : 1;
  }
  /** @internal hooks and retained gradients, allocated on first use (a graph has thousands of nodes and few hooks). */
  _hooks: NodeHooks | null = null;
  /** @internal the engine's bookkeeping for this node during a backward pass (see engine.ts). */
  _run: RunSlot | null = null;

  constructor(next: (Edge | null)[], seq: number = sequenceCounter++) {
    this._next = next;
    this._seq = seq;
    if (isAnomalyEnabled()) recordTrace(this);
  }

  /**
   * @internal whether `_apply` runs the user's code (a custom Function's
   * backward), which may keep the gradients it gets or makes: the engine then
   * never reuses their buffers.
   */
  get _runsUserCode(): boolean {
    return false;
  }

  /** @internal computes the gradients of the inputs from the gradients of the outputs. */
  abstract _apply(grads: (Tensor | null)[], createGraph: boolean): (Tensor | null)[];

  /** @internal frees saved tensors (after a backward pass without retainGraph). */
  _release(): void {}

  /** @internal the tensors the node keeps for backward, named as a drawing of the graph labels them (none once released). */
  _savedForDrawing(): [string, Tensor][] {
    return [];
  }

  /** The nodes this one sends gradients to, with the input number at each: `[node, inputNr]` (`[null, 0]` for inputs without grad). */
  get nextFunctions(): [Node | null, number][] {
    return this._next.map((e) => (e === null ? [null, 0] : [e.node, e.inputNr]));
  }

  /** Registers a hook run after this node computed the gradients of its inputs; it may return replacements. */
  registerHook(hook: NodeHook): RemovableHandle {
    const h = this._hooksOf();
    h.post ??= new Map();
    return this._addTo(h.post, hook);
  }

  /** Registers a hook run before this node runs, with the gradients of its outputs; it may return replacements. */
  registerPrehook(hook: NodePreHook): RemovableHandle {
    const h = this._hooksOf();
    h.pre ??= new Map();
    return this._addTo(h.pre, hook);
  }

  /** @internal */
  _addTensorHook(outputNr: number, hook: Hook): RemovableHandle {
    const h = this._hooksOf();
    h.tensor ??= new Map();
    let hooks = h.tensor.get(outputNr);
    if (hooks === undefined) {
      hooks = new Map();
      h.tensor.set(outputNr, hooks);
    }
    return this._addTo(hooks, hook);
  }

  /** @internal */
  _retainGrad(outputNr: number, tensor: Tensor): void {
    const h = this._hooksOf();
    h.retained ??= new Map();
    h.retained.set(outputNr, tensor);
  }

  private _hooksOf(): NodeHooks {
    this._hooks ??= { tensor: null, retained: null, pre: null, post: null, nextId: 0 };
    return this._hooks;
  }

  private _addTo<H>(map: Map<number, H>, hook: H): RemovableHandle {
    const id = this._hooksOf().nextId++;
    map.set(id, hook);
    return { remove: () => void map.delete(id) };
  }

  /** The node's name in angle brackets (`<MulBackward0>`), as a tensor's printed `grad_fn=` shows it. */
  toString(): string {
    return `<${this.name}>`;
  }

  /** @internal */
  [inspectSymbol](): string {
    return this.toString();
  }
}

/** The node that adds incoming gradients into a leaf's `.grad`. */
export class AccumulateGrad extends Node {
  readonly name = "AccumulateGrad";
  /** The leaf tensor whose gradient this node accumulates. */
  readonly variable: Tensor;

  constructor(variable: Tensor) {
    // Leaves accumulate as soon as their gradient is complete.
    super([], Number.POSITIVE_INFINITY);
    this.variable = variable;
    this._meta = { shape: variable.shape, dtype: variable.dtype, device: variable.device };
  }

  /** @internal the engine accumulates into `variable.grad` itself (see engine.ts). */
  _apply(): (Tensor | null)[] {
    return [];
  }
}

/** @internal the (cached) AccumulateGrad node of a leaf that requires grad. */
export function gradAccumulator(leaf: Tensor): AccumulateGrad {
  leaf._gradAccumulator ??= new AccumulateGrad(leaf);
  return leaf._gradAccumulator;
}

/** @internal where a tensor stands in the graph: its grad_fn and output number, or (a leaf that requires grad) its accumulator. */
export interface GraphPlace {
  readonly gradFn: Node | null;
  readonly outputNr: number;
  readonly accumulator: AccumulateGrad | null;
}

/** @internal `t`'s place in the graph. */
export function graphPlaceOf(t: Tensor): GraphPlace {
  const gradFn = t.gradFn;
  return { gradFn, outputNr: t._outputNr, accumulator: gradFn === null && t.requiresGrad ? gradAccumulator(t) : null };
}

/**
 * @internal a tensor over `data`'s storage standing at `place` in the graph
 * (a saved tensor's unpacked copy, a primal without its tangent): gradients
 * reaching it flow where they would have flowed from the tensor it stands for.
 */
export function atGraphPlace(data: Tensor, place: GraphPlace): Tensor {
  const out = data.detach();
  out._gradFn = place.gradFn;
  out._outputNr = place.outputNr;
  out._requiresGrad = place.accumulator !== null;
  out._gradAccumulator = place.accumulator;
  return out;
}

/** @internal where the gradient of `t` goes: its grad_fn output, or its accumulator if it is a leaf. */
export function gradientEdge(t: Tensor): Edge {
  const fn = t.gradFn;
  const node = fn ?? gradAccumulator(t);
  const inputNr = fn !== null ? t._outputNr : 0;
  // A tensor used by many ops (a weight, a reused input) shares one edge object.
  const cached = t._edgeCache;
  if (cached !== null && cached.node === node && cached.inputNr === inputNr) return cached;
  const edge = { node, inputNr };
  t._edgeCache = edge;
  return edge;
}

/** @internal the tensor's shape and dtype as one object, shared by every node that records them. */
export function tensorMeta(t: Tensor): TensorMeta {
  const m = t._metaCache;
  const device = t.device;
  if (m !== null && m.shape === t.shape && m.dtype === t.dtype && m.device === device) return m;
  const meta = { shape: t.shape, dtype: t.dtype, device };
  t._metaCache = meta;
  return meta;
}

/** @internal PyTorch's error for a saved tensor modified in place since it was saved (`source`: the node it is output `sourceNr` of). */
export function versionError(t: Tensor, now: number, expected: number, source: Node | null, sourceNr: number): AutogradError {
  const named = source === null ? "" : `, which is output ${sourceNr} of ${source.name},`;
  return new AutogradError(
    `one of the variables needed for gradient computation has been modified by an inplace operation: ` +
      `[${legacyTypeName(t.dtype)} ${formatShape(t.shape)}]${named} is at version ${now}; expected version ${expected} instead. ` +
      (isAnomalyEnabled()
        ? "Hint: the backtrace further above shows the operation that failed to compute its gradient. The variable in question was changed in there or anywhere later. Good luck!"
        : "Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.setDetectAnomaly(true)."),
  );
}

/** What a node keeps of a saved tensor: the tensor, or its packed form under saved-tensor hooks. */
type SavedEntry = Tensor | PackedSaved | number | null;

function saveAll(tensors: readonly (Tensor | null)[]): SavedEntry[] {
  const out = new Array<SavedEntry>(2 * tensors.length);
  const hooked = savedHooksActive();
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i] as Tensor | null;
    out[2 * i] = t === null || !hooked ? t : packSaved(t);
    out[2 * i + 1] = t === null ? 0 : t._storage.version;
  }
  return out;
}

/** Whether the formulas being run build a differentiable graph (set by the engine around each node). */
let runningCreateGraph = false;

/** What a backward formula can read: the op's attributes, its saved tensors, which inputs need a gradient. */
export interface BackwardContext<A> {
  /** The op's non-tensor arguments. */
  readonly attrs: A;
  /** Whether input `i` needs a gradient. */
  readonly needs: readonly boolean[];
  /** Metadata (shape, dtype) of input `i`, always available. */
  readonly inputMeta: readonly TensorMeta[];
  /** Saved input `i` (the op must save inputs). */
  input(i: number): Tensor;
  /** Saved output `i` (the op must save its result). */
  result(i?: number): Tensor;
  /** Whether the formulas run in create-graph mode (building a differentiable graph). */
  readonly createGraph: boolean;
}

/** A backward formula: gradients of the outputs in, one gradient per tensor input out (null: none). */
export type Formula<A> = (grads: [Tensor, ...Tensor[]], ctx: BackwardContext<A>) => (Tensor | null | undefined)[];

/** What a node needs of its op's table entry (the ops layer's `OpDef`). */
export interface NodeDef<A> {
  readonly name: string;
  readonly gradFn?: string | ((attrs: A) => string);
  readonly backward?: Formula<A>;
  /** Whether the attributes count as saved data, released with the saved tensors (see OpDef.saveAttrs; gradFn is then a string). */
  readonly saveAttrs?: boolean;
}

const RELEASED: SavedEntry[] = [];

/** Drops what packed entries unpacked for one run of a formula (each backward unpacks again, as in PyTorch). */
function forgetUnpacked(entries: SavedEntry[] | null): void {
  if (entries === null) return;
  for (const e of entries) if (e instanceof PackedSaved) e.forget();
}
/** What released attributes are replaced with. */
const RELEASED_ATTRS = Object.freeze({ released: true });

/** The node of an op defined in the op table. */
export class OpNode<A> extends Node implements BackwardContext<A> {
  /** Makes zeros for outputs that received no gradient (multi-output ops); set by the op layer. */
  static zeros: ((meta: TensorMeta) => Tensor) | null = null;
  private _attrs: A;
  readonly needs: readonly boolean[];
  readonly inputMeta: readonly TensorMeta[];
  private readonly def: NodeDef<A>;
  // Saved tensors with the version each had when saved, interleaved: [t0, v0, t1, v1, ...]
  // (one array per node rather than an object per saved tensor: a graph holds thousands).
  // RELEASED once the graph is freed.
  private savedInputs: SavedEntry[] | null = null;
  private savedResults: SavedEntry[] | null = null;
  /** Whether saved-tensor hooks packed any of them (their unpacked tensors are dropped after each run). */
  private packed = false;

  constructor(def: NodeDef<A>, attrs: A, next: (Edge | null)[], needs: readonly boolean[], inputMeta: readonly TensorMeta[]) {
    super(next);
    this.def = def;
    this._attrs = attrs;
    this.needs = needs;
    this.inputMeta = inputMeta;
  }

  /** PyTorch's name of the node, e.g. `MulBackward0`. */
  get name(): string {
    const g = this.def.gradFn;
    if (g === undefined) return `${this.def.name}Backward0`;
    return typeof g === "string" ? g : g(this._attrs);
  }

  /** The op's non-tensor arguments (for ops whose attributes count as saved, unavailable once released). */
  get attrs(): A {
    const a = this._attrs;
    if (a === RELEASED_ATTRS) throw new AutogradError(BACKWARD_TWICE);
    return a;
  }

  get createGraph(): boolean {
    return runningCreateGraph;
  }

  /** @internal */
  _saveInputs(inputs: readonly (Tensor | null)[]): void {
    this.savedInputs = saveAll(inputs);
    this.packed ||= savedHooksActive();
  }

  /** @internal */
  _saveResults(outputs: readonly Tensor[]): void {
    this.savedResults = saveAll(outputs);
    this.packed ||= savedHooksActive();
  }

  input(i: number): Tensor {
    if (this.savedInputs === RELEASED) throw new AutogradError(BACKWARD_TWICE);
    const t = this.savedInputs?.[2 * i] as Tensor | PackedSaved | null | undefined;
    if (t === undefined || t === null) throw new AutogradError(`${this.name}: input ${i} was not saved for backward`);
    if (t instanceof PackedSaved) return t.get();
    const saved = this.savedInputs?.[2 * i + 1] as number;
    const now = t._storage.version;
    // PyTorch names the saved input's current history in the message.
    if (now !== saved) throw versionError(t, now, saved, t._gradFn, t._outputNr);
    return t;
  }

  result(i = 0): Tensor {
    if (this.savedInputs === RELEASED) throw new AutogradError(BACKWARD_TWICE);
    const t = this.savedResults?.[2 * i] as Tensor | PackedSaved | undefined;
    if (t === undefined) throw new AutogradError(`${this.name}: output ${i} was not saved for backward`);
    if (t instanceof PackedSaved) return t.get();
    const saved = this.savedResults?.[2 * i + 1] as number;
    const now = t._storage.version;
    // A saved output is named as the output of this node.
    if (now !== saved) throw versionError(t, now, saved, this, i);
    return t;
  }

  /** @internal */
  _apply(grads: (Tensor | null)[], createGraph: boolean): (Tensor | null)[] {
    if (grads.every((g) => g === null || g === undefined)) return this._next.map(() => null);
    let full: [Tensor, ...Tensor[]];
    const outputs = this._outputCount();
    if (outputs <= 1) {
      full = grads as [Tensor, ...Tensor[]];
    } else {
      // Outputs that received no gradient get zeros (the buffer may be shorter than the outputs).
      const zeros = OpNode.zeros;
      if (zeros === null) throw new AutogradError(`${this.name}: missing gradient for an output`);
      full = Array.from({ length: outputs }, (_, i) => grads[i] ?? zeros(this._outputMeta(i) as TensorMeta)) as [Tensor, ...Tensor[]];
    }
    const prev = runningCreateGraph;
    runningCreateGraph = createGraph;
    try {
      // The formula allocates where its gradients are (the run device: core/device.ts).
      const device = full[0].device;
      const formula = this.def.backward as Formula<A>;
      let out: ReturnType<Formula<A>>;
      try {
        out = device === currentDevice() ? formula(full, this) : onDevice(device, () => formula(full, this));
      } catch (e) {
        throw e instanceof SyncReadError ? notOnDevice(this.name, device) : e;
      }
      return this._next.map((_, i) => (this.needs[i] ? (out[i] ?? null) : null));
    } finally {
      runningCreateGraph = prev;
      if (this.packed) {
        forgetUnpacked(this.savedInputs);
        forgetUnpacked(this.savedResults);
      }
    }
  }

  /** @internal saved inputs as self, other, input2, ...; saved outputs as result, result1, ... (packed ones are left out). */
  override _savedForDrawing(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const add = (entries: SavedEntry[] | null, name: (i: number) => string) => {
      if (entries === null || entries === RELEASED) return;
      for (let i = 0; 2 * i < entries.length; i++) {
        const t = entries[2 * i] as Tensor | PackedSaved | null;
        if (t !== null && !(t instanceof PackedSaved)) out.push([name(i), t]);
      }
    };
    add(this.savedInputs, (i) => (i === 0 ? "self" : i === 1 ? "other" : `input${i}`));
    add(this.savedResults, (i) => (i === 0 ? "result" : `result${i}`));
    return out;
  }

  /** @internal */
  override _release(): void {
    this.savedInputs = RELEASED;
    this.savedResults = null;
    if (this.def.saveAttrs === true) this._attrs = RELEASED_ATTRS as A;
  }
}
