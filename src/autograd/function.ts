/**
 * Custom autograd Functions (PyTorch's `torch.autograd.Function`): a class
 * with a static `forward` and `backward`, applied with `Cls.apply(...args)`.
 * The context `forward` and `backward` get is the graph node itself
 * (`y.gradFn` is `ctx`, as in PyTorch), named `${Cls.name}Backward`.
 *
 * `apply` runs `forward` with grad mode off and then wraps its outputs as
 * PyTorch's `_wrap_outputs` does: a tensor output gets the node as its
 * grad_fn; an input returned unmodified comes back as a new view of it;
 * an input marked dirty keeps its identity and has its history rebased
 * (through CopySlices when it is a view); outputs marked non-differentiable,
 * and integer outputs, do not require grad. Views a Function returns may not
 * be modified in place afterwards (creation meta "inCustomFunction").
 */

import { pythonTypeName } from "../core/describe.js";
import { isFloating } from "../core/dtype.js";
import { ArgumentError, AutogradError } from "../core/errors.js";
import * as K from "../ops/kernels.js";
import { Tensor } from "../tensor.js";
import { dualLevelActive, tangentOf, withoutDualLevel } from "./forward_ad.js";
import { applyJvp, wrapOutputs } from "./function_outputs.js";
import { isGradEnabled, noGrad } from "./grad_mode.js";
import { BACKWARD_TWICE, type Edge, gradientEdge, Node, type TensorMeta, tensorMeta, versionError } from "./node.js";
import { PackedSaved } from "./saved_hooks.js";

const LEGACY =
  "Legacy autograd function with non-static forward method is deprecated. Please use new-style autograd function with static forward method. " +
  "(Example: https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)";

/** A saved tensor: the tensor, its version when saved, and which output of the node it is (-1: not an output); or its packed form under saved-tensor hooks. */
type Saved = { readonly tensor: Tensor; readonly version: number; readonly outputNr: number } | PackedSaved;

/** What a Function class offers `apply` (its static side). */
export interface FunctionClass {
  /** The class's name (the node is named after it). */
  readonly name: string;
  /** Computes the outputs from the arguments, with grad mode off. */
  // biome-ignore lint/suspicious/noExplicitAny: a Function's forward takes and returns whatever its author chose
  forward(ctx: FunctionCtx, ...args: any[]): any;
  /** Gradients of the arguments (one per argument, null for none) from the gradients of the outputs. */
  // biome-ignore lint/suspicious/noExplicitAny: gradients in, one per forward argument out (tensors or null)
  backward(ctx: FunctionCtx, ...grads: any[]): any;
}

/**
 * The context of a custom Function, and its node in the graph (PyTorch's
 * `ctx`, which is also `output.grad_fn`). `forward` saves tensors and marks
 * outputs through it; any other property may be set on it to pass values
 * from `forward` to `backward`.
 */
export class FunctionCtx extends Node {
  /** The node's name: the Function class's name plus `Backward` (PyTorch's). */
  readonly name: string;
  /** For each argument of `forward`: whether it is a tensor that requires grad. */
  readonly needsInputGrad: readonly boolean[];
  /** @internal the Function class. */
  readonly _fn: FunctionClass;
  /** @internal for each argument of `forward`: its index among the tensor arguments, or -1. */
  readonly _tensorIndex: readonly number[];
  /** @internal what forward asked to save, until the outputs are wrapped. */
  _toSave: (Tensor | null)[] = [];
  /** @internal the saved tensors (null entries for saved nulls); null before wrapping, RELEASED after the graph is freed. */
  _saved: (Saved | null)[] | null = null;
  /** @internal tensors forward marked as modified in place. */
  _dirty: Set<Tensor> | null = null;
  /** @internal outputs forward marked as not differentiable. */
  _nonDifferentiable: Set<Tensor> | null = null;
  /** @internal what forward saved for jvp. */
  _forwardSaved: (Tensor | null)[] = [];
  /** @internal whether the Function's jvp is running (savedTensors then reads _forwardSaved). */
  _inJvp = false;
  /** @internal whether gradients of outputs that got none are zeros (true) or null. */
  _materializeGrads = true;
  /** @internal the shape and dtype of each tensor output (undefined at non-tensor outputs). */
  _outputs: (TensorMeta | undefined)[] = [];
  // biome-ignore lint/suspicious/noExplicitAny: PyTorch's ctx carries whatever forward sets on it for backward
  [key: string]: any;

  /** @internal */
  constructor(fn: FunctionClass, args: readonly unknown[], edges: (Edge | null)[]) {
    super(edges);
    this._fn = fn;
    this.name = `${fn.name}Backward`;
    let k = 0;
    this._tensorIndex = args.map((a) => (a instanceof Tensor ? k++ : -1));
    this.needsInputGrad = args.map((a) => a instanceof Tensor && a.requiresGrad);
  }

  /** Saves tensors (or nulls) for `backward`, which reads them back from `savedTensors`, checked for in-place changes. */
  saveForBackward(...tensors: (Tensor | null | undefined)[]): void {
    this._toSave = tensors.map((t, i) => {
      if (t === null || t === undefined) return null;
      if (!(t instanceof Tensor)) {
        throw new ArgumentError(`save_for_backward can only save variables, but argument ${i} is of type ${pythonTypeName(t)}`);
      }
      return t;
    });
  }

  /**
   * The tensors `forward` saved, in order. Reading one modified in place
   * since it was saved raises PyTorch's version error; reading them after a
   * backward pass freed the graph raises PyTorch's backward-twice error.
   */
  get savedTensors(): (Tensor | null)[] {
    if (this._inJvp) return [...this._forwardSaved];
    const saved = this._saved;
    if (saved === RELEASED) throw new AutogradError(BACKWARD_TWICE);
    // Inside forward nothing is saved yet (PyTorch gives an empty tuple).
    if (saved === null) return [];
    return saved.map((s) => {
      if (s === null) return null;
      // Each read unpacks again (PyTorch's saved_tensors does).
      if (s instanceof PackedSaved) {
        s.forget();
        return s.get();
      }
      const now = s.tensor._storage.version;
      if (now !== s.version) {
        const t = s.tensor;
        throw s.outputNr >= 0 ? versionError(t, now, s.version, this, s.outputNr) : versionError(t, now, s.version, t._gradFn, t._outputNr);
      }
      return s.tensor;
    });
  }

  /** Saves tensors for `jvp` (forward-mode AD), which reads them back from `savedTensors`. */
  saveForForward(...tensors: (Tensor | null | undefined)[]): void {
    this._forwardSaved = tensors.map((t, i) => {
      if (t === null || t === undefined) return null;
      return expectTensor(t, "save_for_forward", i);
    });
  }

  /** Marks input tensors that `forward` modified in place (they must be returned as outputs). */
  markDirty(...tensors: Tensor[]): void {
    this._dirty = new Set(tensors.map((t, i) => expectTensor(t, "mark_dirty", i)));
  }

  /** Marks outputs that are not differentiable: they do not require grad, and `backward` gets zeros (or null) for them. */
  markNonDifferentiable(...tensors: Tensor[]): void {
    this._nonDifferentiable = new Set(tensors.map((t, i) => expectTensor(t, "mark_non_differentiable", i)));
  }

  /** Whether `backward` gets zeros (true, the default) or null for outputs that received no gradient. */
  setMaterializeGrads(value: boolean): void {
    this._materializeGrads = value;
  }

  override get _runsUserCode(): boolean {
    return true;
  }

  /** @internal runs the Function's backward and checks what it returns. */
  _apply(grads: (Tensor | null)[]): (Tensor | null)[] {
    const gradOutputs = this._outputs.map((meta, i) => {
      const g = grads[i] ?? null;
      if (meta === undefined) return null;
      return g === null && this._materializeGrads ? K.full(meta.shape, 0, meta.dtype) : g;
    });
    const returned: unknown = this._fn.backward(this, ...gradOutputs);
    return this._inputGradients(returned);
  }

  /** Checks backward's result (one gradient per forward argument) and returns one per tensor argument. */
  private _inputGradients(returned: unknown): (Tensor | null)[] {
    const list = Array.isArray(returned) ? returned : [returned];
    const expected = this._tensorIndex.length;
    let got = list.length;
    // Trailing nulls past the arguments are allowed.
    while (got > expected && (list[got - 1] === null || list[got - 1] === undefined)) got--;
    if (got !== expected) {
      throw new AutogradError(`function ${this.name} returned an incorrect number of gradients (expected ${expected}, got ${list.length})`);
    }
    const out: (Tensor | null)[] = new Array(this._next.length).fill(null);
    for (let i = 0; i < expected; i++) {
      const g: unknown = list[i];
      if (g === null || g === undefined) continue;
      const k = this._tensorIndex[i] as number;
      if (k < 0) {
        throw new AutogradError(
          `function ${this.name} returned a gradient different than null at position ${i + 1}, but the corresponding forward input was not a Variable`,
        );
      }
      if (!(g instanceof Tensor)) throw new AutogradError(`expected Variable or null (got ${pythonTypeName(g)})`);
      out[k] = g;
    }
    return out;
  }

  /** @internal the saved tensors (packed ones left out), unnamed as torchviz draws a custom Function's. */
  override _savedForDrawing(): [string, Tensor][] {
    const saved = this._saved;
    if (saved === null || saved === RELEASED) return [];
    return saved.flatMap((s): [string, Tensor][] => (s === null || s instanceof PackedSaved ? [] : [["", s.tensor]]));
  }

  /** @internal */
  override _release(): void {
    this._saved = RELEASED;
  }
}

const RELEASED: (Saved | null)[] = [];

function expectTensor(t: unknown, method: string, i: number): Tensor {
  if (t instanceof Tensor) return t;
  throw new ArgumentError(`${method} only accepts tensors, but argument ${i} is of type ${pythonTypeName(t)}`);
}

/** A tuple type without its first element (`forward`'s arguments after `ctx`). */
export type DropFirst<T extends readonly unknown[]> = T extends readonly [unknown, ...infer R] ? R : never;

/**
 * Base class of custom autograd operations (PyTorch's
 * `torch.autograd.Function`). Subclasses define `static forward(ctx,
 * ...args)`, which computes the outputs with grad mode off, and `static
 * backward(ctx, ...gradOutputs)`, which returns one gradient per `forward`
 * argument (null for arguments that need none; a bare tensor when there is
 * one). Written with differentiable tensor ops, `backward` can itself be
 * differentiated (`createGraph`).
 *
 * @example
 * ```ts
 * class MulConstant extends torch.autograd.Function {
 *   static override forward(ctx: torch.autograd.FunctionCtx, x: torch.Tensor, k: number): torch.Tensor {
 *     ctx.k = k;
 *     return x.mul(k);
 *   }
 *   static override backward(ctx: torch.autograd.FunctionCtx, g: torch.Tensor): [torch.Tensor, null] {
 *     return [g.mul(ctx.k), null];
 *   }
 * }
 * const x = torch.tensor([1, 2], { requiresGrad: true });
 * const y = MulConstant.apply(x, 3);
 * console.log(y); // tensor([3., 6.], grad_fn=<MulConstantBackward>)
 * y.sum().backward();
 * console.log(x.grad); // tensor([3., 3.])
 * ```
 */
export class AutogradFunction {
  /** Functions are not instantiated: call the class's static `apply`. */
  constructor() {
    throw new AutogradError(
      `${new.target.name} is a custom autograd Function: call ${new.target.name}.apply(...args) instead of creating an instance. ${LEGACY}`,
    );
  }

  /** Computes the outputs (with grad mode off). Subclasses must define it. */
  // biome-ignore lint/suspicious/noExplicitAny: a Function's forward takes and returns whatever its author chose
  static forward(_ctx: FunctionCtx, ..._args: any[]): any {
    throw new AutogradError("You must implement the forward function for custom autograd.Function.");
  }

  /** Gradients of the `forward` arguments from those of its outputs. Subclasses must define it to be differentiated. */
  // biome-ignore lint/suspicious/noExplicitAny: gradients in, one per forward argument out
  static backward(_ctx: FunctionCtx, ..._grads: any[]): any {
    throw new AutogradError(
      "You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.",
    );
  }

  /**
   * Forward-mode AD: the tangents of the outputs (one, or an array with one
   * per output) from those of the `forward` arguments (null where none).
   * `ctx.savedTensors` reads what `forward` saved with `ctx.saveForForward`.
   */
  // biome-ignore lint/suspicious/noExplicitAny: tangents in, one per forward output out
  static jvp(_ctx: FunctionCtx, ..._tangents: any[]): any {
    throw new AutogradError("You must implement the jvp function for custom autograd.Function to use it with forward mode AD.");
  }

  /** Runs the Function on `args` (what its `forward` takes after `ctx`) and records it in the graph. */
  static apply<F extends FunctionClass>(this: F, ...args: DropFirst<Parameters<F["forward"]>>): ReturnType<F["forward"]> {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass apply was called on (the user's Function)
    const cls = this as F & { prototype: { forward?: unknown } };
    if (cls.forward === AutogradFunction.forward && typeof cls.prototype?.forward === "function") throw new AutogradError(LEGACY);
    const tensors = (args as unknown[]).filter((a): a is Tensor => a instanceof Tensor);
    const executable = isGradEnabled() && tensors.some((t) => t.requiresGrad);
    const ctx = new FunctionCtx(
      cls,
      args,
      tensors.map((t) => (executable && t.requiresGrad ? gradientEdge(t) : null)),
    );
    const tangents = dualLevelActive() ? (args as unknown[]).map((a) => (a instanceof Tensor ? tangentOf(a) : null)) : null;
    // Forward AD: the Function's jvp gives the outputs' tangents, not the ops its forward runs.
    const raw: unknown = noGrad(() => withoutDualLevel(() => cls.forward(ctx, ...(args as unknown[]))));
    const out = wrapOutputs(ctx, raw, tensors, executable);
    if (tangents?.some((t) => t !== null)) applyJvp(cls, ctx, tangents as (Tensor | null)[], out);
    return out as ReturnType<F["forward"]>;
  }
}

/**
 * Wraps a `backward` that is not differentiable itself (PyTorch's
 * `@once_differentiable`): it runs with grad mode off, and differentiating
 * its results raises PyTorch's error.
 *
 * @example
 * ```ts
 * class Exp extends torch.autograd.Function {
 *   static override forward(ctx: torch.autograd.FunctionCtx, x: torch.Tensor): torch.Tensor {
 *     const y = x.exp();
 *     ctx.saveForBackward(y);
 *     return y;
 *   }
 *   static override backward = torch.autograd.function.onceDifferentiable((ctx: torch.autograd.FunctionCtx, g: torch.Tensor) => {
 *     const [y] = ctx.savedTensors as [torch.Tensor];
 *     return g.mul(y);
 *   });
 * }
 * const x = torch.tensor([0, 1], { requiresGrad: true });
 * Exp.apply(x).sum().backward();
 * console.log(x.grad); // tensor([1.0000, 2.7183])
 * ```
 */
export function onceDifferentiable<A extends unknown[], R>(
  backward: (ctx: FunctionCtx, ...grads: A) => R,
): (ctx: FunctionCtx, ...grads: A) => R {
  return (ctx, ...grads) => {
    const out = noGrad(() => backward(ctx, ...grads));
    if (!isGradEnabled() || !grads.some((g) => g instanceof Tensor && g.requiresGrad)) return out;
    const list = (Array.isArray(out) ? out : [out]) as unknown[];
    const fakes = list.map((v) => (v instanceof Tensor ? v.detach().requiresGrad_(isFloating(v.dtype)) : null));
    const err = new DelayedError(
      "trying to differentiate twice a function that was marked with @once_differentiable",
      fakes.map((f) => (f?.requiresGrad ? gradientEdge(f) : null)),
    );
    const wrapped = list.map((v, i) => {
      const f = fakes[i];
      if (f === null || f === undefined || !f.requiresGrad) return v;
      const alias = f.detach();
      alias._gradFn = err;
      alias._outputNr = i;
      return alias;
    });
    err._meta = wrapped.map((w) => (w instanceof Tensor ? tensorMeta(w) : undefined)) as TensorMeta[];
    return wrapped as R;
  };
}

/** A node that raises when the engine reaches it (PyTorch's DelayedError, named "Error"). */
class DelayedError extends Node {
  readonly name = "Error";
  constructor(
    private readonly message: string,
    edges: (Edge | null)[],
  ) {
    super(edges);
  }

  _apply(): (Tensor | null)[] {
    throw new AutogradError(this.message);
  }
}
