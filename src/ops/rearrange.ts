/**
 * Ops that move elements around without changing them: roll, rot90 and diag
 * (each a node of its own in PyTorch: RollBackward0, Rot90Backward0,
 * DiagBackward0); all linear, their gradient the same move undone.
 */

import { ArgumentError, ShapeError } from "../core/errors.js";
import { normalizeDim } from "../core/shape.js";
import type { Tensor } from "../tensor.js";
import { cat, flip } from "./combine.js";
import { defineOp, type Op } from "./define.js";
import * as K from "./kernels.js";
import { transpose } from "./movement.js";
import { expectTensor } from "./scalars.js";
import { diagonalBackward } from "./slicing.js";

interface RollAttrs {
  shifts: readonly number[];
  /** The dims rolled; empty: the flattened tensor, shape restored after. */
  dims: readonly number[];
}

/** `x` rolled by `shift` along `dim` (a copy made of two slices). */
function rollDim(x: Tensor, shift: number, dim: number): Tensor {
  const n = x.shape[dim] as number;
  if (n === 0) return x;
  const s = ((shift % n) + n) % n;
  if (s === 0) return x;
  return cat([x.narrow(dim, n - s, s), x.narrow(dim, 0, n - s)], dim);
}

const rollOp: Op<RollAttrs> = defineOp<RollAttrs>({
  name: "roll",
  gradFn: "RollBackward0",
  jvp: "linear",
  forward: ([x], { shifts, dims }) => {
    const t = x as Tensor;
    if (dims.length === 0)
      return rollDim(t.reshape(-1), shifts[0] as number, 0)
        .reshape(t.shape)
        .contiguous();
    let out = t;
    dims.forEach((d, i) => {
      out = rollDim(out, shifts[i] as number, d);
    });
    return out === t ? K.copy(t) : out;
  },
  backward: ([g], c) => [rollOp([g], { shifts: c.attrs.shifts.map((s) => -s), dims: c.attrs.dims })],
});

/**
 * Shifts the elements along `dims` by `shifts`, those pushed off the end
 * coming back at the start; without `dims`, over the flattened tensor
 * (PyTorch's `roll`).
 *
 * @example
 * ```ts
 * console.log(torch.roll(torch.tensor([1, 2, 3, 4]), 1)); // tensor([4., 1., 2., 3.])
 * console.log(torch.roll(torch.tensor([[1, 2], [3, 4]]), [1, 1], [0, 1])); // tensor([[4., 3.],\n        [2., 1.]])
 * ```
 */
export function roll(input: Tensor, shifts: number | readonly number[], dims?: number | readonly number[] | null): Tensor {
  const x = expectTensor(input, "roll", "input");
  const s = typeof shifts === "number" ? [shifts] : [...shifts];
  const d = dims === undefined || dims === null ? [] : typeof dims === "number" ? [dims] : [...dims];
  if (d.length === 0 && s.length !== 1)
    throw new ArgumentError(`roll: shifts and dimensions must align. shifts: ${s.length}, dims:${d.length}`);
  if (d.length > 0 && s.length !== d.length)
    throw new ArgumentError(`shifts and dimensions must align. shifts: ${s.length}, dims:${d.length}`);
  if (!s.every(Number.isInteger)) throw new ArgumentError(`roll(): shifts must be integers, got ${JSON.stringify(shifts)}`);
  return rollOp([x], { shifts: s, dims: d.map((dim) => normalizeDim(dim, x.ndim, "roll")) });
}

interface Rot90Attrs {
  k: number;
  dims: readonly [number, number];
}

const rot90Op: Op<Rot90Attrs> = defineOp<Rot90Attrs>({
  name: "rot90",
  gradFn: "Rot90Backward0",
  jvp: "linear",
  // PyTorch's steps: k = 1 flips dims[1] then transposes; k = 2 flips both; k = 3 flips dims[0] then transposes.
  forward: ([x], { k, dims: [d0, d1] }) => {
    const t = x as Tensor;
    const turns = ((k % 4) + 4) % 4;
    if (turns === 0) return K.copy(t);
    if (turns === 2) return flip(t, [d0, d1]);
    return transpose(flip(t, [turns === 1 ? d1 : d0]), d0, d1).contiguous();
  },
  backward: ([g], c) => [rot90Op([g], { k: -c.attrs.k, dims: c.attrs.dims })],
});

/**
 * Rotates by 90 degrees `k` times in the plane of `dims` (default [0, 1]),
 * from the first towards the second (PyTorch's `rot90`).
 *
 * @example
 * ```ts
 * console.log(torch.rot90(torch.tensor([[1, 2], [3, 4]]))); // tensor([[2., 4.],\n        [1., 3.]])
 * ```
 */
export function rot90(input: Tensor, k = 1, dims: readonly number[] = [0, 1]): Tensor {
  const x = expectTensor(input, "rot90", "input");
  if (dims.length !== 2) throw new ArgumentError(`expected total rotation dims == 2, but got dims = ${dims.length}`);
  if (x.ndim < 2) throw new ArgumentError(`expected total dims >= 2, but got total dims = ${x.ndim}`);
  const d0 = normalizeDim(dims[0] as number, x.ndim, "rot90");
  const d1 = normalizeDim(dims[1] as number, x.ndim, "rot90");
  if (d0 === d1) throw new ArgumentError(`expected rotation dims to be different, but got dim0 = ${d0} and dim1 = ${d1}`);
  if (!Number.isInteger(k)) throw new ArgumentError(`rot90(): k must be an integer, got ${k}`);
  return rot90Op([x], { k, dims: [d0, d1] });
}

const diagOp = defineOp<{ diagonal: number }>({
  name: "diag",
  gradFn: "DiagBackward0",
  jvp: "linear",
  forward: ([x], { diagonal }) => {
    const t = x as Tensor;
    if (t.ndim === 2) return K.copy(t.diagonal(diagonal));
    const n = t.shape[0] as number;
    const size = n + Math.abs(diagonal);
    const out = K.full([size, size], 0, t.dtype);
    K.copyInto(out.diagonal(diagonal), t);
    return out;
  },
  // A vector's gradient is the matrix gradient's diagonal; a matrix's, the vector's gradient put back on its diagonal.
  backward: ([g], c) => {
    const { shape } = c.inputMeta[0] as { shape: readonly number[] };
    const d = c.attrs.diagonal;
    return [shape.length === 1 ? g.diagonal(d) : diagonalBackward(g, shape, d)];
  },
});

/**
 * A vector made a matrix with it on diagonal `diagonal`, or a matrix's
 * diagonal `diagonal` as a vector (PyTorch's `diag`; a copy either way).
 *
 * @example
 * ```ts
 * console.log(torch.diag(torch.tensor([1, 2]))); // tensor([[1., 0.],\n        [0., 2.]])
 * console.log(torch.diag(torch.tensor([[1, 2], [3, 4]]), 1)); // tensor([2.])
 * ```
 */
export function diag(input: Tensor, diagonal = 0): Tensor {
  const x = expectTensor(input, "diag", "input");
  if (x.ndim !== 1 && x.ndim !== 2) throw new ShapeError("matrix or a vector expected");
  if (!Number.isInteger(diagonal)) throw new ArgumentError(`diag(): diagonal must be an integer, got ${diagonal}`);
  return diagOp([x], { diagonal });
}
