/**
 * When a storage's memory is given back, as the library decides it. Three
 * deciders end a buffer's life before the GC would: the backward engine (the
 * gradients it made and consumed), `torch.scope` (what its function made and
 * did not return) and `dispose()`. All of them go through `release`, which
 * gives the buffer back once and leaves the storage holding FREED, so a
 * later use raises an error instead of reading memory another tensor now
 * owns.
 *
 * Scopes: while one is open, every storage the ops allocate is listed in
 * the innermost open scope. When it closes, the storages it listed are
 * released, except those whose buffer is kept (`keep`: a `.grad`, a
 * parameter, a module buffer, optimizer state, the caller's own
 * `torch.keep`) and those the scope's result reaches, which the enclosing
 * scope takes over.
 */

import { FreedTensorError } from "../core/errors.js";
import { freeBuffer } from "./buffer.js";
import type { Buffer, HostBuffer } from "./types.js";

/** Something that owns a buffer (a tensor's Storage). */
export interface BufferOwner {
  data: Buffer;
}

const FREED_MESSAGE =
  "This tensor's memory was freed (by torch.scope, which frees the tensors its function made and did not return, or by dispose()), so it cannot be used any more. Return the tensor from the scope's function, or keep it with torch.keep(t).";

/** What a released storage holds: reading it throws. */
export const FREED: HostBuffer = {
  length: 0,
  view(): never {
    return freedError();
  },
};

/** Throws the error for using a freed tensor. */
export function freedError(): never {
  throw new FreedTensorError(FREED_MESSAGE);
}

/**
 * Gives an owner's buffer back to its memory (the caller guarantees nothing
 * else uses that buffer) and marks the owner freed. Releasing twice is harmless.
 */
export function release(owner: BufferOwner): void {
  const d = owner.data;
  if (d === FREED) return;
  owner.data = FREED;
  // Another owner over the same buffer (x.data) keeps using it: the GC frees it with that one.
  if (!aliased.has(d)) freeBuffer(d);
}

/** Buffers more than one owner holds (`x.data` makes a second storage over x's buffer). */
const aliased = new WeakSet<object>();

/** Notes that a second owner now holds `data`: no release gives it back. */
export function noteAlias(data: Buffer): void {
  if (data !== FREED) aliased.add(data);
}

// ----- scopes --------------------------------------------------------------------

/** The storages each open scope made, innermost last. */
const open: BufferOwner[][] = [];
/** Buffers no scope may free (kept from every scope, for as long as they live). */
const kept = new WeakSet<object>();

/** Notes a storage just allocated: the innermost open scope lists it. */
export function noteMade(owner: BufferOwner): void {
  const n = open.length;
  if (n !== 0) (open[n - 1] as BufferOwner[]).push(owner);
}

/** Whether a scope is open. */
export function inScope(): boolean {
  return open.length !== 0;
}

/** Marks buffers as ones no scope frees. */
export function keepBuffers(buffers: Iterable<object>): void {
  for (const b of buffers) if (b !== FREED) kept.add(b);
}

/** Opens a scope. */
export function openScope(): void {
  open.push([]);
}

/**
 * Closes the innermost scope: releases what it listed, except kept buffers
 * and those in `reached` (what its result reaches), which the enclosing
 * scope, if any, lists from now on.
 */
export function closeScope(reached: ReadonlySet<object>): void {
  const made = open.pop();
  if (made === undefined) return;
  const parent = open[open.length - 1];
  for (const owner of made) {
    const d = owner.data;
    if (d === FREED || kept.has(d)) continue;
    if (reached.has(d)) parent?.push(owner);
    else release(owner);
  }
}
