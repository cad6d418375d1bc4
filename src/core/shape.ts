/** Shapes, strides, dimension wrapping and broadcasting. */

import { camelCase, describeValue } from "./describe.js";
import { ArgumentError, IndexError, ShapeError } from "./errors.js";

/** A tensor's sizes, one per dimension (PyTorch's `torch.Size`). */
export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** Row-major (C order) strides for a shape. */
const NO_DIMS: number[] = Object.freeze([]) as unknown as number[];

export function contiguousStrides(shape: Shape): number[] {
  // 0-d tensors (the most common in scalar code) share one frozen empty list.
  if (shape.length === 0) return NO_DIMS;
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= Math.max(shape[i] as number, 1);
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `[2, 3]` as PyTorch prints a list of sizes. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

/** `torch.Size([2, 3])`, as PyTorch prints a shape. */
export function formatSize(shape: Shape): string {
  return `torch.Size([${shape.join(", ")}])`;
}

/** Ops whose `dim` is their second positional argument, so a hint can show the call: `softmax(x, -1)`. */
const DIM_SECOND = new Set(
  "softmax logSoftmax sum mean prod amax amin max min argmax argmin var std logsumexp cumsum cumprod all any norm cat stack unbind squeeze unsqueeze".split(
    " ",
  ),
);

/** How to pass the dim of `options` (an options object given in its place) to `op` positionally. */
function dimHint(op: string, options: object): string {
  const name = camelCase(op);
  const given = Object.hasOwn(options, "dim") ? JSON.stringify((options as { dim: unknown }).dim) : "dim";
  if (!DIM_SECOND.has(name)) {
    return `pass ${given === "dim" ? "dims" : `dim (${given})`} positionally, not in an options object`;
  }
  const rest = Object.entries(options).filter(([k]) => k !== "dim");
  const tail = rest.length === 0 ? "" : `, { ${rest.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(", ")} }`;
  return `pass dim positionally: ${name}(${name === "cat" || name === "stack" ? "tensors" : "x"}, ${given}${tail})`;
}

/**
 * The error for a dim argument that is not an integer. JavaScript lets an
 * options object land where PyTorch takes `dim` positionally
 * (`softmax(x, { dim: -1 })`); the message says how to write it instead.
 */
function badDim(dim: unknown, op: string, what: string): ArgumentError {
  const name = op.replace(/\(\)$/, "");
  let hint = "";
  if (dim !== null && typeof dim === "object" && !Array.isArray(dim)) {
    hint = ` — ${dimHint(name, dim)}`;
  }
  return new ArgumentError(`${name}(): ${what}; got ${describeValue(dim)}${hint}`);
}

/** Wraps a possibly negative dim into [0, ndim); a 0-d tensor accepts dims -1 and 0. */
export function normalizeDim(dim: number, ndim: number, op = "dim"): number {
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(dim)) throw badDim(dim, op, "dim must be an integer");
  if (dim < -n || dim >= n) {
    throw new IndexError(`${op}: Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
  }
  return dim < 0 ? dim + n : dim;
}

/** Normalised, sorted, duplicate-free dims. */
export function normalizeDims(dims: number | readonly number[], ndim: number, op = "dim"): number[] {
  // One integer is a list of one dim (PyTorch's IntArrayRef takes an int).
  const list = typeof dims === "number" && Number.isInteger(dims) ? [dims] : dims;
  if (!Array.isArray(list)) throw badDim(dims, op, "dim must be an integer or an array of integers");
  const out = list.map((d) => normalizeDim(d, ndim, op));
  // dims lists are short: pairwise checks (the first repeat in the given order, as PyTorch) and an insertion sort.
  for (let i = 1; i < out.length; i++) {
    for (let j = 0; j < i; j++) {
      if (out[j] === out[i]) throw new ShapeError(`${op}: dim ${out[i]} appears multiple times in the list of dims`);
    }
  }
  for (let i = 1; i < out.length; i++) {
    const d = out[i] as number;
    let j = i - 1;
    for (; j >= 0 && (out[j] as number) > d; j--) out[j + 1] = out[j] as number;
    out[j + 1] = d;
  }
  return out;
}

/** The broadcast shape of several shapes, as PyTorch (and NumPy) define it. */
export function broadcastShapes(shapes: readonly Shape[], op = "broadcast"): readonly number[] {
  // Operands of the same shape (the common case) broadcast to that shape itself.
  if (shapes.length === 2 && shapesEqual(shapes[0] as Shape, shapes[1] as Shape)) return shapes[0] as Shape;
  let ndim = 0;
  for (const s of shapes) ndim = Math.max(ndim, s.length);
  const out = new Array<number>(ndim).fill(1);
  for (let k = 0; k < shapes.length; k++) {
    const s = shapes[k] as Shape;
    for (let i = 0; i < s.length; i++) {
      const j = ndim - s.length + i;
      const size = s[i] as number;
      const cur = out[j] as number;
      if (size === cur || size === 1) continue;
      if (cur === 1) {
        out[j] = size;
        continue;
      }
      const names = shapes.length === 2 ? ["a", "b"] : [`#${k - 1}`, `#${k}`];
      throw new ShapeError(
        `${op}: The size of tensor ${names[0]} (${cur}) must match the size of tensor ${names[1]} (${size}) at non-singleton dimension ${i} ` +
          `(shapes ${shapes.map(formatShape).join(" and ")})`,
      );
    }
  }
  return out;
}

/** Strides that view a tensor of `shape`/`strides` as the broadcast shape `target` (stride 0 on expanded dims). */
export function broadcastStrides(shape: Shape, strides: Shape, target: Shape): number[] {
  const out = new Array<number>(target.length).fill(0);
  const lead = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) {
    out[lead + i] = shape[i] === 1 && target[lead + i] !== 1 ? 0 : (strides[i] as number);
  }
  return out;
}

/** Whether `from` can be broadcast to `to` (used to sum gradients back to an input's shape). */
export function isExpandableTo(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false;
  const lead = to.length - from.length;
  for (let i = 0; i < from.length; i++) {
    const f = from[i] as number;
    if (f !== 1 && f !== to[lead + i]) return false;
  }
  return true;
}

/** Checks a user-given shape: non-negative integers, at most one -1 that is inferred from `total`. */
export function inferShape(shape: Shape, total: number, op: string): number[] {
  let infer = -1;
  let known = 1;
  for (let i = 0; i < shape.length; i++) {
    const s = shape[i] as number;
    if (s === -1) {
      if (infer >= 0) throw new ShapeError(`${op}: only one dimension can be inferred`);
      infer = i;
    } else if (!Number.isInteger(s) || s < 0) {
      throw new ShapeError(`${op}: invalid shape dimension ${s} in ${formatShape(shape)}`);
    } else {
      known *= s;
    }
  }
  const out = [...shape];
  if (infer >= 0) {
    if (known === 0 || total % known !== 0) {
      throw new ShapeError(`${op}: shape '${formatShape(shape)}' is invalid for input of size ${total}`);
    }
    out[infer] = total / known;
  } else if (known !== total) {
    throw new ShapeError(`${op}: shape '${formatShape(shape)}' is invalid for input of size ${total}`);
  }
  return out;
}

/**
 * Strides that let a tensor of `shape`/`strides` be viewed as `newShape`
 * without copying, or null when the memory layout does not allow it
 * (PyTorch's computeStride: dims are merged chunk by chunk of contiguous memory).
 */
export function viewStrides(shape: Shape, strides: Shape, newShape: Shape): number[] | null {
  if (shape.length === 0 || numel(shape) === 0) return contiguousStrides(newShape);
  const out = new Array<number>(newShape.length).fill(0);
  let viewD = newShape.length - 1;
  let chunkBase = strides[strides.length - 1] as number;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d] as number;
    const chunkEnds = d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase);
    if (!chunkEnds) continue;
    while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
      out[viewD] = viewNumel * chunkBase;
      viewNumel *= newShape[viewD] as number;
      viewD--;
    }
    if (viewNumel !== tensorNumel) return null;
    if (d > 0) {
      chunkBase = strides[d - 1] as number;
      tensorNumel = 1;
      viewNumel = 1;
    }
  }
  return viewD === -1 ? out : null;
}
