/**
 * Running reductions along one dim beyond cumsum/cumprod: logcumsumexp, and
 * cummax/cummin with the index each running extreme came from.
 */

import { isFloating, scalarTypeName } from "../core/dtype.js";
import { DTypeError } from "../core/errors.js";
import { normalizeDim } from "../core/shape.js";
import type { Tensor } from "../tensor.js";
import { defineOp } from "./define.js";
import * as K from "./kernels.js";
import { expectTensor } from "./scalars.js";
import { where } from "./where.js";

/** `x` as at least 1-d (a 0-d tensor scans as one element). */
function atLeast1d(x: Tensor): Tensor {
  return x.ndim === 0 ? K.asStrided(x, [1], [1]) : x;
}

/** int64 positions 0..n-1 along `dim` of an `ndim`-d tensor (size 1 elsewhere, for broadcasting). */
export function positionsAlong(n: number, dim: number, ndim: number): Tensor {
  const p = K.fromHost([n], "int64", (data) => {
    for (let i = 0; i < n; i++) data[i] = i;
  });
  const shape = Array.from({ length: ndim }, (_, d) => (d === dim ? n : 1));
  return K.asStrided(
    p,
    shape,
    shape.map((_, d) => (d === dim ? 1 : 0)),
  );
}

/** The most negative finite value of a floating dtype (PyTorch's numeric_limits::lowest). */
function lowest(dtype: string): number {
  return dtype === "float32" ? -3.4028234663852886e38 : -Number.MAX_VALUE;
}

const logcumsumexpOp = defineOp<{ dim: number }>({
  name: "logcumsumexp",
  gradFn: "LogcumsumexpBackward0",
  save: "both",
  forward: ([x], { dim }) => K.scan("logcumsumexp", x as Tensor, dim),
  // dy_i = sum_{j<=i} softmax-like weights exp(x_j - y_i) t_j, with exp shifted by the max
  // (PyTorch 2's logcumsumexp_jvp; the transposed backward would take log of a zero gradient).
  jvp: ([t], c) => {
    if (t === null || t === undefined) return [null];
    const { dim } = c.attrs;
    const x = c.inputs[0] as Tensor;
    const e = x.numel() > 0 ? x.sub(x.amax(dim, { keepdim: true })).exp() : x.exp();
    return [e.mul(t).cumsum(dim).div(e.cumsum(dim).add(1e-13))];
  },
  // dx_i = sum_{j>=i} g_j exp(x_i - y_j), summed in log space separately for the
  // positive and the negative parts of g (PyTorch's logcumsumexp_backward).
  backward: ([g], c) => {
    if (g.ndim === 0 || g.numel() === 0) return [g];
    const { dim } = c.attrs;
    const x = c.input(0);
    const y = c.result();
    const min = lowest(g.dtype);
    const reverse = (t: Tensor) => logcumsumexp(t.flip([dim]), dim).flip([dim]);
    const positive = where(g.gt(0), g.log(), min);
    const negative = where(g.lt(0), g.neg().log(), min);
    const pos = reverse(positive.sub(y)).add(x).exp();
    const neg = reverse(negative.sub(y)).add(x).exp();
    return [pos.sub(neg)];
  },
});

/**
 * log(sum(exp(x))) of each prefix along `dim`, computed without overflow
 * (PyTorch's `logcumsumexp`; floating inputs only).
 *
 * @example
 * ```ts
 * console.log(torch.logcumsumexp(torch.tensor([0, 0, 0]), 0)); // tensor([0.0000, 0.6931, 1.0986])
 * ```
 */
export function logcumsumexp(input: Tensor, dim: number): Tensor {
  const x = expectTensor(input, "logcumsumexp", "input");
  if (!isFloating(x.dtype)) throw new DTypeError(`"logcumsumexp_out_cpu" not implemented for '${scalarTypeName(x.dtype)}'`);
  return logcumsumexpOp([x], { dim: normalizeDim(dim, x.ndim, "logcumsumexp") });
}

interface CumExtremeAttrs {
  dim: number;
  kind: "cummax" | "cummin";
}

const cumExtremeOp = defineOp<CumExtremeAttrs>({
  name: "cummax",
  gradFn: (a) => (a.kind === "cummax" ? "CummaxBackward0" : "CumminBackward0"),
  save: "result",
  forward: ([input], { dim, kind }) => {
    const x = atLeast1d(input as Tensor);
    const values = K.scan(kind, x, dim);
    // The running extreme changes only where an element equals it (ties: the later one, as
    // PyTorch's >=), or from a NaN on: the index is the last such position so far.
    let hit = K.binary("eq", x, values, "bool");
    if (isFloating(x.dtype)) hit = K.binary("logicalOr", hit, K.unary("isnan", x, "bool"), "bool");
    const marks = K.where(hit, positionsAlong(x.shape[dim] as number, dim, x.ndim), K.scalar(-1, "int64"), "int64");
    const indices = K.scan("cummax", marks, dim);
    if ((input as Tensor).ndim > 0) return [values, indices];
    return [K.asStrided(values, [], []), K.asStrided(indices, [], [])];
  },
  // Each output's gradient goes to the element it came from (PyTorch's cummaxmin_backward).
  backward: ([g], c) => {
    const indices = c.result(1);
    if (g.ndim === 0 || g.numel() === 0) return [g];
    return [K.full(g.shape, 0, g.dtype).scatterAdd(c.attrs.dim, indices, g)];
  },
});

function cumExtreme(kind: "cummax" | "cummin", input: Tensor, dim: number): [Tensor, Tensor] {
  const x = expectTensor(input, kind, "input");
  // PyTorch 1.13 gives a 0-d tensor itself and index 0 whatever the (integer) dim.
  const d = x.ndim === 0 && Number.isInteger(dim) ? 0 : normalizeDim(dim, x.ndim, kind);
  return cumExtremeOp.many([x], { dim: d, kind }) as [Tensor, Tensor];
}

/**
 * The running maximum along `dim` and the index it came from: `[values,
 * indices]` (PyTorch's `cummax`; on ties the later index, and a NaN is kept
 * from where it appears).
 *
 * @example
 * ```ts
 * const [values, indices] = torch.cummax(torch.tensor([1, 3, 2, 3]), 0);
 * console.log(values, indices); // tensor([1., 3., 3., 3.]) tensor([0, 1, 1, 3])
 * ```
 */
export function cummax(input: Tensor, dim: number): [Tensor, Tensor] {
  return cumExtreme("cummax", input, dim);
}

/**
 * The running minimum along `dim` and the index it came from: `[values,
 * indices]` (PyTorch's `cummin`; on ties the later index, and a NaN is kept
 * from where it appears).
 *
 * @example
 * ```ts
 * const [values, indices] = torch.cummin(torch.tensor([3, 1, 2, 1]), 0);
 * console.log(values, indices); // tensor([3., 1., 1., 1.]) tensor([0, 1, 1, 3])
 * ```
 */
export function cummin(input: Tensor, dim: number): [Tensor, Tensor] {
  return cumExtreme("cummin", input, dim);
}
