/**
 * Graph nodes. Every op that records creates one node holding edges to the
 * nodes of its inputs, the tensors its backward formula needs (saved with
 * the version they had), and the metadata of the tensors it produced.
 */

import type { DType } from "../core/dtype.js";
import { legacyTypeName } from "../core/dtype.js";
import { AutogradError } from "../core/errors.js";
import { formatShape } from "../core/shape.js";
import type { RemovableHandle, Tensor } from "../tensor.js";

/** A tensor hook: gets the gradient, may return a replacement. */
export type Hook = (grad: Tensor) => Tensor | undefined | void;

/** A node hook run after the node computed its gradients (PyTorch's `Node.register_hook`). */
export type NodeHook = (gradInputs: (Tensor | null)[], gradOutputs: (Tensor | null)[]) => (Tensor | null)[] | undefined | void;

/** A node hook run before the node computes its gradients (PyTorch's `Node.register_prehook`). */
export type NodePreHook = (gradOutputs: (Tensor | null)[]) => (Tensor | null)[] | undefined | void;

/** Where a gradient goes: input `inputNr` of `node`. */
export interface Edge {
  readonly node: Node;
  readonly inputNr: number;
}

/** Shape and dtype of a tensor a node produced; gradients flowing back are checked against it. */
export interface TensorMeta {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

const inspectSymbol = Symbol.for("nodejs.util.inspect.custom");

const BACKWARD_TWICE =
  "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). " +
  "Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). " +
  "Specify retainGraph: true if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.";

let sequenceCounter = 0;

/** A node of the backward graph (PyTorch's `torch.autograd.graph.Node`). */
export abstract class Node {
  /** PyTorch's class name of the node, e.g. `MulBackward0`. */
  abstract readonly name: string;
  /** @internal creation order; later nodes run first when several are ready. */
  readonly _seq: number;
  /** @internal one edge per input of the op (null where the input needs no gradient). */
  _next: (Edge | null)[];
  /** @internal metadata of each output of the op. */
  _meta: TensorMeta[] = [];
  /** @internal tensor hooks per output number, in registration order. */
  _tensorHooks: Map<number, Map<number, Hook>> | null = null;
  /** @internal non-leaf outputs whose gradient is kept (retainGrad). */
  _retained: Map<number, Tensor> | null = null;
  /** @internal */ _preHooks: Map<number, NodePreHook> | null = null;
  /** @internal */ _postHooks: Map<number, NodeHook> | null = null;
  private _hookIds = 0;

  constructor(next: (Edge | null)[], seq: number = sequenceCounter++) {
    this._next = next;
    this._seq = seq;
  }

  /** @internal computes the gradients of the inputs from the gradients of the outputs. */
  abstract _apply(grads: (Tensor | null)[], createGraph: boolean): (Tensor | null)[];

  /** @internal frees saved tensors (after a backward pass without retainGraph). */
  _release(): void {}

  /** The nodes this one sends gradients to, with the input number at each: `[node, inputNr]` (`[null, 0]` for inputs without grad). */
  get nextFunctions(): [Node | null, number][] {
    return this._next.map((e) => (e === null ? [null, 0] : [e.node, e.inputNr]));
  }

  /** Registers a hook run after this node computed the gradients of its inputs; it may return replacements. */
  registerHook(hook: NodeHook): RemovableHandle {
    this._postHooks ??= new Map();
    return this._addTo(this._postHooks, hook);
  }

  /** Registers a hook run before this node runs, with the gradients of its outputs; it may return replacements. */
  registerPrehook(hook: NodePreHook): RemovableHandle {
    this._preHooks ??= new Map();
    return this._addTo(this._preHooks, hook);
  }

  /** @internal */
  _addTensorHook(outputNr: number, hook: Hook): RemovableHandle {
    this._tensorHooks ??= new Map();
    let hooks = this._tensorHooks.get(outputNr);
    if (hooks === undefined) {
      hooks = new Map();
      this._tensorHooks.set(outputNr, hooks);
    }
    return this._addTo(hooks, hook);
  }

  /** @internal */
  _retainGrad(outputNr: number, tensor: Tensor): void {
    this._retained ??= new Map();
    this._retained.set(outputNr, tensor);
  }

  private _addTo<H>(map: Map<number, H>, hook: H): RemovableHandle {
    const id = this._hookIds++;
    map.set(id, hook);
    return { remove: () => void map.delete(id) };
  }

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
    this._meta = [{ shape: variable.shape, dtype: variable.dtype }];
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

/** @internal where the gradient of `t` goes: its grad_fn output, or its accumulator if it is a leaf. */
export function gradientEdge(t: Tensor): Edge {
  const fn = t.gradFn;
  return fn !== null ? { node: fn, inputNr: t._outputNr } : { node: gradAccumulator(t), inputNr: 0 };
}

/**
 * A tensor saved for backward, with the version it had then. Reading it
 * after the graph was freed, or after an in-place change, throws PyTorch's
 * errors.
 */
export class SavedTensor {
  private tensor: Tensor | null;
  private readonly version: number;
  /** The saved tensor's grad_fn and output number when saved (named in the version error). */
  private readonly sourceFn: Node | null;
  private readonly sourceNr: number;

  constructor(tensor: Tensor) {
    this.tensor = tensor;
    this.version = tensor._storage.version;
    this.sourceFn = tensor._gradFn;
    this.sourceNr = tensor._outputNr;
  }

  unpack(): Tensor {
    const t = this.tensor;
    if (t === null) throw new AutogradError(BACKWARD_TWICE);
    const now = t._storage.version;
    if (now !== this.version) {
      const source = this.sourceFn === null ? "" : `, which is output ${this.sourceNr} of ${this.sourceFn.name},`;
      throw new AutogradError(
        `one of the variables needed for gradient computation has been modified by an inplace operation: ` +
          `[${legacyTypeName(t.dtype)} ${formatShape(t.shape)}]${source} is at version ${now}; expected version ${this.version} instead. ` +
          "Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True).",
      );
    }
    return t;
  }

  release(): void {
    this.tensor = null;
  }
}

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

/** The node of an op defined in the op table. */
export class OpNode<A> extends Node implements BackwardContext<A> {
  readonly name: string;
  readonly attrs: A;
  readonly needs: readonly boolean[];
  readonly inputMeta: readonly TensorMeta[];
  createGraph = false;
  private readonly formula: Formula<A>;
  private savedInputs: (SavedTensor | null)[] | null = null;
  private savedResults: SavedTensor[] | null = null;
  /** Fills absent output gradients with zeros before the formula runs (multi-output ops). */
  private readonly zerosLike: ((meta: TensorMeta) => Tensor) | null;

  constructor(
    name: string,
    formula: Formula<A>,
    attrs: A,
    next: (Edge | null)[],
    needs: readonly boolean[],
    inputMeta: readonly TensorMeta[],
    zerosLike: ((meta: TensorMeta) => Tensor) | null,
  ) {
    super(next);
    this.name = name;
    this.formula = formula;
    this.attrs = attrs;
    this.needs = needs;
    this.inputMeta = inputMeta;
    this.zerosLike = zerosLike;
  }

  /** @internal */
  _saveInputs(inputs: readonly Tensor[]): void {
    this.savedInputs = inputs.map((t) => new SavedTensor(t));
  }

  /** @internal */
  _saveResults(outputs: readonly Tensor[]): void {
    this.savedResults = outputs.map((t) => new SavedTensor(t));
  }

  input(i: number): Tensor {
    const s = this.savedInputs?.[i];
    if (s === undefined || s === null) throw new AutogradError(`${this.name}: input ${i} was not saved for backward`);
    return s.unpack();
  }

  result(i = 0): Tensor {
    const s = this.savedResults?.[i];
    if (s === undefined) throw new AutogradError(`${this.name}: output ${i} was not saved for backward`);
    return s.unpack();
  }

  /** @internal */
  _apply(grads: (Tensor | null)[], createGraph: boolean): (Tensor | null)[] {
    if (grads.every((g) => g === null || g === undefined)) return this._next.map(() => null);
    let full: [Tensor, ...Tensor[]];
    const outputs = this._meta.length;
    if (outputs <= 1) {
      full = grads as [Tensor, ...Tensor[]];
    } else {
      // Outputs that received no gradient get zeros (the buffer may be shorter than the outputs).
      const zerosLike = this.zerosLike;
      if (zerosLike === null) throw new AutogradError(`${this.name}: missing gradient for an output`);
      full = Array.from({ length: outputs }, (_, i) => grads[i] ?? zerosLike(this._meta[i] as TensorMeta)) as [Tensor, ...Tensor[]];
    }
    this.createGraph = createGraph;
    const out = this.formula(full, this);
    return this._next.map((_, i) => (this.needs[i] ? (out[i] ?? null) : null));
  }

  /** @internal */
  override _release(): void {
    if (this.savedInputs !== null) for (const s of this.savedInputs) s?.release();
    if (this.savedResults !== null) for (const s of this.savedResults) s.release();
  }
}
