/**
 * Tensor methods: the method forms of the ops (PyTorch's `variants: method`).
 * Each delegates to the op's function with `this` as the first argument.
 */

import type { DType } from "./core/dtype.js";
import * as act from "./ops/activation.js";
import * as arith from "./ops/arith.js";
import { type BackwardOptions, tensorBackward } from "./ops/autograd.js";
import * as comb from "./ops/combine.js";
import * as cmp from "./ops/compare.js";
import * as convert from "./ops/convert.js";
import * as division from "./ops/division.js";
import * as ext from "./ops/extrema.js";
import * as gs from "./ops/gather_scatter.js";
import * as io from "./ops/index_ops.js";
import * as ix from "./ops/indexing.js";
import * as linalg from "./ops/linalg.js";
import * as mv from "./ops/movement.js";
import * as pw from "./ops/pointwise.js";
import * as red from "./ops/reduce.js";
import type { TensorLike } from "./ops/scalars.js";
import * as scan from "./ops/scan.js";
import * as sl from "./ops/slicing.js";
import * as stats from "./ops/statistics.js";
import * as wh from "./ops/where.js";
import type { GeneratorOptions } from "./random.js";
import { Tensor } from "./tensor.js";

type Shape = readonly number[];

class TensorMethods {
  // ----- autograd -----
  /**
   * Computes the gradient of this tensor with respect to the graph's leaves
   * and accumulates it into their `.grad`. A non-scalar tensor needs
   * `gradient` (the weights of its elements).
   */
  backward(this: Tensor, gradient?: Tensor | null, options?: BackwardOptions): void {
    tensorBackward(this, gradient, options);
  }

  // ----- arithmetic -----
  add(this: Tensor, other: TensorLike, options?: { alpha?: number }): Tensor {
    return arith.add(this, other, options);
  }
  sub(this: Tensor, other: TensorLike, options?: { alpha?: number }): Tensor {
    return arith.sub(this, other, options);
  }
  rsub(this: Tensor, other: TensorLike, options?: { alpha?: number }): Tensor {
    return arith.rsub(this, other, options);
  }
  mul(this: Tensor, other: TensorLike): Tensor {
    return arith.mul(this, other);
  }
  div(this: Tensor, other: TensorLike, options?: { roundingMode?: "trunc" | "floor" | null }): Tensor {
    return arith.div(this, other, options);
  }
  pow(this: Tensor, exponent: TensorLike): Tensor {
    return arith.pow(this, exponent);
  }
  pow_(this: Tensor, exponent: TensorLike): Tensor {
    return arith.pow_(this, exponent);
  }

  add_(this: Tensor, other: TensorLike, options?: { alpha?: number }): Tensor {
    return arith.arithInplace.add_(this, other, options);
  }
  sub_(this: Tensor, other: TensorLike, options?: { alpha?: number }): Tensor {
    return arith.arithInplace.sub_(this, other, options);
  }
  mul_(this: Tensor, other: TensorLike): Tensor {
    return arith.arithInplace.mul_(this, other);
  }
  div_(this: Tensor, other: TensorLike): Tensor {
    return arith.arithInplace.div_(this, other);
  }
  remainder(this: Tensor, other: TensorLike): Tensor {
    return division.remainder(this, other);
  }
  remainder_(this: Tensor, other: TensorLike): Tensor {
    return division.remainder_(this, other);
  }
  fmod(this: Tensor, other: TensorLike): Tensor {
    return division.fmod(this, other);
  }
  fmod_(this: Tensor, other: TensorLike): Tensor {
    return division.fmod_(this, other);
  }
  floorDivide(this: Tensor, other: TensorLike): Tensor {
    return division.floorDivide(this, other);
  }
  floorDivide_(this: Tensor, other: TensorLike): Tensor {
    return division.floorDivide_(this, other);
  }
  eq(this: Tensor, other: TensorLike): Tensor {
    return cmp.eq(this, other);
  }
  ne(this: Tensor, other: TensorLike): Tensor {
    return cmp.ne(this, other);
  }
  lt(this: Tensor, other: TensorLike): Tensor {
    return cmp.lt(this, other);
  }
  le(this: Tensor, other: TensorLike): Tensor {
    return cmp.le(this, other);
  }
  gt(this: Tensor, other: TensorLike): Tensor {
    return cmp.gt(this, other);
  }
  ge(this: Tensor, other: TensorLike): Tensor {
    return cmp.ge(this, other);
  }
  logicalAnd(this: Tensor, other: TensorLike): Tensor {
    return cmp.logicalAnd(this, other);
  }
  logicalOr(this: Tensor, other: TensorLike): Tensor {
    return cmp.logicalOr(this, other);
  }
  logicalXor(this: Tensor, other: TensorLike): Tensor {
    return cmp.logicalXor(this, other);
  }
  logicalNot(this: Tensor): Tensor {
    return pw.logicalNot(this);
  }
  /** `this` where `condition` holds, else `other` (PyTorch's Tensor.where). */
  where(this: Tensor, condition: Tensor, other: TensorLike): Tensor {
    return wh.where(condition, this, other);
  }
  clamp(this: Tensor, min?: number | null | wh.ClampOptions, max?: number | null): Tensor {
    return wh.clamp(this, min, max);
  }
  clamp_(this: Tensor, min?: number | null | wh.ClampOptions, max?: number | null): Tensor {
    return wh.clamp_(this, min, max);
  }
  maskedFill(this: Tensor, mask: Tensor, value: number | boolean | Tensor): Tensor {
    return wh.maskedFill(this, mask, value);
  }
  maskedFill_(this: Tensor, mask: Tensor, value: number | boolean | Tensor): Tensor {
    return wh.maskedFill_(this, mask, value);
  }

  maximum(this: Tensor, other: Tensor): Tensor {
    return cmp.maximum(this, other);
  }
  minimum(this: Tensor, other: Tensor): Tensor {
    return cmp.minimum(this, other);
  }
  square(this: Tensor): Tensor {
    return arith.square(this);
  }

  // ----- unary -----
  neg(this: Tensor): Tensor {
    return pw.neg(this);
  }
  neg_(this: Tensor): Tensor {
    return pw.neg_(this);
  }
  exp(this: Tensor): Tensor {
    return pw.exp(this);
  }
  exp_(this: Tensor): Tensor {
    return pw.exp_(this);
  }
  log(this: Tensor): Tensor {
    return pw.log(this);
  }
  log_(this: Tensor): Tensor {
    return pw.log_(this);
  }
  log2(this: Tensor): Tensor {
    return pw.log2(this);
  }
  log2_(this: Tensor): Tensor {
    return pw.log2_(this);
  }
  log1p(this: Tensor): Tensor {
    return pw.log1p(this);
  }
  log1p_(this: Tensor): Tensor {
    return pw.log1p_(this);
  }

  expm1(this: Tensor): Tensor {
    return pw.expm1(this);
  }
  expm1_(this: Tensor): Tensor {
    return pw.expm1_(this);
  }

  sqrt(this: Tensor): Tensor {
    return pw.sqrt(this);
  }
  sqrt_(this: Tensor): Tensor {
    return pw.sqrt_(this);
  }
  rsqrt(this: Tensor): Tensor {
    return pw.rsqrt(this);
  }
  rsqrt_(this: Tensor): Tensor {
    return pw.rsqrt_(this);
  }

  abs(this: Tensor): Tensor {
    return pw.abs(this);
  }
  abs_(this: Tensor): Tensor {
    return pw.abs_(this);
  }
  sin(this: Tensor): Tensor {
    return pw.sin(this);
  }
  sin_(this: Tensor): Tensor {
    return pw.sin_(this);
  }

  cos(this: Tensor): Tensor {
    return pw.cos(this);
  }
  cos_(this: Tensor): Tensor {
    return pw.cos_(this);
  }

  tan(this: Tensor): Tensor {
    return pw.tan(this);
  }
  tan_(this: Tensor): Tensor {
    return pw.tan_(this);
  }

  asin(this: Tensor): Tensor {
    return pw.asin(this);
  }
  asin_(this: Tensor): Tensor {
    return pw.asin_(this);
  }

  acos(this: Tensor): Tensor {
    return pw.acos(this);
  }
  acos_(this: Tensor): Tensor {
    return pw.acos_(this);
  }

  atan(this: Tensor): Tensor {
    return pw.atan(this);
  }
  atan_(this: Tensor): Tensor {
    return pw.atan_(this);
  }

  sinh(this: Tensor): Tensor {
    return pw.sinh(this);
  }
  sinh_(this: Tensor): Tensor {
    return pw.sinh_(this);
  }

  cosh(this: Tensor): Tensor {
    return pw.cosh(this);
  }
  cosh_(this: Tensor): Tensor {
    return pw.cosh_(this);
  }

  tanh(this: Tensor): Tensor {
    return pw.tanh(this);
  }
  tanh_(this: Tensor): Tensor {
    return pw.tanh_(this);
  }
  sigmoid(this: Tensor): Tensor {
    return pw.sigmoid(this);
  }
  sigmoid_(this: Tensor): Tensor {
    return pw.sigmoid_(this);
  }
  relu(this: Tensor): Tensor {
    return pw.relu(this);
  }
  relu_(this: Tensor): Tensor {
    return pw.relu_(this);
  }
  reciprocal(this: Tensor): Tensor {
    return pw.reciprocal(this);
  }
  reciprocal_(this: Tensor): Tensor {
    return pw.reciprocal_(this);
  }

  erf(this: Tensor): Tensor {
    return pw.erf(this);
  }
  erf_(this: Tensor): Tensor {
    return pw.erf_(this);
  }

  erfc(this: Tensor): Tensor {
    return pw.erfc(this);
  }
  erfc_(this: Tensor): Tensor {
    return pw.erfc_(this);
  }

  sign(this: Tensor): Tensor {
    return pw.sign(this);
  }
  sign_(this: Tensor): Tensor {
    return pw.sign_(this);
  }

  sgn(this: Tensor): Tensor {
    return pw.sgn(this);
  }
  sgn_(this: Tensor): Tensor {
    return pw.sgn_(this);
  }

  floor(this: Tensor): Tensor {
    return pw.floor(this);
  }
  floor_(this: Tensor): Tensor {
    return pw.floor_(this);
  }

  ceil(this: Tensor): Tensor {
    return pw.ceil(this);
  }
  ceil_(this: Tensor): Tensor {
    return pw.ceil_(this);
  }

  round(this: Tensor): Tensor {
    return pw.round(this);
  }
  round_(this: Tensor): Tensor {
    return pw.round_(this);
  }

  trunc(this: Tensor): Tensor {
    return pw.trunc(this);
  }
  trunc_(this: Tensor): Tensor {
    return pw.trunc_(this);
  }

  frac(this: Tensor): Tensor {
    return pw.frac(this);
  }
  frac_(this: Tensor): Tensor {
    return pw.frac_(this);
  }

  isnan(this: Tensor): Tensor {
    return pw.isnan(this);
  }
  isinf(this: Tensor): Tensor {
    return pw.isinf(this);
  }
  isfinite(this: Tensor): Tensor {
    return pw.isfinite(this);
  }

  softmax(this: Tensor, dim: number, options?: { dtype?: DType }): Tensor {
    return act.softmax(this, dim, options);
  }
  logSoftmax(this: Tensor, dim: number, options?: { dtype?: DType }): Tensor {
    return act.logSoftmax(this, dim, options);
  }

  // ----- reductions -----
  sum(this: Tensor, dim?: red.Dims, options?: red.ReduceOptions & { dtype?: DType }): Tensor {
    return red.sum(this, dim, options);
  }
  mean(this: Tensor, dim?: red.Dims, options?: red.ReduceOptions & { dtype?: DType }): Tensor {
    return red.mean(this, dim, options);
  }
  norm(this: Tensor, p?: number | "fro", dim?: red.Dims, options?: red.ReduceOptions): Tensor {
    return stats.norm(this, p, dim, options);
  }
  prod(this: Tensor, dim?: number | null, options?: red.ReduceOptions & { dtype?: DType }): Tensor {
    return red.prod(this, dim, options);
  }
  amax(this: Tensor, dim?: red.Dims, options?: red.ReduceOptions): Tensor {
    return ext.amax(this, dim, options);
  }
  amin(this: Tensor, dim?: red.Dims, options?: red.ReduceOptions): Tensor {
    return ext.amin(this, dim, options);
  }
  max(this: Tensor): Tensor;
  max(this: Tensor, dim: number, options?: red.ReduceOptions): [Tensor, Tensor];
  max(this: Tensor, dim?: number, options?: red.ReduceOptions): Tensor | [Tensor, Tensor] {
    return dim === undefined && options === undefined ? ext.max(this) : ext.max(this, dim as number, options);
  }
  min(this: Tensor): Tensor;
  min(this: Tensor, dim: number, options?: red.ReduceOptions): [Tensor, Tensor];
  min(this: Tensor, dim?: number, options?: red.ReduceOptions): Tensor | [Tensor, Tensor] {
    return dim === undefined && options === undefined ? ext.min(this) : ext.min(this, dim as number, options);
  }
  argmax(this: Tensor, dim?: number | null, options?: red.ReduceOptions): Tensor {
    return ext.argmax(this, dim, options);
  }
  argmin(this: Tensor, dim?: number | null, options?: red.ReduceOptions): Tensor {
    return ext.argmin(this, dim, options);
  }
  var(this: Tensor, dim?: red.Dims, options?: stats.VarOptions): Tensor {
    return stats.var_(this, dim, options);
  }
  std(this: Tensor, dim?: red.Dims, options?: stats.VarOptions): Tensor {
    return stats.std(this, dim, options);
  }
  logsumexp(this: Tensor, dim: number | readonly number[], options?: red.ReduceOptions): Tensor {
    return stats.logsumexp(this, dim, options);
  }
  cumsum(this: Tensor, dim: number, options?: { dtype?: DType }): Tensor {
    return scan.cumsum(this, dim, options);
  }
  cumprod(this: Tensor, dim: number, options?: { dtype?: DType }): Tensor {
    return scan.cumprod(this, dim, options);
  }
  all(this: Tensor, dim?: red.Dims, options?: red.ReduceOptions): Tensor {
    return red.all(this, dim, options);
  }
  any(this: Tensor, dim?: red.Dims, options?: red.ReduceOptions): Tensor {
    return red.any(this, dim, options);
  }

  // ----- linear algebra -----
  dot(this: Tensor, other: Tensor): Tensor {
    return linalg.dot(this, other);
  }
  mm(this: Tensor, mat2: Tensor): Tensor {
    return linalg.mm(this, mat2);
  }
  mv(this: Tensor, vec: Tensor): Tensor {
    return linalg.mv(this, vec);
  }
  bmm(this: Tensor, mat2: Tensor): Tensor {
    return linalg.bmm(this, mat2);
  }
  matmul(this: Tensor, other: Tensor): Tensor {
    return linalg.matmul(this, other);
  }
  outer(this: Tensor, vec2: Tensor): Tensor {
    return linalg.outer(this, vec2);
  }

  // ----- shape -----
  view(this: Tensor, ...shape: (number | Shape)[]): Tensor {
    return mv.view(this, ...shape);
  }
  reshape(this: Tensor, ...shape: (number | Shape)[]): Tensor {
    return mv.reshape(this, ...shape);
  }
  flatten(this: Tensor, startDim?: number, endDim?: number): Tensor {
    return mv.flatten(this, startDim, endDim);
  }
  t(this: Tensor): Tensor {
    return mv.t(this);
  }
  transpose(this: Tensor, dim0: number, dim1: number): Tensor {
    return mv.transpose(this, dim0, dim1);
  }
  permute(this: Tensor, ...dims: (number | Shape)[]): Tensor {
    return mv.permute(this, ...dims);
  }
  expand(this: Tensor, ...sizes: (number | Shape)[]): Tensor {
    return mv.expand(this, ...sizes);
  }
  expandAs(this: Tensor, other: Tensor): Tensor {
    return mv.expandAs(this, other);
  }
  squeeze(this: Tensor, dim?: number): Tensor {
    return mv.squeeze(this, dim);
  }
  unsqueeze(this: Tensor, dim: number): Tensor {
    return mv.unsqueeze(this, dim);
  }
  select(this: Tensor, dim: number, index: number): Tensor {
    return sl.select(this, dim, index);
  }
  slice(this: Tensor, dim?: number, start?: number | null, end?: number | null, step?: number): Tensor {
    return sl.slice(this, dim, start, end, step);
  }
  narrow(this: Tensor, dim: number, start: number, length: number): Tensor {
    return sl.narrow(this, dim, start, length);
  }
  diagonal(this: Tensor, offset?: number, dim1?: number, dim2?: number): Tensor {
    return sl.diagonal(this, offset, dim1, dim2);
  }
  contiguous(this: Tensor): Tensor {
    return mv.contiguous(this);
  }
  clone(this: Tensor): Tensor {
    return mv.clone(this);
  }
  flip(this: Tensor, dims: readonly number[]): Tensor {
    return comb.flip(this, dims);
  }
  repeat(this: Tensor, ...repeats: (number | Shape)[]): Tensor {
    return comb.repeat(this, ...repeats);
  }
  tril(this: Tensor, diagonal?: number): Tensor {
    return comb.tril(this, diagonal);
  }
  triu(this: Tensor, diagonal?: number): Tensor {
    return comb.triu(this, diagonal);
  }
  split(this: Tensor, splitSize: number | readonly number[], dim?: number): Tensor[] {
    return comb.split(this, splitSize, dim);
  }
  chunk(this: Tensor, chunks: number, dim?: number): Tensor[] {
    return comb.chunk(this, chunks, dim);
  }
  unbind(this: Tensor, dim?: number): Tensor[] {
    return comb.unbind(this, dim);
  }

  // ----- indexing -----
  /** Python's `x[...]`: see `torch.index`. */
  index(this: Tensor, ...items: ix.IndexItem[]): Tensor {
    return ix.index(this, ...items);
  }
  indexSelect(this: Tensor, dim: number, index: Tensor): Tensor {
    return io.indexSelect(this, dim, index);
  }
  indexAdd(this: Tensor, dim: number, index: Tensor, source: Tensor, options?: { alpha?: number }): Tensor {
    return io.indexAdd(this, dim, index, source, options);
  }
  indexAdd_(this: Tensor, dim: number, index: Tensor, source: Tensor, options?: { alpha?: number }): Tensor {
    return io.indexAdd_(this, dim, index, source, options);
  }
  indexCopy(this: Tensor, dim: number, index: Tensor, source: Tensor): Tensor {
    return io.indexCopy(this, dim, index, source);
  }
  indexCopy_(this: Tensor, dim: number, index: Tensor, source: Tensor): Tensor {
    return io.indexCopy_(this, dim, index, source);
  }
  indexFill(this: Tensor, dim: number, index: Tensor, value: number | boolean | Tensor): Tensor {
    return io.indexFill(this, dim, index, value);
  }
  indexFill_(this: Tensor, dim: number, index: Tensor, value: number | boolean | Tensor): Tensor {
    return io.indexFill_(this, dim, index, value);
  }
  gather(this: Tensor, dim: number, index: Tensor): Tensor {
    return gs.gather(this, dim, index);
  }
  scatter(this: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor {
    return gs.scatter(this, dim, index, src);
  }
  scatter_(this: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor {
    return gs.scatter_(this, dim, index, src);
  }
  scatterAdd(this: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
    return gs.scatterAdd(this, dim, index, src);
  }
  scatterAdd_(this: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
    return gs.scatterAdd_(this, dim, index, src);
  }
  take(this: Tensor, index: Tensor): Tensor {
    return gs.take(this, index);
  }
  put(this: Tensor, index: Tensor, source: Tensor, options?: { accumulate?: boolean }): Tensor {
    return gs.put(this, index, source, options);
  }
  put_(this: Tensor, index: Tensor, source: Tensor, options?: { accumulate?: boolean }): Tensor {
    return gs.put_(this, index, source, options);
  }
  maskedScatter(this: Tensor, mask: Tensor, source: Tensor): Tensor {
    return gs.maskedScatter(this, mask, source);
  }
  maskedScatter_(this: Tensor, mask: Tensor, source: Tensor): Tensor {
    return gs.maskedScatter_(this, mask, source);
  }

  /** Python's `x[...] = value`: see `torch.indexPut_`. */
  indexPut_(this: Tensor, indices: readonly ix.IndexItem[], value: TensorLike, options?: { accumulate?: boolean }): Tensor {
    return ix.indexPut_(this, indices, value, options);
  }

  // ----- dtype and in-place writes -----
  to(this: Tensor, dtype: DType): Tensor {
    return convert.to(this, dtype);
  }
  /** Converts to float32. */
  float(this: Tensor): Tensor {
    return convert.to(this, "float32");
  }
  /** Converts to float64. */
  double(this: Tensor): Tensor {
    return convert.to(this, "float64");
  }
  /** Converts to int32. */
  int(this: Tensor): Tensor {
    return convert.to(this, "int32");
  }
  /** Converts to int64. */
  long(this: Tensor): Tensor {
    return convert.to(this, "int64");
  }
  /** Converts to bool. */
  bool(this: Tensor): Tensor {
    return convert.to(this, "bool");
  }
  zero_(this: Tensor): Tensor {
    return convert.zero_(this);
  }
  fill_(this: Tensor, value: number | boolean): Tensor {
    return convert.fill_(this, value);
  }
  copy_(this: Tensor, src: Tensor): Tensor {
    return convert.copy_(this, src);
  }
  uniform_(this: Tensor, from?: number, to?: number, options?: GeneratorOptions): Tensor {
    return convert.uniform_(this, from, to, options);
  }
  normal_(this: Tensor, mean?: number, std?: number, options?: GeneratorOptions): Tensor {
    return convert.normal_(this, mean, std, options);
  }
}

declare module "./tensor.js" {
  interface Tensor extends TensorMethods {}
}

for (const name of Object.getOwnPropertyNames(TensorMethods.prototype)) {
  if (name === "constructor") continue;
  Object.defineProperty(Tensor.prototype, name, Object.getOwnPropertyDescriptor(TensorMethods.prototype, name) as PropertyDescriptor);
}
