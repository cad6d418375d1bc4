/**
 * Loads Kindling's WebAssembly kernels (wasm/assembly, embedded as base64 by
 * scripts/build-wasm.ts) and owns their linear memory.
 *
 * Tensor storage stays in ordinary JS typed arrays, reclaimed by the GC. A
 * kernel call copies its operands into an arena of the module's memory (a bump
 * allocator reset after every call), runs and copies the results out. Linear
 * memory only grows: its size is the high-water mark of the largest call,
 * until `releaseWasm()` drops the memory (and the worker pool) altogether.
 *
 * The memory is shared (`WebAssembly.Memory({ shared: true })`) when
 * SharedArrayBuffer is available, so that the pool's workers instantiate the
 * same module on it; otherwise the memory import is patched to unshared and
 * everything runs on the calling thread.
 */

import { RELAXED_SIMD_MEMORY_FLAGS, RELAXED_SIMD_WASM, SIMD_MEMORY_FLAGS, SIMD_WASM } from "./binary.generated.js";

/** The parts of the WebAssembly JS API this backend uses (the project's lib has no DOM types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
export interface WasmModule {
  readonly __wasmModule?: never;
}
interface WasmGlobal {
  readonly value: number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}

/** The module's exports (see wasm/assembly/index.ts). Pointers are byte addresses, sizes element counts. */
export interface KernelExports {
  heapBase(): number;
  gemmScratchBytes(): number;
  readonly GEMM_MR: WasmGlobal;
  readonly GEMM_NR: WasmGlobal;
  sgemm(...args: number[]): void;
  sgemmBatch(...args: number[]): void;
  vadd(a: number, b: number, out: number, n: number): void;
  vsub(a: number, b: number, out: number, n: number): void;
  vmul(a: number, b: number, out: number, n: number): void;
  vexp(x: number, out: number, n: number): void;
  vlog(x: number, out: number, n: number): void;
  vsin(x: number, out: number, n: number): void;
  vcos(x: number, out: number, n: number): void;
  vtanh(x: number, out: number, n: number): void;
  vdiv(a: number, b: number, out: number, n: number): void;
  vaxpy(a: number, b: number, out: number, n: number, alpha: number): void;
  vscalar(x: number, out: number, n: number, s: number, op: number): void;
  vunary(x: number, out: number, n: number, op: number, p0: number, p1: number): void;
  vbackward(g: number, y: number, out: number, n: number, p: number, op: number): void;
  vsum(x: number, n: number, out: number): void;
  vsumRows(x: number, rows: number, cols: number, out: number, scratch: number): void;
  vsumCols(x: number, rows: number, cols: number, out: number, acc: number): void;
}

/** Exported kernels the pool's workers can run, by index. */
export const KERNEL_NAMES = [
  "sgemmBatch",
  "vadd",
  "vsub",
  "vmul",
  "vexp",
  "vlog",
  "vsin",
  "vcos",
  "vtanh",
  "vdiv",
  "vaxpy",
  "vscalar",
  "vunary",
  "vbackward",
  "vsum",
  "vsumRows",
  "vsumCols",
] as const;
export type KernelName = (typeof KERNEL_NAMES)[number];

const PAGE = 65536;

export function wasmApi(): WasmApi | undefined {
  return (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
}

function decodeBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Whether this engine can make a shared WebAssembly memory (SharedArrayBuffer; cross-origin isolation in browsers). */
function canShare(api: WasmApi): boolean {
  if (typeof SharedArrayBuffer !== "function") return false;
  try {
    const m = new api.Memory({ initial: 1, maximum: 1, shared: true });
    return m.buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

export interface Runtime {
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  readonly exports: KernelExports;
  /** Whether the memory is shared (a precondition of the worker pool). */
  readonly shared: boolean;
  /** Whether the relaxed-SIMD build (fused multiply-add) is in use. */
  readonly relaxed: boolean;
  /** Memory's maximum in pages. */
  readonly maxPages: number;
}

let runtime: Runtime | null | undefined;
let arenaBase = 0;
let arenaTop = 0;
let f32View: Float32Array<ArrayBufferLike> = new Float32Array(0);
let u32View: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
let f64View: Float64Array<ArrayBufferLike> = new Float64Array(0);

function create(): Runtime | null {
  const api = wasmApi();
  if (api === undefined) return null;
  const shared = canShare(api);
  const load = (text: string, flagsOffset: number): Uint8Array => {
    const b = decodeBase64(text);
    if (!shared) b[flagsOffset] = 0x01; // import an unshared memory
    return b;
  };
  // Relaxed SIMD (fused multiply-add) where the engine validates it, else SIMD128, else nothing.
  let bytes = load(RELAXED_SIMD_WASM, RELAXED_SIMD_MEMORY_FLAGS);
  const relaxed = api.validate(bytes);
  if (!relaxed) bytes = load(SIMD_WASM, SIMD_MEMORY_FLAGS);
  if (!relaxed && !api.validate(bytes)) return null;
  // A 4 GiB maximum only reserves address space on 64-bit engines; smaller ones for the rest.
  let memory: WasmMemory | undefined;
  let maxPages = 0;
  for (const max of [65536, 16384, 4096]) {
    try {
      memory = new api.Memory({ initial: 32, maximum: max, shared });
      maxPages = max;
      break;
    } catch {
      // try a smaller maximum
    }
  }
  if (memory === undefined) return null;
  const module = new api.Module(bytes);
  const instance = new api.Instance(module, { env: { memory, sin: Math.sin, cos: Math.cos } });
  const exports = instance.exports as unknown as KernelExports;
  arenaBase = (exports.heapBase() + 4095) & ~4095;
  arenaTop = arenaBase;
  refreshViews(memory);
  return { module, memory, exports, shared, relaxed, maxPages };
}

function refreshViews(memory: WasmMemory): void {
  f32View = new Float32Array(memory.buffer);
  u32View = new Uint32Array(memory.buffer);
  f64View = new Float64Array(memory.buffer);
}

/** The loaded kernels, or null where WebAssembly SIMD is unavailable. Instantiated on first use. */
export function wasmRuntime(): Runtime | null {
  if (runtime === undefined) runtime = create();
  return runtime;
}

/** Whether the WebAssembly kernels can run here. */
export function wasmAvailable(): boolean {
  return wasmRuntime() !== null;
}

/** The loaded kernels; throws where they are unavailable. */
export function kernels(): Runtime {
  const rt = wasmRuntime();
  if (rt === null) throw new Error("wasm backend: WebAssembly SIMD is not available in this engine");
  return rt;
}

/**
 * Reserves `bytes` of linear memory (64-byte aligned) until the next
 * `resetArena()`, growing the memory when needed. Throws a RangeError when
 * the memory's maximum would be exceeded.
 */
export function arenaAlloc(bytes: number): number {
  const rt = kernels();
  const p = (arenaTop + 63) & ~63;
  const end = p + bytes;
  const have = rt.memory.buffer.byteLength;
  if (end > have) {
    const needPages = Math.ceil(end / PAGE);
    if (needPages > rt.maxPages) {
      throw new RangeError(`wasm backend: ${end} bytes exceed the WebAssembly memory limit of ${rt.maxPages * PAGE} bytes`);
    }
    const havePages = have / PAGE;
    // Grow geometrically so that a sequence of growing calls stays linear.
    const pages = Math.min(rt.maxPages, Math.max(needPages, Math.ceil(havePages * 1.5)));
    rt.memory.grow(pages - havePages);
    refreshViews(rt.memory);
  }
  arenaTop = end;
  return p;
}

/** Releases everything `arenaAlloc` handed out. */
export function resetArena(): void {
  arenaTop = arenaBase;
}

/** Bytes the arena may still hand out. */
export function arenaLimit(): number {
  return kernels().maxPages * PAGE - arenaBase;
}

/** A float32 view of the whole memory (refreshed after growth: read it after allocating). */
export function memF32(): Float32Array<ArrayBufferLike> {
  return f32View;
}

/** A uint32 view of the whole memory (refreshed after growth: read it after allocating). */
export function memU32(): Uint32Array<ArrayBufferLike> {
  return u32View;
}

/** Float64 view of the whole linear memory (refreshed when it grows). */
export function memF64(): Float64Array<ArrayBufferLike> {
  return f64View;
}

/** Size of linear memory in bytes (its high-water mark). */
export function wasmMemoryBytes(): number {
  return runtime ? runtime.memory.buffer.byteLength : 0;
}

/** Drops the module instance and its memory, so the GC can reclaim them; the next kernel call loads afresh. */
export function dropRuntime(): void {
  runtime = undefined;
  f32View = new Float32Array(0);
  u32View = new Uint32Array(0);
  f64View = new Float64Array(0);
}
