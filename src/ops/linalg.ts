/**
 * Matrix products. `matmul` dispatches like PyTorch's: dot for 1-d @ 1-d,
 * mv for 2-d @ 1-d, mm for 2-d @ 2-d, folding or bmm for batches, so the
 * graph has PyTorch's nodes.
 */

import { type DType, promoteTypes } from "../core/dtype.js";
import { DTypeError, ShapeError } from "../core/errors.js";
import { type OptionKeys, readOptions } from "../core/options.js";
import { broadcastShapes, formatShape, numel } from "../core/shape.js";
import type { Tensor } from "../tensor.js";
import { mulScalar } from "./arith.js";
import { defineOp } from "./define.js";
import * as K from "./kernels.js";
import { squeezeFresh, unsafeView } from "./movement.js";
import { expectTensor } from "./scalars.js";

function sameDtype(op: string, a: Tensor, b: Tensor): DType {
  if (a.dtype === "bool" || b.dtype === "bool") throw new DTypeError(`${op}: "${op}" not implemented for 'Bool'`);
  if (a.dtype !== b.dtype) {
    throw new DTypeError(`${op}: expected both arguments to have the same dtype, but got: ${a.dtype} != ${b.dtype}`);
  }
  return promoteTypes(a.dtype, b.dtype);
}

function need(op: string, t: Tensor, ndim: number, arg: string): void {
  if (t.ndim !== ndim)
    throw new ShapeError(`${op}: ${arg} must be a ${ndim}D tensor, got ${t.ndim}D tensor of shape ${formatShape(t.shape)}`);
}

const dotOp = defineOp<Record<string, never>>({
  name: "dot",
  jvp: "multilinear",
  gradFn: "DotBackward0",
  save: "inputs",
  forward: ([a, b]) => K.matmul((a as Tensor).unsqueeze(0), (b as Tensor).unsqueeze(1), (a as Tensor).dtype).reshape([]),
  backward: ([g], c) => [c.needs[0] ? g.mul(c.input(1)) : null, c.needs[1] ? g.mul(c.input(0)) : null],
});

/**
 * Inner product of two 1-d tensors of the same length.
 *
 * @example
 * ```ts
 * console.log(torch.dot(torch.tensor([1, 2]), torch.tensor([3, 4]))); // tensor(11.)
 * ```
 */
export function dot(input: Tensor, other: Tensor): Tensor {
  const a = expectTensor(input, "dot", "input");
  const b = expectTensor(other, "dot", "other");
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new ShapeError(`1D tensors expected, but got ${a.ndim}D and ${b.ndim}D tensors`);
  }
  if (a.shape[0] !== b.shape[0]) {
    throw new ShapeError(
      `inconsistent tensor size, expected tensor [${a.shape[0]}] and src [${b.shape[0]}] to have the same number of elements, but got ${a.shape[0]} and ${b.shape[0]} elements respectively`,
    );
  }
  sameDtype("dot", a, b);
  return dotOp([a, b], {});
}

const mmOp = defineOp<Record<string, never>>({
  name: "mm",
  jvp: "multilinear",
  gradFn: "MmBackward0",
  save: "inputs",
  forward: ([a, b]) => K.matmul(a as Tensor, b as Tensor, (a as Tensor).dtype),
  backward: ([g], c) => [c.needs[0] ? g.mm(c.input(1).t()) : null, c.needs[1] ? c.input(0).t().mm(g) : null],
});

/**
 * Matrix product of two 2-d tensors: [n, m] @ [m, p] -> [n, p].
 *
 * @example
 * ```ts
 * const a = torch.tensor([[1, 2], [3, 4]]);
 * console.log(torch.mm(a, a)); // tensor([[ 7., 10.],\n        [15., 22.]])
 * ```
 */
export function mm(input: Tensor, mat2: Tensor): Tensor {
  const a = expectTensor(input, "mm", "input");
  const b = expectTensor(mat2, "mm", "mat2");
  need("mm", a, 2, "self");
  need("mm", b, 2, "mat2");
  if (a.shape[1] !== b.shape[0]) {
    throw new ShapeError(`mat1 and mat2 shapes cannot be multiplied (${a.shape[0]}x${a.shape[1]} and ${b.shape[0]}x${b.shape[1]})`);
  }
  sameDtype("mm", a, b);
  return mmOp([a, b], {});
}

const mvOp = defineOp<Record<string, never>>({
  name: "mv",
  jvp: "multilinear",
  gradFn: "MvBackward0",
  save: "inputs",
  forward: ([a, v]) => K.matmul(a as Tensor, (v as Tensor).unsqueeze(1), (a as Tensor).dtype).squeeze(1),
  backward: ([g], c) => [c.needs[0] ? g.unsqueeze(1).mul(c.input(1)) : null, c.needs[1] ? c.input(0).t().mv(g) : null],
});

/**
 * Matrix-vector product: [n, m] @ [m] -> [n].
 *
 * @example
 * ```ts
 * console.log(torch.mv(torch.tensor([[1, 2], [3, 4]]), torch.tensor([1, 1]))); // tensor([3., 7.])
 * ```
 */
export function mv(input: Tensor, vec: Tensor): Tensor {
  const a = expectTensor(input, "mv", "input");
  const v = expectTensor(vec, "mv", "vec");
  need("mv", a, 2, "input");
  need("mv", v, 1, "vec");
  if (a.shape[1] !== v.shape[0]) {
    throw new ShapeError(`size mismatch, got input (${a.shape[0]}), mat (${a.shape[0]}x${a.shape[1]}), vec (${v.shape[0]})`);
  }
  sameDtype("mv", a, v);
  return mvOp([a, v], {});
}

const bmmOp = defineOp<Record<string, never>>({
  name: "bmm",
  jvp: "multilinear",
  gradFn: "BmmBackward0",
  save: "inputs",
  forward: ([a, b]) => K.matmul(a as Tensor, b as Tensor, (a as Tensor).dtype),
  backward: ([g], c) => [c.needs[0] ? g.bmm(c.input(1).transpose(1, 2)) : null, c.needs[1] ? c.input(0).transpose(1, 2).bmm(g) : null],
});

/**
 * Batched matrix product: [b, n, m] @ [b, m, p] -> [b, n, p].
 *
 * @example
 * ```ts
 * console.log(torch.bmm(torch.ones(2, 1, 3), torch.ones(2, 3, 1)).shape); // [ 2, 1, 1 ]
 * ```
 */
export function bmm(input: Tensor, mat2: Tensor): Tensor {
  const a = expectTensor(input, "bmm", "input");
  const b = expectTensor(mat2, "bmm", "mat2");
  need("bmm", a, 3, "batch1");
  need("bmm", b, 3, "batch2");
  if (a.shape[0] !== b.shape[0] || a.shape[2] !== b.shape[1]) {
    throw new ShapeError(
      `Expected size for first two dimensions of batch2 tensor to be: [${a.shape[0]}, ${a.shape[2]}] but got: [${b.shape[0]}, ${b.shape[1]}].`,
    );
  }
  sameDtype("bmm", a, b);
  return bmmOp([a, b], {});
}

/**
 * Outer product of two vectors: [n] x [m] -> [n, m].
 *
 * @example
 * ```ts
 * console.log(torch.outer(torch.tensor([1, 2]), torch.tensor([3, 4]))); // tensor([[3., 4.],\n        [6., 8.]])
 * ```
 */
export function outer(input: Tensor, vec2: Tensor): Tensor {
  const a = expectTensor(input, "outer", "input");
  const b = expectTensor(vec2, "outer", "vec2");
  need("outer", a, 1, "input");
  need("outer", b, 1, "vec2");
  return a.reshape(a.shape[0] as number, 1).mul(b);
}

/**
 * Matrix product with PyTorch's rules: 1-d operands are treated as vectors,
 * batch dims (all but the last two) broadcast.
 *
 * @example
 * ```ts
 * const a = torch.ones(2, 3);
 * console.log(torch.matmul(a, torch.ones(3)).shape); // [ 2 ]
 * console.log(torch.matmul(torch.ones(5, 2, 3), torch.ones(3, 4)).shape); // [ 5, 2, 4 ]
 * ```
 */
export function matmul(input: Tensor, other: Tensor): Tensor {
  const a = expectTensor(input, "matmul", "input");
  const b = expectTensor(other, "matmul", "other");
  const [da, db] = [a.ndim, b.ndim];
  if (da === 0 || db === 0) {
    throw new ShapeError(`both arguments to matmul need to be at least 1D, but they are ${da}D and ${db}D`);
  }
  checkMatmulSizes(a, b);
  if (da === 1 && db === 1) return dot(a, b);
  if (da === 2 && db === 1) return mv(a, b);
  if (da === 1 && db === 2) return squeezeFresh(a.unsqueeze(0).mm(b), 0);
  if (da === 2 && db === 2) return mm(a, b);
  if (shouldFold(a, db)) return foldedMatmul(a, b);
  if (shouldFold(b, da)) {
    // (b^T @ a^T)^T, folding b's batch into rows.
    const r = foldedMatmul(b.transpose(-1, -2), da === 2 ? a.t() : a);
    return da === 2 ? r.transpose(-1, -2).contiguous() : r;
  }
  return batchedMatmul(a, b);
}

/**
 * PyTorch 1.13's rule for folding the batch of a 3+-d operand into the rows
 * of one mm (or mv) against a 1-d or 2-d operand; a transposed 3-d batch is
 * left to bmm instead.
 */
function shouldFold(t1: Tensor, dimT2: number): boolean {
  if (t1.ndim < 3 || (dimT2 !== 1 && dimT2 !== 2)) return false;
  const [s0, , s2] = t1._strides;
  const transposedBatch = t1.ndim === 3 && dimT2 === 2 && s2 !== 1 && s0 === (t1.shape[1] as number) * (t1.shape[2] as number);
  return !transposedBatch;
}

function checkMatmulSizes(a: Tensor, b: Tensor): void {
  const k1 = a.shape[a.ndim - 1] as number;
  const k2 = b.ndim === 1 ? (b.shape[0] as number) : (b.shape[b.ndim - 2] as number);
  if (k1 !== k2) {
    const rows = a.ndim === 1 ? 1 : numel(a.shape.slice(0, -1));
    const bRows = b.ndim === 1 ? (b.shape[0] as number) : (numel(b.shape.slice(0, -1)) / (b.shape[b.ndim - 2] as number)) * k2;
    throw new ShapeError(
      `mat1 and mat2 shapes cannot be multiplied (${rows}x${k1} and ${b.ndim === 1 ? k2 : bRows}x${b.ndim === 1 ? 1 : b.shape[b.ndim - 1]}) (matmul of ${formatShape(a.shape)} and ${formatShape(b.shape)})`,
    );
  }
}

/** a [..., n, k] @ b [k, p] or [k]: the batch of a folded into its rows, one mm (or mv). */
function foldedMatmul(a: Tensor, b: Tensor): Tensor {
  const outShape = a.shape.slice(0, -1);
  const k = a.shape[a.ndim - 1] as number;
  const folded = a.reshape(numel(outShape), k);
  if (b.ndim === 2) return unsafeView(folded.mm(b), [...outShape, b.shape[1] as number]);
  return unsafeView(folded.mv(b), outShape);
}

/** Broadcast batches through one bmm. */
function batchedMatmul(a: Tensor, b: Tensor): Tensor {
  const n = a.ndim > 1 ? (a.shape[a.ndim - 2] as number) : 1;
  const m = a.shape[a.ndim - 1] as number;
  const p = b.ndim > 1 ? (b.shape[b.ndim - 1] as number) : 1;
  const batchA = a.shape.slice(0, Math.max(a.ndim - 2, 0));
  const batchB = b.shape.slice(0, Math.max(b.ndim - 2, 0));
  const batch = broadcastShapes([batchA, batchB], "matmul");
  const count = numel(batch);
  const a3 = a.expand([...batch, n, m]).reshape(count, n, m);
  const vectorRhs = b.ndim === 1;
  const b3 = vectorRhs
    ? b
        .expand([...batch, m])
        .reshape(count, m)
        .unsqueeze(2)
    : b.expand([...batch, m, p]).reshape(count, m, p);
  const outShape = [...batch];
  if (a.ndim > 1) outShape.push(n);
  if (b.ndim > 1) outShape.push(p);
  const r = a3.bmm(b3);
  return unsafeView(vectorRhs ? r.squeeze(-1) : r, outShape);
}

interface AddmmAttrs {
  beta: number;
  alpha: number;
}

const addmmOp = defineOp<AddmmAttrs>({
  name: "addmm",
  gradFn: "AddmmBackward0",
  save: "inputs",
  forward: ([bias, a, b], { beta, alpha }) => {
    const t = a as Tensor;
    const prod = K.matmul(t, b as Tensor, t.dtype);
    const scaled = alpha === 1 ? prod : K.binary("mul", prod, K.scalar(alpha, t.dtype), t.dtype);
    if (beta === 0) return scaled;
    const bterm = beta === 1 ? (bias as Tensor) : K.binary("mul", bias as Tensor, K.scalar(beta, t.dtype), t.dtype);
    return K.binary("add", scaled, bterm, t.dtype);
  },
  // The bias gradient is summed back to its (broadcast) shape by the engine.
  backward: ([g], c) => {
    const { beta, alpha } = c.attrs;
    const scale = (t: Tensor, s: number) => (s === 1 ? t : mulScalar(t, s));
    return [
      c.needs[0] ? scale(g, beta) : null,
      c.needs[1] ? scale(g.mm(c.input(2).t()), alpha) : null,
      c.needs[2] ? scale(c.input(1).t().mm(g), alpha) : null,
    ];
  },
});

/** addmm's options. */
export interface AddmmOptions {
  /** The multiplier of `input` (default 1). */
  beta?: number;
  /** The multiplier of the product (default 1). */
  alpha?: number;
}

const ADDMM_KEYS: OptionKeys<AddmmOptions> = { beta: "number", alpha: "number" };

/**
 * beta * input + alpha * (mat1 @ mat2), with `input` broadcast to the product's shape.
 *
 * @example
 * ```ts
 * const b = torch.tensor([1, 2]);
 * console.log(torch.addmm(b, torch.eye(2), torch.ones(2, 2))); // tensor([[2., 3.],\n        [2., 3.]])
 * ```
 */
export function addmm(input: Tensor, mat1: Tensor, mat2: Tensor, options?: AddmmOptions): Tensor {
  const { beta, alpha } = readOptions(options, "addmm", ADDMM_KEYS);
  const bias = expectTensor(input, "addmm", "input");
  const a = expectTensor(mat1, "addmm", "mat1");
  const b = expectTensor(mat2, "addmm", "mat2");
  need("addmm", a, 2, "mat1");
  need("addmm", b, 2, "mat2");
  if (a.shape[1] !== b.shape[0]) {
    throw new ShapeError(`mat1 and mat2 shapes cannot be multiplied (${a.shape[0]}x${a.shape[1]} and ${b.shape[0]}x${b.shape[1]})`);
  }
  broadcastShapes([bias.shape, [a.shape[0] as number, b.shape[1] as number]], "addmm");
  sameDtype("addmm", a, b);
  return addmmOp([bias, a, b], { beta: beta ?? 1, alpha: alpha ?? 1 });
}

/**
 * input @ weight^T + bias (PyTorch's F.linear): addmm for a 2-d input with a
 * bias, matmul then add otherwise, as PyTorch records it.
 *
 * @example
 * ```ts
 * const w = torch.tensor([[1, 2], [3, 4], [5, 6]]);
 * console.log(torch.F.linear(torch.tensor([[1, 1]]), w, torch.tensor([0, 0, 1]))); // tensor([[ 3.,  7., 12.]])
 * ```
 */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const x = expectTensor(input, "linear", "input");
  const w = expectTensor(weight, "linear", "weight");
  if (bias !== undefined && bias !== null) expectTensor(bias, "linear", "bias");
  if (w.ndim !== 2) throw new ShapeError(`linear: weight must be 2-d [out_features, in_features], got shape ${formatShape(w.shape)}`);
  const inFeatures = w.shape[1] as number;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inFeatures) {
    throw new ShapeError(`linear: input's last dim must equal in_features (input ${formatShape(x.shape)}, weight ${formatShape(w.shape)})`);
  }
  if (bias !== undefined && bias !== null && x.ndim === 2) return addmm(bias, x, w.t());
  if (bias !== undefined && bias !== null && x.ndim === 3 && x.isContiguous()) {
    // PyTorch folds a contiguous 3-d input into one addmm and views the result back.
    const [b, n] = x.shape as [number, number, number];
    return addmm(bias, x.view(b * n, inFeatures), w.t()).view(b, n, w.shape[0] as number);
  }
  const out = matmul(x, w.t());
  return bias === undefined || bias === null ? out : out.add(bias);
}
