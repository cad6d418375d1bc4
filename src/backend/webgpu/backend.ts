/**
 * The WebGPU device's backend: the backend boundary (types.ts) over
 * GPUBuffers. A tensor on the device owns a `GpuBuffer` (a DeviceBuffer);
 * the kernels (pointwise.ts, reduce.ts, matmul.ts, scan.ts, sort.ts,
 * search.ts, indexing.ts, softmax.ts) are recorded into one command encoder and submitted when
 * something reads (`cpuAsync()`), so a training step's hundreds of kernels go
 * to the GPU together, without a round trip per op.
 *
 * Memory: buffers come from a pool by power-of-two byte classes. A buffer
 * goes back to the pool when one of the library's deciders releases its
 * storage (lifetime.ts: the backward engine, `torch.scope`, `dispose()`) or,
 * failing those, when the garbage collector drops the tensor (a
 * FinalizationRegistry): users never dispose. Reusing a pooled buffer is
 * safe without waiting: the queue runs the kernels in the order they were
 * recorded, so earlier uses of the buffer finish before later ones start.
 */

/// <reference types="@webgpu/types" />

import type { DType, TypedArray } from "../../core/dtype.js";
import { DTypeError } from "../../core/errors.js";
import { readBuffer } from "../buffer.js";
import type { Backend, Buffer, DeviceBuffer, IndexFault, Operand, RandomKind } from "../types.js";
import { isDeviceBuffer } from "../types.js";
import { readFault } from "./fault.js";
import { gather, indexAdd, indexSelect, putAdd, scatter, take } from "./indexing.js";
import type { GpuKernels } from "./kernels.js";
import { matmul } from "./matmul.js";
import { type GpuOperand, wgslType } from "./operand.js";
import { binary, copy, fill, unary, where } from "./pointwise.js";
import { randomFill } from "./random.js";
import { argReduce, reduce } from "./reduce.js";
import { scan } from "./scan.js";
import { searchSorted } from "./search.js";
import { softmax, softmaxBackward } from "./softmax.js";
import { argsort } from "./sort.js";

/** A tensor's memory on the WebGPU device. */
export interface GpuBuffer extends DeviceBuffer {
  readonly device: "webgpu";
  readonly buffer: GPUBuffer;
  /** Whether it is still the storage's (false once given back to the pool). */
  readonly slot: Slot;
}

/** What the pool and the garbage collector's callback share about one buffer's use. */
interface Slot {
  readonly buffer: GPUBuffer;
  live: boolean;
}

/** The smallest buffer the pool hands out, in bytes (size classes are powers of two from here). */
const MIN_BYTES = 256;

/** The size class of a buffer of `bytes` bytes. */
function sizeClass(bytes: number): number {
  return Math.max(MIN_BYTES, 2 ** Math.ceil(Math.log2(Math.max(1, bytes))));
}

/** The WebGPU device's backend (one per GPUDevice). */
export class WebGpuBackend implements Backend {
  readonly name = "webgpu";
  /** Free buffers by size class. */
  private readonly pool = new Map<number, GPUBuffer[]>();
  /** Bytes in buffers the device holds (in use or pooled). */
  private held = 0;
  /** Bytes in buffers tensors use. */
  private used = 0;
  /** Gives a dropped tensor's buffer back to the pool when the garbage collector reclaims its storage. */
  private readonly collected = new FinalizationRegistry<Slot>((slot) => this.giveBack(slot));

  constructor(readonly kernels: GpuKernels) {}

  alloc(dtype: DType, length: number, zeroed = true): GpuBuffer {
    wgslType(dtype);
    const bytes = 4 * length;
    const cls = sizeClass(bytes);
    const buffer = this.pool.get(cls)?.pop() ?? this.create(cls);
    // A new GPUBuffer is zeroed; a pooled one holds its last tensor's values.
    if (zeroed) this.kernels.clear(buffer, bytes);
    return this.wrap(buffer, length, cls);
  }

  /** Uploads `data` (converted to the device's element type of `dtype`) into a fresh buffer: nothing queued can touch it. */
  adopt(data: TypedArray, dtype: DType, _owned = true): GpuBuffer {
    const elements = deviceElements(data, dtype);
    const cls = sizeClass(elements.byteLength);
    const buffer = this.create(cls, true);
    new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(elements.buffer, elements.byteOffset, elements.byteLength));
    buffer.unmap();
    return this.wrap(buffer, data.length, cls);
  }

  free(data: Buffer): void {
    if (isDeviceBuffer(data)) this.giveBack((data as GpuBuffer).slot);
  }

  /** Bytes tensors on the device use, and bytes the device holds with the pool's free buffers (PyTorch's memory_allocated / memory_reserved). */
  memory(): { allocated: number; reserved: number } {
    return { allocated: this.used, reserved: this.held };
  }

  /** Destroys the pool's free buffers (PyTorch's `torch.cuda.empty_cache()`). */
  emptyCache(): void {
    this.kernels.flush();
    for (const [cls, list] of this.pool) {
      for (const b of list) b.destroy();
      this.held -= cls * list.length;
    }
    this.pool.clear();
  }

  /** The elements of `data` (of `dtype`), copied back to the CPU after every kernel recorded so far. */
  async read(data: GpuBuffer, dtype: DType): Promise<TypedArray> {
    const bytes = await this.kernels.readBytes(data.buffer, 4 * data.length);
    // An index kernel that met an index out of range since the last read raises here (CUDA's device-side assert).
    const fault = await readFault(this.kernels);
    if (fault !== null) throw fault;
    return hostElements(bytes, dtype);
  }

  copy(src: Operand, dst: Operand): void {
    copy(this.kernels, this.operand(src), this.operand(dst));
  }
  fill(dst: Operand, value: number): void {
    fill(this.kernels, this.operand(dst), value);
  }
  unary(op: Parameters<Backend["unary"]>[0], x: Operand, out: Operand, p0?: number, p1?: number): void {
    unary(this.kernels, op, this.operand(x), this.operand(out), p0, p1);
  }
  binary(op: Parameters<Backend["binary"]>[0], a: Operand, b: Operand, out: Operand, p0?: number, p1?: number): void {
    binary(this.kernels, op, this.operand(a), this.operand(b), this.operand(out), p0, p1);
  }
  where(cond: Operand, a: Operand, b: Operand, out: Operand): void {
    where(this.kernels, this.operand(cond), this.operand(a), this.operand(b), this.operand(out));
  }
  reduce(op: Parameters<Backend["reduce"]>[0], x: Operand, dims: readonly number[], out: Operand): void {
    reduce(this.kernels, op, this.operand(x), dims, this.operand(out));
  }
  argReduce(op: Parameters<Backend["argReduce"]>[0], x: Operand, dim: number, out: Operand): void {
    argReduce(this.kernels, op, this.operand(x), dim, this.operand(out));
  }
  scan(op: Parameters<Backend["scan"]>[0], x: Operand, dim: number, out: Operand): void {
    scan(this.kernels, op, this.operand(x), dim, this.operand(out));
  }
  argsort(x: Operand, dim: number, descending: boolean, out: Operand): void {
    argsort(this.kernels, this.operand(x), dim, descending, this.operand(out));
  }
  searchSorted(boundaries: Operand, values: Operand, sorter: Operand | null, right: boolean, out: Operand): void {
    const order = sorter === null ? null : this.operand(sorter);
    searchSorted(this.kernels, this.operand(boundaries), this.operand(values), order, right, this.operand(out));
  }
  matmul(a: Operand, b: Operand, out: Operand): void {
    if (a.dtype === "float32" && b.dtype === "float32") matmul(this.kernels, this.operand(a), this.operand(b), this.operand(out));
    else this.integerMatmul(a, b, out);
  }

  /**
   * An integer product, exact (wrapping past int32 as the device's int64
   * does): the [..., M, K, N] products of broadcast views, summed over K.
   * Integer products are small in practice; this spends memory, not a kernel.
   */
  private integerMatmul(a: Operand, b: Operand, out: Operand): void {
    const nd = out.shape.length;
    const batch = out.shape.slice(0, nd - 2);
    const [M, K, N] = [a.shape[nd - 2] as number, a.shape[nd - 1] as number, b.shape[nd - 1] as number];
    const shape = [...batch, M, K, N];
    const bs = (x: Operand) => x.strides.slice(0, nd - 2);
    const as = (x: Operand, strides: number[]): Operand => ({ ...x, shape, strides: [...bs(x), ...strides] });
    const prod = this.alloc(out.dtype, M * K * N * batch.reduce((p, v) => p * v, 1), false);
    const dense: Operand = {
      data: prod,
      dtype: out.dtype,
      shape,
      strides: shape.map((_, d) => shape.slice(d + 1).reduce((p, v) => p * v, 1)),
      offset: 0,
    };
    const [sm, sk] = [a.strides[nd - 2] as number, a.strides[nd - 1] as number];
    const [tk, tn] = [b.strides[nd - 2] as number, b.strides[nd - 1] as number];
    this.binary("mul", as(a, [sm, sk, 0]), as(b, [0, tk, tn]), dense);
    const summed: Operand = { ...out, shape: [...batch, M, 1, N], strides: [...out.strides.slice(0, nd - 1), N, 1] };
    this.reduce("sum", dense, [nd - 1], summed);
    this.free(prod);
  }
  indexSelect(x: Operand, dim: number, index: Operand, out: Operand, fault?: IndexFault): void {
    indexSelect(this.kernels, this.operand(x), dim, this.operand(index), this.operand(out), fault);
  }
  indexAdd(out: Operand, dim: number, index: Operand, src: Operand): void {
    indexAdd(this.kernels, this.operand(out), dim, this.operand(index), this.operand(src));
  }
  take(x: Operand, index: Int32Array, out: Operand, fillValue: number): void {
    const i = this.adopt(index, "int32");
    take(this.kernels, this.operand(x), i.buffer, this.operand(out), fillValue);
    this.free(i);
  }
  putAdd(out: Operand, index: Int32Array, src: Operand): void {
    const i = this.adopt(index, "int32");
    putAdd(this.kernels, this.operand(out), i.buffer, this.operand(src));
    this.free(i);
  }
  gather(x: Operand, dim: number, index: Operand, out: Operand): void {
    gather(this.kernels, this.operand(x), dim, this.operand(index), this.operand(out));
  }
  scatter(out: Operand, dim: number, index: Operand, src: Operand, mode: "add" | "assign"): void {
    scatter(this.kernels, this.operand(out), dim, this.operand(index), this.operand(src), mode);
  }
  randomFill(out: Operand, kind: RandomKind, key: readonly number[], counter: readonly number[], a: number, b: number): void {
    randomFill(this.kernels, this.operand(out), kind, key, counter, a, b);
  }
  softmax(x: Operand, dim: number, log: boolean, out: Operand): void {
    softmax(this.kernels, this.operand(x), dim, log, this.operand(out));
  }
  softmaxBackward(g: Operand, y: Operand, dim: number, log: boolean, out: Operand): void {
    softmaxBackward(this.kernels, this.operand(g), this.operand(y), dim, log, this.operand(out));
  }

  /**
   * `x` as a kernel operand. A CPU operand reaching the device is a single
   * value (PyTorch lets a 0-d CPU tensor join an op on the GPU, as a scalar):
   * it is uploaded; anything larger is a bug of the op layer, which keeps
   * tensors of two devices apart.
   */
  private operand(x: Operand): GpuOperand {
    let data = x.data;
    let offset = x.offset;
    let dtype = x.dtype;
    if (!isDeviceBuffer(data)) {
      // One value (0-d, or broadcast from one element: every stride 0).
      if (x.strides.some((st, d) => st !== 0 && (x.shape[d] as number) > 1)) {
        throw new Error(`internal error: a CPU operand of shape [${x.shape.join(", ")}] reached the webgpu device`);
      }
      // A float64 scalar joins a float32 op as float32 (its result's dtype is the device tensor's).
      dtype = dtype === "float64" ? "float32" : dtype;
      data = this.adopt(Float64Array.of(readBuffer(data)[offset] as number), dtype);
      offset = 0;
    }
    return { buffer: (data as GpuBuffer).buffer, dtype, shape: x.shape, strides: x.strides, offset };
  }

  private create(cls: number, mapped = false): GPUBuffer {
    this.held += cls;
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    return this.kernels.device.createBuffer({ size: cls, usage, mappedAtCreation: mapped });
  }

  private wrap(buffer: GPUBuffer, length: number, cls: number): GpuBuffer {
    this.used += cls;
    const slot: Slot = { buffer, live: true };
    const data: GpuBuffer = { device: "webgpu", buffer, length, slot };
    this.collected.register(data, slot, slot);
    return data;
  }

  /** Puts a buffer back in the pool (once). */
  private giveBack(slot: Slot): void {
    if (!slot.live) return;
    slot.live = false;
    this.collected.unregister(slot);
    const cls = slot.buffer.size;
    this.used -= cls;
    const list = this.pool.get(cls);
    if (list === undefined) this.pool.set(cls, [slot.buffer]);
    else list.push(slot.buffer);
  }
}

/** `data` (a host array of `dtype`) as the device's 4-byte elements: int64 checked to fit int32, bool widened to u32. */
function deviceElements(data: TypedArray, dtype: DType): Float32Array | Int32Array | Uint32Array {
  switch (wgslType(dtype)) {
    case "f32":
      return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
    case "u32":
      return Uint32Array.from(data as ArrayLike<number>);
    default: {
      if (data instanceof Int32Array) return data;
      const out = new Int32Array(data.length);
      for (let i = 0; i < data.length; i++) {
        const v = data[i] as number;
        if (v !== (v | 0)) {
          throw new DTypeError(
            `to(): int64 values on the webgpu device must lie within int32's range [-2147483648, 2147483647] (WGSL has no 64-bit integers), got ${v} at element ${i}`,
          );
        }
        out[i] = v;
      }
      return out;
    }
  }
}

/** The device's bytes as the host array of `dtype` (int64 as exact integers in a Float64Array, bool as 0/1 bytes). */
function hostElements(bytes: ArrayBuffer, dtype: DType): TypedArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(bytes);
    case "int32":
      return new Int32Array(bytes);
    case "int64":
      return Float64Array.from(new Int32Array(bytes));
    case "bool":
      return Uint8Array.from(new Uint32Array(bytes));
    default:
      throw new DTypeError(`the webgpu device holds no ${dtype}`);
  }
}
