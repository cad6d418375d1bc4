/**
 * Where a kernel finds its operands and puts its result in linear memory,
 * and the mirrors that save copying the same array in again.
 *
 * Tensor storage is a JS typed array; a kernel works on linear memory. An
 * operand is used in place when it is a view of that memory (the backward
 * engine's scratch gradients), else copied in; a result is written in
 * place, or computed in linear memory and copied out. A whole array copied
 * in, or computed whole, is kept there as its *mirror* (a block of linear
 * memory, keyed by the array in a WeakMap): the next kernel that reads the
 * array uses the mirror instead of copying it again. In
 * `(x.sin() * x.exp() + x * x).sum()` and its backward, sin x, exp x and
 * the products are each read two or three times after they are made.
 *
 * The array stays the authority and its mirror must never differ from it
 * (core/mirrors.ts): the backend forgets an array's mirror before any of its
 * methods writes it (index.ts), a kernel writing through a mirror copies the
 * result out at once, and the rest of the library reports its own writes.
 * Arrays over the user's memory (`frombuffer`) are never mirrored.
 *
 * Mirrors live within MIRROR_BUDGET bytes, least recently used first out;
 * those a kernel call is using are never evicted during it. Only with a
 * shared memory (whose blocks survive its growth).
 */

import type { TypedArray } from "../../core/dtype.js";
import { isExternal, registerMirrors } from "../../core/mirrors.js";
import { addressOf, allocBlock, arenaAlloc, arenaEpoch, freeBlock, memF32, runtimeGeneration } from "./module.js";

/** The most bytes of linear memory mirrors hold. */
const MIRROR_BUDGET = 32 * 1024 * 1024;
/** Mirrors carve new blocks only while all blocks together (the engine's scratch too) stay below this. */
const MIRROR_CARVE_LIMIT = 160 * 1024 * 1024;
/** Arrays shorter than this are not mirrored (the reference loops take most of them, and copies are cheap). */
const MIRROR_MIN_LENGTH = 2048;

let minLength = MIRROR_MIN_LENGTH;
let budget = MIRROR_BUDGET;

interface Mirror {
  /** Byte address of its block, -1 once dropped. */
  p: number;
  bytes: number;
  /** The arena epoch of the call that last used it (not evicted during that call). */
  epoch: number;
  /** Made for a result not yet copied out. */
  pending: boolean;
}

let mirrors = new WeakMap<Float32Array, Mirror>();
/** Live mirrors, least recently used first. */
const lru = new Set<Mirror>();
let usedBytes = 0;
/** Arrays whose mirror awaits its result (dropped by `settle` if the kernel never copied it out). */
const pending: Float32Array[] = [];
let generation = runtimeGeneration();

/** Forgets every mirror when the memory they were in has been dropped (releaseWasm). */
function checkGeneration(): void {
  if (generation === runtimeGeneration()) return;
  generation = runtimeGeneration();
  mirrors = new WeakMap();
  lru.clear();
  usedBytes = 0;
  pending.length = 0;
}

function drop(m: Mirror): void {
  freeBlock(m.p);
  m.p = -1;
  lru.delete(m);
  usedBytes -= m.bytes;
}

/** data's live mirror, marked as used by the current call; undefined if none. */
function mirrorOf(data: Float32Array): Mirror | undefined {
  if (usedBytes === 0) return undefined;
  checkGeneration();
  const m = mirrors.get(data);
  if (m === undefined) return undefined;
  if (m.p < 0) {
    mirrors.delete(data);
    return undefined;
  }
  m.epoch = arenaEpoch();
  lru.delete(m);
  lru.add(m);
  return m;
}

/** A new mirror block for the whole of `data` (its contents not written yet), or null. */
function mirrorFor(data: Float32Array): Mirror | null {
  const bytes = data.length * 4;
  if (data.length < minLength || bytes > budget || isExternal(data)) return null;
  checkGeneration();
  const epoch = arenaEpoch();
  if (usedBytes + bytes > budget) {
    for (const m of lru) {
      if (m.epoch !== epoch) drop(m);
      if (usedBytes + bytes <= budget) break;
    }
    if (usedBytes + bytes > budget) return null;
  }
  const p = allocBlock(bytes, MIRROR_CARVE_LIMIT);
  if (p < 0) return null;
  const m: Mirror = { p, bytes, epoch, pending: false };
  lru.add(m);
  usedBytes += bytes;
  mirrors.set(data, m);
  return m;
}

function forget(data: Float32Array): void {
  const m = mirrors.get(data);
  if (m === undefined) return;
  mirrors.delete(data);
  if (m.p >= 0) drop(m);
}

/** Forgets data's mirror (call before writing data other than through `resultAt`/`copyOut`). */
export function forgetMirror(data: TypedArray): void {
  if (usedBytes === 0 || !(data instanceof Float32Array) || data.length < minLength) return;
  checkGeneration();
  forget(data);
}

/** Drops the mirrors made for results the kernel never copied out (it failed, and another path writes them). */
export function settle(): void {
  if (pending.length === 0) return;
  for (const data of pending) if (mirrors.get(data)?.pending === true) forget(data);
  pending.length = 0;
}

registerMirrors({
  forget: forgetMirror,
  clear(): void {
    checkGeneration();
    for (const m of lru) drop(m);
    mirrors = new WeakMap();
    pending.length = 0;
  },
});

/**
 * The byte address of n floats of `data` from `offset`: their own when
 * `data` is a view of linear memory, its mirror's when it has one, else a
 * copy (kept as its mirror when it is the whole array and `mirror` is true,
 * else in the arena). Only the backend's methods, which see every write to
 * a tensor's array, pass `mirror`; a kernel helper called on arbitrary
 * arrays does not.
 */
export function placeIn(data: Float32Array, offset: number, n: number, mirror = false): number {
  const at = addressOf(data);
  if (at >= 0) return at + 4 * offset;
  let m = mirror ? mirrorOf(data) : undefined;
  if (m === undefined && mirror && offset === 0 && n === data.length) {
    const made = mirrorFor(data);
    if (made !== null) {
      memF32().set(data, made.p >>> 2);
      m = made;
    }
  }
  if (m !== undefined) return m.p + 4 * offset;
  const p = arenaAlloc(n * 4);
  memF32().set(data.subarray(offset, offset + n), p >>> 2);
  return p;
}

/**
 * Where a kernel writes n floats of `data` from `offset`: in place when
 * `data` is a view of linear memory, in its mirror when it has one (made
 * here when the kernel writes the whole array; with `mirror` only, as
 * placeIn), else at `reuse` (an arena copy the kernel may overwrite; -1 if
 * none) or in a new arena block. `copyOut` must follow.
 */
export function resultAt(data: Float32Array, offset: number, n: number, reuse: number, mirror = false): number {
  const at = addressOf(data);
  if (at >= 0) return at + 4 * offset;
  const m = mirror ? mirrorOf(data) : undefined;
  if (m !== undefined) return m.p + 4 * offset;
  if (mirror && offset === 0 && n === data.length) {
    const made = mirrorFor(data);
    if (made !== null) {
      made.pending = true;
      pending.push(data);
      return made.p;
    }
  }
  return reuse >= 0 ? reuse : arenaAlloc(n * 4);
}

/** Copies the n floats a kernel wrote at p into `data` from `offset`, unless it wrote them there. */
export function copyOut(p: number, data: Float32Array, offset: number, n: number): void {
  if (addressOf(data) >= 0) return;
  data.set(memF32().subarray(p >>> 2, (p >>> 2) + n), offset);
  if (usedBytes === 0) return;
  checkGeneration();
  const m = mirrors.get(data);
  if (m === undefined) return;
  // The mirror holds what the array now holds only if the kernel wrote through it.
  if (m.p >= 0 && m.p + 4 * offset === p) m.pending = false;
  else forget(data);
}

/** @internal test knobs: the shortest array mirrored and the budget in bytes (defaults when omitted). */
export function _setMirrorLimits(opts: { minLength?: number; budget?: number } = {}): void {
  minLength = opts.minLength ?? MIRROR_MIN_LENGTH;
  budget = opts.budget ?? MIRROR_BUDGET;
}

/** @internal bytes held by mirrors and their count. */
export function mirrorStats(): { bytes: number; count: number } {
  checkGeneration();
  return { bytes: usedBytes, count: lru.size };
}

/** @internal whether `data` has a live mirror. */
export function _isMirrored(data: Float32Array): boolean {
  checkGeneration();
  const m = mirrors.get(data);
  return m !== undefined && m.p >= 0;
}
