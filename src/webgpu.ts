/**
 * `torch.webgpu`: the GPU device, PyTorch's `torch.cuda` pattern. Adapters
 * are requested asynchronously, so the device starts with `await
 * torch.webgpu.init()`; `isAvailable()` then tells whether tensors can live
 * on `"webgpu"`.
 */

/// <reference types="@webgpu/types" />

import { gpuBackend, startDevice } from "./backend/webgpu/device.js";
import { defaultGeneratorOf } from "./random.js";

let started: Promise<boolean> | null = null;

/**
 * Looks for a WebGPU adapter and, when there is one, makes the `"webgpu"`
 * device ready. Resolves to whether it is (as `isAvailable()` then says),
 * never rejects for a missing GPU: a browser without WebGPU, or Node without
 * `navigator.gpu` or the optional `webgpu` npm package, resolves to false.
 * Calling it again returns the first call's answer.
 *
 * @example
 * ```ts
 * await torch.webgpu.init();
 * const device = torch.webgpu.isAvailable() ? "webgpu" : "cpu";
 * console.log(torch.ones(2, { device }).device === device); // true
 * ```
 */
export function init(): Promise<boolean> {
  started ??= start();
  return started;
}

async function start(): Promise<boolean> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu ?? (await dawn());
  return gpu !== undefined && startDevice(gpu);
}

/** WebGPU in Node through the optional `webgpu` npm package (Dawn), when it is installed. */
async function dawn(): Promise<GPU | undefined> {
  if (typeof process === "undefined" || process.versions?.node === undefined) return undefined;
  const name = "webgpu";
  try {
    const mod = (await import(/* @vite-ignore */ name)) as { create?: (flags: string[]) => GPU; globals?: object };
    // Its constants (GPUBufferUsage, GPUMapMode, ...) are not globals in Node until installed.
    if ((globalThis as { GPUBufferUsage?: unknown }).GPUBufferUsage === undefined) Object.assign(globalThis, mod.globals);
    return mod.create?.([]);
  } catch {
    return undefined;
  }
}

/**
 * Whether the `"webgpu"` device is ready (after `await torch.webgpu.init()`
 * found an adapter). PyTorch's `torch.cuda.is_available()`.
 *
 * @example
 * ```ts
 * console.log(typeof torch.webgpu.isAvailable()); // boolean
 * ```
 */
export function isAvailable(): boolean {
  return gpuBackend() !== null;
}

/**
 * Resolves once every kernel recorded so far has run on the GPU (PyTorch's
 * `torch.cuda.synchronize()`): what to await before reading a clock.
 *
 * @example
 * ```ts
 * await torch.webgpu.synchronize(); // resolves at once without a GPU
 * console.log("done"); // done
 * ```
 */
export async function synchronize(): Promise<void> {
  const b = gpuBackend();
  if (b === null) return;
  b.kernels.flush();
  await b.kernels.device.queue.onSubmittedWorkDone();
}

/**
 * Bytes of GPU memory that tensors use now (PyTorch's
 * `torch.cuda.memory_allocated()`; in whole power-of-two size classes).
 *
 * @example
 * ```ts
 * console.log(torch.webgpu.memoryAllocated() >= 0); // true
 * ```
 */
export function memoryAllocated(): number {
  return gpuBackend()?.memory().allocated ?? 0;
}

/**
 * Bytes of GPU memory the device holds: what tensors use plus the free
 * buffers kept for reuse (PyTorch's `torch.cuda.memory_reserved()`).
 *
 * @example
 * ```ts
 * console.log(torch.webgpu.memoryReserved() >= torch.webgpu.memoryAllocated()); // true
 * ```
 */
export function memoryReserved(): number {
  return gpuBackend()?.memory().reserved ?? 0;
}

/**
 * Gives the free buffers kept for reuse back to the GPU (PyTorch's
 * `torch.cuda.empty_cache()`); tensors in use keep theirs.
 *
 * @example
 * ```ts
 * torch.webgpu.emptyCache();
 * console.log(torch.webgpu.memoryReserved() === torch.webgpu.memoryAllocated()); // true
 * ```
 */
export function emptyCache(): void {
  gpuBackend()?.emptyCache();
}

/**
 * Seeds the device's default generator only (PyTorch's
 * `torch.cuda.manual_seed`; `torch.manualSeed` seeds every device's). The
 * device draws from Philox4x32-10 keyed by the seed, so its random tensors
 * repeat after the same seed but differ from the CPU's, as CUDA's do in
 * PyTorch. Without the device it does nothing, as PyTorch's.
 *
 * @example
 * ```ts
 * await torch.webgpu.init();
 * torch.webgpu.manualSeed(7);
 * console.log(torch.webgpu.isAvailable() ? torch.webgpu.initialSeed() === 7 : true); // true
 * ```
 */
export function manualSeed(seed: number): void {
  if (isAvailable()) defaultGeneratorOf("webgpu").manualSeed(seed);
}

/**
 * The seed of the device's default generator (PyTorch's
 * `torch.cuda.initial_seed`); the device must be available.
 *
 * @example
 * ```ts
 * await torch.webgpu.init();
 * torch.manualSeed(5);
 * console.log(torch.webgpu.isAvailable() ? torch.webgpu.initialSeed() === 5 : true); // true
 * ```
 */
export function initialSeed(): number {
  return defaultGeneratorOf("webgpu").initialSeed();
}
