/**
 * torch.searchsorted's kernel as a WGSL compute shader (issue 16): one
 * invocation per value runs PyTorch's binary search over the value's row of
 * the boundaries (read through the sorter when there is one), over strided
 * operands of float32, int32 or int64 (i32 on the device), as the reference
 * backend's (src/backend/ref/search.ts) under Backend.searchSorted's
 * contract (types.ts).
 *
 * NaN: the search moves right past an element e when `!(e >= v)` (`!(e >
 * v)` for `right`), and a float comparison with a NaN is false, so a NaN
 * (element or value) moves it right. WGSL compilers may assume there are no
 * NaNs and fold such comparisons, so the shader tests NaN by its bits.
 *
 * The sorter's entries are checked on the device (the op layer cannot read
 * them): invocation i also checks sorter element i (the dispatch covers the
 * larger of the two counts), and an entry outside [0, n) is recorded in the
 * device's fault words (fault.ts), raised at the next read with the CPU's
 * message; a search that meets one writes 0 and stops.
 */

/// <reference types="@webgpu/types" />

import { DTypeError, ShapeError } from "../../core/errors.js";
import { FAULTS, faultBuffer, faultWgsl } from "./fault.js";
import { type GpuKernels, MAX_DIMS } from "./kernels.js";
import { type GpuOperand, type WgslScalar, wgslType } from "./operand.js";
import { coalesce, type Dim, ENTRY, GROUP, groupsFor, layoutWords, numel, uniformWgsl, WORKGROUP, walkWgsl } from "./uniform_words.js";

const OP = "searchSorted";

/**
 * `before(e, v)`: whether the search moves right past element `e` (PyTorch's
 * `!(e >= v)`, or `!(e > v)` with `right`, word 9), NaN tested by its bits.
 */
function beforeWgsl(t: WgslScalar): string {
  const nan = t === "f32" ? "if (isNan(e) || isNan(v)) { return true; }\n  " : "";
  return `fn before(e: ${t}, v: ${t}) -> bool {
  ${nan}return select(e < v, e <= v, word(9u) != 0u);
}`;
}

/**
 * Header words: 0 values, 1 the walk's dims, 2-5 the offsets of values, out,
 * boundaries and sorter, 6 the row length n, 7 and 8 the boundaries' and
 * the sorter's strides along a row, 9 right, 10 sorter elements (0: none),
 * 11 the fault code, 12 the sorter walk's dims. Blocks: 0 the walk's sizes
 * (values' dims, coalesced), 1-4 the strides of values, out, the boundaries'
 * row and the sorter's row over them; 5 and 6 the sorter's sizes and
 * strides (coalesced). Bindings: 1 boundaries, 2 values, 3 out; with a
 * sorter, 4 the fault words and 5 the sorter.
 */
function shader(t: WgslScalar, sorted: boolean): string {
  const adds: [string, number][] = [["ov", 1], ["oo", 2], ["ob", 3], ...(sorted ? [["os", 4] as [string, number]] : [])];
  const element = sorted
    ? `let j = order[os + mid * word(8u)];
    if (j < 0 || u32(j) >= n) {
      fail(word(11u), j, 0u, n);
      out[oo] = 0;
      return;
    }
    let k = u32(j);`
    : "let k = mid;";
  const sorter = sorted
    ? `${faultWgsl(4)}
@group(0) @binding(5) var<storage, read> order: array<i32>;
// Records sorter element s if it is outside [0, n).
fn check(s: u32) {
  var o = word(5u);
  ${walkWgsl("s", "word(12u)", 5, [["o", 6]])}
  let j = order[o];
  if (j < 0 || u32(j) >= word(6u)) { fail(word(11u), j, 0u, word(6u)); }
}`
    : "";
  return `${uniformWgsl(7)}
@group(0) @binding(1) var<storage, read> bd: array<${t}>;
@group(0) @binding(2) var<storage, read> vs: array<${t}>;
@group(0) @binding(3) var<storage, read_write> out: array<i32>;
${sorter}
${beforeWgsl(t)}
${ENTRY} {
  let i = ${GROUP} * ${WORKGROUP}u + t;
  ${sorted ? "if (i < word(10u)) { check(i); }" : ""}
  if (i >= word(0u)) { return; }
  var ov = word(2u);
  var oo = word(3u);
  var ob = word(4u);
  ${sorted ? "var os = word(5u);" : ""}
  ${walkWgsl("i", "word(1u)", 0, adds)}
  let v = vs[ov];
  let n = word(6u);
  var lo = 0u;
  var hi = n;
  while (lo < hi) {
    let mid = lo + (hi - lo) / 2u;
    ${element}
    if (before(bd[ob + k * word(7u)], v)) { lo = mid + 1u; } else { hi = mid; }
  }
  out[oo] = i32(lo);
}`;
}

/** Checks the operands against the contract; returns the device type of boundaries and values. */
function checkOperands(boundaries: GpuOperand, values: GpuOperand, sorter: GpuOperand | null, out: GpuOperand): WgslScalar {
  const t = wgslType(values.dtype, OP);
  if (t === "u32" || wgslType(boundaries.dtype, OP) !== t) {
    throw new DTypeError(
      `webgpu ${OP}: expected boundaries and values of one dtype, not bool, got ${boundaries.dtype} and ${values.dtype}`,
    );
  }
  if (wgslType(out.dtype, OP) !== "i32" || (sorter !== null && wgslType(sorter.dtype, OP) !== "i32")) {
    throw new DTypeError(`webgpu ${OP}: expected an int64 or int32 output and sorter, got ${out.dtype} and ${sorter?.dtype ?? "none"}`);
  }
  const shape = (x: GpuOperand) => `[${x.shape.join(", ")}]`;
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((s, d) => s === b[d]);
  const nb = boundaries.shape.length;
  const rows = nb === values.shape.length && same(boundaries.shape.slice(0, -1), values.shape.slice(0, -1));
  if (nb === 0 || (nb > 1 && !rows)) {
    throw new ShapeError(`webgpu ${OP}: boundaries ${shape(boundaries)} have no row for each value of ${shape(values)}`);
  }
  if (!same(out.shape, values.shape)) throw new ShapeError(`webgpu ${OP}: expected an output of shape ${shape(values)}, got ${shape(out)}`);
  if (sorter !== null && !same(sorter.shape, boundaries.shape)) {
    throw new ShapeError(`webgpu ${OP}: expected a sorter of shape ${shape(boundaries)}, got ${shape(sorter)}`);
  }
  return t;
}

/** `dims` as uniform blocks: their sizes, then their strides in each of `count` operands. */
function blocksOf(dims: readonly Dim[], count: number): number[][] {
  return [dims.map((d) => d.size), ...Array.from({ length: count }, (_, j) => dims.map((d) => d.strides[j] as number))];
}

/**
 * out[..] = the insertion point of values[..] into its row of `boundaries`
 * (Backend.searchSorted), one invocation per value: any strides, 0-d values
 * (1-d boundaries), empty rows and empty values. Encoded into `k`'s batch.
 */
export function searchSorted(
  k: GpuKernels,
  boundaries: GpuOperand,
  values: GpuOperand,
  sorter: GpuOperand | null,
  right: boolean,
  out: GpuOperand,
): void {
  const t = checkOperands(boundaries, values, sorter, out);
  const nb = boundaries.shape.length;
  // A row's first element steps with the value's leading dims only (never for 1-d boundaries).
  const lead = (x: GpuOperand | null, d: number) => (x !== null && d < nb - 1 ? (x.strides[d] as number) : 0);
  const walk = coalesce(
    values.shape.map((size, d) => ({
      size,
      strides: [values.strides[d] as number, out.strides[d] as number, lead(boundaries, d), lead(sorter, d)],
    })),
  );
  const check = sorter === null ? [] : coalesce(sorter.shape.map((size, d) => ({ size, strides: [sorter.strides[d] as number] })));
  if (walk.length > MAX_DIMS || check.length > MAX_DIMS) {
    throw new ShapeError(
      `webgpu ${OP}: at most ${MAX_DIMS} dims after merging contiguous ones, got ${Math.max(walk.length, check.length)}`,
    );
  }
  const [nv, ns] = [numel(values.shape), sorter === null ? 0 : numel(sorter.shape)];
  const header = [
    nv,
    walk.length,
    values.offset,
    out.offset,
    boundaries.offset,
    sorter?.offset ?? 0,
    boundaries.shape[nb - 1] as number,
    boundaries.strides[nb - 1] as number,
    sorter?.strides[nb - 1] ?? 0,
    right ? 1 : 0,
    ns,
    FAULTS.searchsorted,
    check.length,
  ];
  const layout = layoutWords(header, [...blocksOf(walk, 4), ...blocksOf(check, 1)]);
  const buffers = [boundaries.buffer, values.buffer, out.buffer];
  if (sorter !== null) buffers.push(faultBuffer(k), sorter.buffer);
  const sorted = sorter !== null;
  k.run(`searchsorted:${t}:${sorted}`, () => shader(t, sorted), layout, buffers, groupsFor(Math.max(nv, ns)));
}
