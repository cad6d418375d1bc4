/**
 * Every test runs with recycling on every buffer that has an ArrayBuffer of
 * its own (from 1 byte instead of 16 KB), with every float32 gradient the
 * backward engine makes in WebAssembly scratch memory (from 1 element
 * instead of 2048), with every array a kernel copies in or computes whole
 * mirrored in WebAssembly memory (from 1 element), and with buffers given
 * back, or made without zero-filling, poisoned: filled with 0xff bytes, so a
 * tensor still using one (or an element no kernel wrote) reads NaN (or -1)
 * and its test fails instead of passing by luck.
 */
import { _setMirrorLimits } from "../../src/backend/wasm/resident.js";
import { _setScratchMinLength } from "../../src/backend/wasm/scratch.js";
import { _resetRecycling } from "../../src/core/recycle.js";

_resetRecycling({ poison: true, minBytes: 1, uninitializedMinBytes: 1 });
_setScratchMinLength(1);
_setMirrorLimits({ minLength: 1 });
