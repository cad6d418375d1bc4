/** Batched matrix multiplication of the reference backend. */

import type { Strided } from "../types.js";
import { forEachIndex, offsetOf } from "./iter.js";

/**
 * out[b] = a[b] @ b[b] for every batch index. Each product runs the i-k-j
 * loop over a row-major copy of the right operand, accumulating a row of the
 * result in float64 and storing it once (so float32 results are rounded once).
 */
export function matmul(a: Strided, b: Strided, out: Strided): void {
  const nd = out.shape.length;
  const M = out.shape[nd - 2] as number;
  const N = out.shape[nd - 1] as number;
  const K = a.shape[nd - 1] as number;
  const batchShape = out.shape.slice(0, nd - 2);
  const acc = new Float64Array(N);
  const packed = new Float64Array(K * N);
  const [asm, ask] = [a.strides[nd - 2] as number, a.strides[nd - 1] as number];
  const [bsk, bsn] = [b.strides[nd - 2] as number, b.strides[nd - 1] as number];
  const [osm, osn] = [out.strides[nd - 2] as number, out.strides[nd - 1] as number];
  const A = a.data;
  const B = b.data;
  const O = out.data;
  let lastB = -1;
  forEachIndex(batchShape, (bidx) => {
    const ao = offsetOf(bidx, a.strides, a.offset);
    const bo = offsetOf(bidx, b.strides, b.offset);
    const oo = offsetOf(bidx, out.strides, out.offset);
    if (bo !== lastB) {
      for (let k = 0; k < K; k++) {
        for (let j = 0; j < N; j++) packed[k * N + j] = B[bo + k * bsk + j * bsn] as number;
      }
      lastB = bo;
    }
    for (let i = 0; i < M; i++) {
      acc.fill(0);
      const arow = ao + i * asm;
      for (let k = 0; k < K; k++) {
        const aik = A[arow + k * ask] as number;
        const prow = k * N;
        for (let j = 0; j < N; j++) acc[j] = (acc[j] as number) + aik * (packed[prow + j] as number);
      }
      const orow = oo + i * osm;
      for (let j = 0; j < N; j++) O[orow + j * osn] = acc[j] as number;
    }
  });
}
