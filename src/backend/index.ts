/** The backend registry: which backend runs the kernels. */

import { ArgumentError } from "../core/errors.js";
import { forgetMirrors } from "../core/mirrors.js";
import { refBackend } from "./ref/index.js";
import type { Backend } from "./types.js";
import { wasmAvailable, wasmBackend } from "./wasm/index.js";

const backends = new Map<string, Backend>([[refBackend.name, refBackend]]);
if (wasmAvailable()) backends.set(wasmBackend.name, wasmBackend);
// WebAssembly SIMD where the engine has it (Node, current browsers); the reference backend otherwise.
let current: Backend = backends.get("wasm") ?? refBackend;

/** The backend that runs kernels now. */
export function backend(): Backend {
  return current;
}

/** Makes a backend available to `setBackend`. */
export function registerBackend(b: Backend): void {
  backends.set(b.name, b);
}

/**
 * Chooses the backend by name: `"wasm"` (WebAssembly SIMD kernels on worker
 * threads, the default where available) or `"js"` (the pure-TypeScript
 * reference backend).
 */
export function setBackend(name: string): void {
  const b = backends.get(name);
  if (b === undefined) {
    throw new ArgumentError(`setBackend: unknown backend '${name}' (available: ${[...backends.keys()].join(", ")})`);
  }
  // The backend that ran until now may have written arrays the other mirrors.
  if (b !== current) forgetMirrors();
  current = b;
}

/** The name of the backend in use. */
export function getBackend(): string {
  return current.name;
}

export type { Backend, Strided } from "./types.js";
