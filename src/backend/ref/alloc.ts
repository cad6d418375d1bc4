/**
 * Buffers for tensors. Small buffers are carved from shared slabs: V8 makes
 * every ArrayBuffer a GC-tracked object with an external backing store, and
 * a recorded graph keeps thousands of tiny tensors alive, so one ArrayBuffer
 * per 0-d tensor made the garbage collector most of the cost of an op.
 * Buffers up to 1 KB share 32 KB slabs: a fresh ArrayBuffer costs ~1 us
 * (W2's 200-element tensors spent 5% of the run making them), a carved view
 * ~0.3. A slab is never reused: it is freed by the GC once no view of it is
 * alive, so a long-lived small tensor can keep at most 32 KB alive.
 */

import type { DType, TypedArray } from "../../core/dtype.js";
import { recycle, takeRecycled, takeUninitialized } from "../../core/recycle.js";
import type { Buffer } from "../types.js";

/** Buffers of at most this many bytes come from a slab. */
const SMALL = 1024;
const SLAB = 32768;

let slab = new ArrayBuffer(SLAB);
let used = 0;

function carve(bytes: number): [ArrayBuffer, number] {
  // 8-byte alignment suits every element type.
  const size = (bytes + 7) & ~7;
  if (used + size > SLAB) {
    slab = new ArrayBuffer(SLAB);
    used = 0;
  }
  const at = used;
  used += size;
  return [slab, at];
}

/**
 * A buffer for `length` elements of `dtype`: one the backward engine gave
 * back, else (`zeroed` false, large) one not zero-filled, else a fresh one.
 */
export function alloc(dtype: DType, length: number, zeroed = true): TypedArray {
  return takeRecycled(dtype, length, zeroed) ?? (zeroed ? null : takeUninitialized(dtype, length)) ?? fresh(dtype, length);
}

/** The reference backend keeps a typed array as it is, wherever it came from. */
export function adopt(data: TypedArray): TypedArray {
  return data;
}

/** Gives a buffer nothing uses any more to the pool of buffers for reuse. */
export function free(data: Buffer): void {
  if (ArrayBuffer.isView(data)) recycle(data);
}

/** A zero-filled buffer for `length` elements of `dtype`. */
function fresh(dtype: DType, length: number): TypedArray {
  switch (dtype) {
    case "float32": {
      if (length * 4 > SMALL) return new Float32Array(length);
      const [b, at] = carve(length * 4);
      return new Float32Array(b, at, length);
    }
    case "float64":
    case "int64": {
      if (length * 8 > SMALL) return new Float64Array(length);
      const [b, at] = carve(length * 8);
      return new Float64Array(b, at, length);
    }
    case "int32": {
      if (length * 4 > SMALL) return new Int32Array(length);
      const [b, at] = carve(length * 4);
      return new Int32Array(b, at, length);
    }
    case "bool": {
      if (length > SMALL) return new Uint8Array(length);
      const [b, at] = carve(length);
      return new Uint8Array(b, at, length);
    }
  }
}
