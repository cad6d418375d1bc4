/**
 * The WebGPU device's record of an index out of range (issue 16). The op
 * layer checks index values on the CPU for CPU tensors, but a device index
 * cannot be read synchronously: the index kernels (indexing.ts; search.ts
 * for a searchsorted sorter) skip an
 * index outside its range (it writes nowhere) and record the first one in
 * the device's fault words, four u32: the kernel's code (0: none), the
 * index value, the dim and its size. `readFault` reads and clears them and
 * gives the error the op would have raised on the CPU; the backend raises it
 * at the next read of a tensor. An op whose index stands for something else
 * (masked_scatter's count of true elements) gives its kernel its own error
 * (an IndexFault, under a code of its own: `faultCode`).
 */

/// <reference types="@webgpu/types" />

import { ArgumentError, IndexError, type KindlingError } from "../../core/errors.js";
import type { IndexFault } from "../types.js";
import type { GpuKernels } from "./kernels.js";

/** Each index kernel's code in the fault words, and the error (PyTorch's message on the CPU) it stands for. */
export const FAULTS = {
  indexSelect: 1,
  indexAdd: 2,
  take: 3,
  putAdd: 4,
  gather: 5,
  scatter: 6,
  scatterAdd: 7,
  searchsorted: 8,
} as const;

export type FaultOp = keyof typeof FAULTS;

function faultError(code: number, v: number, dim: number, size: number): KindlingError {
  const bounds = `index ${v} is out of bounds for dimension ${dim} with size ${size}`;
  const flat = `out of range: tried to access index ${v} on a tensor of ${size} elements.`;
  const where = `(index ${v} along dim ${dim} of size ${size}, on the webgpu device)`;
  switch (code) {
    case FAULTS.indexSelect:
      return new IndexError(`index_select(): index out of range in self ${where}`);
    case FAULTS.indexAdd:
      return new IndexError(`index_add_(): index out of range in self ${where}`);
    case FAULTS.take:
      return new IndexError(`take(): ${flat}`);
    case FAULTS.putAdd:
      return new IndexError(`put_(): ${flat}`);
    case FAULTS.gather:
      return new ArgumentError(`gather(): ${bounds}`);
    case FAULTS.scatterAdd:
      return new ArgumentError(`scatter_add(): ${bounds}`);
    case FAULTS.searchsorted:
      return new IndexError(`torch.searchsorted(): sorter index ${v} out of range for boundaries of size ${size} in the last dim`);
    default:
      return new ArgumentError(`scatter(): ${bounds}`);
  }
}

const buffers = new WeakMap<GpuKernels, GPUBuffer>();

/**
 * The ops' own errors (IndexFault) for the kernels encoded since the last
 * read, by the code their kernels record: codes from FIRST_OWN up, each used
 * by one kernel, dropped once a read has seen the work that used them.
 */
const own = new WeakMap<GpuKernels, Map<number, IndexFault>>();
const FIRST_OWN = 256;
let nextOwn = FIRST_OWN;

/** The fault code of a kernel of `k` whose index out of range stands for `fault`'s error. */
export function faultCode(k: GpuKernels, fault: IndexFault): number {
  let codes = own.get(k);
  if (codes === undefined) {
    codes = new Map();
    own.set(k, codes);
  }
  const code = nextOwn;
  nextOwn = nextOwn >= 0xfffffff0 ? FIRST_OWN : nextOwn + 1;
  codes.set(code, fault);
  return code;
}

/** The fault words of `k`'s device (made zeroed on first use). */
export function faultBuffer(k: GpuKernels): GPUBuffer {
  let b = buffers.get(k);
  if (b === undefined) {
    b = k.device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    buffers.set(k, b);
  }
  return b;
}

/**
 * The WGSL of the fault words at `binding` and `fail(code, value, dim,
 * size)`, which records an index out of range unless one is recorded
 * already (the first to swap the code in from 0 writes the rest).
 */
export function faultWgsl(binding: number): string {
  return `
@group(0) @binding(${binding}) var<storage, read_write> fault: array<atomic<u32>, 4>;
fn fail(code: u32, v: i32, dim: u32, size: u32) {
  loop {
    let r = atomicCompareExchangeWeak(&fault[0], 0u, code);
    if (r.exchanged) {
      atomicStore(&fault[1], bitcast<u32>(v));
      atomicStore(&fault[2], dim);
      atomicStore(&fault[3], size);
      return;
    }
    if (r.old_value != 0u) { return; }
  }
}`;
}

/**
 * The error for the first index out of range the index kernels met in the
 * work encoded before this call, or null; clears the record (the clear is
 * queued right after the words are copied out, so a fault of work encoded
 * later is kept for the next call). Raises the device's own errors as
 * `k.readBytes` does.
 */
export async function readFault(k: GpuKernels): Promise<KindlingError | null> {
  const b = buffers.get(k);
  if (b === undefined) return null;
  const words = k.readBytes(b, 16);
  k.clear(b, 16);
  // The ops' errors of the work encoded so far: the words copied out cover exactly that work.
  const codes = own.get(k);
  const seen = codes === undefined ? [] : [...codes.keys()];
  const [code, bits, dim, size] = new Uint32Array(await words);
  const fault = codes?.get(code as number);
  for (const c of seen) codes?.delete(c);
  if (code === 0) return null;
  if (fault !== undefined) return fault((bits as number) | 0, size as number);
  return faultError(code as number, (bits as number) | 0, dim as number, size as number);
}
