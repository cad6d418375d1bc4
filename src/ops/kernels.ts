/**
 * Tensor-level kernels without autograd: allocate the output, lay out the
 * operands (broadcast strides) and call the backend. Op forwards are written
 * with these; nothing here records a graph.
 */

import { notOnDevice } from "../backend/buffer.js";
import { backendFor, deviceBackend, readBuffer } from "../backend/index.js";
import { noteMade } from "../backend/lifetime.js";
import type { ArgReduceOp, Backend, BinaryOp, Buffer, IndexFault, Operand, ReduceOp, ScanOp, UnaryOp } from "../backend/types.js";
import { currentDevice, type Device } from "../core/device.js";
import { convertValue, type DType, type TypedArray, typedArrayFor } from "../core/dtype.js";
import { type KindlingError, OutOfMemoryError, ShapeError } from "../core/errors.js";
import { isTracking, noteAllocation } from "../core/recycle.js";
import { broadcastShapes, broadcastStrides, contiguousStrides, formatShape, numel, shapesEqual } from "../core/shape.js";
import { Tensor } from "../tensor.js";

/**
 * A new contiguous tensor with zeroed storage. `zeroed` false: a kernel is
 * about to write every element, so the buffer need not be cleared first.
 */
export function empty(shape: readonly number[], dtype: DType, zeroed = true, op?: string, device: Device = currentDevice()): Tensor {
  const n = numel(shape);
  const b = deviceBackend(device);
  // The backward engine's own gradients may live in the backend's scratch memory.
  const scratch = isTracking() && b.scratch !== undefined ? b.scratch.alloc(dtype, n, zeroed) : null;
  return noted(Tensor._fromData(scratch ?? allocate(b, dtype, shape, n, zeroed, op), shape, dtype));
}

/**
 * A contiguous tensor of `shape` holding `data` (a typed array of `dtype`'s
 * kind that nothing else keeps), on `device` (the run device: see
 * core/device.ts).
 */
export function fromArray(data: TypedArray, shape: readonly number[], dtype: DType, device: Device = currentDevice()): Tensor {
  return noted(Tensor._fromData(deviceBackend(device).adopt(data, dtype, true), shape, dtype));
}

/** The device a kernel over `a` (and `b`) runs on: a device tensor's, else the CPU (a CPU operand beside it is a 0-d scalar). */
export function deviceOf(a: Tensor, b?: Tensor): Device {
  if (a.device !== "cpu") return a.device;
  return b === undefined ? "cpu" : b.device;
}

/**
 * `t` on `device`, outside the graph: itself when it is there, else a copy
 * uploaded from the CPU. A device's tensor cannot come back synchronously
 * (a DeviceError naming `op` and the asynchronous reads).
 */
export function moveTo(t: Tensor, device: Device, op = "to"): Tensor {
  if (t.device === device) return t;
  const c = contiguous(t);
  const host = readBuffer(c._storage.data, `${op}()`);
  return fromArray(host.slice(c._offset, c._offset + c.numel()), c.shape, c.dtype, device);
}

/**
 * A tensor of `shape` whose values `write` sets on the CPU (a mask, positions,
 * divisors: values that depend on shapes only), on `device` (the run device
 * by default: uploaded there when it is not the CPU).
 */
export function fromHost(
  shape: readonly number[],
  dtype: DType,
  write: (data: TypedArray) => void,
  device: Device = currentDevice(),
): Tensor {
  const t = empty(shape, dtype, true, undefined, "cpu");
  write(readBuffer(t._storage.data));
  return moveTo(t, device);
}

/** A tensor with a storage just allocated, made known to the backward engine and to the open scope. */
function noted(t: Tensor): Tensor {
  noteAllocation(t._storage);
  noteMade(t._storage);
  return t;
}

/** The elements of t's storage (all of it, from element 0: index with t's offset and strides), to read. */
export function storageValues(t: Tensor, op?: string): TypedArray {
  if (op !== undefined && t.device !== "cpu") throw notOnDevice(`${op}()`, t.device);
  return readBuffer(t._storage.data);
}

/**
 * `t`'s elements in row-major order, read on the CPU by `op`, which does not
 * run on a device yet: for a tensor there, PyTorch's MPS-style error naming
 * `op` (instead of the read's own).
 */
export function hostValues(t: Tensor, op: string): TypedArray {
  if (t.device !== "cpu") throw notOnDevice(`${op}()`, t.device);
  return t.toTypedArray();
}

/**
 * A fresh buffer from the backend, or PyTorch's allocator error (an
 * OutOfMemoryError, naming `op` when given: creation functions name
 * themselves, an op's forward is named by runForward) when the runtime
 * cannot make one that large.
 */
function allocate(b: Backend, dtype: DType, shape: readonly number[], n: number, zeroed: boolean, op?: string): Buffer {
  try {
    return b.alloc(dtype, n, zeroed);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const bytes = n * (dtype === "float64" || dtype === "int64" ? 8 : dtype === "bool" ? 1 : 4);
    throw new OutOfMemoryError(
      `${op === undefined ? "" : `${op}(): `}DefaultCPUAllocator: can't allocate memory: you tried to allocate ${bytes} bytes (${dtype.startsWith("int") ? "an" : "a"} ${dtype} tensor of shape ${formatShape(shape)}; ${e.message})`,
    );
  }
}

/**
 * A 0-d tensor holding `value` in `dtype`, converted as PyTorch converts a
 * Scalar argument (a fill value, alpha, a bound): integers truncate toward
 * zero, and a value the dtype cannot hold (NaN into int64, 2^31 into int32,
 * 1e40 into float32) raises PyTorch's overflow error, naming `op`.
 */
export function scalar(value: number, dtype: DType, op = ""): Tensor {
  const data = typedArrayFor(dtype, 1);
  data[0] = convertValue(value, dtype, op);
  return fromArray(data, [], dtype);
}

export function full(shape: readonly number[], value: number, dtype: DType, op?: string, device: Device = currentDevice()): Tensor {
  // A zeroed storage is +0 already; anything else (-0 too) is written.
  const zero = Object.is(value, 0);
  const t = empty(shape, dtype, zero, op, device);
  if (!zero) backendFor(t._storage.data).fill(t._strided(), value);
  return t;
}

/**
 * `value` in `x`'s shape and dtype: written straight into `into` when given
 * (a fill's destination, every element of it, even an expanded view), else a
 * new tensor.
 */
export function fill(x: Tensor, value: number, into?: Tensor): Tensor {
  if (into === undefined) return full(x.shape, value, x.dtype, undefined, x.device);
  backendFor(into._storage.data).fill(into._strided(), value);
  return into;
}

/** `x` viewed with new shape/strides/offset (shares storage). */
export function asStrided(x: Tensor, shape: readonly number[], strides: readonly number[], offset = x._offset): Tensor {
  return new Tensor(x._storage, shape, strides, offset, x.dtype);
}

/**
 * Whether a pointwise kernel may write its result of `shape`/`dtype` straight
 * into `into` (an in-place op's destination): same shape and dtype, and every
 * operand sharing its memory is `into` itself, element for element, so each
 * element is read before it is written and by its own index only.
 */
function writable(into: Tensor, shape: readonly number[], dtype: DType, a: Tensor, b: Tensor): boolean {
  if (into.dtype !== dtype || !shapesEqual(into.shape, shape)) return false;
  for (const x of [a, b]) {
    if (x === into || x._storage !== into._storage) continue;
    if (x._offset !== into._offset || !shapesEqual(x.shape, into.shape) || !shapesEqual(x._strides, into._strides)) return false;
  }
  // An expanded destination (stride 0) holds one element for several results.
  for (let d = 0; d < into.ndim; d++) if (into._strides[d] === 0 && (into.shape[d] as number) > 1) return false;
  return true;
}

/** `x`'s layout as an operand of an op over `shape` (broadcast when its shape differs). */
function operandAs(x: Tensor, shape: readonly number[]): Operand {
  return x.shape === shape || shapesEqual(x.shape, shape) ? x._strided() : broadcastTo(x, shape)._strided();
}

/** `x` viewed as the broadcast shape `shape` (stride 0 on expanded dims). */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  return asStrided(x, shape, broadcastStrides(x.shape, x._strides, shape));
}

/** A contiguous copy of `x` converted to `dtype`. */
export function copy(x: Tensor, dtype: DType = x.dtype): Tensor {
  const out = empty(x.shape, dtype, false, undefined, x.device);
  backendFor(out._storage.data).copy(x._strided(), out._strided());
  return out;
}

/** Writes `src` (broadcast to dst's shape) into `dst`'s storage, converting dtype. */
export function copyInto(dst: Tensor, src: Tensor, op = "copy_"): void {
  const shape = broadcastShapes([dst.shape, src.shape], op);
  if (shape.length !== dst.ndim || shape.some((s, i) => s !== dst.shape[i])) {
    throw new ShapeError(
      `${op}: the source of shape ${formatShape(src.shape)} cannot be broadcast to the destination of shape ${formatShape(dst.shape)}`,
    );
  }
  backendFor(dst._storage.data).copy(broadcastTo(onDeviceOf(dst, src, op), dst.shape)._strided(), dst._strided());
}

/**
 * `src` where `dst` lives, for a copy between devices (PyTorch's `copy_`
 * crosses devices): a CPU source is uploaded to the device; a device
 * source cannot come back to the CPU synchronously (a DeviceError names the
 * asynchronous reads).
 */
function onDeviceOf(dst: Tensor, src: Tensor, op: string): Tensor {
  return src.device === dst.device || (src.device === "cpu" && src.numel() <= 1) ? src : moveTo(src, dst.device, op);
}

/** `x` itself if contiguous, otherwise a contiguous copy. */
export function contiguous(x: Tensor): Tensor {
  return x.isContiguous() ? x : copy(x);
}

export function unary(op: UnaryOp, x: Tensor, dtype: DType = x.dtype, p0?: number, p1?: number, into?: Tensor): Tensor {
  const out = into !== undefined && writable(into, x.shape, dtype, x, x) ? into : empty(x.shape, dtype, false, undefined, x.device);
  backendFor(out._storage.data).unary(op, x._strided(), out._strided(), p0, p1);
  return out;
}

export function binary(
  op: BinaryOp,
  a: Tensor,
  b: Tensor,
  dtype: DType,
  p0?: number,
  opName: string = op,
  p1?: number,
  into?: Tensor,
): Tensor {
  const shape = broadcastShapes([a.shape, b.shape], opName);
  const out = into !== undefined && writable(into, shape, dtype, a, b) ? into : empty(shape, dtype, false, undefined, deviceOf(a, b));
  backendFor(out._storage.data).binary(op, operandAs(a, shape), operandAs(b, shape), out._strided(), p0, p1);
  return out;
}

export function where(cond: Tensor, a: Tensor, b: Tensor, dtype: DType): Tensor {
  const shape = broadcastShapes([cond.shape, a.shape, b.shape], "where");
  const out = empty(shape, dtype, false, undefined, deviceOf(a, b));
  backendFor(out._storage.data).where(
    broadcastTo(cond, shape)._strided(),
    broadcastTo(a, shape)._strided(),
    broadcastTo(b, shape)._strided(),
    out._strided(),
  );
  return out;
}

/** Reduces sorted, normalised `dims`; with `keepdim` false those dims are dropped. */
export function reduce(op: ReduceOp, x: Tensor, dims: readonly number[], keepdim: boolean, dtype: DType = x.dtype): Tensor {
  const kept = x.shape.map((s, d) => (dims.includes(d) ? 1 : s));
  const out = empty(kept, dtype, true, undefined, x.device);
  backendFor(out._storage.data).reduce(op, x._strided(), dims, out._strided());
  return keepdim ? out : asStrided(out, dropDims(kept, dims), contiguousStrides(dropDims(kept, dims)), 0);
}

export function argReduce(op: ArgReduceOp, x: Tensor, dim: number, keepdim: boolean): Tensor {
  const kept = x.shape.map((s, d) => (d === dim ? 1 : s));
  const out = empty(kept, "int64", true, undefined, x.device);
  backendFor(out._storage.data).argReduce(op, x._strided(), dim, out._strided());
  return keepdim ? out : asStrided(out, dropDims(kept, [dim]), contiguousStrides(dropDims(kept, [dim])), 0);
}

/** The stable order of `x`'s slices along `dim` (int64, x's shape; see Backend.argsort). */
export function argsort(x: Tensor, dim: number, descending: boolean): Tensor {
  const out = empty(x.shape, "int64", true, undefined, x.device);
  if (out.numel() > 0) backendFor(out._storage.data).argsort(x._strided(), dim, descending, out._strided());
  return out;
}

/**
 * The insertion point of each of `values` into its row of the sorted
 * `boundaries` (both of one dtype, on one device; see
 * Backend.searchSorted): a new tensor of values' shape and `dtype`.
 */
export function searchSorted(boundaries: Tensor, values: Tensor, sorter: Tensor | null, right: boolean, dtype: "int32" | "int64"): Tensor {
  const out = empty(values.shape, dtype, false, undefined, boundaries.device);
  const order = sorter === null ? null : sorter._strided();
  backendFor(out._storage.data).searchSorted(boundaries._strided(), values._strided(), order, right, out._strided());
  return out;
}

/** out[...][i][...] = x[...][index[...][i][...]][...] along `dim` (torch.gather's kernel, outside the graph). */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const out = empty(index.shape, x.dtype, true, undefined, x.device);
  if (index.numel() > 0) backendFor(out._storage.data).gather(x._strided(), dim, index._strided(), out._strided());
  return out;
}

export function scan(op: ScanOp, x: Tensor, dim: number, dtype: DType = x.dtype): Tensor {
  const out = empty(x.shape, dtype, true, undefined, x.device);
  backendFor(out._storage.data).scan(op, x._strided(), dim, out._strided());
  return out;
}

/**
 * softmax (log: log_softmax) of `x` along `dim` in `dtype` (x converted to
 * it first): the backend's fused kernel where it has one (Backend.softmax,
 * float32), else composed from max, sub, exp, sum and div (log: log).
 */
export function softmax(x: Tensor, dim: number, log: boolean, dtype: DType): Tensor {
  const b = backendFor(x._storage.data);
  if (b.softmax !== undefined && dtype === "float32") {
    const out = empty(x.shape, dtype, false, undefined, x.device);
    b.softmax((x.dtype === dtype ? x : copy(x, dtype))._strided(), dim, log, out._strided());
    return out;
  }
  const c = copy(x, dtype);
  const shifted = binary("sub", c, reduce("max", c, [dim], true), dtype);
  const e = unary("exp", shifted);
  const s = reduce("sum", e, [dim], true);
  return log ? binary("sub", shifted, unary("log", s), dtype) : binary("div", e, s, dtype);
}

/**
 * The gradient of softmax (log: log_softmax) at its output `y` for the
 * output gradient `g` along `dim`, in `dtype`: y (g - sum(g y)), or g -
 * e^y sum(g). The backend's fused kernel (Backend.softmaxBackward) where it
 * has one and both are float32 of one shape on its device, else composed.
 */
export function softmaxBackward(g: Tensor, y: Tensor, dim: number, log: boolean, dtype: DType): Tensor {
  const b = backendFor(y._storage.data);
  const fused = dtype === "float32" && g.dtype === dtype && y.dtype === dtype && g.device === y.device && shapesEqual(g.shape, y.shape);
  if (b.softmaxBackward !== undefined && fused) {
    const out = empty(y.shape, dtype, false, undefined, y.device);
    b.softmaxBackward(g._strided(), y._strided(), dim, log, out._strided());
    return out;
  }
  if (log) return binary("sub", g, binary("mul", unary("exp", y), reduce("sum", g, [dim], true), dtype), dtype);
  const s = reduce("sum", binary("mul", g, y, dtype), [dim], true);
  return binary("mul", y, binary("sub", g, s, dtype), dtype);
}

function dropDims(shape: readonly number[], dims: readonly number[]): number[] {
  return shape.filter((_, d) => !dims.includes(d));
}

/** Batched matmul of a [..., M, K] and b [..., K, N] whose batch dims broadcast. */
export function matmul(a: Tensor, b: Tensor, dtype: DType): Tensor {
  const na = a.ndim;
  const nb = b.ndim;
  const batch = broadcastShapes([a.shape.slice(0, na - 2), b.shape.slice(0, nb - 2)], "matmul");
  const M = a.shape[na - 2] as number;
  const K = a.shape[na - 1] as number;
  const N = b.shape[nb - 1] as number;
  const out = empty([...batch, M, N], dtype, true, undefined, deviceOf(a, b));
  const av = broadcastTo(a, [...batch, M, K]);
  const bv = broadcastTo(b, [...batch, K, N]);
  if (numel(out.shape) > 0) backendFor(out._storage.data).matmul(av._strided(), bv._strided(), out._strided());
  return out;
}

/** A zeroed tensor with the given strides (its storage covers every element they reach), on `device`. */
export function emptyStrided(shape: readonly number[], strides: readonly number[], dtype: DType, device: Device = currentDevice()): Tensor {
  let size = 1;
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 0) return asStrided(empty([0], dtype, true, undefined, device), shape, strides, 0);
    size += ((shape[d] as number) - 1) * Math.abs(strides[d] as number);
  }
  return asStrided(empty([size], dtype, true, undefined, device), shape, strides, 0);
}

/** out (a strided view, possibly with repeated elements) += src elementwise, in order. */
export function addInto(out: Tensor, src: Tensor): void {
  const o = out._strided();
  backendFor(out._storage.data).binary("add", o, broadcastTo(src, out.shape)._strided(), o);
}

/** out[i] = x[index[i]] over x's elements in row-major order, -1 giving `fill`; out has `shape`. */
export function take(x: Tensor, index: Int32Array, shape: readonly number[], fill = 0): Tensor {
  const out = empty(shape, x.dtype, true, undefined, x.device);
  backendFor(out._storage.data).take(contiguous(x)._strided(), index, out._strided(), fill);
  return out;
}

/** A zero tensor of `shape` with src[i] added at row-major element index[i] (-1 skipped). */
export function putAdd(shape: readonly number[], index: Int32Array, src: Tensor, base?: Tensor): Tensor {
  const out = base === undefined ? empty(shape, src.dtype, true, undefined, src.device) : copy(base);
  backendFor(out._storage.data).putAdd(out._strided(), index, contiguous(src)._strided());
  return out;
}

/** out[..., index[...], ...] += src[...] along `dim` in place (torch.scatter_add_'s kernel, outside the graph; see Backend.scatter). */
export function scatterAdd(out: Tensor, dim: number, index: Tensor, src: Tensor): void {
  if (index.numel() > 0) backendFor(out._storage.data).scatter(out._strided(), dim, index._strided(), src._strided(), "add");
}

/** `t`'s elements in row-major order as a 1-d view of a contiguous tensor (a copy when `t` is not contiguous). */
function flatView(t: Tensor): Tensor {
  const c = contiguous(t);
  return asStrided(c, [c.numel()], [1], c._offset);
}

/**
 * x's row-major elements at `index` (an int64 tensor of values in
 * [0, numel(x)), any shape): take's kernel for an index that stays on its
 * device (the CPU's take reads the index into an Int32Array first).
 * `fault`: what an index out of range means there (Backend.indexSelect).
 */
export function takeAt(x: Tensor, index: Tensor, fault?: IndexFault): Tensor {
  const out = empty([index.numel()], x.dtype, true, undefined, x.device);
  if (out.numel() > 0)
    backendFor(out._storage.data).indexSelect(flatView(x)._strided(), 0, flatView(index)._strided(), out._strided(), fault);
  return asStrided(out, index.shape, contiguousStrides(index.shape), 0);
}

/** x's slices at `index` (1-d integer) along `dim` (index_select's kernel, outside the graph); `fault` as takeAt's. */
export function indexSelect(x: Tensor, dim: number, index: Tensor, fault?: IndexFault): Tensor {
  const out = empty(
    x.shape.map((s, d) => (d === dim ? index.numel() : s)),
    x.dtype,
    true,
    undefined,
    x.device,
  );
  if (out.numel() > 0) backendFor(out._storage.data).indexSelect(x._strided(), dim, index._strided(), out._strided(), fault);
  return out;
}

/**
 * Checks on a device that the one-element integer tensor `value` (a count
 * the CPU cannot read synchronously) lies in [lo, hi]: an index kernel
 * picks element value - lo of hi - lo + 1, and one out of range records
 * `error(value)`, raised at the next read as the device's index faults are.
 */
export function checkOnDevice(value: Tensor, lo: number, hi: number, error: (value: number) => KindlingError): void {
  const index = binary("sub", flatView(value), scalar(lo, "int64"), "int64");
  indexSelect(asStrided(value, [hi - lo + 1], [0], value._offset), 0, index, (v) => error(v + lo));
}

/**
 * Checks on a device that every element of the bool tensor `ok` is true
 * (PyTorch's device-side asserts): one that is not records `error()`,
 * raised at the next read, as checkOnDevice's.
 */
export function checkAllOnDevice(ok: Tensor, error: () => KindlingError): void {
  const all = reduce(
    "all",
    ok,
    ok.shape.map((_, d) => d),
    false,
    "bool",
  );
  const failed = copy(unary("logicalNot", all), "int64");
  checkOnDevice(failed, 0, 0, () => error());
}

/** A copy of `x` with its row-major elements at `index` set to (accumulate: increased by) `values`' elements in order: put's kernel for an index on its device. */
export function putAt(x: Tensor, index: Tensor, values: Tensor, accumulate: boolean): Tensor {
  const out = copy(x);
  if (index.numel() === 0) return out;
  const b = backendFor(out._storage.data);
  const [o, i, v] = [asStrided(out, [out.numel()], [1], 0)._strided(), flatView(index)._strided(), flatView(values)._strided()];
  if (accumulate) b.indexAdd(o, 0, i, v);
  else b.scatter(o, 0, i, v, "assign");
  return out;
}
