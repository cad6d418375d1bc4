/**
 * The strided layouts of the WebGPU pointwise kernels (pointwise.ts): up to
 * three inputs and an output over one shape, each with its own strides and
 * offset in elements (stride 0 broadcasts; a negative stride indexes too,
 * as the shader's u32 arithmetic wraps like two's complement). Dims are
 * merged first where every operand steps through them as through one dim,
 * so a contiguous operation indexes one dim, and a layout of more than 8
 * dims fits when enough of them merge.
 */

import { ShapeError } from "../../core/errors.js";
import { MAX_DIMS } from "./kernels.js";

/** Invocations per workgroup. */
export const WORKGROUP = 256;

/** The operand slots of the uniform: inputs 0..2, then the output. */
const SLOTS = 4;

/** What the indexing needs of an operand. */
export interface Layout {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

export const numel = (shape: readonly number[]): number => shape.reduce((p, s) => p * s, 1);

/**
 * The uniform `L`: element count, dim count, the two parameters' bits,
 * each slot's offset, the sizes, then each dim's four strides (one per
 * slot); and `offsets(i)`, each slot's element offset of element i.
 */
export const LAYOUT_WGSL = `
struct Layout { n: u32, ndim: u32, p0: u32, p1: u32, off: vec4<u32>, shape: array<vec4<u32>, ${MAX_DIMS / 4}>, st: array<vec4<u32>, ${MAX_DIMS}> }
@group(0) @binding(0) var<uniform> L: Layout;
fn offsets(i: u32) -> vec4<u32> {
  var rem = i;
  var o = L.off;
  for (var k = 0u; k < L.ndim; k++) {
    let d = L.ndim - 1u - k;
    let size = L.shape[d / 4u][d % 4u];
    o += (rem % size) * L.st[d];
    rem = rem / size;
  }
  return o;
}`;

/** The entry point, with `i` the invocation's element (a dispatch past 65,535 workgroups is a 2-D grid: GpuKernels.run). */
export const ENTRY_WGSL = `@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = id.x + id.y * groups.x * ${WORKGROUP}u;
  if (i >= L.n) { return; }
  let o = offsets(i);`;

/**
 * Merges each dim into the one outside it where every operand steps over
 * the inner dim exactly once per outer step (outer stride = inner stride *
 * inner size), dropping size-1 dims: the same elements in the same order.
 */
function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): { sizes: number[]; steps: number[][] } {
  const sizes: number[] = [];
  const steps: number[][] = [];
  shape.forEach((size, d) => {
    if (size === 1) return;
    const at = strides.map((s) => s[d] as number);
    const last = steps[steps.length - 1];
    if (last?.every((s, j) => s === (at[j] as number) * size)) {
      sizes[sizes.length - 1] = (sizes[sizes.length - 1] as number) * size;
      steps[steps.length - 1] = at;
    } else {
      sizes.push(size);
      steps.push(at);
    }
  });
  return { sizes, steps };
}

/**
 * The uniform's words for `inputs` and `out` (all laid out in out's shape)
 * with the parameter words `p0` and `p1`; refuses operands of another shape
 * and layouts of more than 8 dims after merging.
 */
export function layoutWords(op: string, inputs: readonly Layout[], out: Layout, p0: number, p1: number): Uint32Array {
  for (const x of inputs) {
    if (x.shape.length !== out.shape.length || x.shape.some((s, d) => s !== out.shape[d])) {
      throw new ShapeError(
        `webgpu ${op}: operands must be laid out in the output's shape [${out.shape.join(", ")}], got [${x.shape.join(", ")}]`,
      );
    }
  }
  // Unused slots repeat the output's layout (so they never stop a merge).
  const slots = [...inputs, ...new Array<Layout>(SLOTS - 1 - inputs.length).fill(out), out];
  const { sizes, steps } = coalesce(
    out.shape,
    slots.map((x) => x.strides),
  );
  if (sizes.length > MAX_DIMS) {
    throw new ShapeError(`webgpu ${op}: at most ${MAX_DIMS} dims after merging contiguous ones, got ${sizes.length}`);
  }
  const u = new Uint32Array(16 + SLOTS * MAX_DIMS);
  const signed = new Int32Array(u.buffer);
  u[0] = numel(out.shape);
  u[1] = sizes.length;
  u[2] = p0;
  u[3] = p1;
  slots.forEach((x, j) => {
    signed[4 + j] = x.offset;
  });
  sizes.forEach((size, d) => {
    u[8 + d] = size;
    (steps[d] as number[]).forEach((s, j) => {
      signed[16 + SLOTS * d + j] = s;
    });
  });
  return u;
}

/** The lowest and highest element offsets of a non-empty layout. */
function span(x: Layout): [number, number] {
  let lo = x.offset;
  let hi = x.offset;
  x.shape.forEach((size, d) => {
    const reach = (size - 1) * (x.strides[d] as number);
    if (reach < 0) lo += reach;
    else hi += reach;
  });
  return [lo, hi];
}

/**
 * How an input sharing the output's buffer meets it: "same" (each element
 * of the input is the output's element of the same index), "disjoint" (no
 * element in common) or "overlap" (anything else).
 */
export function aliasing(x: Layout, out: Layout): "same" | "disjoint" | "overlap" {
  if (x.offset === out.offset && x.shape.every((s, d) => s === 1 || x.strides[d] === out.strides[d])) return "same";
  const [a0, a1] = span(x);
  const [b0, b1] = span(out);
  return a1 < b0 || b1 < a0 ? "disjoint" : "overlap";
}
