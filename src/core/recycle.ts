/**
 * Recycled tensor buffers. A large buffer is expensive to make fresh: the
 * engine zero-fills it and the operating system maps in its pages on first
 * write (a fresh 4 MB Float32Array costs ~1.2 ms; a reused one ~0.1). The
 * garbage collector frees buffers in its own time, never inside a
 * synchronous training loop, so a buffer is recycled only when the library
 * can prove it dead: the backward engine hands back the gradients it made
 * and consumed (see autograd/ownership.ts), and the next tensors of the same
 * byte size take them. This is the job PyTorch's allocator and its freed
 * blocks do for it.
 *
 * Only buffers of at least RECYCLE_MIN_BYTES (16 KB) that are a whole ArrayBuffer
 * are kept (small ones are carved from shared slabs), and at most
 * MAX_POOLED_BYTES in all: what is not kept is left to the GC.
 */

import { type DType, type TypedArray, typedArrayFor } from "./dtype.js";
import { written } from "./mirrors.js";

/** Buffers from this size on are recycled (tests lower it to exercise recycling on small tensors). */
const RECYCLE_MIN_BYTES = 16384;
let minBytes = RECYCLE_MIN_BYTES;
/** The most bytes the pool keeps. */
const MAX_POOLED_BYTES = 64 * 1024 * 1024;

const pool = new Map<number, ArrayBuffer[]>();
let pooledBytes = 0;
let poison = false;

const BYTES: Readonly<Record<DType, number>> = { float32: 4, float64: 8, int64: 8, int32: 4, bool: 1 };

/** A recycled buffer for `length` elements of `dtype` (zero-filled if `zeroed`), or null when none of its size is pooled. */
export function takeRecycled(dtype: DType, length: number, zeroed = true): TypedArray | null {
  const bytes = length * BYTES[dtype];
  if (bytes < minBytes) return null;
  const list = pool.get(bytes);
  const buffer = list?.pop();
  if (buffer === undefined) return null;
  pooledBytes -= bytes;
  const out = typedArrayFor(dtype, length, buffer);
  if (zeroed) out.fill(0);
  return out;
}

/** Buffers from this size on are made without zero-filling when the caller will write every element. */
const UNINITIALIZED_MIN_BYTES = 65536;
let uninitializedMinBytes = UNINITIALIZED_MIN_BYTES;

/** Node's Buffer.allocUnsafeSlow (memory not zero-filled, an ArrayBuffer of its own); absent in browsers. */
const allocUnsafeSlow = (globalThis as { Buffer?: { allocUnsafeSlow?: (size: number) => Uint8Array } }).Buffer?.allocUnsafeSlow;

/**
 * A new buffer for `length` elements of `dtype` whose contents are left as
 * they were in memory (the caller writes every element before anything
 * reads it), or null where the engine only makes zero-filled ones or the
 * buffer is small. Skipping the fill matters for large buffers: calloc
 * zero-fills or maps fresh zero pages, and their first write faults them in.
 */
export function takeUninitialized(dtype: DType, length: number): TypedArray | null {
  const bytes = length * BYTES[dtype];
  if (allocUnsafeSlow === undefined || bytes < uninitializedMinBytes) return null;
  const buffer = allocUnsafeSlow(bytes).buffer as ArrayBuffer;
  // A test mode: an element the caller fails to write reads NaN (float) or -1 (integers).
  if (poison) new Uint8Array(buffer).fill(0xff);
  return typedArrayFor(dtype, length, buffer);
}

/**
 * Memory outside the JS heap that a backend lends the backward engine for
 * the gradients it makes (the WebAssembly backend: blocks of its linear
 * memory, which its kernels read and write without a copy). The engine
 * gives every such buffer back, or moves it to the JS heap (`toHeap`) before
 * anything else may keep it.
 */
export interface ScratchSpace {
  /** A buffer for `length` elements of `dtype` (zero-filled if `zeroed`), or null when the space has none to give. */
  alloc(dtype: DType, length: number, zeroed: boolean): TypedArray | null;
  /** Whether `data` is one of the space's live buffers. */
  owns(data: TypedArray): boolean;
  /** Takes back one of its buffers. */
  free(data: TypedArray): void;
}

const spaces: ScratchSpace[] = [];

/** @internal makes a backend's scratch space known, so that its buffers are given back to it. */
export function registerScratch(space: ScratchSpace): void {
  if (!spaces.includes(space)) spaces.push(space);
}

function spaceOf(data: TypedArray): ScratchSpace | null {
  for (const s of spaces) if (s.owns(data)) return s;
  return null;
}

/** Whether `data` is lent by a scratch space (and so must not outlive the backward pass). */
export function isScratch(data: object): data is TypedArray {
  // Scratch memory is shared memory (an unshared WebAssembly memory lends none).
  return ArrayBuffer.isView(data) && !(data.buffer instanceof ArrayBuffer) && spaceOf(data as TypedArray) !== null;
}

/** A copy of scratch buffer `data` on the JS heap; `data` goes back to its space. */
export function toHeap(data: TypedArray): TypedArray {
  const copy = data.slice();
  recycle(data);
  return copy;
}

/**
 * Gives back a buffer nothing references any more. The caller guarantees it:
 * a buffer recycled while a tensor still uses it would change that tensor.
 */
export function recycle(data: TypedArray): void {
  // Whoever takes the buffer next writes it.
  written(data);
  const buffer = data.buffer;
  const bytes = data.byteLength;
  if (!(buffer instanceof ArrayBuffer)) {
    const space = spaceOf(data);
    if (space === null) return;
    if (poison) new Uint8Array(buffer, data.byteOffset, bytes).fill(0xff);
    space.free(data);
    return;
  }
  if (bytes < minBytes || data.byteOffset !== 0 || buffer.byteLength !== bytes) return;
  if (pooledBytes + bytes > MAX_POOLED_BYTES) return;
  // A test mode: a buffer used after it was given back reads NaN (float) or -1 (integers).
  if (poison) new Uint8Array(buffer).fill(0xff);
  let list = pool.get(bytes);
  if (list === undefined) {
    list = [];
    pool.set(bytes, list);
  }
  list.push(buffer);
  pooledBytes += bytes;
}

/** @internal bytes kept for reuse now. */
export function _pooledBytes(): number {
  return pooledBytes;
}

/**
 * @internal drops every pooled buffer. Options for tests: `poison` fills
 * buffers given back with 0xff bytes; `minBytes` changes the smallest
 * buffer recycled (buffers carved from a slab never are); `uninitializedMinBytes`
 * the smallest made without zero-filling.
 */
export function _resetRecycling(options: { poison?: boolean; minBytes?: number; uninitializedMinBytes?: number } = {}): void {
  pool.clear();
  pooledBytes = 0;
  poison = options.poison ?? poison;
  minBytes = options.minBytes ?? minBytes;
  uninitializedMinBytes = options.uninitializedMinBytes ?? uninitializedMinBytes;
}

/** Something that owns a buffer (a tensor's Storage). */
export interface BufferOwner {
  readonly data: object;
}

let observer: ((owner: BufferOwner) => void) | null = null;

/** @internal calls `f` for every storage made until the next call (null: none); returns the previous observer. */
export function observeAllocations(f: ((owner: BufferOwner) => void) | null): ((owner: BufferOwner) => void) | null {
  const prev = observer;
  observer = f;
  return prev;
}

/**
 * Runs `fn` with no storage tracked: what it makes is not the backward
 * engine's to give back. Anything a cache keeps (interned scalars) is made
 * this way, since a formula may be what first asks for it.
 */
export function untracked<T>(fn: () => T): T {
  const prev = observeAllocations(null);
  try {
    return fn();
  } finally {
    observeAllocations(prev);
  }
}

/** Whether the backward engine is tracking the storages made now (see observeAllocations). */
export function isTracking(): boolean {
  return observer !== null;
}

/** @internal tells the observer (the backward engine) about a new storage. */
export function noteAllocation(owner: BufferOwner): void {
  if (observer !== null) observer(owner);
}
