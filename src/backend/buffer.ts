/** Reading a storage's memory, wherever its backend keeps it. */

import type { TypedArray } from "../core/dtype.js";
import { recycle } from "../core/recycle.js";
import type { Buffer } from "./types.js";

/**
 * The elements of a buffer as a typed array over its home (the array itself,
 * or a view of a backend's host memory, valid until the next allocation):
 * the one way the rest of Kindling reads or writes a storage's values.
 */
export function readBuffer(data: Buffer): TypedArray {
  return ArrayBuffer.isView(data) ? data : data.view();
}

/** Gives back a buffer nothing uses any more (the caller guarantees it): to the pool its memory came from. */
export function freeBuffer(data: Buffer): void {
  if (ArrayBuffer.isView(data)) recycle(data);
}
