/** Batched matrix multiplication of the reference backend. */

import type { Strided } from "../types.js";
import { forEachIndex, offsetOf } from "./iter.js";

/**
 * Packs rows [0, M) x cols [0, K) of a strided matrix into panels of 4 rows,
 * k-major inside a panel: out[(i >> 2) * K * 4 + k * 4 + (i & 3)] (zero-padded).
 */
function packRows(src: ArrayLike<number>, off: number, sRow: number, sCol: number, M: number, K: number, out: Float64Array): void {
  out.fill(0);
  for (let i = 0; i < M; i++) {
    const base = (i >> 2) * K * 4 + (i & 3);
    const row = off + i * sRow;
    for (let k = 0; k < K; k++) out[base + k * 4] = src[row + k * sCol] as number;
  }
}

/**
 * out[b] = a[b] @ b[b] for every batch index, in float64 with one rounding
 * to the output dtype. Both operands are packed into panels of 4 and
 * multiplied by a 4x4 register tile (16 running sums per pass over k).
 */
export function matmul(a: Strided, b: Strided, out: Strided): void {
  const nd = out.shape.length;
  const M = out.shape[nd - 2] as number;
  const N = out.shape[nd - 1] as number;
  const K = a.shape[nd - 1] as number;
  if (M * N * K <= DIRECT_MAX_MACS) {
    direct(a, b, out, M, N, K);
    return;
  }
  const Mp = Math.ceil(M / 4) * 4;
  const Np = Math.ceil(N / 4) * 4;
  const ap = new Float64Array(Mp * K);
  const bp = new Float64Array(Np * K);
  const [asm, ask] = [a.strides[nd - 2] as number, a.strides[nd - 1] as number];
  const [bsk, bsn] = [b.strides[nd - 2] as number, b.strides[nd - 1] as number];
  let lastA = -1;
  let lastB = -1;
  forEachIndex(out.shape.slice(0, nd - 2), (bidx) => {
    const ao = offsetOf(bidx, a.strides, a.offset);
    const bo = offsetOf(bidx, b.strides, b.offset);
    if (ao !== lastA) packRows(a.data, ao, asm, ask, M, K, ap);
    // B's columns are packed like A's rows (row i of B^T is column i of B).
    if (bo !== lastB) packRows(b.data, bo, bsn, bsk, N, K, bp);
    [lastA, lastB] = [ao, bo];
    tiles(ap, bp, out, offsetOf(bidx, out.strides, out.offset), M, N, K);
  });
}

/** Products up to this many multiply-adds skip packing (it costs more than it saves there). */
const DIRECT_MAX_MACS = 4096;

/** Dot products straight from the strided operands, summed in float64 in the same order as `tiles`. */
function direct(a: Strided, b: Strided, out: Strided, M: number, N: number, K: number): void {
  const nd = out.shape.length;
  const A = a.data;
  const B = b.data;
  const O = out.data;
  const asm = a.strides[nd - 2] as number;
  const ask = a.strides[nd - 1] as number;
  const bsk = b.strides[nd - 2] as number;
  const bsn = b.strides[nd - 1] as number;
  const osm = out.strides[nd - 2] as number;
  const osn = out.strides[nd - 1] as number;
  forEachIndex(out.shape.slice(0, nd - 2), (bidx) => {
    const ao = offsetOf(bidx, a.strides, a.offset);
    const bo = offsetOf(bidx, b.strides, b.offset);
    const oo = offsetOf(bidx, out.strides, out.offset);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        let pa = ao + i * asm;
        let pb = bo + j * bsn;
        for (let k = 0; k < K; k++, pa += ask, pb += bsk) s += (A[pa] as number) * (B[pb] as number);
        O[oo + i * osm + j * osn] = s;
      }
    }
  });
}

function tiles(ap: Float64Array, bp: Float64Array, out: Strided, oo: number, M: number, N: number, K: number): void {
  const nd = out.shape.length;
  const osm = out.strides[nd - 2] as number;
  const osn = out.strides[nd - 1] as number;
  const O = out.data;
  for (let ib = 0; ib < M; ib += 4) {
    const pa0 = (ib >> 2) * K * 4;
    for (let jb = 0; jb < N; jb += 4) {
      let c00 = 0,
        c01 = 0,
        c02 = 0,
        c03 = 0,
        c10 = 0,
        c11 = 0,
        c12 = 0,
        c13 = 0;
      let c20 = 0,
        c21 = 0,
        c22 = 0,
        c23 = 0,
        c30 = 0,
        c31 = 0,
        c32 = 0,
        c33 = 0;
      for (let k = 0, pa = pa0, pb = (jb >> 2) * K * 4; k < K; k++, pa += 4, pb += 4) {
        const a0 = ap[pa] as number,
          a1 = ap[pa + 1] as number,
          a2 = ap[pa + 2] as number,
          a3 = ap[pa + 3] as number;
        const b0 = bp[pb] as number,
          b1 = bp[pb + 1] as number,
          b2 = bp[pb + 2] as number,
          b3 = bp[pb + 3] as number;
        c00 += a0 * b0;
        c01 += a0 * b1;
        c02 += a0 * b2;
        c03 += a0 * b3;
        c10 += a1 * b0;
        c11 += a1 * b1;
        c12 += a1 * b2;
        c13 += a1 * b3;
        c20 += a2 * b0;
        c21 += a2 * b1;
        c22 += a2 * b2;
        c23 += a2 * b3;
        c30 += a3 * b0;
        c31 += a3 * b1;
        c32 += a3 * b2;
        c33 += a3 * b3;
      }
      const rows = Math.min(4, M - ib);
      const cols = Math.min(4, N - jb);
      const o = oo + ib * osm + jb * osn;
      store(O, o, osn, cols, c00, c01, c02, c03);
      if (rows > 1) store(O, o + osm, osn, cols, c10, c11, c12, c13);
      if (rows > 2) store(O, o + 2 * osm, osn, cols, c20, c21, c22, c23);
      if (rows > 3) store(O, o + 3 * osm, osn, cols, c30, c31, c32, c33);
    }
  }
}

/** Writes up to 4 values of a tile row. */
function store(O: Strided["data"], o: number, step: number, cols: number, s0: number, s1: number, s2: number, s3: number): void {
  O[o] = s0;
  if (cols > 1) O[o + step] = s1;
  if (cols > 2) O[o + 2 * step] = s2;
  if (cols > 3) O[o + 3 * step] = s3;
}
