/**
 * Bounds-guarded views for the debug mode (KINDLING_DEBUG_BOUNDS=1): a view
 * whose typed array is a Proxy that checks every element a kernel reads or
 * writes against the view's own footprint, the set of element offsets
 * `offset + sum_d i_d * strides[d]` over its index space. A kernel that steps
 * outside its view (a wrong stride, an index past an operand's end, a write
 * into an input) raises the internal error instead of reading a neighbour's
 * values or NaN.
 *
 * The Proxy traps numeric keys and the typed-array methods the reference
 * kernels use (fill, set, subarray); anything else a kernel could use to
 * reach memory unchecked (`.buffer`, other methods) raises too. A guarded
 * array is not an ArrayBuffer view (`ArrayBuffer.isView` is false), which is
 * how kernels keep their fast paths through the raw buffer off it.
 */

import type { TypedArray } from "../core/dtype.js";
import { describeView, internalError } from "./checks.js";
import { rows1 } from "./ref/iter.js";
import type { Strided } from "./types.js";

/** A 1 at every element offset of the view (the view is known to lie inside its buffer). */
function footprint(s: Strided): Uint8Array {
  const inside = new Uint8Array(s.data.length);
  rows1(s.shape, s.strides, s.offset, (o, n, so) => {
    for (let i = 0; i < n; i++, o += so) inside[o] = 1;
  });
  return inside;
}

/**
 * The element position a property key names, if it is a typed array's
 * numeric key ("3", "-1", "1.5", "NaN"; "-0" names no element: NaN).
 */
function numericKey(key: string): number | undefined {
  if (key === "-0") return Number.NaN;
  const n = Number(key);
  return String(n) === key ? n : undefined;
}

/** `s` with its data guarded: `method`'s kernel may touch only the view's elements, and write them only if `writable`. */
export function guardView(method: string, name: string, s: Strided, writable: boolean): Strided {
  return { data: guardArray(method, name, s, writable), dtype: s.dtype, shape: s.shape, strides: s.strides, offset: s.offset };
}

/** Checks of one guarded view: element `i` (named `key` in messages) and ranges [start, end) of its array. */
interface Guard {
  touch(i: number, write: boolean, key: string | number): void;
  range(start: number, end: number, write: boolean, what: string): void;
}

function guardOf(method: string, name: string, s: Strided, writable: boolean): Guard {
  const inside = footprint(s);
  const length = s.data.length;
  const touch = (i: number, write: boolean, key: string | number): void => {
    if (write && !writable) throw internalError(method, `the kernel wrote element ${key} of ${name}, an operand it must only read`);
    if (inside[i] !== 1) {
      throw internalError(method, `the kernel ${write ? "wrote" : "read"} element ${key} of ${describeView(name, s)}, outside the view`);
    }
  };
  const range = (start: number, end: number, write: boolean, what: string): void => {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > length || start > end) {
      throw internalError(method, `the kernel called ${name}.${what}(${start}, ${end}), not a range of its ${length} elements`);
    }
    for (let i = start; i < end; i++) touch(i, write, i);
  };
  return { touch, range };
}

/** The typed-array methods the reference kernels use, each checking the elements it touches. */
function checkedMethods(method: string, name: string, s: Strided, writable: boolean, g: Guard, self: () => TypedArray) {
  const target = s.data;
  return {
    fill(value: number, start = 0, end = target.length): TypedArray {
      g.range(start, end, true, "fill");
      target.fill(value, start, end);
      return self();
    },
    set(src: ArrayLike<number>, at = 0): void {
      g.range(at, at + src.length, true, "set");
      target.set(src, at);
    },
    subarray(start = 0, end = target.length): TypedArray {
      g.range(start, end, false, "subarray");
      const part = { data: target.subarray(start, end), dtype: s.dtype, shape: [end - start], strides: [1], offset: 0 };
      return guardArray(method, `${name}[${start}:${end}]`, part, writable);
    },
  };
}

function guardArray(method: string, name: string, s: Strided, writable: boolean): TypedArray {
  const g = guardOf(method, name, s, writable);
  const methods = checkedMethods(method, name, s, writable, g, () => proxy);
  const proxy: TypedArray = new Proxy(s.data, {
    get(t, key) {
      if (typeof key === "string") {
        const i = numericKey(key);
        if (i !== undefined) {
          g.touch(i, false, key);
          return t[i];
        }
        if (key === "length") return t.length;
        if (key === "fill" || key === "set" || key === "subarray") return methods[key];
        if (key === "buffer") {
          throw internalError(
            method,
            `the kernel took ${name}.buffer, which the bounds guard cannot check (test ArrayBuffer.isView first)`,
          );
        }
      }
      const v: unknown = Reflect.get(t, key, t);
      if (typeof v === "function")
        throw internalError(method, `the kernel called ${name}.${String(key)}(), which the bounds guard does not check`);
      return v;
    },
    set(t, key, value) {
      const i = typeof key === "string" ? numericKey(key) : undefined;
      if (i === undefined) throw internalError(method, `the kernel set ${name}.${String(key)}`);
      g.touch(i, true, key as string);
      t[i] = value as number;
      return true;
    },
  });
  return proxy;
}
