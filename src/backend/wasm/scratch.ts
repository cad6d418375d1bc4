/**
 * The WebAssembly backend's scratch space: float32 buffers that are views of
 * blocks of linear memory, lent to the backward engine for the gradients it
 * makes and gives back (src/autograd/ownership.ts). The kernels read and
 * write them in place, with no copy in or out. Only with a shared memory,
 * whose views survive its growth.
 */

import type { DType, TypedArray } from "../../core/dtype.js";
import { registerScratch, type ScratchSpace } from "../../core/recycle.js";
import { ELEMENTWISE_MIN } from "./elementwise.js";
import { addressOf, allocBlock, carvedBytes, freeBlock, memF32 } from "./module.js";

/** Below the kernels' threshold the reference loops run on the data anyway, and it stays in JS memory. */
let minLength = ELEMENTWISE_MIN;

/** @internal the smallest buffer lent (tests lower it to run every gradient through scratch memory). */
export function _setScratchMinLength(n: number): void {
  minLength = n;
}

/** Bytes of the buffers lent and not given back yet. */
let lentBytes = 0;

export const wasmScratch: ScratchSpace = {
  alloc(dtype: DType, length: number, zeroed: boolean): TypedArray | null {
    if (dtype !== "float32" || length < minLength) return null;
    const p = allocBlock(length * 4);
    if (p < 0) return null;
    lentBytes += length * 4;
    const view = new Float32Array(memF32().buffer, p, length);
    if (zeroed) view.fill(0);
    return view;
  },
  owns(data: TypedArray): boolean {
    return addressOf(data) >= 0;
  },
  free(data: TypedArray): void {
    freeBlock(data.byteOffset);
    lentBytes -= data.byteLength;
  },
};

/** @internal bytes of scratch buffers lent and not given back, and of blocks carved in all (mirrors' too). */
export function scratchStats(): { live: number; carved: number } {
  return { live: lentBytes, carved: carvedBytes() };
}

registerScratch(wasmScratch);
