/**
 * What the WebGPU reduction, scan, sort and index kernels share (issue 16):
 * their layout uniform, the WGSL that reads it, a value's bits in a device
 * type, casts between device types, the coalescing of dims and the check
 * of a strided operand's rank.
 *
 * The uniform is a list of u32 words: 16 header words (a kernel's scalars:
 * counts, offsets, one dim's size and strides), then blocks of 8 words, one
 * per dim (a shape, or an operand's strides over it). A kernel reads header
 * word i as `word(i)` and dim d of block b as `dimWord(b, d)`.
 */

/// <reference types="@webgpu/types" />

import { IndexError, ShapeError } from "../../core/errors.js";
import { type GpuStrided, MAX_DIMS } from "./kernels.js";
import type { WgslScalar } from "./operand.js";

/** Invocations per workgroup, in every shader built from this module. */
export const WORKGROUP = 256;
const HEADER = 16;

/** The uniform's words: the header's scalars (at most 16), then each block padded to 8 words. */
export function layoutWords(header: readonly number[], blocks: readonly (readonly number[])[]): Uint32Array {
  const u = new Uint32Array(HEADER + MAX_DIMS * blocks.length);
  for (const [i, v] of header.entries()) u[i] = v;
  for (const [b, block] of blocks.entries()) {
    for (const [d, v] of block.entries()) u[HEADER + MAX_DIMS * b + d] = v;
  }
  return u;
}

/**
 * The WGSL of the uniform with `blocks` dim blocks (binding 0) and its
 * readers, for a shader built with wgsl_math.ts's `withMath` (whose `bits`
 * entry defines `isNan`).
 */
export function uniformReadersWgsl(blocks: number): string {
  return `
struct Layout { w: array<vec4<u32>, ${(HEADER + MAX_DIMS * blocks) / 4}> }
@group(0) @binding(0) var<uniform> L: Layout;
fn word(i: u32) -> u32 { return L.w[i / 4u][i % 4u]; }
fn dimWord(block: u32, d: u32) -> u32 { return word(${HEADER}u + ${MAX_DIMS}u * block + d); }
`;
}

/**
 * The uniform's readers (uniformReadersWgsl) and `isNan`, which tests a
 * float's bits (WGSL compilers may assume no NaN and fold `v != v` to false).
 */
export function uniformWgsl(blocks: number): string {
  return `${uniformReadersWgsl(blocks)}fn isNan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }
`;
}

/**
 * WGSL that gives each invocation its row when rows share a workgroup,
 * `lanes` invocations each (a power of two, at most WORKGROUP): `lanes`,
 * the row `row`, its `lane` and `live` (whether the row exists, of
 * `rows`); a workgroup past the last row returns. Runs first in `main`.
 */
export function rowLanesWgsl(rows: string, lanes: string, row: string): string {
  return `let lanes = ${lanes};
  let first = ${GROUP} * (${WORKGROUP}u / lanes);
  if (first >= ${rows}) { return; }
  let ${row} = first + t / lanes;
  let lane = t % lanes;
  let live = ${row} < ${rows};`;
}

/** The entry point's signature: `wg`/`ng` give the workgroup's linear index `GROUP` (2-D past 65,535 groups), `t` the invocation in it. */
export const ENTRY = `@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>, @builtin(local_invocation_index) t: u32)`;
export const GROUP = "(wg.x + wg.y * ng.x)";

/**
 * WGSL that walks the linear index `i` over the shape in block `shape`
 * (`ndim` dims, the last fastest), adding each coordinate times the strides
 * of block `b` to variable `v` for every [v, b] of `adds`; `extra` runs for
 * each dim with its coordinate `c` and dim `d`.
 */
export function walkWgsl(i: string, ndim: string, shape: number, adds: readonly (readonly [string, number])[], extra = ""): string {
  return `{
    var rem = ${i};
    for (var k = 0u; k < ${ndim}; k++) {
      let d = ${ndim} - 1u - k;
      let size = dimWord(${shape}u, d);
      let c = rem % size;
      rem = rem / size;
      ${adds.map(([v, b]) => `${v} += c * dimWord(${b}u, d);`).join("\n      ")}
      ${extra}
    }
  }`;
}

/** The 32 bits `v` has as a `t` on the device: float32's, int32's (wrapping as an Int32Array), or an unsigned integer's. */
export function bitsOf(v: number, t: WgslScalar): number {
  if (t === "f32") return new Uint32Array(Float32Array.of(v).buffer)[0] as number;
  return t === "i32" ? (v | 0) >>> 0 : v >>> 0;
}

/** WGSL that tests a `t` for non-zero (a float by its bits: NaN is non-zero, -0 is zero). */
export function nonzeroWgsl(v: string, t: WgslScalar): string {
  return t === "f32" ? `((bitcast<u32>(${v}) & 0x7fffffffu) != 0u)` : `(${v} != 0${t === "i32" ? "i" : "u"})`;
}

/** WGSL converting `v` from `from` to `to` as PyTorch casts: to bool (u32) by testing for non-zero, else WGSL's conversion. */
export function convertWgsl(v: string, from: WgslScalar, to: WgslScalar): string {
  if (from === to) return v;
  return to === "u32" ? `select(0u, 1u, ${nonzeroWgsl(v, from)})` : `${to}(${v})`;
}

/** A dim of a loop nest: its size and its stride in each operand. */
export interface Dim {
  size: number;
  strides: number[];
}

/**
 * Drops size-1 dims and merges each dim into the one outside it where every
 * operand steps over the inner dim exactly once per outer step (outer stride
 * = inner stride * inner size): the same elements, in the same order, with
 * fewer dims to index.
 */
export function coalesce(dims: readonly Dim[]): Dim[] {
  const merged: Dim[] = [];
  for (const d of dims) {
    if (d.size === 1) continue;
    const last = merged[merged.length - 1];
    if (last?.strides.every((s, i) => s === (d.strides[i] as number) * d.size)) {
      merged[merged.length - 1] = { size: last.size * d.size, strides: d.strides };
    } else merged.push({ size: d.size, strides: [...d.strides] });
  }
  return merged;
}

export const numel = (shape: readonly number[]): number => shape.reduce((p, s) => p * s, 1);

/**
 * Refuses layouts the shaders cannot index: more than 8 dims. Negative
 * strides index correctly: the uniform holds them as u32 and the shaders'
 * u32 arithmetic wraps, so offset + c * stride lands where it does in two's
 * complement.
 */
export function checkStrided(op: string, ...operands: readonly GpuStrided[]): void {
  for (const x of operands) {
    if (x.shape.length > MAX_DIMS) throw new ShapeError(`webgpu ${op}: at most ${MAX_DIMS} dims, got ${x.shape.length}`);
  }
}

/** The slices of x along one dim, as scans and sorts walk them (out in x's shape). */
export interface Slices {
  /** How many slices, and the uniform blocks of their (coalesced) dims: sizes, x strides, out strides. */
  count: number;
  ndim: number;
  blocks: number[][];
  /** The slice length and its x and out strides. */
  n: number;
  sx: number;
  so: number;
}

/** Checks that `out` has x's shape and `dim` is one of its dims (dim 0 of a 0-d x: one slice of one element), and splits x into slices along `dim`. */
export function slicesAlong(op: string, x: GpuStrided, dim: number, out: GpuStrided): Slices {
  checkStrided(op, x, out);
  const nd = x.shape.length;
  if (!Number.isInteger(dim) || dim < 0 || dim >= Math.max(nd, 1)) {
    throw new IndexError(`webgpu ${op}: dim ${dim} is not a dim of a ${nd}-d input`);
  }
  if (out.shape.length !== nd || out.shape.some((s, d) => s !== x.shape[d])) {
    throw new ShapeError(`webgpu ${op}: expected an output of shape [${x.shape.join(", ")}], got [${out.shape.join(", ")}]`);
  }
  const kept = coalesce(
    x.shape.flatMap((size, d) => (d === dim ? [] : [{ size, strides: [x.strides[d] as number, out.strides[d] as number] }])),
  );
  return {
    count: numel(kept.map((d) => d.size)),
    ndim: kept.length,
    blocks: [kept.map((d) => d.size), kept.map((d) => d.strides[0] as number), kept.map((d) => d.strides[1] as number)],
    n: x.shape[dim] ?? 1,
    sx: x.strides[dim] ?? 0,
    so: out.strides[dim] ?? 0,
  };
}

/** Workgroups for one invocation per item. */
export const groupsFor = (n: number): number => Math.ceil(n / WORKGROUP);
