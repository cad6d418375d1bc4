/**
 * Which gradient buffers a backward pass may reuse or give back: PyTorch
 * decides this by a tensor's use count, which JS does not have, so the
 * engine counts for itself.
 *
 * A storage is *owned* when it was made while the engine ran a built-in
 * node's formula (or summed gradients), with grad mode off: such a formula
 * keeps no reference to what it made, so the only references are the
 * tensors it returned. The engine counts the references its gradient
 * buffers hold to each owned storage (and, while it hands a node's outputs
 * on, those outputs). An owned storage
 * - referenced once can take further gradients in place (InputBuffer's
 *   in-place accumulation);
 * - referenced by nothing but the gradient arriving at a leaf becomes the
 *   leaf's `.grad` without a copy (AccumulateGrad's steal);
 * - referenced by nothing at all is dead: its buffer is recycled.
 * A gradient that leaves the engine's hands (a hook sees it, `autograd.grad`
 * returns it, it becomes a `.grad`) *escapes* and is never reused.
 *
 * Owned storages may live in a backend's scratch memory (WebAssembly linear
 * memory, which kernels use without copying): an escaping one moves to the
 * JS heap first, and whatever is still owned when the pass ends is given
 * back, so scratch memory never outlives a pass.
 */

import { release } from "../backend/lifetime.js";
import { type BufferOwner, isScratch, observeAllocations, toHeap } from "../core/recycle.js";
import type { Storage, Tensor } from "../tensor.js";

export class Ownership {
  /** The scratch storages made under tracking (few and large; a list of every storage would keep small ones alive into the old generation). */
  private scratch: Storage[] = [];
  /** Storages whose count dropped to 0 or that were made since the last sweep. */
  private candidates: Storage[] = [];
  private readonly onAllocate = (owner: BufferOwner): void => {
    const s = owner as Storage;
    s._owner = this;
    s._refs = 0;
    if (isScratch(s.data)) this.scratch.push(s);
    this.candidates.push(s);
  };
  private saved: ((owner: BufferOwner) => void) | null = null;

  /** Storages made from now until `stopTracking` are owned. */
  startTracking(): void {
    this.saved = observeAllocations(this.onAllocate);
  }

  stopTracking(): void {
    observeAllocations(this.saved);
    this.saved = null;
  }

  /** One more engine reference to t's storage. */
  hold(t: Tensor): void {
    const s = t._storage;
    if (s._owner === this) s._refs++;
  }

  /** One engine reference fewer to t's storage. */
  drop(t: Tensor): void {
    const s = t._storage;
    if (s._owner === this && --s._refs === 0) this.candidates.push(s);
  }

  /** t is now referenced outside the engine: its storage is never reused (and moves to the JS heap if it was scratch memory). */
  escape(t: Tensor): void {
    const s = t._storage;
    if (s._owner !== this) return;
    s._owner = null;
    if (isScratch(s.data)) s.data = toHeap(s.data);
  }

  /** Whether t's storage is owned and the engine holds exactly `count` references to it. */
  isOwned(t: Tensor, count: number): boolean {
    const s = t._storage;
    return s._owner === this && s._refs === count;
  }

  /**
   * At the end of a pass (or when it throws): scratch memory still owned sits
   * in buffers of nodes that did not run, or in what a failing node made, and
   * is dead; it goes back. (JS buffers there are left to the GC.)
   */
  finish(): void {
    for (const s of this.scratch) {
      if (s._owner !== this) continue;
      s._owner = null;
      release(s);
    }
    this.scratch = [];
    this.candidates = [];
  }

  /** Recycles the buffers of owned storages nothing references. */
  sweep(): void {
    const c = this.candidates;
    if (c.length === 0) return;
    this.candidates = [];
    for (const s of c) {
      if (s._owner !== this || s._refs !== 0) continue;
      s._owner = null;
      release(s);
    }
  }
}

/** Whether t is a contiguous tensor that is not a view (so a leaf may keep it as its `.grad`). */
export function plainContiguous(t: Tensor): boolean {
  return t._base === null && t._offset === 0 && t.isContiguous();
}
