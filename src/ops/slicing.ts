/**
 * Views of a part of a tensor: select, slice, narrow, diagonal and alias
 * (metadata only, sharing storage), and trace. Each backward is an op of
 * its own (PyTorch's select_backward, slice_backward, diagonal_backward),
 * so second derivatives show PyTorch's nodes.
 */

import { expectInt } from "../core/args.js";
import { ArgumentError, DTypeError, IndexError, ShapeError } from "../core/errors.js";
import { formatShape, normalizeDim, type Shape } from "../core/shape.js";
import type { Tensor } from "../tensor.js";
import { defineOp } from "./define.js";
import * as K from "./kernels.js";
import { expectTensor } from "./scalars.js";

interface SelectAttrs {
  dim: number;
  index: number;
}

const selectOp = defineOp<SelectAttrs>({
  name: "select",
  jvp: "linear",
  gradFn: "SelectBackward0",
  view: true,
  forward: ([x], { dim, index }) => {
    const t = x as Tensor;
    return K.asStrided(
      t,
      t.shape.filter((_, d) => d !== dim),
      t._strides.filter((_, d) => d !== dim),
      t._offset + index * (t._strides[dim] as number),
    );
  },
  backward: ([g], c) => [selectBackward(g, (c.inputMeta[0] as { shape: Shape }).shape, c.attrs)],
});

// The backward of select is an op of its own (PyTorch's select_backward), so
// second derivatives show SelectBackwardBackward0.
const selectBackwardOp = defineOp<SelectAttrs & { shape: Shape }>({
  name: "select_backward",
  jvp: "linear",
  gradFn: "SelectBackwardBackward0",
  forward: ([g], { shape, dim, index }) => {
    const out = K.full(shape, 0, (g as Tensor).dtype);
    K.copyInto(selectOp([out], { dim, index }), g as Tensor);
    return out;
  },
  backward: ([gg], c) => [gg.select(c.attrs.dim, c.attrs.index)],
});

function selectBackward(g: Tensor, shape: Shape, a: SelectAttrs): Tensor {
  return selectBackwardOp([g], { ...a, shape });
}

/**
 * The slice at `index` along `dim`, which is removed (a view).
 *
 * @example
 * ```ts
 * const x = torch.tensor([[1, 2], [3, 4]]);
 * console.log(x.select(1, 0)); // tensor([1., 3.])
 * ```
 */
export function select(input: Tensor, dim: number, index: number): Tensor {
  const x = expectTensor(input, "select", "input");
  if (x.ndim === 0) throw new IndexError("select() cannot be applied to a 0-dim tensor.");
  const d = normalizeDim(dim, x.ndim, "select");
  const size = x.shape[d] as number;
  expectInt(index, "select", "index", 3);
  if (index < -size || index >= size) {
    throw new IndexError(`select(): index ${index} out of range for tensor of size ${formatShape(x.shape)} at dimension ${d}`);
  }
  return selectOp([x], { dim: d, index: index < 0 ? index + size : index });
}

interface SliceAttrs {
  dim: number;
  start: number;
  end: number;
  step: number;
}

const sliceOp = defineOp<SliceAttrs>({
  name: "slice",
  jvp: "linear",
  gradFn: "SliceBackward0",
  view: true,
  forward: ([x], { dim, start, end, step }) => {
    const t = x as Tensor;
    const shape = [...t.shape];
    const strides = [...t._strides];
    shape[dim] = Math.max(0, Math.ceil((end - start) / step));
    strides[dim] = (t._strides[dim] as number) * step;
    return K.asStrided(t, shape, strides, t._offset + start * (t._strides[dim] as number));
  },
  backward: ([g], c) => [sliceBackwardOp([g], { ...c.attrs, shape: (c.inputMeta[0] as { shape: Shape }).shape })],
});

const sliceBackwardOp = defineOp<SliceAttrs & { shape: Shape }>({
  name: "slice_backward",
  jvp: "linear",
  gradFn: "SliceBackwardBackward0",
  forward: ([g], { shape, ...a }) => {
    const out = K.full(shape, 0, (g as Tensor).dtype);
    K.copyInto(sliceOp([out], a), g as Tensor);
    return out;
  },
  backward: ([gg], { attrs }) => [gg.slice(attrs.dim, attrs.start, attrs.end, attrs.step)],
});

/**
 * Elements `start`, `start + step`, ... before `end` along `dim` (a view;
 * Python's `x[start:end:step]`). Bounds are clamped; negative ones count
 * from the end.
 *
 * @example
 * ```ts
 * console.log(torch.arange(6).slice(0, 1, null, 2)); // tensor([1, 3, 5])
 * ```
 */
export function slice(input: Tensor, dim = 0, start: number | null = null, end: number | null = null, step = 1): Tensor {
  const x = expectTensor(input, "slice", "input");
  if (x.ndim === 0) throw new IndexError("slice() cannot be applied to a 0-dim tensor.");
  const d = normalizeDim(dim, x.ndim, "slice");
  for (const [v, name] of [
    [start, "start"],
    [end, "end"],
  ] as const)
    if (v !== null) expectInt(v, "slice", name);
  if (expectInt(step, "slice", "step") <= 0) throw new ArgumentError("slice: step must be greater than zero");
  const size = x.shape[d] as number;
  const clampIdx = (v: number | null, dflt: number) => {
    if (v === null) return dflt;
    const w = v < 0 ? v + size : v;
    return Math.min(Math.max(w, 0), size);
  };
  const s = clampIdx(start, 0);
  const e = Math.max(clampIdx(end, size), s);
  return sliceOp([x], { dim: d, start: s, end: e, step });
}

/**
 * `length` elements along `dim` from `start` (a view).
 *
 * @example
 * ```ts
 * console.log(torch.arange(5).narrow(0, 1, 3)); // tensor([1, 2, 3])
 * ```
 */
export function narrow(input: Tensor, dim: number, start: number, length: number): Tensor {
  const x = expectTensor(input, "narrow", "input");
  if (x.ndim === 0) throw new ShapeError("narrow() cannot be applied to a 0-dim tensor.");
  expectInt(start, "narrow", "start", 3);
  expectInt(length, "narrow", "length", 4);
  const d = normalizeDim(dim, x.ndim, "narrow");
  const size = x.shape[d] as number;
  // As PyTorch: start may equal the size (an empty narrow at the end); otherwise it wraps like a dim.
  const s = start === size ? start : normalizeDim(start, size, "narrow");
  if (length < 0 || s > size - length) {
    throw new ShapeError(`narrow(): start (${s}) + length (${length}) exceeds dimension size (${size}).`);
  }
  return sliceOp([x], { dim: d, start: s, end: s + length, step: 1 });
}

const aliasOp = defineOp<Record<string, never>>({
  name: "alias",
  jvp: "linear",
  gradFn: "AliasBackward0",
  view: true,
  forward: ([x]) => K.asStrided(x as Tensor, (x as Tensor).shape, (x as Tensor)._strides),
  backward: ([g]) => [g],
});

/** @internal a new view of the whole tensor (`x[...]`). */
export function alias(input: Tensor): Tensor {
  return aliasOp([input], {});
}

// ----- diagonal ---------------------------------------------------------------------

interface DiagonalAttrs {
  offset: number;
  dim1: number;
  dim2: number;
}

const diagonalOp = defineOp<DiagonalAttrs>({
  name: "diagonal",
  jvp: "linear",
  gradFn: "DiagonalBackward0",
  view: true,
  // A view: the two dims are replaced by one last dim stepping along both at once.
  forward: ([x], { offset, dim1, dim2 }) => {
    const t = x as Tensor;
    const [s1, s2] = [t._strides[dim1] as number, t._strides[dim2] as number];
    const [n1, n2] = [t.shape[dim1] as number, t.shape[dim2] as number];
    const len = Math.max(0, offset >= 0 ? Math.min(n1, n2 - offset) : Math.min(n1 + offset, n2));
    const start = len === 0 ? 0 : offset >= 0 ? offset * s2 : -offset * s1;
    const keep = (_: number, d: number) => d !== dim1 && d !== dim2;
    return K.asStrided(t, [...t.shape.filter(keep), len], [...t._strides.filter(keep), s1 + s2], t._offset + start);
  },
  backward: ([g], c) => [diagonalBackwardOp([g], { ...c.attrs, shape: (c.inputMeta[0] as { shape: Shape }).shape })],
});

const diagonalBackwardOp = defineOp<DiagonalAttrs & { shape: Shape }>({
  name: "diagonal_backward",
  jvp: "linear",
  gradFn: "DiagonalBackwardBackward0",
  forward: ([g], { shape, ...a }) => {
    const out = K.full(shape, 0, (g as Tensor).dtype);
    K.copyInto(diagonalOp([out], a), g as Tensor);
    return out;
  },
  backward: ([gg], { attrs }) => [gg.diagonal(attrs.offset, attrs.dim1, attrs.dim2)],
});

/** @internal `g` put on diagonal `offset` of zeros of a matrix `shape` (diag's gradient; differentiable). */
export function diagonalBackward(g: Tensor, shape: Shape, offset: number): Tensor {
  return diagonalBackwardOp([g], { offset, dim1: 0, dim2: 1, shape });
}

/**
 * The diagonal of the matrices formed by dims `dim1` and `dim2` (a view,
 * appended as the last dim); `offset` > 0 is above the main diagonal.
 *
 * @example
 * ```ts
 * console.log(torch.diagonal(torch.tensor([[1, 2], [3, 4]]))); // tensor([1., 4.])
 * ```
 */
export function diagonal(input: Tensor, offset = 0, dim1 = 0, dim2 = 1): Tensor {
  const x = expectTensor(input, "diagonal", "input");
  expectInt(offset, "diagonal", "offset", 2);
  const d1 = normalizeDim(dim1, x.ndim, "diagonal");
  const d2 = normalizeDim(dim2, x.ndim, "diagonal");
  if (d1 === d2) throw new ArgumentError(`diagonal dimensions cannot be identical ${dim1}, ${dim2}`);
  return diagonalOp([x], { offset, dim1: d1, dim2: d2 });
}

/**
 * Sum of the main diagonal of a matrix.
 *
 * @example
 * ```ts
 * console.log(torch.trace(torch.tensor([[1, 2], [3, 4]]))); // tensor(5.)
 * ```
 */
export function trace(input: Tensor): Tensor {
  const x = expectTensor(input, "trace", "input");
  if (x.ndim !== 2) throw new ShapeError(`trace: expected a matrix, but got tensor with dim ${x.ndim}`);
  if (x.dtype === "bool") throw new DTypeError(`trace: "trace" not implemented for 'Bool'`);
  return traceOp([x], {});
}

const traceOp = defineOp<Record<string, never>>({
  name: "trace",
  jvp: "linear",
  gradFn: "TraceBackward0",
  forward: ([x]) => K.reduce("sum", diagonalOp([x as Tensor], { offset: 0, dim1: 0, dim2: 1 }), [0], false),
  // The gradient fills the diagonal: every (n + 1)-th element of the flattened matrix, then viewed back.
  backward: ([g], c) => {
    const [rows, cols] = (c.inputMeta[0] as { shape: Shape }).shape as [number, number];
    const n = Math.min(rows, cols);
    const index = K.fromHost([n], "int64", (d) => {
      for (let i = 0; i < n; i++) d[i] = i * (cols + 1);
    });
    return [
      K.full([rows * cols], 0, g.dtype)
        .scatter(0, index, g.expand(n))
        .view(rows, cols),
    ];
  },
});
