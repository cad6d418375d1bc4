/**
 * Every test runs with recycling on every buffer that has an ArrayBuffer of
 * its own (from 1 byte instead of 16 KB), with every float32 gradient the
 * backward engine makes in WebAssembly scratch memory (from 1 element
 * instead of 2048), and with buffers given back poisoned: filled with 0xff
 * bytes, so a tensor still using one reads NaN (or -1) and its test fails
 * instead of passing by luck.
 */
import { _setScratchMinLength } from "../../src/backend/wasm/scratch.js";
import { _resetRecycling } from "../../src/core/recycle.js";

_resetRecycling({ poison: true, minBytes: 1 });
_setScratchMinLength(1);
