/**
 * Strided iteration for the reference backend. Kernels walk "rows": the
 * innermost dimension after merging dims that are contiguous in every
 * operand, so a contiguous tensor is one row and the hot loop is a plain
 * strided loop.
 */

/** Merges adjacent dims that are contiguous for every stride list; drops size-1 dims. */
function collapse(shape: readonly number[], strides: (readonly number[])[]): [number[], number[][]] {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d] as number;
    if (size === 1) continue;
    const last = outShape.length - 1;
    let mergeable = last >= 0;
    if (mergeable) {
      for (let k = 0; k < strides.length; k++) {
        const s = outStrides[k] as number[];
        if (s[last] !== ((strides[k] as readonly number[])[d] as number) * size) {
          mergeable = false;
          break;
        }
      }
    }
    if (mergeable) {
      outShape[last] = (outShape[last] as number) * size;
      for (let k = 0; k < strides.length; k++) {
        (outStrides[k] as number[])[last] = (strides[k] as readonly number[])[d] as number;
      }
    } else {
      outShape.push(size);
      for (let k = 0; k < strides.length; k++) (outStrides[k] as number[]).push((strides[k] as readonly number[])[d] as number);
    }
  }
  return [outShape, outStrides];
}

/** The element count of a row-major contiguous layout (no gaps; size-1 dims' strides ignored), or -1. */
export function denseLength(x: { readonly shape: readonly number[]; readonly strides: readonly number[] }): number {
  const { shape, strides } = x;
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d] as number;
    if (size !== 1 && strides[d] !== expected) return -1;
    expected *= size;
  }
  return expected;
}

/** Whether every element of the layout is the same element (a broadcast scalar: all strides 0 or sizes 1). */
export function isBroadcastElement(x: { readonly shape: readonly number[]; readonly strides: readonly number[] }): boolean {
  const { shape, strides } = x;
  for (let d = 0; d < shape.length; d++) if (strides[d] !== 0 && shape[d] !== 1) return false;
  return true;
}

function hasZero(shape: readonly number[]): boolean {
  for (const s of shape) if (s === 0) return true;
  return false;
}

export type Row1 = (o: number, n: number, so: number) => void;
export type Row2 = (a: number, o: number, n: number, sa: number, so: number) => void;
export type Row3 = (a: number, b: number, o: number, n: number, sa: number, sb: number, so: number) => void;
export type Row4 = (c: number, a: number, b: number, o: number, n: number, sc: number, sa: number, sb: number, so: number) => void;

/**
 * Calls `row` once per innermost row with the starting offset of each
 * operand, the row length and each operand's stride along the row.
 */
function walk(
  shape: readonly number[],
  strides: (readonly number[])[],
  offsets: number[],
  row: (offs: number[], n: number, rowStrides: number[]) => void,
): void {
  if (hasZero(shape)) return;
  const [cs, cst] = collapse(shape, strides);
  if (cs.length === 0) {
    row(
      offsets,
      1,
      strides.map(() => 0),
    );
    return;
  }
  const last = cs.length - 1;
  const n = cs[last] as number;
  const rowStrides = cst.map((s) => s[last] as number);
  let outer = 1;
  for (let d = 0; d < last; d++) outer *= cs[d] as number;
  const idx = new Array<number>(last).fill(0);
  const offs = offsets.slice();
  const k = offs.length;
  for (let r = 0; r < outer; r++) {
    row(offs, n, rowStrides);
    for (let d = last - 1; d >= 0; d--) {
      idx[d] = (idx[d] as number) + 1;
      for (let j = 0; j < k; j++) offs[j] = (offs[j] as number) + ((cst[j] as number[])[d] as number);
      if ((idx[d] as number) < (cs[d] as number)) break;
      for (let j = 0; j < k; j++) offs[j] = (offs[j] as number) - ((cst[j] as number[])[d] as number) * (cs[d] as number);
      idx[d] = 0;
    }
  }
}

export function rows1(shape: readonly number[], so: readonly number[], oo: number, row: Row1): void {
  walk(shape, [so], [oo], (o, n, s) => row(o[0] as number, n, s[0] as number));
}

export function rows2(shape: readonly number[], sa: readonly number[], oa: number, so: readonly number[], oo: number, row: Row2): void {
  walk(shape, [sa, so], [oa, oo], (o, n, s) => row(o[0] as number, o[1] as number, n, s[0] as number, s[1] as number));
}

export function rows3(
  shape: readonly number[],
  sa: readonly number[],
  oa: number,
  sb: readonly number[],
  ob: number,
  so: readonly number[],
  oo: number,
  row: Row3,
): void {
  walk(shape, [sa, sb, so], [oa, ob, oo], (o, n, s) =>
    row(o[0] as number, o[1] as number, o[2] as number, n, s[0] as number, s[1] as number, s[2] as number),
  );
}

export function rows4(
  shape: readonly number[],
  strides: [readonly number[], readonly number[], readonly number[], readonly number[]],
  offsets: [number, number, number, number],
  row: Row4,
): void {
  walk(shape, strides, offsets, (o, n, s) =>
    row(o[0] as number, o[1] as number, o[2] as number, o[3] as number, n, s[0] as number, s[1] as number, s[2] as number, s[3] as number),
  );
}

/** Calls `fn` with every multi-index of `shape` in row-major order (the index array is reused). */
export function forEachIndex(shape: readonly number[], fn: (idx: number[]) => void): void {
  if (hasZero(shape)) return;
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  let total = 1;
  for (const s of shape) total *= s;
  for (let i = 0; i < total; i++) {
    fn(idx);
    for (let d = nd - 1; d >= 0; d--) {
      idx[d] = (idx[d] as number) + 1;
      if ((idx[d] as number) < (shape[d] as number)) break;
      idx[d] = 0;
    }
  }
}

export function offsetOf(idx: readonly number[], strides: readonly number[], offset: number): number {
  let o = offset;
  for (let d = 0; d < idx.length; d++) o += (idx[d] as number) * (strides[d] as number);
  return o;
}
