/**
 * The WebGPU matrix product (issue 16): out[b] = a[b] @ b[b] in float32 for
 * every batch index, as the reference backend's `matmul` (src/backend/ref/
 * matmul.ts) on the same layouts: a [..., M, K] and b [..., K, N] with any
 * non-negative strides (a transposed view, batch dims broadcast with stride
 * 0), out contiguous [..., M, N] from offset 0.
 *
 * Tiling: a workgroup of 16 x 16 invocations computes a 64 x 64 block of one
 * batch's output, each invocation a 4 x 4 block (rows ty + 16r, columns
 * tx + 16c, r and c in [0, 4)). The K dimension is walked 16 at a time: the
 * workgroup stages a 64 x 16 panel of a and a 16 x 64 panel of b in shared
 * memory (zero-padded past M, N and K, so padding never meets a valid
 * output: a padded row or column only feeds outputs that are not written,
 * and a padded k multiplies two zeros), then every invocation accumulates
 * its 16 sums from the panels. Each output is one float32 sum over k in
 * increasing order (no split-K), so its error is that of a float32 dot
 * product of length K: at most about K * 2^-24 times sum_k |a_ik b_kj|.
 *
 * Dispatch: the work units, one per (batch, tile row, tile column), are
 * numbered linearly; at most MAX_GROUPS workgroups run, workgroup g taking
 * units g, g + groups, g + 2 groups, ... (a grid-stride loop in the shader).
 * So any batch count, past 65,535 too, fits one 1-D dispatch, and no third
 * dimension or 2-D split is needed; 4,096 workgroups of 256 invocations
 * still fill the largest GPUs many times over.
 *
 * One shader per configuration: which index of each operand the staging
 * loads walk fastest (k or m for a, n or k for b), chosen from the strides
 * so neighbouring invocations read neighbouring elements of a row-major or a
 * transposed operand alike. Sizes, strides and offsets go in a uniform.
 */

/// <reference types="@webgpu/types" />

import { type GpuKernels, type GpuStrided, MAX_DIMS } from "./kernels.js";

/** Output rows and columns of one workgroup's tile, and the K step staged per pass. */
const TILE = 64;
const STEP = 16;
/** Invocations along each side of the workgroup (TILE / SIDE outputs per invocation per side). */
const SIDE = 16;
const THREADS = SIDE * SIDE;
/** The most workgroups one product dispatches (more units loop in the shader). */
const MAX_GROUPS = 4096;

/** The uniform (16 u32, then batch shape and strides, 8 each), the operands and the shared panels. */
const UNIFORM = `
struct MM {
  M: u32, N: u32, K: u32, units: u32,
  nb: u32, tilesN: u32, offA: u32, offB: u32,
  sam: u32, sak: u32, sbk: u32, sbn: u32,
  groups: u32, pad0: u32, pad1: u32, pad2: u32,
  shape: array<vec4<u32>, 2>, sa: array<vec4<u32>, 2>, sb: array<vec4<u32>, 2>,
}
@group(0) @binding(0) var<uniform> L: MM;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> O: array<f32>;
var<workgroup> As: array<f32, ${STEP * TILE}>;
var<workgroup> Bs: array<f32, ${STEP * TILE}>;
// The offsets of batch 'batch' (a linear index over the batch dims) in A and B.
fn batchOffsets(batch: u32) -> vec2<u32> {
  var rem = batch;
  var o = vec2<u32>(L.offA, L.offB);
  for (var k = 0u; k < L.nb; k++) {
    let d = L.nb - 1u - k;
    let size = L.shape[d / 4u][d % 4u];
    let c = rem % size;
    rem = rem / size;
    o += c * vec2<u32>(L.sa[d / 4u][d % 4u], L.sb[d / 4u][d % 4u]);
  }
  return o;
}
`;

/**
 * The WGSL that stages element `e` (in [0, STEP * TILE)) of a's panel: the
 * panel is As[kk * TILE + row]; `kFast` walks kk fastest across e.
 */
function stageA(kFast: boolean): string {
  const [row, kk] = kFast ? [`e / ${STEP}u`, `e % ${STEP}u`] : [`e % ${TILE}u`, `e / ${TILE}u`];
  return `let row = ${row}; let kk = ${kk};
      var v = 0.0;
      if (m0 + row < L.M && k0 + kk < L.K) { v = A[o.x + (m0 + row) * L.sam + (k0 + kk) * L.sak]; }
      As[kk * ${TILE}u + row] = v;`;
}

/** Likewise for b's panel, Bs[kk * TILE + col]; `nFast` walks col fastest across e. */
function stageB(nFast: boolean): string {
  const [col, kk] = nFast ? [`e % ${TILE}u`, `e / ${TILE}u`] : [`e / ${STEP}u`, `e % ${STEP}u`];
  return `let col = ${col}; let kk = ${kk};
      var v = 0.0;
      if (n0 + col < L.N && k0 + kk < L.K) { v = B[o.y + (k0 + kk) * L.sbk + (n0 + col) * L.sbn]; }
      Bs[kk * ${TILE}u + col] = v;`;
}

/** The WGSL of one pass over K: stage both panels, then accumulate `acc` (rows of 4 outputs) from them. */
function kLoop(aKFast: boolean, bNFast: boolean): string {
  const rows = Array.from({ length: TILE / SIDE }, (_, r) => r);
  const cols = rows.map((c) => `Bs[base + lid.x + ${c * SIDE}u]`).join(", ");
  const loads = (stage: string) => `for (var i = 0u; i < ${(STEP * TILE) / THREADS}u; i++) {
      let e = t + i * ${THREADS}u;
      ${stage}
    }`;
  return `for (var k0 = 0u; k0 < L.K; k0 += ${STEP}u) {
    ${loads(stageA(aKFast))}
    ${loads(stageB(bNFast))}
    workgroupBarrier();
    for (var kk = 0u; kk < ${STEP}u; kk++) {
      let base = kk * ${TILE}u;
      let b = vec4<f32>(${cols});
      ${rows.map((r) => `acc[${r}] += As[base + lid.y + ${r * SIDE}u] * b;`).join("\n      ")}
    }
    workgroupBarrier();
  }`;
}

/** The shader, for operands staged k-fast (a) and n-fast (b) or the other way. */
function shader(aKFast: boolean, bNFast: boolean): string {
  const per = TILE / SIDE;
  return `${UNIFORM}
@compute @workgroup_size(${SIDE}, ${SIDE}) fn main(@builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  // Uniform across the workgroup (the barriers in 'unit' need it): the loop depends on wid and L only.
  for (var g = wid.x; g < L.units; g += L.groups) { unit(g, lid, t); }
}
// Work unit g: one 64 x 64 output tile of one batch.
fn unit(g: u32, lid: vec3<u32>, t: u32) {
  let tiles = ((L.M + ${TILE - 1}u) / ${TILE}u) * L.tilesN;
  let batch = g / tiles;
  let m0 = ((g % tiles) / L.tilesN) * ${TILE}u;
  let n0 = ((g % tiles) % L.tilesN) * ${TILE}u;
  let o = batchOffsets(batch);
  var acc: array<vec4<f32>, ${per}>;
  ${kLoop(aKFast, bNFast)}
  let ob = batch * L.M * L.N;
  for (var r = 0u; r < ${per}u; r++) {
    let row = m0 + lid.y + r * ${SIDE}u;
    for (var c = 0u; c < ${per}u; c++) {
      let col = n0 + lid.x + c * ${SIDE}u;
      if (row < L.M && col < L.N) { O[ob + row * L.N + col] = acc[r][c]; }
    }
  }
}`;
}

const fail = (msg: string): never => {
  throw new RangeError(`webgpu matmul: ${msg}`);
};

const dims = (s: readonly number[]) => `[${s.join(", ")}]`;

/** Refuses what the shader cannot index: ranks, shapes that do not chain, negative strides, a non-contiguous out. */
function checkMatmul(a: GpuStrided, b: GpuStrided, out: GpuStrided): void {
  const nd = out.shape.length;
  if (nd < 2 || nd > MAX_DIMS) fail(`expected 2 to ${MAX_DIMS} dims, got ${nd}`);
  if (a.shape.length !== nd || b.shape.length !== nd)
    fail(`operands must have out's ${nd} dims, got ${dims(a.shape)} and ${dims(b.shape)}`);
  const [M, N, K] = [out.shape[nd - 2], out.shape[nd - 1], a.shape[nd - 1]];
  const batch = out.shape.slice(0, nd - 2);
  const want = (x: GpuStrided, rows: unknown, cols: unknown) =>
    x.shape.every((s, d) => s === (d < nd - 2 ? batch[d] : d === nd - 2 ? rows : cols));
  if (!want(a, M, K) || !want(b, K, N)) {
    fail(`expected a [..., M, K] @ b [..., K, N] -> out [..., M, N], got ${dims(a.shape)} @ ${dims(b.shape)} -> ${dims(out.shape)}`);
  }
  for (const x of [a, b, out]) if (x.strides.some((s) => s < 0) || x.offset < 0) fail("negative strides or offsets are not supported");
  let step = 1;
  for (let d = nd - 1; d >= 0; d--) {
    if ((out.shape[d] as number) > 1 && out.strides[d] !== step) fail("the output must be contiguous from offset 0");
    step *= out.shape[d] as number;
  }
  if (out.offset !== 0) fail("the output must be contiguous from offset 0");
}

/** The uniform: sizes, unit count, batch rank, tiles per row, offsets, matrix strides, workgroup count, batch shape and strides. */
function uniform(a: GpuStrided, b: GpuStrided, out: GpuStrided, units: number, groups: number): Uint32Array {
  const nd = out.shape.length;
  const [M, N, K] = [out.shape[nd - 2] as number, out.shape[nd - 1] as number, a.shape[nd - 1] as number];
  const u = new Uint32Array(16 + 3 * MAX_DIMS);
  u.set([M, N, K, units, nd - 2, Math.ceil(N / TILE), a.offset, b.offset]);
  u.set([a.strides[nd - 2], a.strides[nd - 1], b.strides[nd - 2], b.strides[nd - 1], groups] as number[], 8);
  for (let d = 0; d < nd - 2; d++) {
    u[16 + d] = out.shape[d] as number;
    u[16 + MAX_DIMS + d] = a.strides[d] as number;
    u[16 + 2 * MAX_DIMS + d] = b.strides[d] as number;
  }
  return u;
}

/**
 * out = a @ b on the GPU, batched over the leading dims, in float32: a
 * [..., M, K], b [..., K, N] with batch dims already broadcast to out's
 * (stride 0 where an operand is broadcast) and any non-negative strides; out
 * contiguous [..., M, N] from offset 0. K = 0 writes zeros.
 *
 * Not a package export (as kernels.ts): no `@example`, which the doc tests
 * would run in Node without WebGPU; test/browser/webgpu_matmul.test.ts shows use.
 */
export function matmul(k: GpuKernels, a: GpuStrided, b: GpuStrided, out: GpuStrided): void {
  checkMatmul(a, b, out);
  const nd = out.shape.length;
  const [M, N] = [out.shape[nd - 2] as number, out.shape[nd - 1] as number];
  const batches = out.shape.slice(0, nd - 2).reduce((p, s) => p * s, 1);
  const units = batches * Math.ceil(M / TILE) * Math.ceil(N / TILE);
  // Unit numbers and output indices are u32 in the shader (units <= outputs: the loop's g + groups cannot wrap).
  if (batches * M * N >= 2 ** 31) fail(`at most 2^31 outputs, got ${dims(out.shape)}`);
  const groups = Math.min(units, MAX_GROUPS);
  // Stage along the operand's smaller stride (ties: row-major order), so neighbouring invocations read neighbours.
  const aKFast = (a.strides[nd - 1] as number) <= (a.strides[nd - 2] as number);
  const bNFast = (b.strides[nd - 1] as number) <= (b.strides[nd - 2] as number);
  const key = `matmul:${aKFast ? "k" : "m"}${bNFast ? "n" : "k"}`;
  k.run(key, () => shader(aKFast, bNFast), uniform(a, b, out, units, groups), [a.buffer, b.buffer, out.buffer], groups);
}
