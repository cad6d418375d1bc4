/**
 * The contracts of the backend boundary: for every `Backend` method, what its
 * documentation (types.ts) requires of its arguments, checked before the
 * kernel runs. Kernels trust their arguments (a strided loop has no bounds
 * of its own), so a contract is what stands between a wrong layout and a
 * read or write outside the operands: every view lies inside its buffer, the
 * shapes agree as the method says, and every index the kernel follows lands
 * inside the operand it indexes.
 *
 * The registry (index.ts) always checks the index kernels' contracts (their
 * index values come from user data); with the debug mode on it checks every
 * method's and hands the reference backend's kernels views whose every
 * element access is checked (guarded.ts). A broken contract is a bug in
 * Kindling (the ops check user input with PyTorch's errors before any
 * kernel runs), so it raises an internal error that asks to be reported.
 */

import { isDType } from "../core/dtype.js";
import { formatShape, numel } from "../core/shape.js";
import {
  contiguous,
  dimOf,
  flatIndexValues,
  indexAlong,
  indexDType,
  indexValues,
  internalError,
  sameShape,
  shapeIs,
  sizeAt,
  view,
  views,
  within,
  withSize,
} from "./checks.js";
import type { Backend } from "./types.js";

export { internalError, isInternalError } from "./checks.js";

/**
 * The names of the Backend members that are required methods (a new one must
 * get a contract below). The optional capabilities (softmax,
 * softmaxBackward) are not among them: their type includes undefined; only
 * a device backend has them, and the registry wraps the CPU's alone.
 */
export type Method = { [K in keyof Backend]-?: Backend[K] extends (...args: never[]) => unknown ? K : never }[keyof Backend];

export interface Contract<M extends Method> {
  /** The name of each argument that is a view, null for the other arguments. */
  readonly operands: readonly (string | null)[];
  /** The position of the argument the method writes, -1 if none. */
  readonly writes: number;
  /** Throws the internal error if the arguments break the method's preconditions. */
  readonly check: (...args: Parameters<Backend[M]>) => void;
}

const CONTRACTS: { readonly [M in Method]: Contract<M> } = {
  adopt: {
    operands: [],
    writes: -1,
    check: (data, dtype) => {
      if (!isDType(dtype)) throw internalError("adopt", `unknown dtype ${String(dtype)}`);
      if (!ArrayBuffer.isView(data)) throw internalError("adopt", "data is not a typed array");
    },
  },
  free: {
    operands: [],
    writes: -1,
    check: (data) => {
      if (data === null || typeof data !== "object") throw internalError("free", "data is not a buffer");
    },
  },
  alloc: {
    operands: [],
    writes: -1,
    check: (dtype, length) => {
      if (!isDType(dtype)) throw internalError("alloc", `unknown dtype ${String(dtype)}`);
      if (!Number.isSafeInteger(length) || length < 0) throw internalError("alloc", `length ${length} is not a size`);
    },
  },
  copy: {
    operands: ["src", "dst"],
    writes: 1,
    check: (src, dst) => {
      views("copy", { src, dst });
      sameShape("copy", "src", src, "dst", dst);
    },
  },
  fill: {
    operands: ["dst", null],
    writes: 0,
    check: (dst, value) => {
      view("fill", "dst", dst);
      if (typeof value !== "number") throw internalError("fill", `value is ${typeof value}, not a number`);
    },
  },
  unary: {
    operands: [null, "x", "out", null, null],
    writes: 2,
    check: (_op, x, out) => {
      views("unary", { x, out });
      sameShape("unary", "x", x, "out", out);
    },
  },
  binary: {
    operands: [null, "a", "b", "out", null, null],
    writes: 3,
    check: (_op, a, b, out) => {
      for (const [n, s] of [
        ["a", a],
        ["b", b],
        ["out", out],
      ] as const) {
        view("binary", n, s);
        sameShape("binary", n, s, "out", out);
      }
    },
  },
  where: {
    operands: ["cond", "a", "b", "out"],
    writes: 3,
    check: (cond, a, b, out) => {
      for (const [n, s] of [
        ["cond", cond],
        ["a", a],
        ["b", b],
        ["out", out],
      ] as const) {
        view("where", n, s);
        sameShape("where", n, s, "out", out);
      }
    },
  },
  reduce: {
    operands: [null, "x", null, "out"],
    writes: 3,
    check: (_op, x, dims, out) => {
      views("reduce", { x, out });
      // A 0-d x reduces over no dims or its one dim of size 1 (dims [0]).
      const ndim = Math.max(x.shape.length, 1);
      dims.forEach((d, i) => {
        if (!Number.isInteger(d) || d < 0 || d >= ndim || (i > 0 && d <= (dims[i - 1] as number))) {
          throw internalError("reduce", `dims [${dims.join(", ")}] are not increasing dimensions of x ${formatShape(x.shape)}`);
        }
      });
      shapeIs(
        "reduce",
        "out",
        out,
        x.shape.map((s, d) => (dims.includes(d) ? 1 : s)),
      );
    },
  },
  argReduce: {
    operands: [null, "x", null, "out"],
    writes: 3,
    check: (_op, x, dim, out) => {
      views("argReduce", { x, out });
      dimOf("argReduce", dim, x.shape.length);
      shapeIs("argReduce", "out", out, withSize(x.shape, dim, 1));
      if (out.dtype !== "int64") throw internalError("argReduce", `out has dtype ${out.dtype} (expected int64)`);
      if (numel(out.shape) > 0 && sizeAt(x.shape, dim) === 0) {
        throw internalError("argReduce", `x ${formatShape(x.shape)} has no elements along dimension ${dim} to choose from`);
      }
    },
  },
  scan: {
    operands: [null, "x", null, "out"],
    writes: 3,
    check: (_op, x, dim, out) => {
      views("scan", { x, out });
      dimOf("scan", dim, x.shape.length);
      sameShape("scan", "x", x, "out", out);
    },
  },
  argsort: {
    operands: ["x", null, null, "out"],
    writes: 3,
    check: (x, dim, _descending, out) => {
      views("argsort", { x, out });
      dimOf("argsort", dim, x.shape.length);
      sameShape("argsort", "x", x, "out", out);
      if (out.dtype !== "int64") throw internalError("argsort", `out has dtype ${out.dtype} (expected int64)`);
    },
  },
  searchSorted: {
    operands: ["boundaries", "values", "sorter", null, "out"],
    writes: 4,
    check: (boundaries, values, sorter, _right, out) => {
      views("searchSorted", { boundaries, values, out });
      const m = "searchSorted";
      if (boundaries.dtype !== values.dtype || values.dtype === "bool")
        throw internalError(m, `boundaries (${boundaries.dtype}) and values (${values.dtype}) must have one dtype, not bool`);
      if (out.dtype !== "int64" && out.dtype !== "int32") throw internalError(m, `out has dtype ${out.dtype} (expected int64 or int32)`);
      shapeIs(m, "out", out, values.shape);
      const nb = boundaries.shape.length;
      const rows = nb === values.shape.length && boundaries.shape.slice(0, -1).every((s, d) => s === values.shape[d]);
      if (nb === 0 || (nb > 1 && !rows))
        throw internalError(m, `boundaries ${formatShape(boundaries.shape)} have no row for each value of ${formatShape(values.shape)}`);
      if (sorter === null) return;
      view(m, "sorter", sorter);
      indexDType(m, "sorter", sorter);
      shapeIs(m, "sorter", sorter, boundaries.shape);
      if (numel(values.shape) > 0) indexValues(m, sorter, "boundaries", boundaries, nb - 1);
    },
  },
  matmul: {
    operands: ["a", "b", "out"],
    writes: 2,
    check: (a, b, out) => {
      views("matmul", { a, b, out });
      const nd = out.shape.length;
      const [M, N] = out.shape.slice(nd - 2);
      const K = a.shape[nd - 1];
      const batch = out.shape.slice(0, nd - 2);
      if (nd < 2 || a.shape.length !== nd || b.shape.length !== nd) {
        throw internalError(
          "matmul",
          `a ${formatShape(a.shape)}, b ${formatShape(b.shape)} and out ${formatShape(out.shape)} must all be n-d with n >= 2`,
        );
      }
      shapeIs("matmul", "a", a, [...batch, M as number, K as number]);
      shapeIs("matmul", "b", b, [...batch, K as number, N as number]);
    },
  },
  indexSelect: {
    operands: ["x", null, "index", "out"],
    writes: 3,
    check: (x, dim, index, out) => {
      view("indexSelect", "x", x);
      view("indexSelect", "index", index);
      view("indexSelect", "out", out);
      dimOf("indexSelect", dim, x.shape.length);
      shapeIs("indexSelect", "out", out, withSize(x.shape, dim, index.shape[0] as number));
      indexAlong("indexSelect", dim, index, out, "out");
      if (numel(out.shape) > 0) indexValues("indexSelect", index, "x", x, dim);
    },
  },
  indexAdd: {
    operands: ["out", null, "index", "src"],
    writes: 0,
    check: (out, dim, index, src) => {
      view("indexAdd", "out", out);
      view("indexAdd", "index", index);
      view("indexAdd", "src", src);
      dimOf("indexAdd", dim, out.shape.length);
      shapeIs("indexAdd", "src", src, withSize(out.shape, dim, index.shape[0] as number));
      indexAlong("indexAdd", dim, index, src, "src");
      if (numel(src.shape) > 0) indexValues("indexAdd", index, "out", out, dim);
    },
  },
  take: {
    operands: ["x", null, "out", null],
    writes: 2,
    check: (x, index, out, fill) => {
      if (!(index instanceof Int32Array)) throw internalError("take", "index is not an Int32Array");
      view("take", "x", x);
      view("take", "out", out);
      contiguous("take", "x", x);
      contiguous("take", "out", out);
      if (numel(out.shape) !== index.length)
        throw internalError("take", `out ${formatShape(out.shape)} has room for ${numel(out.shape)} values, index has ${index.length}`);
      if (typeof fill !== "number") throw internalError("take", `fill is ${typeof fill}, not a number`);
      flatIndexValues("take", index, "x", x);
    },
  },
  putAdd: {
    operands: ["out", null, "src"],
    writes: 0,
    check: (out, index, src) => {
      if (!(index instanceof Int32Array)) throw internalError("putAdd", "index is not an Int32Array");
      view("putAdd", "out", out);
      view("putAdd", "src", src);
      contiguous("putAdd", "out", out);
      contiguous("putAdd", "src", src);
      if (numel(src.shape) !== index.length)
        throw internalError("putAdd", `src ${formatShape(src.shape)} has ${numel(src.shape)} values, index has ${index.length}`);
      flatIndexValues("putAdd", index, "out", out);
    },
  },
  gather: {
    operands: ["x", null, "index", "out"],
    writes: 3,
    check: (x, dim, index, out) => {
      view("gather", "x", x);
      view("gather", "index", index);
      view("gather", "out", out);
      indexDType("gather", "index", index);
      dimOf("gather", dim, x.shape.length);
      shapeIs("gather", "out", out, index.shape);
      within("gather", "index", index, "x", x, dim);
      indexValues("gather", index, "x", x, dim);
    },
  },
  scatter: {
    operands: ["out", null, "index", "src", null],
    writes: 0,
    check: (out, dim, index, src, mode) => {
      view("scatter", "out", out);
      view("scatter", "index", index);
      view("scatter", "src", src);
      indexDType("scatter", "index", index);
      dimOf("scatter", dim, out.shape.length);
      if (mode !== "add" && mode !== "assign") throw internalError("scatter", `unknown mode ${String(mode)}`);
      within("scatter", "index", index, "src", src, -1);
      within("scatter", "index", index, "out", out, dim);
      indexValues("scatter", index, "out", out, dim);
    },
  },
  randomFill: {
    operands: ["out", null, null, null, null, null],
    writes: 0,
    check: (out, kind, key, counter, a, b) => {
      view("randomFill", "out", out);
      contiguous("randomFill", "out", out);
      if (kind !== "uniform" && kind !== "normal" && kind !== "int") throw internalError("randomFill", `unknown kind ${String(kind)}`);
      for (const [name, words] of [
        ["key", key],
        ["counter", counter],
      ] as const) {
        if (words.length !== 2 || words.some((w) => !Number.isInteger(w) || w < 0 || w >= 2 ** 32))
          throw internalError("randomFill", `${name} is not two 32-bit words`);
      }
      if (typeof a !== "number" || typeof b !== "number") throw internalError("randomFill", "a and b are not numbers");
      if (kind === "int" && !(Number.isInteger(b) && b >= 0 && b < 2 ** 32))
        throw internalError("randomFill", `range ${b} is not in [0, 2^32)`);
    },
  },
};

/** The methods whose contracts run in every run: their index values come from user data. */
export const INDEX_METHODS: readonly Method[] = ["indexSelect", "indexAdd", "take", "putAdd", "gather", "scatter"];

/** Every method of the boundary. */
export const ALL_METHODS = Object.keys(CONTRACTS) as Method[];

export function contract<M extends Method>(m: M): Contract<M> {
  return CONTRACTS[m];
}
