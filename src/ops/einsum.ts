/**
 * torch.einsum, following PyTorch's algorithm so the graph has its nodes:
 * every operand is aligned to one dim order (output labels, then
 * contracted labels) by taking diagonals of repeated labels, unsqueezing
 * missing ones and permuting; operands are then contracted left to right,
 * each pair by one batched matrix product (sumproduct_pair), and the
 * contracted dims, all of size 1 by then, are viewed away.
 */

import { ArgumentError, ShapeError } from "../core/errors.js";
import type { Tensor } from "../tensor.js";
import { expectTensor } from "./scalars.js";

const ELLIPSIS = -1;

/** Letters as PyTorch orders them: A-Z then a-z (0..51); "..." as ELLIPSIS. */
function parseOperand(spec: string, operand: number): number[] {
  const labels: number[] = [];
  for (let i = 0; i < spec.length; i++) {
    const ch = spec[i] as string;
    if (ch === ".") {
      if (spec.slice(i, i + 3) !== "..." || labels.includes(ELLIPSIS)) {
        throw new ArgumentError(`einsum(): found '.' for operand ${operand} that is not part of a single ellipsis`);
      }
      labels.push(ELLIPSIS);
      i += 2;
    } else if (/[A-Z]/.test(ch)) labels.push(ch.charCodeAt(0) - 65);
    else if (/[a-z]/.test(ch)) labels.push(ch.charCodeAt(0) - 97 + 26);
    else throw new ArgumentError(`einsum(): invalid subscript '${ch}' in the equation, subscripts must be in [a-zA-Z]`);
  }
  return labels;
}

interface Plan {
  /** Position of each label in the aligned dim order. */
  permIndex: number[];
  /** Dims in the aligned order: outputs first (outNum of them), then contracted ones. */
  total: number;
  outNum: number;
  ellIndex: number;
  ellDims: number;
}

function plan(equation: string, ops: readonly Tensor[]): [number[][], Plan] {
  const eq = equation.replace(/ /g, "");
  const arrow = eq.indexOf("->");
  const specs = (arrow < 0 ? eq : eq.slice(0, arrow)).split(",");
  if (specs.length !== ops.length)
    throw new ArgumentError(`einsum(): the equation has ${specs.length} operands but ${ops.length} tensors were given`);
  const labels = specs.map(parseOperand);
  const count = new Array<number>(52).fill(0);
  let ellDims = 0;
  labels.forEach((ls, i) => {
    const ndim = (ops[i] as Tensor).ndim;
    const n = ls.filter((l) => l !== ELLIPSIS).length;
    for (const l of ls) if (l !== ELLIPSIS) count[l] = (count[l] as number) + 1;
    if (ls.includes(ELLIPSIS) ? n > ndim : n !== ndim) {
      throw new ShapeError(
        `einsum(): the number of subscripts in the equation (${n}) ${ls.includes(ELLIPSIS) ? "is more than" : "does not match"} the number of dimensions (${ndim}) for operand ${i}${ls.includes(ELLIPSIS) ? "" : " and no ellipsis was given"}`,
      );
    }
    if (ls.includes(ELLIPSIS)) ellDims = Math.max(ellDims, ndim - n);
  });
  const permIndex = new Array<number>(52).fill(-1);
  let next = 0;
  let ellIndex = 0;
  let ellInOutput = false;
  if (arrow < 0) {
    // Implicit output: the ellipsis dims, then the labels used once.
    next = ellDims;
    ellInOutput = true;
    count.forEach((c, l) => {
      if (c === 1) permIndex[l] = next++;
    });
  } else {
    for (const l of parseOperand(eq.slice(arrow + 2), -1)) {
      if (l === ELLIPSIS) {
        ellIndex = next;
        next += ellDims;
        ellInOutput = true;
      } else {
        if ((count[l] as number) === 0 || (permIndex[l] as number) >= 0)
          throw new ArgumentError("einsum(): output subscript appears more than once or in no input");
        permIndex[l] = next++;
      }
    }
  }
  const outNum = next;
  if (!ellInOutput) {
    ellIndex = next;
    next += ellDims;
  }
  count.forEach((c, l) => {
    if (c > 0 && (permIndex[l] as number) < 0) permIndex[l] = next++;
  });
  return [labels, { permIndex, total: next, outNum, ellIndex, ellDims }];
}

/** Takes diagonals of repeated labels, unsqueezes missing labels and permutes an operand into the aligned order. */
function align(op: Tensor, labels: readonly number[], p: Plan, dimCounts: number[]): Tensor {
  let t = op;
  const perm = new Array<number>(p.total).fill(-1);
  let dim = 0;
  for (const l of labels) {
    if (l === ELLIPSIS) {
      const n = op.ndim - (labels.length - 1);
      for (let j = p.ellDims - n; j < p.ellDims; j++) {
        if (t.shape[dim] !== 1) dimCounts[p.ellIndex + j] = (dimCounts[p.ellIndex + j] as number) + 1;
        perm[p.ellIndex + j] = dim++;
      }
    } else if ((perm[p.permIndex[l] as number] as number) < 0) {
      if (t.shape[dim] !== 1) dimCounts[p.permIndex[l] as number] = (dimCounts[p.permIndex[l] as number] as number) + 1;
      perm[p.permIndex[l] as number] = dim++;
    } else {
      // A repeated label: its diagonal, moved back to where the label first appeared.
      const prev = perm[p.permIndex[l] as number] as number;
      if (t.shape[dim] !== t.shape[prev])
        throw new ShapeError(
          `einsum(): a subscript is repeated for an operand but the sizes don't match, ${t.shape[dim]} != ${t.shape[prev]}`,
        );
      t = t.diagonal(0, prev, dim);
      const order = t.shape.map((_, d) => d);
      order.splice(prev, 0, order.pop() as number);
      t = t.permute(order);
    }
  }
  for (let i = 0; i < perm.length; i++) {
    if (perm[i] === -1) {
      t = t.unsqueeze(dim);
      perm[i] = dim++;
    }
  }
  return t.permute(perm);
}

/** (left * right).sum(sumDims, keepdim) by permuting, reshaping and one bmm (PyTorch's sumproduct_pair). */
function sumproductPair(left: Tensor, right: Tensor, sumDims: readonly number[]): Tensor {
  if (sumDims.length === 0) return left.mul(right);
  let [l, r] = [left, right];
  const lro: number[] = [];
  const lo: number[] = [];
  const ro: number[] = [];
  let [lroSize, loSize, roSize, sumSize] = [1, 1, 1, 1];
  for (let d = 0; d < l.ndim; d++) {
    const sl = l.shape[d] !== 1;
    const sr = r.shape[d] !== 1;
    if (sumDims.includes(d)) {
      if (sl && sr) {
        if (l.shape[d] !== r.shape[d]) throw new ShapeError("einsum(): non-broadcast dimensions must match");
        sumSize *= l.shape[d] as number;
      } else if (sl) l = l.sum(d, { keepdim: true });
      else if (sr) r = r.sum(d, { keepdim: true });
    } else if (sl && sr) {
      lro.push(d);
      lroSize *= l.shape[d] as number;
    } else if (sl) {
      lo.push(d);
      loSize *= l.shape[d] as number;
    } else {
      ro.push(d);
      roSize *= r.shape[d] as number;
    }
  }
  const outSize = [
    ...lro.map((d) => l.shape[d] as number),
    ...lo.map((d) => l.shape[d] as number),
    ...sumDims.map(() => 1),
    ...ro.map((d) => r.shape[d] as number),
  ];
  const lperm = [...lro, ...lo, ...sumDims, ...ro];
  const rperm = [...lro, ...sumDims, ...ro, ...lo];
  const operm = new Array<number>(outSize.length);
  lperm.forEach((d, i) => {
    operm[d] = i;
  });
  const lm = l.permute(lperm).reshape(lroSize, loSize, sumSize);
  const rm = r.permute(rperm).reshape(lroSize, sumSize, roSize);
  return lm.bmm(rm).view(outSize).permute(operm);
}

/**
 * Sums of products of the operands' elements, with dims named by letters:
 * "ij,jk->ik" is a matrix product, "bij,bjk->bik" a batched one, "i,i->" a
 * dot product, "ii->" a trace, "ij->ji" a transpose; "..." names broadcast
 * dims. Without "->", the output has the letters used once, in order.
 *
 * @example
 * ```ts
 * const a = torch.tensor([[1, 2], [3, 4]]);
 * console.log(torch.einsum("ij,jk->ik", a, a)); // tensor([[ 7., 10.],\n        [15., 22.]])
 * console.log(torch.einsum("ii->", a)); // tensor(5.)
 * ```
 */
export function einsum(equation: string, ...operands: (Tensor | readonly Tensor[])[]): Tensor {
  const tensors = (operands.length === 1 && Array.isArray(operands[0]) ? operands[0] : operands) as Tensor[];
  if (tensors.length === 0) throw new ArgumentError("einsum(): must provide at least one operand");
  for (const [i, t] of tensors.entries()) expectTensor(t, "einsum", `operands[${i}]`);
  const [labels, p] = plan(equation, tensors);
  const dimCounts = new Array<number>(p.total).fill(0);
  const ops = tensors.map((t, i) => align(t, labels[i] as number[], p, dimCounts));
  while (ops.length > 1) {
    let a = ops.shift() as Tensor;
    let b = ops.shift() as Tensor;
    const sumDims: number[] = [];
    const aSum: number[] = [];
    const bSum: number[] = [];
    for (let d = p.outNum; d < p.total; d++) {
      if (a.shape[d] !== 1 && b.shape[d] !== 1) {
        dimCounts[d] = (dimCounts[d] as number) - 1;
        if (dimCounts[d] === 1) {
          sumDims.push(d);
          dimCounts[d] = 0;
        }
      } else if (dimCounts[d] === 1) {
        if (a.shape[d] !== 1) aSum.push(d);
        else if (b.shape[d] !== 1) bSum.push(d);
        dimCounts[d] = 0;
      }
    }
    if (aSum.length > 0) a = a.sum(aSum, { keepdim: true });
    if (bSum.length > 0) b = b.sum(bSum, { keepdim: true });
    ops.unshift(sumproductPair(a, b, sumDims));
  }
  const result = ops[0] as Tensor;
  if (p.total === p.outNum) return result;
  const contracted = Array.from({ length: p.total - p.outNum }, (_, k) => p.outNum + k);
  if (tensors.length > 1) return result.view(result.shape.slice(0, p.outNum));
  return result.sum(contracted);
}
