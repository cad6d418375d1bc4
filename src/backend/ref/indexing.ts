/** Index-based kernels of the reference backend: index_select/index_add, gather/scatter. */

import type { Strided } from "../types.js";
import { forEachIndex, offsetOf } from "./iter.js";

/** out[..., i, ...] = x[..., index[i], ...] along `dim` (a 0-d x: out = x[index[0]], index[0] being 0). */
export function indexSelect(x: Strided, dim: number, index: Strided, out: Strided): void {
  const X = x.data;
  const O = out.data;
  const I = index.data;
  const is = index.strides[0] ?? 0;
  forEachIndex(out.shape, (idx) => {
    const i = idx[dim] ?? 0;
    const src = I[index.offset + i * is] as number;
    let o = x.offset;
    for (let d = 0; d < idx.length; d++) o += (d === dim ? src : (idx[d] as number)) * (x.strides[d] as number);
    O[offsetOf(idx, out.strides, out.offset)] = X[o] as number;
  });
}

/** out[..., index[i], ...] += src[..., i, ...] along `dim` (0-d out and src: one entry). */
export function indexAdd(out: Strided, dim: number, index: Strided, src: Strided): void {
  const S = src.data;
  const O = out.data;
  const I = index.data;
  const is = index.strides[0] ?? 0;
  forEachIndex(src.shape, (idx) => {
    const i = idx[dim] ?? 0;
    const dst = I[index.offset + i * is] as number;
    let o = out.offset;
    for (let d = 0; d < idx.length; d++) o += (d === dim ? dst : (idx[d] as number)) * (out.strides[d] as number);
    O[o] = (O[o] as number) + (S[offsetOf(idx, src.strides, src.offset)] as number);
  });
}

/** out[idx] = x[idx with idx[dim] replaced by index[idx]] (torch.gather). */
export function gather(x: Strided, dim: number, index: Strided, out: Strided): void {
  const X = x.data;
  const O = out.data;
  const I = index.data;
  forEachIndex(index.shape, (idx) => {
    const j = I[offsetOf(idx, index.strides, index.offset)] as number;
    let o = x.offset;
    for (let d = 0; d < idx.length; d++) o += (d === dim ? j : (idx[d] as number)) * (x.strides[d] as number);
    O[offsetOf(idx, out.strides, out.offset)] = X[o] as number;
  });
}

/** out[idx with idx[dim] replaced by index[idx]] (+)= src[idx] (torch.scatter / scatter_add). */
export function scatter(out: Strided, dim: number, index: Strided, src: Strided, mode: "add" | "assign"): void {
  const S = src.data;
  const O = out.data;
  const I = index.data;
  forEachIndex(index.shape, (idx) => {
    const j = I[offsetOf(idx, index.strides, index.offset)] as number;
    let o = out.offset;
    for (let d = 0; d < idx.length; d++) o += (d === dim ? j : (idx[d] as number)) * (out.strides[d] as number);
    const v = S[offsetOf(idx, src.strides, src.offset)] as number;
    O[o] = mode === "add" ? (O[o] as number) + v : v;
  });
}

/** out[i] = x[index[i]] over contiguous x (row-major element order); -1 gives `fill`. */
export function take(x: Strided, index: Int32Array, out: Strided, fill: number): void {
  const X = x.data;
  const O = out.data;
  const base = x.offset;
  const ob = out.offset;
  for (let i = 0; i < index.length; i++) {
    const j = index[i] as number;
    O[ob + i] = j < 0 ? fill : (X[base + j] as number);
  }
}

/** out[index[i]] += src[i] over contiguous out and src; -1 is skipped. */
export function putAdd(out: Strided, index: Int32Array, src: Strided): void {
  const S = src.data;
  const O = out.data;
  const base = out.offset;
  const sb = src.offset;
  for (let i = 0; i < index.length; i++) {
    const j = index[i] as number;
    if (j >= 0) O[base + j] = (O[base + j] as number) + (S[sb + i] as number);
  }
}
