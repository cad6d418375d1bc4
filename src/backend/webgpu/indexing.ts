/**
 * The index kernels as WGSL compute shaders (issue 16): index_select,
 * index_add, take, put (accumulating), gather and scatter (assign or add),
 * over strided operands of every device dtype, as the reference backend's
 * (src/backend/ref/indexing.ts) under the Backend contract (types.ts).
 * Index operands are int64 or int32 (i32 on the device).
 *
 * Three strided shaders do the work (index_shaders.ts): a gather (one
 * invocation per element read: indexSelect reads its 1-d index at stride 0
 * outside `dim`, gather its n-d index), a scatter in index order and a
 * scatter with atomics. Accumulation: indexAdd and scatter run one
 * invocation per output element that walks the index along `dim` and folds
 * every entry naming it, in the index's order: the reference's exact order
 * of additions, and a scatter's last write wins as there. That costs
 * numel(out) x the index's length along `dim`; past DETERMINISTIC_WORK they
 * run one invocation per index entry instead, adding with atomics (a float
 * add is a compare-exchange loop on the bits, so the order of additions,
 * and a float sum's rounding, vary from run to run; a scatter's duplicate
 * writes land in any order, as on PyTorch's CUDA device). putAdd always
 * adds with atomics. Bool outputs add as logical or, as PyTorch's.
 *
 * An index outside its range writes nowhere; the first one is recorded in
 * the device's fault words (fault.ts). An input sharing out's buffer (an
 * in-place x.index_add_(0, i, x)) is copied first, so every entry reads the
 * input as it was before the kernel ran.
 */

/// <reference types="@webgpu/types" />

import { DTypeError, IndexError, ShapeError } from "../../core/errors.js";
import type { IndexFault } from "../types.js";
import { FAULTS, type FaultOp, faultBuffer, faultCode } from "./fault.js";
import { FLAT, GATHER, type IndexShader, SCATTER_ATOMIC, SCATTER_IN_ORDER } from "./index_shaders.js";
import type { GpuKernels } from "./kernels.js";
import { type GpuOperand, type WgslScalar, wgslType } from "./operand.js";
import { bitsOf, checkStrided, ENTRY, GROUP, groupsFor, layoutWords, numel, uniformWgsl, WORKGROUP } from "./uniform_words.js";

/** The most element x index-entry visits an indexAdd or scatter makes in index order; beyond, it adds with atomics. */
export const DETERMINISTIC_WORK = 1 << 22;

/** A 0-d operand as a dim of size 1 (the contract's reading of dim 0 of a 0-d operand). */
const atLeast1d = (x: GpuOperand): GpuOperand => (x.shape.length === 0 ? { ...x, shape: [1], strides: [0] } : x);

/** `strides` with the one at `dim` zeroed (that coordinate comes from the index instead). */
const without = (strides: readonly number[], dim: number) => strides.map((s, d) => (d === dim ? 0 : s));

/** A 1-d index's strides over an n-d walk: its own stride along `dim`, 0 elsewhere. */
const vector = (index: GpuOperand, dim: number, ndim: number) =>
  Array.from({ length: ndim }, (_, d) => (d === dim ? (index.strides[0] as number) : 0));

/** The device type of `a` and `b`, which must be the same. */
function valueType(op: string, a: GpuOperand, b: GpuOperand): WgslScalar {
  const t = wgslType(a.dtype, op);
  if (wgslType(b.dtype, op) !== t) throw new DTypeError(`webgpu ${op}: expected operands of one dtype, got ${a.dtype} and ${b.dtype}`);
  return t;
}

/** Checks the index's dtype and `dim` against the indexed operand's rank. */
function checkIndex(op: string, index: GpuOperand, dim: number, ndim: number): void {
  if (wgslType(index.dtype, op) !== "i32") throw new DTypeError(`webgpu ${op}: expected an int64 or int32 index, got ${index.dtype}`);
  if (!Number.isInteger(dim) || dim < 0 || dim >= ndim) {
    throw new IndexError(`webgpu ${op}: dim ${dim} is not a dim of a ${ndim}-d operand`);
  }
}

function expectShape(op: string, what: string, x: GpuOperand, want: readonly number[]): void {
  if (x.shape.length !== want.length || x.shape.some((s, d) => s !== want[d])) {
    throw new ShapeError(`webgpu ${op}: expected ${what} of shape [${want.join(", ")}], got [${x.shape.join(", ")}]`);
  }
}

/**
 * indexSelect's and indexAdd's operands (each read as at least 1-d): a 1-d
 * index along `dim` of `full`, and `sliced` (`what`: the output or the
 * source) of full's shape with `dim` set to the index's length. Returns
 * that length.
 */
function checkVectorIndex(op: string, full: GpuOperand, sliced: GpuOperand, index: GpuOperand, dim: number, what: string): number {
  checkStrided(op, full, sliced, index);
  checkIndex(op, index, dim, full.shape.length);
  if (index.shape.length !== 1) throw new ShapeError(`webgpu ${op}: expected a 1-d index, got [${index.shape.join(", ")}]`);
  const len = index.shape[0] as number;
  expectShape(
    op,
    what,
    sliced,
    full.shape.map((s, d) => (d === dim ? len : s)),
  );
  return len;
}

const COPY = `${uniformWgsl(0)}
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
${ENTRY} {
  let i = ${GROUP} * ${WORKGROUP}u + t;
  if (i < word(0u)) { dst[i] = src[i]; }
}`;

/** `buffer`, or a copy of it when it is `out` (WebGPU binds a buffer written by a dispatch to nothing else in it). */
function readable(k: GpuKernels, buffer: GPUBuffer, out: GPUBuffer): GPUBuffer {
  if (buffer !== out) return buffer;
  const words = buffer.size / 4;
  const copy = k.empty(words);
  k.run("index:copy", () => COPY, layoutWords([words], []), [buffer, copy], groupsFor(words));
  return copy;
}

/**
 * Encodes `n` invocations of `shader` (type `t`, variant `variant`) over the
 * value operand and the index (copied first when one is `out`), writing
 * `out`.
 */
function launch(
  k: GpuKernels,
  shader: IndexShader,
  [t, variant]: [WgslScalar, string],
  layout: Uint32Array,
  [value, index, out]: [GPUBuffer, GPUBuffer, GPUBuffer],
  n: number,
): void {
  if (n === 0) return;
  const reads = [value, index].map((b) => readable(k, b, out));
  k.run(`${shader.name}:${t}:${variant}`, () => shader.code(t, variant), layout, [...reads, out, faultBuffer(k)], groupsFor(n));
}

/** A shader's header words, with `op`'s fault code (or `code`) at word 11 (index_shaders.ts). */
const coded = (header: readonly number[], op: FaultOp, code: number = FAULTS[op]): number[] => [
  ...header,
  ...new Array<number>(11 - header.length).fill(0),
  code,
];

/** x[..] at index[walk] along `dim` into out[walk], one invocation per element of `shape`: indexSelect and gather. */
function gatherAlong(
  k: GpuKernels,
  op: FaultOp,
  [x, index, out]: [GpuOperand, GpuOperand, GpuOperand],
  dim: number,
  shape: readonly number[],
  indexStrides: readonly number[],
  code?: number,
): void {
  const t = valueType(op, x, out);
  const header = coded(
    [numel(shape), shape.length, index.offset, out.offset, x.offset, dim, x.shape[dim] as number, x.strides[dim] as number],
    op,
    code,
  );
  const layout = layoutWords(header, [shape, indexStrides, out.strides, without(x.strides, dim)]);
  launch(k, GATHER, [t, ""], layout, [x.buffer, index.buffer, out.buffer], numel(shape));
}

/**
 * out[..., i, ...] = x[..., index[i], ...] along `dim`: `index` 1-d (or 0-d
 * for a 0-d x), `out` x's shape with `dim` set to index's length, any
 * strides. One invocation per output element. An index out of range
 * records `fault`'s error when given.
 */
export function indexSelect(k: GpuKernels, x: GpuOperand, dim: number, index: GpuOperand, out: GpuOperand, fault?: IndexFault): void {
  const [x1, o1, i1] = [atLeast1d(x), atLeast1d(out), atLeast1d(index)];
  checkVectorIndex("indexSelect", x1, o1, i1, dim, "an output");
  const code = fault === undefined || numel(o1.shape) === 0 ? undefined : faultCode(k, fault);
  gatherAlong(k, "indexSelect", [x1, i1, o1], dim, o1.shape, vector(i1, dim, o1.shape.length), code);
}

/**
 * out[i][j][k] = x[i][index[i][j][k]][k] for dim 1 (torch.gather): `index`
 * of x's dims, no larger than x outside `dim`; `out` index's shape.
 */
export function gather(k: GpuKernels, x: GpuOperand, dim: number, index: GpuOperand, out: GpuOperand): void {
  const [x1, i1, o1] = [atLeast1d(x), atLeast1d(index), atLeast1d(out)];
  checkStrided("gather", x1, i1, o1);
  checkIndex("gather", index, dim, x1.shape.length);
  if (i1.shape.length !== x1.shape.length || i1.shape.some((s, d) => d !== dim && s > (x1.shape[d] as number))) {
    throw new ShapeError(
      `webgpu gather: index [${index.shape.join(", ")}] does not fit input [${x.shape.join(", ")}] apart from dim ${dim}`,
    );
  }
  expectShape("gather", "an output", o1, i1.shape);
  gatherAlong(k, "gather", [x1, i1, o1], dim, i1.shape, i1.strides);
}

/** How a scatter walks: the index's and src's strides outside `dim` and along it, and the extent of the index. */
interface Scatter {
  op: FaultOp;
  mode: "add" | "assign";
  /** Index entries along `dim`, and their extent at each dim (only entries inside it exist). */
  len: number;
  extent: readonly number[];
  index: readonly number[];
  src: readonly number[];
}

/**
 * out (+)= src at index along `dim`: one invocation per out element walking
 * the index along `dim` when out is not empty and that makes at most
 * DETERMINISTIC_WORK visits; else one per index entry with atomics (which
 * also records an index into an empty dim as out of range).
 */
function scatterAlong(k: GpuKernels, [out, index, src]: [GpuOperand, GpuOperand, GpuOperand], dim: number, s: Scatter): void {
  const t = valueType(s.op, out, src);
  const nOut = numel(out.shape);
  const nd = out.shape.length;
  const buffers: [GPUBuffer, GPUBuffer, GPUBuffer] = [src.buffer, index.buffer, out.buffer];
  if (nOut > 0 && nOut * s.len <= DETERMINISTIC_WORK) {
    const header = [
      nOut,
      nd,
      out.offset,
      src.offset,
      index.offset,
      dim,
      out.shape[dim] as number,
      s.len,
      s.src[dim] as number,
      s.index[dim] as number,
    ];
    const extent = s.extent.map((e, d) => (d === dim ? 0xffffffff : e));
    const layout = layoutWords(coded(header, s.op), [out.shape, out.strides, without(s.src, dim), without(s.index, dim), extent]);
    launch(k, SCATTER_IN_ORDER, [t, s.mode], layout, buffers, nOut);
    return;
  }
  const shape = s.extent.map((e, d) => (d === dim ? s.len : e));
  const header = [numel(shape), nd, index.offset, src.offset, out.offset, dim, out.shape[dim] as number, out.strides[dim] as number];
  const layout = layoutWords(coded(header, s.op), [shape, s.index, s.src, without(out.strides, dim)]);
  launch(k, SCATTER_ATOMIC, [t, s.mode], layout, buffers, numel(shape));
}

/**
 * out[..., index[i], ...] += src[..., i, ...] along `dim`: `index` 1-d,
 * `src` out's shape with `dim` set to index's length; `out` any strided view.
 */
export function indexAdd(k: GpuKernels, out: GpuOperand, dim: number, index: GpuOperand, src: GpuOperand): void {
  const [o1, s1, i1] = [atLeast1d(out), atLeast1d(src), atLeast1d(index)];
  const len = checkVectorIndex("indexAdd", o1, s1, i1, dim, "a source");
  if (numel(s1.shape) === 0) return;
  const walk = { op: "indexAdd", mode: "add", len, extent: o1.shape, index: vector(i1, dim, o1.shape.length), src: s1.strides } as const;
  scatterAlong(k, [o1, i1, s1], dim, walk);
}

/**
 * out[i][index[i][j][k]][k] (+)= src[i][j][k] for dim 1 (torch.scatter with
 * mode "assign", scatter_add with "add"): `index`, `src` and `out` of one
 * rank, index no larger than src at any dim and than out outside `dim`;
 * `out` any strided view.
 */
export function scatter(k: GpuKernels, out: GpuOperand, dim: number, index: GpuOperand, src: GpuOperand, mode: "add" | "assign"): void {
  const [o1, i1, s1] = [atLeast1d(out), atLeast1d(index), atLeast1d(src)];
  checkStrided("scatter", o1, i1, s1);
  checkIndex("scatter", index, dim, o1.shape.length);
  const nd = o1.shape.length;
  const fits = i1.shape.every((s, d) => s <= (s1.shape[d] as number) && (d === dim || s <= (o1.shape[d] as number)));
  if (i1.shape.length !== nd || s1.shape.length !== nd || !fits) {
    throw new ShapeError(
      `webgpu scatter: index [${index.shape.join(", ")}] does not fit src [${src.shape.join(", ")}], nor self [${out.shape.join(", ")}] apart from dim ${dim}`,
    );
  }
  if (numel(i1.shape) === 0) return;
  const op = mode === "add" ? "scatterAdd" : "scatter";
  scatterAlong(k, [o1, i1, s1], dim, { op, mode, len: i1.shape[dim] as number, extent: i1.shape, index: i1.strides, src: s1.strides });
}

/** Whether `x` is row-major contiguous from its offset (size-1 dims' strides ignored). */
function dense(x: GpuOperand): boolean {
  let expected = 1;
  for (let d = x.shape.length - 1; d >= 0; d--) {
    if (x.shape[d] !== 1 && x.strides[d] !== expected) return false;
    expected *= x.shape[d] as number;
  }
  return true;
}

/** Checks take/putAdd's contract: contiguous operands of one dtype, an i32 index buffer holding `n` entries. */
function flatType(op: string, a: GpuOperand, b: GpuOperand, index: GPUBuffer, n: number): WgslScalar {
  checkStrided(op, a, b);
  if (!dense(a) || !dense(b)) throw new ShapeError(`webgpu ${op}: expected contiguous operands`);
  if (index.size < 4 * n) throw new ShapeError(`webgpu ${op}: expected an index of ${n} entries, got a buffer of ${index.size} bytes`);
  return valueType(op, a, b);
}

/**
 * out[i] = x[index[i]] over x's elements in row-major order, `fill` where
 * index[i] is -1: `x` and `out` contiguous, `index` an i32 buffer of one
 * entry per out element, each in [-1, numel(x)).
 */
export function take(k: GpuKernels, x: GpuOperand, index: GPUBuffer, out: GpuOperand, fill: number): void {
  const n = numel(out.shape);
  const t = flatType("take", x, out, index, n);
  const layout = layoutWords(coded([n, x.offset, out.offset, numel(x.shape), bitsOf(fill, t)], "take"), []);
  launch(k, FLAT, [t, "take"], layout, [x.buffer, index, out.buffer], n);
}

/**
 * out[index[i]] += src[i] over out's elements in row-major order, -1
 * skipped: `out` and `src` contiguous, `index` an i32 buffer of one entry
 * per src element, each in [-1, numel(out)). Adds with atomics.
 */
export function putAdd(k: GpuKernels, out: GpuOperand, index: GPUBuffer, src: GpuOperand): void {
  const n = numel(src.shape);
  const t = flatType("putAdd", out, src, index, n);
  const layout = layoutWords(coded([n, src.offset, out.offset, numel(out.shape)], "putAdd"), []);
  launch(k, FLAT, [t, "put"], layout, [src.buffer, index, out.buffer], n);
}
