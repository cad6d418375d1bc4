/**
 * Mirrors: copies of tensor data that a backend keeps in its own memory so
 * that the next kernel reading the same array need not copy it again (the
 * WebAssembly backend keeps recent operands and results in its linear
 * memory, see backend/wasm/resident.ts). The JS typed array stays the
 * tensor's storage and the authority; a mirror is only sound while nothing
 * writes the array behind the backend's back, so:
 *
 * - the backend forgets an array's mirror before any of its own methods
 *   writes that array (its reference loops included);
 * - code that writes a tensor's array directly, outside the backend, calls
 *   `written(data)` after it (gradcheck's perturbations);
 * - buffers given back for recycling, and everything when the backend
 *   changes, are forgotten;
 * - arrays the user also holds (`torch.frombuffer`) are never mirrored:
 *   their buffers are marked `external`.
 */

import type { TypedArray } from "./dtype.js";

/** A backend's mirrors. */
export interface MirrorSpace {
  /** Drops the mirror of `data`, if any. */
  forget(data: TypedArray): void;
  /** Drops every mirror. */
  clear(): void;
}

const spaces: MirrorSpace[] = [];
const external = new WeakSet<ArrayBufferLike>();

/** @internal makes a backend's mirrors known, so that writes outside the backend drop them. */
export function registerMirrors(space: MirrorSpace): void {
  if (!spaces.includes(space)) spaces.push(space);
}

/** Call after writing into a tensor's array outside the backend: any mirror of it is stale. */
export function written(data: TypedArray): void {
  for (const s of spaces) s.forget(data);
}

/** Drops every mirror (the backend in use changed: another one may write arrays without telling). */
export function forgetMirrors(): void {
  for (const s of spaces) s.clear();
}

/** Marks memory the user holds too (and may write at any time): arrays over it are never mirrored. */
export function markExternal(data: TypedArray): void {
  external.add(data.buffer);
}

/** Whether `data` lies in memory the user holds too. */
export function isExternal(data: TypedArray): boolean {
  return external.has(data.buffer);
}
