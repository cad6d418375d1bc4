/**
 * Loads Kindling's WebAssembly kernels (wasm/assembly, embedded as base64 by
 * scripts/build-wasm.ts) and owns their linear memory.
 *
 * Tensor storage stays in ordinary JS typed arrays, reclaimed by the GC. A
 * kernel call copies its operands into an arena of the module's memory (a bump
 * allocator reset after every call), runs and copies the results out.
 * Operands that are views of the memory itself need no copy: the backward
 * engine's own gradients live in scratch blocks (`allocBlock`), since it
 * knows when they die (src/autograd/ownership.ts); and whole arrays copied in
 * or computed are kept in blocks as mirrors for the next kernel that reads
 * them (resident.ts). Linear memory only grows: its size is the high-water
 * mark of the largest call plus the blocks, until `releaseWasm()` drops the
 * memory (and the worker pool) altogether.
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
  vgelu(x: number, out: number, n: number): void;
  vgeluBackward(g: number, x: number, out: number, n: number): void;
  vlog(x: number, out: number, n: number): void;
  vsin(x: number, out: number, n: number): void;
  vcos(x: number, out: number, n: number): void;
  vtanh(x: number, out: number, n: number): void;
  vdiv(a: number, b: number, out: number, n: number): void;
  vaxpy(a: number, b: number, out: number, n: number, alpha: number): void;
  vscalar(x: number, out: number, n: number, s: number, op: number): void;
  vrowscalar(x: number, s: number, out: number, rows: number, k: number, op: number): void;
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
  "vgelu",
  "vgeluBackward",
  "vlog",
  "vsin",
  "vcos",
  "vtanh",
  "vdiv",
  "vaxpy",
  "vscalar",
  "vrowscalar",
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
// Linear memory above the module's data holds the arena and the scratch blocks.
// The arena is the last region (growing with the memory) until a block is
// carved above it; it then ends there, and moves above the blocks the first
// time a call needs more than it has.
let arenaBase = 0;
let arenaTop = 0;
/** Where the arena ends, or -1 while it is the last region. */
let arenaEnd = -1;
/** End of the last carved region (when the arena is not the last one). */
let top = 0;
let f32View: Float32Array<ArrayBufferLike> = new Float32Array(0);
let u32View: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
let f64View: Float64Array<ArrayBufferLike> = new Float64Array(0);
/** Every buffer object the memory has had (a shared memory's grown buffer is a new object; views of the old ones stay valid). */
let memoryBuffers = new WeakSet<ArrayBufferLike>();

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
  arenaEnd = -1;
  top = arenaBase;
  refreshViews(memory);
  return { module, memory, exports, shared, relaxed, maxPages };
}

function refreshViews(memory: WasmMemory): void {
  memoryBuffers.add(memory.buffer);
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

/** Grows the memory to at least `end` bytes (geometrically); a RangeError past its maximum. */
function ensureMemory(rt: Runtime, end: number): void {
  const have = rt.memory.buffer.byteLength;
  if (end <= have) return;
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

/**
 * Reserves `bytes` of linear memory (64-byte aligned) until the next
 * `resetArena()`, growing the memory when needed. Throws a RangeError when
 * the memory's maximum would be exceeded.
 */
export function arenaAlloc(bytes: number): number {
  const rt = kernels();
  let p = (arenaTop + 63) & ~63;
  let end = p + bytes;
  if (arenaEnd >= 0 && end > arenaEnd) {
    // Scratch blocks sit above the arena: carry on above them, as the last region
    // (what this call placed below stays valid until the reset).
    p = (top + 63) & ~63;
    end = p + bytes;
    arenaBase = p;
    arenaEnd = -1;
  }
  ensureMemory(rt, end);
  arenaTop = end;
  return p;
}

/** Counts `resetArena` calls: what a kernel call placed carries the epoch it ran in. */
let epoch = 0;

/** Releases everything `arenaAlloc` handed out. */
export function resetArena(): void {
  arenaTop = arenaBase;
  epoch++;
}

/** The current arena epoch (it changes at every `resetArena`). */
export function arenaEpoch(): number {
  return epoch;
}

/** Whether byte address p is in what the arena has handed out since the last reset (false is always safe: see elementwise.ts). */
export function inArena(p: number): boolean {
  return p >= arenaBase && p < arenaTop;
}

/** Bytes the arena may still hand out. */
export function arenaLimit(): number {
  return kernels().maxPages * PAGE - (arenaEnd < 0 ? arenaBase : top);
}

// ------------------------------------------------------------------ scratch blocks

/** The most bytes of scratch blocks (live and free) the memory holds; beyond it, tensors stay in JS memory. */
const SCRATCH_MAX_BYTES = 256 * 1024 * 1024;
const freeBlocks = new Map<number, number[]>();
const liveBlocks = new Map<number, number>();
let scratchBytes = 0;

/**
 * A block of `bytes` of linear memory that stays until `freeBlock` (a
 * reused free block of that size, else carved above everything), or -1 when
 * the memory is not shared (a grown unshared memory detaches the views of
 * its blocks), the blocks carved in all would exceed `carveLimit` bytes (at
 * most SCRATCH_MAX_BYTES) or the memory is full.
 */
export function allocBlock(bytes: number, carveLimit = SCRATCH_MAX_BYTES): number {
  const rt = wasmRuntime();
  if (rt === null || !rt.shared) return -1;
  const size = (bytes + 63) & ~63;
  const p = freeBlocks.get(size)?.pop();
  if (p !== undefined) {
    liveBlocks.set(p, size);
    return p;
  }
  if (scratchBytes + size > Math.min(carveLimit, SCRATCH_MAX_BYTES)) return -1;
  // Close the arena where the memory ends now (it keeps what it had), and carve above.
  if (arenaEnd < 0) {
    arenaEnd = Math.max(arenaTop, rt.memory.buffer.byteLength);
    top = arenaEnd;
  }
  const at = (top + 63) & ~63;
  try {
    ensureMemory(rt, at + size);
  } catch (e) {
    if (e instanceof RangeError) return -1;
    throw e;
  }
  top = at + size;
  scratchBytes += size;
  liveBlocks.set(at, size);
  return at;
}

/** Gives back a block `allocBlock` made. */
export function freeBlock(p: number): void {
  const size = liveBlocks.get(p);
  if (size === undefined) throw new Error(`wasm backend: ${p} is not a live scratch block`);
  liveBlocks.delete(p);
  let list = freeBlocks.get(size);
  if (list === undefined) {
    list = [];
    freeBlocks.set(size, list);
  }
  list.push(p);
}

/** The byte address in linear memory of a typed array's first element, or -1 when it is not a view of the memory. */
export function addressOf(data: ArrayBufferView): number {
  return memoryBuffers.has(data.buffer) ? data.byteOffset : -1;
}

/** @internal bytes of blocks carved in all (the engine's scratch and the mirrors, live or free). */
export function carvedBytes(): number {
  return scratchBytes;
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

let generation = 0;

/** Counts `dropRuntime` calls: addresses from an earlier generation are not the memory's any more. */
export function runtimeGeneration(): number {
  return generation;
}

/** Size of linear memory in bytes (its high-water mark). */
export function wasmMemoryBytes(): number {
  return runtime ? runtime.memory.buffer.byteLength : 0;
}

/** Drops the module instance and its memory, so the GC can reclaim them; the next kernel call loads afresh. */
export function dropRuntime(): void {
  runtime = undefined;
  generation++;
  // Views of blocks handed out stay readable (they keep the old memory alive) but are no longer the memory's.
  memoryBuffers = new WeakSet();
  freeBlocks.clear();
  liveBlocks.clear();
  scratchBytes = 0;
  f32View = new Float32Array(0);
  u32View = new Uint32Array(0);
  f64View = new Float64Array(0);
}
