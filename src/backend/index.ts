/**
 * The backend registry: which backend runs the kernels, wrapped once (when
 * selected) with the contracts of the backend boundary (checked.ts): always
 * those of the index kernels, and every method's with the debug mode on.
 */

import { ArgumentError } from "../core/errors.js";
import { forgetMirrors } from "../core/mirrors.js";
import { ALL_METHODS, contract, INDEX_METHODS, type Method } from "./checked.js";
import { guardView } from "./guarded.js";
import { refBackend } from "./ref/index.js";
import type { Backend, Strided } from "./types.js";

export { freeBuffer, readBuffer } from "./buffer.js";

import { deviceBackends } from "./buffer.js";
import { type Buffer, isDeviceBuffer } from "./types.js";

import { wasmAvailable, wasmBackend } from "./wasm/index.js";

const backends = new Map<string, Backend>([[refBackend.name, refBackend]]);
if (wasmAvailable()) backends.set(wasmBackend.name, wasmBackend);
// WebAssembly SIMD where the engine has it (Node, current browsers); the reference backend otherwise.
let current: Backend = backends.get("wasm") ?? refBackend;

/** KINDLING_DEBUG_BOUNDS=1 in the environment (where there is one) turns the debug mode on. */
let debugBounds = typeof process !== "undefined" && process.env?.KINDLING_DEBUG_BOUNDS === "1";

type AnyMethod = (...args: unknown[]) => unknown;

/** `m` of `b`, its contract checked before each call; six arguments at most, passed without a rest array. */
function checkedMethod(b: Backend, m: Method): AnyMethod {
  const fn = b[m] as AnyMethod;
  const check = contract(m).check as AnyMethod;
  return (p?: unknown, q?: unknown, r?: unknown, s?: unknown, t?: unknown, u?: unknown) => {
    check(p, q, r, s, t, u);
    return fn.call(b, p, q, r, s, t, u);
  };
}

/** `m` of `b`, its contract checked and its kernel given views that check every element access (guarded.ts). */
function guardedMethod(b: Backend, m: Method): AnyMethod {
  const fn = b[m] as AnyMethod;
  const { check, operands, writes } = contract(m);
  return (...args: unknown[]) => {
    (check as AnyMethod)(...args);
    const views = args.map((a, i) => {
      const name = operands[i];
      // An optional operand (searchSorted's sorter) may be null.
      return name === null || name === undefined || a === null ? a : guardView(m, name, a as Strided, i === writes);
    });
    return fn.apply(b, views);
  };
}

/**
 * `b` as the registry hands it out: the index kernels' contracts checked;
 * in the debug mode every method's, and the reference backend's kernels
 * bounds-guarded. The other methods are `b`'s own functions (no cost per call).
 */
function checked(b: Backend): Backend {
  const methods = debugBounds ? ALL_METHODS : INDEX_METHODS;
  const guard = debugBounds && b === refBackend;
  const wrapped: Record<string, unknown> = { ...b };
  for (const m of methods) wrapped[m] = guard ? guardedMethod(b, m) : checkedMethod(b, m);
  return wrapped as unknown as Backend;
}

let active = checked(current);

/** The backend that runs kernels now (with its contracts checked). */
export function backend(): Backend {
  return active;
}

/** The backends of devices other than the CPU, by device. */
const devices = new Map<string, Backend>();

/** @internal makes `b` the backend of `device` (the WebGPU device, once initialised), or removes it (null). */
export function registerDevice(device: string, b: Backend | null): void {
  if (b === null) {
    devices.delete(device);
    deviceBackends.delete(device);
  } else {
    devices.set(device, b);
    deviceBackends.set(device, b);
  }
}

/** The backend that runs kernels on `data`'s device: a device's own, or the CPU's backend in use. */
export function backendFor(data: Buffer): Backend {
  return isDeviceBuffer(data) ? deviceBackend(data.device) : active;
}

/** The backend of `device` ("cpu": the CPU backend in use). */
export function deviceBackend(device: string): Backend {
  if (device === "cpu") return active;
  const b = devices.get(device);
  if (b === undefined) throw new Error(`internal error: no backend for the ${device} device`);
  return b;
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
  active = checked(b);
}

/** The name of the backend in use. */
export function getBackend(): string {
  return current.name;
}

/**
 * Turns the debug mode on or off (tests; users set KINDLING_DEBUG_BOUNDS=1):
 * every backend method's contract checked, and the reference backend's
 * kernels bounds-checked at every element. Returns the previous setting.
 */
export function _setDebugBounds(on: boolean): boolean {
  const was = debugBounds;
  debugBounds = on;
  active = checked(current);
  return was;
}

/** Whether the debug mode is on. */
export function _debugBounds(): boolean {
  return debugBounds;
}

export type { Backend, Strided } from "./types.js";
