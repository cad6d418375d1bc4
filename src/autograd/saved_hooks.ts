/**
 * Saved-tensor hooks (PyTorch's `torch.autograd.graph.saved_tensors_hooks`):
 * while a pair is registered, every tensor an op or a custom Function saves
 * for backward goes through `pack`, and what `pack` returned is kept instead;
 * `unpack` turns it back into a tensor when backward (or `savedTensors`)
 * reads it. Pairs nest: the innermost applies. As in PyTorch 1.13, packed
 * tensors are not version-checked (the hooks own what they keep).
 */

import { pythonTypeName } from "../core/describe.js";
import { ArgumentError, AutogradError } from "../core/errors.js";
import { untracked } from "../core/recycle.js";
import { Tensor } from "../tensor.js";
import { noGrad } from "./grad_mode.js";
import { atGraphPlace, type GraphPlace, graphPlaceOf } from "./node.js";

/** A pack hook: gets a tensor being saved for backward, returns what to keep. */
export type PackHook = (tensor: Tensor) => unknown;
/** An unpack hook: gets what the pack hook returned, gives back the tensor. */
export type UnpackHook = (packed: never) => Tensor;

interface HookPair {
  readonly pack: PackHook;
  readonly unpack: UnpackHook;
}

const stack: HookPair[] = [];

/** @internal whether a pair of hooks is registered. */
export function savedHooksActive(): boolean {
  return stack.length > 0;
}

/**
 * @internal a saved tensor kept in packed form, unpacked once per backward
 * use. What unpack returns takes the saved tensor's place in the graph (its
 * grad_fn and output number, or a leaf's accumulator), as PyTorch's
 * SavedVariable does, so createGraph differentiates through it.
 */
export class PackedSaved {
  private value: Tensor | null = null;
  private readonly place: GraphPlace;

  constructor(
    private readonly packed: unknown,
    private readonly unpackHook: UnpackHook,
    original: Tensor,
  ) {
    this.place = graphPlaceOf(original);
  }

  /** The tensor, unpacked on first use since the last `forget`. */
  get(): Tensor {
    if (this.value !== null) return this.value;
    // What the user's hook makes (a rerun, for checkpointing) is not the backward engine's to recycle.
    const t: unknown = untracked(() => this.unpackHook(this.packed as never));
    if (!(t instanceof Tensor)) {
      throw new ArgumentError(`Output of saved tensor unpack_hook expected to be a Tensor but got result of type ${pythonTypeName(t)}`);
    }
    const { gradFn, accumulator } = this.place;
    const out = gradFn !== null || accumulator !== null ? atGraphPlace(t, this.place) : t;
    this.value = out;
    return out;
  }

  /** Drops the unpacked tensor (the next backward unpacks again, as PyTorch's does). */
  forget(): void {
    this.value = null;
  }
}

/** @internal `t` packed by the innermost registered pack hook (which may not modify it in place), run with grad mode off. */
export function packSaved(t: Tensor): PackedSaved {
  const pair = stack[stack.length - 1] as HookPair;
  const version = t._storage.version;
  // As in PyTorch, the hook runs with grad mode off (what it computes is not recorded, nor saved again).
  const packed = noGrad(() => pair.pack(t));
  if (t._storage.version !== version) {
    throw new AutogradError(
      "A saved tensor pack hook is modifying its input in place. Tensors provided as input to pack hook can not be modified by in-place operations as this can lead to unexpected side-effects. Please open an issue if you need to perform in-place operations on the input to a pack hook.",
    );
  }
  return new PackedSaved(packed, pair.unpack, t);
}

/**
 * Runs `fn` with `pack`/`unpack` as the saved-tensor hooks (PyTorch's `with
 * torch.autograd.graph.saved_tensors_hooks(pack, unpack):`), and returns
 * what `fn` returns.
 *
 * @example
 * ```ts
 * const x = torch.tensor([1, 2], { requiresGrad: true });
 * const packed: number[][] = [];
 * const y = torch.autograd.graph.savedTensorsHooks(
 *   (t) => { packed.push(Array.from(t.toTypedArray())); return t.detach().clone(); },
 *   (t: torch.Tensor) => t,
 *   () => x.pow(2),
 * );
 * console.log(packed); // [ [ 1, 2 ] ]
 * y.sum().backward();
 * console.log(x.grad); // tensor([2., 4.])
 * ```
 */
export function savedTensorsHooks<P, T>(pack: (tensor: Tensor) => P, unpack: (packed: P) => Tensor, fn: () => T): T {
  if (typeof pack !== "function" || typeof unpack !== "function") {
    throw new ArgumentError("savedTensorsHooks(pack, unpack, fn): pack and unpack must be functions");
  }
  stack.push({ pack, unpack: unpack as UnpackHook });
  try {
    return fn();
  } finally {
    stack.pop();
  }
}
