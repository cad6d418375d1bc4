/**
 * The predicates of the backend contracts (checked.ts): views inside their
 * buffers, shapes that agree, index values inside the operands they index.
 * Each throws Kindling's internal error naming the method, the operand and
 * the offending shape or index.
 */

import { type DType, isDType } from "../core/dtype.js";
import { KindlingError } from "../core/errors.js";
import { formatShape, numel, shapesEqual } from "../core/shape.js";
import { readBuffer } from "./buffer.js";
import { denseLength, rows1 } from "./ref/iter.js";
import type { Operand } from "./types.js";

const INTERNAL = "Kindling internal error";

/** The error a broken backend contract raises: a bug in Kindling, not in the user's program. */
export function internalError(method: string, detail: string): KindlingError {
  return new KindlingError(
    `${INTERNAL} in backend.${method}(): ${detail}. This is a bug in Kindling, not in your program: please report it with the code that raised it.`,
  );
}

/** Whether `e` is the error of a broken backend contract or of the bounds guard. */
export function isInternalError(e: unknown): boolean {
  return e instanceof KindlingError && e.message.startsWith(INTERNAL);
}

/** A view as messages show it. */
export function describeView(name: string, s: Operand): string {
  return `${name} (shape ${formatShape(s.shape)}, strides ${formatShape(s.strides)}, offset ${s.offset}, buffer of ${s.data.length})`;
}

const ARRAY_OF: Readonly<Record<DType, abstract new (...args: never[]) => unknown>> = {
  float32: Float32Array,
  float64: Float64Array,
  int64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
};

/**
 * A view lies inside its buffer: integer sizes >= 0, strides and offset, one
 * stride per dim, the typed array of its dtype, and (when non-empty, as an
 * empty view reaches no element) its lowest and highest element offsets
 * within [0, data.length).
 */
export function view(m: string, name: string, s: Operand): void {
  const { shape, strides, offset } = s;
  // A host buffer is checked through its view (its memory, as a typed array of the dtype).
  const data = readBuffer(s.data);
  if (!isDType(s.dtype) || !(data instanceof ARRAY_OF[s.dtype])) {
    throw internalError(m, `${name} has dtype ${String(s.dtype)} but its data is a ${data?.constructor?.name ?? typeof data}`);
  }
  let ok = shape.length === strides.length && Number.isSafeInteger(offset);
  let lo = offset;
  let hi = offset;
  let empty = false;
  for (let d = 0; ok && d < shape.length; d++) {
    const size = shape[d] as number;
    const stride = strides[d] as number;
    ok = Number.isSafeInteger(size) && size >= 0 && Number.isSafeInteger(stride);
    if (size === 0) empty = true;
    const span = (size - 1) * stride;
    if (span < 0) lo += span;
    else hi += span;
  }
  if (!ok) throw internalError(m, `${describeView(name, s)} is not a layout (sizes, strides and offset must be integers, sizes >= 0)`);
  if (!empty && (lo < 0 || hi >= data.length)) {
    throw internalError(m, `${describeView(name, s)} reaches elements ${lo}..${hi}, outside its buffer`);
  }
}

/** Every one of `operands` lies inside its buffer (the index methods, checked on every call, call `view` without the object). */
export function views(m: string, operands: Readonly<Record<string, Operand>>): void {
  for (const name in operands) view(m, name, operands[name] as Operand);
}

export function sameShape(m: string, an: string, a: Operand, bn: string, b: Operand): void {
  if (!shapesEqual(a.shape, b.shape)) {
    throw internalError(m, `${an} has shape ${formatShape(a.shape)} but ${bn} has shape ${formatShape(b.shape)} (they must be equal)`);
  }
}

/** A dim of an n-d operand; a 0-d operand takes dim 0 as a dim of size 1. */
export function dimOf(m: string, dim: number, ndim: number): void {
  const ok = Number.isInteger(dim) && dim >= 0 && dim < Math.max(ndim, 1);
  if (!ok) throw internalError(m, `dim ${dim} is not a dimension of a ${ndim}-d operand`);
}

/** The size of `dim` (1 for a 0-d operand). */
export function sizeAt(shape: readonly number[], dim: number): number {
  return shape.length === 0 ? 1 : (shape[dim] as number);
}

export function indexDType(m: string, name: string, index: Operand): void {
  if (index.dtype !== "int64" && index.dtype !== "int32") throw internalError(m, `${name} has dtype ${index.dtype} (expected int64)`);
}

/** The storage offset of the first value of `s` that is not an integer in [lo, hi), or -1. */
export function firstOutside(s: Operand, lo: number, hi: number): number {
  const data = readBuffer(s.data);
  let found = -1;
  rows1(s.shape, s.strides, s.offset, (o, n, so) => {
    for (let i = 0; i < n && found < 0; i++, o += so) {
      const v = data[o] as number;
      if (!(v >= lo && v < hi && v === Math.floor(v))) found = o;
    }
  });
  return found;
}

/** Every value of `index` is an integer in [0, size of `dim`): the kernel follows each one into `target` along `dim`. */
export function indexValues(m: string, index: Operand, name: string, target: Operand, dim: number): void {
  const size = sizeAt(target.shape, dim);
  const at = firstOutside(index, 0, size);
  if (at < 0) return;
  const where = `dimension ${dim} of ${name} ${formatShape(target.shape)} (size ${size})`;
  throw internalError(m, `index holds ${readBuffer(index.data)[at]}, outside [0, ${size}): it would reach past ${where}`);
}

/** Every `index[i]` of a flat index array (take/putAdd) is in [-1, numel(target)): -1 is a hole, the rest elements of `target`. */
export function flatIndexValues(m: string, index: Int32Array, name: string, target: Operand): void {
  const size = numel(target.shape);
  for (let i = 0; i < index.length; i++) {
    const v = index[i] as number;
    if (v < -1 || v >= size) {
      throw internalError(
        m,
        `index[${i}] is ${v}, outside [-1, ${size}): it would reach past the ${size} elements of ${name} ${formatShape(target.shape)}`,
      );
    }
  }
}

/** A view the kernel walks as flat row-major elements from its offset. */
export function contiguous(m: string, name: string, s: Operand): void {
  const n = numel(s.shape);
  if (n > 0 && denseLength(s) !== n) throw internalError(m, `${describeView(name, s)} is not contiguous`);
}

/** `small` fits inside `big` at every dim (except `skip`): the kernel walks `small`'s positions in `big`. */
export function within(m: string, sn: string, small: Operand, bn: string, big: Operand, skip: number): void {
  if (small.shape.length !== big.shape.length) {
    throw internalError(m, `${sn} ${formatShape(small.shape)} and ${bn} ${formatShape(big.shape)} must have the same number of dimensions`);
  }
  small.shape.forEach((s, d) => {
    if (d !== skip && s > (big.shape[d] as number)) {
      throw internalError(m, `${sn} ${formatShape(small.shape)} is larger than ${bn} ${formatShape(big.shape)} at dimension ${d}`);
    }
  });
}

/** `x`'s shape with `dim` replaced by `size` (`x` 0-d: its own empty shape). */
export function withSize(shape: readonly number[], dim: number, size: number): number[] {
  return shape.map((s, d) => (d === dim ? size : s));
}

export function shapeIs(m: string, name: string, s: Operand, expected: readonly number[]): void {
  if (!shapesEqual(s.shape, expected))
    throw internalError(m, `${name} has shape ${formatShape(s.shape)}, expected ${formatShape(expected)}`);
}

/** index_select/index_add: a 1-d index of one entry per position along `dim` of `per` (one entry for a 0-d operand). */
export function indexAlong(m: string, dim: number, index: Operand, per: Operand, perName: string): void {
  indexDType(m, "index", index);
  if (index.shape.length !== 1) throw internalError(m, `index has shape ${formatShape(index.shape)} (expected 1-d)`);
  const len = index.shape[0] as number;
  if (len !== sizeAt(per.shape, dim)) {
    throw internalError(
      m,
      `index has ${len} entries but ${perName} ${formatShape(per.shape)} has ${sizeAt(per.shape, dim)} along dimension ${dim}`,
    );
  }
}
