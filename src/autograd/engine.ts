/**
 * The backward engine (PyTorch semantics, iterative). It counts how many
 * edges reach each node, runs a node once all of its gradients have arrived
 * (later-created nodes first when several are ready, leaves' accumulators as
 * soon as they are ready), sums gradients arriving from several paths, sums
 * each gradient back to the shape of the tensor it belongs to and casts it
 * to its dtype, and frees saved tensors unless the graph is retained.
 */

import { deviceLabel } from "../core/device.js";
import { AutogradError, DeviceError, ShapeError } from "../core/errors.js";
import { isScratch } from "../core/recycle.js";
import { formatShape, isExpandableTo, shapesEqual } from "../core/shape.js";
import type { Tensor } from "../tensor.js";
import { isAnomalyCheckNanEnabled, isAnomalyEnabled, reportFailure } from "./anomaly.js";
import { engineOps } from "./bridge.js";
import { isGradEnabled, setGradEnabled } from "./grad_mode.js";
import { nodeHookResult, retain, runTensorHooks } from "./hooks.js";
import { AccumulateGrad, type Edge, gradientEdge, Node, type RunSlot } from "./node.js";
import { Ownership, plainContiguous } from "./ownership.js";
import { keepReached } from "./scope.js";

/** The virtual node whose edges point at the roots of a backward pass. */
class GraphRoot extends Node {
  readonly name = "GraphRoot";
  constructor(
    edges: Edge[],
    private readonly grads: (Tensor | null)[],
  ) {
    super(edges, Number.POSITIVE_INFINITY);
  }

  _apply(): (Tensor | null)[] {
    return this.grads;
  }
}

export interface RunOptions {
  retainGraph: boolean;
  createGraph: boolean;
  /** Tensors whose gradients are wanted (autograd.grad, or backward's `inputs`). */
  inputs?: readonly Tensor[];
  /** true: add into `.grad` (backward); false: return the gradients of `inputs` (autograd.grad). */
  accumulate: boolean;
}

interface Capture {
  index: number;
  inputNr: number;
  tensor: Tensor;
}

/** Max-heap of nodes by sequence number (later nodes first; accumulators first of all). */
class ReadyQueue {
  private readonly heap: Node[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(n: Node): void {
    const h = this.heap;
    h.push(n);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((h[p] as Node)._seq >= n._seq) break;
      h[i] = h[p] as Node;
      i = p;
    }
    h[i] = n;
  }

  pop(): Node {
    const h = this.heap;
    const top = h[0] as Node;
    const last = h.pop() as Node;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && (h[r] as Node)._seq > (h[l] as Node)._seq ? r : l;
        if ((h[c] as Node)._seq <= last._seq) break;
        h[i] = h[c] as Node;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

/**
 * What a backward pass keeps per node: how many edges into it are still to
 * run, and the gradients that have arrived. The outermost pass keeps it on
 * the nodes themselves (`_run`: no hashing, and a graph has one slot per node
 * while it runs); a pass started inside another (a hook calling backward)
 * keeps it in maps, so the two never share state.
 */
interface PassState {
  /** Counts one more edge into `n`; true the first time `n` is met. */
  addDep(n: Node): boolean;
  /** Counts one edge into `n` as done; returns how many are left. */
  doneDep(n: Node): number;
  /** The gradient buffer of `n`, created empty if absent. */
  buffer(n: Node): (Tensor | null)[];
  /** Takes `n`'s buffer (empty if nothing arrived). */
  take(n: Node): (Tensor | null)[];
  /** Clears what the pass left on the nodes. */
  finish(): void;
}

let passCounter = 0;
let activePasses = 0;
/** For each pass running (innermost last): whether it captures the gradients of given inputs (autograd.grad, backward's `inputs`). */
const capturing: boolean[] = [];

/** @internal whether the innermost backward pass running returns or keeps only given inputs' gradients (PyTorch's checkpoint validity test). */
export function currentPassCapturesInputs(): boolean {
  return capturing[capturing.length - 1] ?? false;
}

class SlotState implements PassState {
  private readonly pass = ++passCounter;
  private readonly touched: Node[] = [];

  private slot(n: Node): RunSlot {
    let s = n._run;
    if (s === null || s.pass !== this.pass) {
      s = { pass: this.pass, deps: 0, buffer: null };
      n._run = s;
      this.touched.push(n);
    }
    return s;
  }

  addDep(n: Node): boolean {
    const fresh = n._run === null || n._run.pass !== this.pass;
    this.slot(n).deps++;
    return fresh;
  }

  doneDep(n: Node): number {
    return --this.slot(n).deps;
  }

  buffer(n: Node): (Tensor | null)[] {
    const s = this.slot(n);
    s.buffer ??= [];
    return s.buffer;
  }

  take(n: Node): (Tensor | null)[] {
    const s = this.slot(n);
    const b = s.buffer ?? [];
    s.buffer = null;
    return b;
  }

  finish(): void {
    for (const n of this.touched) n._run = null;
  }
}

class MapState implements PassState {
  private readonly deps = new Map<Node, number>();
  private readonly buffers = new Map<Node, (Tensor | null)[]>();

  addDep(n: Node): boolean {
    const d = this.deps.get(n);
    this.deps.set(n, (d ?? 0) + 1);
    return d === undefined;
  }

  doneDep(n: Node): number {
    const left = (this.deps.get(n) as number) - 1;
    this.deps.set(n, left);
    return left;
  }

  buffer(n: Node): (Tensor | null)[] {
    let b = this.buffers.get(n);
    if (b === undefined) {
      b = [];
      this.buffers.set(n, b);
    }
    return b;
  }

  take(n: Node): (Tensor | null)[] {
    const b = this.buffers.get(n) ?? [];
    this.buffers.delete(n);
    return b;
  }

  finish(): void {}
}

/** Counts, for every node reachable from `root`, how many edges point at it (iterative DFS). */
function countDependencies(root: Node, state: PassState): void {
  const stack: Node[] = [root];
  state.addDep(root);
  while (stack.length > 0) {
    const n = stack.pop() as Node;
    const next = n._next;
    for (let i = 0; i < next.length; i++) {
      const e = next[i];
      if (e === null || e === undefined) continue;
      if (state.addDep(e.node)) stack.push(e.node);
    }
  }
}

/** Nodes from which some target node can be reached through next edges (the only ones worth running). */
function nodesLeadingTo(root: Node, targets: Set<Node>): Set<Node> {
  const needed = new Set<Node>();
  const state = new Map<Node, number>(); // 1: on the stack, 2: done
  const stack: [Node, number][] = [[root, 0]];
  state.set(root, 1);
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as [Node, number];
    const [n, i] = top;
    if (i < n._next.length) {
      top[1] = i + 1;
      const e = n._next[i];
      if (e !== null && e !== undefined && !state.has(e.node)) {
        state.set(e.node, 1);
        stack.push([e.node, 0]);
      }
      continue;
    }
    stack.pop();
    state.set(n, 2);
    if (n._next.some((e) => e !== null && (needed.has(e.node) || targets.has(e.node)))) needed.add(n);
  }
  return needed;
}

/**
 * Adds gradient g for input i of a node into its buffer: stored as is when
 * it is the first, else added in place into the gradient there when the
 * engine owns that alone (see ownership.ts), else summed out of place.
 */
function addGrad(buffer: (Tensor | null)[], i: number, g: Tensor, own: Ownership | null): void {
  const old = buffer[i];
  if (old === null || old === undefined) {
    buffer[i] = g;
    own?.hold(g);
  } else if (own === null) {
    buffer[i] = engineOps().add(old, g);
  } else if (own.isOwned(old, 1) && old._storage !== g._storage && old.isContiguous()) {
    engineOps().addInplace(old, g);
  } else {
    const sum = engineOps().add(old, g);
    own.drop(old);
    own.hold(sum);
    buffer[i] = sum;
  }
}

/** Checks a gradient a node produced against the tensor it is for: sums broadcast dims back, casts the dtype. */
function validate(fn: Node, index: number, g: Tensor, edge: Edge): Tensor {
  const meta = edge.node._outputMeta(edge.inputNr);
  if (meta === undefined) return g;
  let out = g;
  if (!shapesEqual(meta.shape, out.shape)) {
    if (!isExpandableTo(meta.shape, out.shape)) {
      throw new ShapeError(
        `Function ${fn.name} returned an invalid gradient at index ${index} - got ${formatShape(out.shape)} but expected shape compatible with ${formatShape(meta.shape)}`,
      );
    }
    out = engineOps().sumTo(out, meta.shape);
  }
  if (out.dtype !== meta.dtype) out = engineOps().to(out, meta.dtype);
  if (out.device !== meta.device) {
    throw new DeviceError(
      `Function ${fn.name} returned an invalid gradient at index ${index} - expected device ${deviceLabel(meta.device)} but got ${deviceLabel(out.device)}`,
    );
  }
  return out;
}

/** Adds a new gradient into a leaf's `.grad`, as PyTorch's AccumulateGrad; `owned`: g is referenced by nothing else. */
function accumulateLeaf(variable: Tensor, g: Tensor, createGraph: boolean, owned: boolean): void {
  const o = engineOps();
  const old = variable._grad;
  if (old === null) {
    // First gradient: a copy the leaf owns (or g itself when nothing else holds it); under createGraph a recorded copy (grad_fn CopyBackwards).
    variable._grad = createGraph ? o.recordedCopy(g) : owned ? g : o.detachedCopy(g);
    keepReached(variable._grad);
  } else if (!createGraph) {
    o.addInplace(old, g);
  } else {
    variable._grad = o.add(old, g);
    keepReached(variable._grad);
  }
}

function runNode(n: Node, inputs: (Tensor | null)[], createGraph: boolean, own: Ownership | null): (Tensor | null)[] {
  if (n instanceof AccumulateGrad) {
    const g = inputs[0];
    if (g === null || g === undefined) return [];
    // The leaf keeps g itself when nothing else references it (PyTorch's steal when the use count allows).
    const owned = own !== null && n._hooks === null && own.isOwned(g, 0) && plainContiguous(g) && !isScratch(g._storage.data);
    if (owned) own.escape(g);
    accumulateLeaf(n.variable, g, createGraph, owned);
    return [];
  }
  let outputs = n._apply(inputs, createGraph);
  const post = n._hooks?.post ?? null;
  if (post !== null) {
    for (const hook of post.values()) {
      const r = nodeHookResult(hook, n, outputs, hook(outputs, inputs));
      if (r !== null) outputs = r;
    }
  }
  return outputs;
}

/**
 * runNode in anomaly mode: a node whose backward fails has its forward stack
 * printed first, and one that returns NaN raises (when the mode checks NaN).
 */
function runChecked(n: Node, inputs: (Tensor | null)[], createGraph: boolean, own: Ownership | null): (Tensor | null)[] {
  try {
    const outputs = runNode(n, inputs, createGraph, own);
    if (isAnomalyCheckNanEnabled()) {
      outputs.forEach((g, i) => {
        if (g !== null && g !== undefined)
          engineOps().checkNan(g, () => new AutogradError(`Function '${n.name}' returned nan values in its ${i}th output.`));
      });
    }
    return outputs;
  } catch (e) {
    reportFailure(n);
    throw e;
  }
}

/** Hands a node's outputs to the buffers of the nodes its edges point at, and marks those that became ready. */
function distribute(n: Node, outputs: (Tensor | null)[], state: PassState, ready: ReadyQueue, own: Ownership | null): void {
  // Outputs not handed on yet are references too: no gradient they share a storage with may be written in place meanwhile.
  if (own !== null) for (const o of outputs) if (o !== null && o !== undefined) own.hold(o);
  for (let i = 0; i < n._next.length; i++) {
    const e = n._next[i];
    if (e === null || e === undefined) continue;
    const out = outputs[i];
    if (out !== null && out !== undefined) addGrad(state.buffer(e.node), e.inputNr, validate(n, i, out, e), own);
    if (state.doneDep(e.node) === 0) ready.push(e.node);
  }
  if (own !== null) for (const o of outputs) if (o !== null && o !== undefined) own.drop(o);
}

/**
 * Runs a backward pass from `roots` seeded with `grads` (already checked for
 * shape). Returns the gradients of `options.inputs` when not accumulating.
 */
export function runBackward(roots: readonly Tensor[], grads: readonly (Tensor | null)[], options: RunOptions): (Tensor | null)[] {
  const rootEdges = roots.map((t, i) => {
    if (!t.requiresGrad) {
      throw new AutogradError(`element ${i} of tensors does not require grad and does not have a grad_fn`);
    }
    return gradientEdge(t);
  });
  const graphRoot = new GraphRoot(rootEdges, [...grads]);
  const state: PassState = activePasses === 0 ? new SlotState() : new MapState();
  activePasses++;
  capturing.push(options.inputs !== undefined);
  try {
    countDependencies(graphRoot, state);
    return execute(graphRoot, state, options);
  } finally {
    activePasses--;
    capturing.pop();
    state.finish();
  }
}

function execute(graphRoot: GraphRoot, state: PassState, options: RunOptions): (Tensor | null)[] {
  // Captures: where the gradient of each requested input arrives.
  const captures = new Map<Node, Capture[]>();
  const captured: (Tensor | null)[] = [];
  let needed: Set<Node> | null = null;
  if (options.inputs !== undefined) {
    const targets = new Set<Node>();
    options.inputs.forEach((t, index) => {
      const e = gradientEdge(t);
      targets.add(e.node);
      const list = captures.get(e.node) ?? [];
      list.push({ index, inputNr: e.inputNr, tensor: t });
      captures.set(e.node, list);
      captured.push(null);
    });
    needed = nodesLeadingTo(graphRoot, targets);
  }

  const ready = new ReadyQueue();
  // Without createGraph, gradients are plain buffers the engine may reuse.
  const own = options.createGraph ? null : new Ownership();
  const prevMode = isGradEnabled();
  setGradEnabled(options.createGraph);
  try {
    ready.push(graphRoot);
    while (ready.size > 0) {
      const n = ready.pop();
      const inputs = state.take(n);
      if (own !== null) {
        for (const t of inputs) {
          if (t === null || t === undefined) continue;
          own.drop(t);
          // Hooks, retained gradients and a custom Function's backward see the inputs: they may keep them.
          if (n._hooks !== null || n._runsUserCode) own.escape(t);
        }
      }
      if (n !== graphRoot) runTensorHooks(n, inputs);
      const caps = captures.get(n);
      if (caps !== undefined) {
        for (const c of caps) {
          const g = inputs[c.inputNr] ?? null;
          if (options.accumulate) {
            // backward(inputs=...) on a non-leaf: keep its gradient in .grad.
            if (g !== null && !(n instanceof AccumulateGrad)) retain(c.tensor, g);
          } else {
            captured[c.index] = g;
            if (g !== null) own?.escape(g);
          }
        }
      }
      const execute =
        needed === null || n === graphRoot || needed.has(n) || (options.accumulate && n instanceof AccumulateGrad && caps !== undefined);
      if (execute) {
        // What a built-in formula makes, and the sums, are the engine's own; a node's hooks, or the user's backward, may keep its outputs.
        const track = own !== null && !(n instanceof AccumulateGrad) && n._hooks === null && !n._runsUserCode;
        if (track) own.startTracking();
        try {
          const outputs =
            n === graphRoot
              ? n._apply([], false)
              : isAnomalyEnabled()
                ? runChecked(n, inputs, options.createGraph, own)
                : runNode(n, inputs, options.createGraph, own);
          if (!options.retainGraph) n._release();
          distribute(n, outputs, state, ready, own);
        } finally {
          if (track) own.stopTracking();
        }
      }
      own?.sweep();
    }
  } finally {
    own?.finish();
    setGradEnabled(prevMode);
  }
  return captured;
}
