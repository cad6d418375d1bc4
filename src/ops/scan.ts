/**
 * Scans: cumulative sums and products along one dim. Integer and bool
 * inputs give int64 unless a dtype is given.
 */

import { type DType, isIntegral } from "../core/dtype.js";
import { readOptions } from "../core/options.js";
import { normalizeDim } from "../core/shape.js";
import type { Tensor } from "../tensor.js";
import { cat } from "./combine.js";
import { defineOp } from "./define.js";
import * as K from "./kernels.js";
import { noZeros } from "./reduce.js";
import { expectTensor } from "./scalars.js";
import { DTYPE_KEYS, type DTypeOptions } from "./sizes.js";
import { where } from "./where.js";

interface ScanAttrs {
  dim: number;
  dtype: DType;
}

const cumsumOp = defineOp<ScanAttrs>({
  name: "cumsum",
  jvp: "linear",
  gradFn: "CumsumBackward0",
  forward: ([x], a) => K.scan("cumsum", x as Tensor, a.dim, a.dtype),
  // The gradient of x_i collects every later output: a reversed cumulative sum.
  backward: ([g], c) => {
    const { dim } = c.attrs;
    if (g.numel() <= 1 || g.shape[dim] === 1) return [g];
    return [g.flip([dim]).cumsum(dim).flip([dim])];
  },
});

const cumprodOp = defineOp<ScanAttrs>({
  name: "cumprod",
  gradFn: "CumprodBackward0",
  save: "both",
  forward: ([x], a) => K.scan("cumprod", x as Tensor, a.dim, a.dtype),
  backward: ([g], c) => [cumprodBackward(g, c.input(0), c.result(), c.attrs.dim)],
});

/**
 * Without zeros: d/dx_i sum_j g_j y_j = (reversed cumsum of g y)_i / x_i. With
 * zeros: for each i, the cumulative product with x_i replaced by 1 gives
 * dy_j/dx_i for j >= i (O(n^2), differentiable).
 */
function cumprodBackward(g: Tensor, x: Tensor, y: Tensor, dim: number): Tensor {
  const n = x.shape[dim] as number;
  if (x.ndim === 0 || x.numel() <= 1 || n === 1) return g;
  if (noZeros(x)) return g.mul(y).flip([dim]).cumsum(dim).flip([dim]).div(x);
  const positions = K.full([n], 0, "int64", undefined, "cpu");
  for (let i = 0; i < n; i++) K.storageValues(positions)[i] = i;
  const pos = K.moveTo(positions, x.device).reshape(x.shape.map((_, d) => (d === dim ? n : 1)));
  const parts: Tensor[] = [];
  for (let i = 0; i < n; i++) {
    const others = where(pos.eq(i), 1, x).cumprod(dim);
    parts.push(g.mul(others).maskedFill(pos.lt(i), 0).sum(dim, { keepdim: true }));
  }
  return cat(parts, dim);
}

function scanArgs(input: Tensor, dim: number, options: DTypeOptions | undefined, op: string): [Tensor, ScanAttrs] {
  const { dtype } = readOptions(options, op, DTYPE_KEYS);
  const x = expectTensor(input, op, "input");
  const d = dtype ?? (isIntegral(x.dtype, true) ? "int64" : x.dtype);
  return [x, { dim: normalizeDim(dim, x.ndim, op), dtype: d }];
}

/**
 * Cumulative sum along `dim`.
 *
 * @example
 * ```ts
 * console.log(torch.cumsum(torch.tensor([1, 2, 3]), 0)); // tensor([1., 3., 6.])
 * ```
 */
export function cumsum(input: Tensor, dim: number, options?: DTypeOptions): Tensor {
  const [x, a] = scanArgs(input, dim, options, "cumsum");
  return cumsumOp([x], a);
}

/**
 * Cumulative product along `dim`.
 *
 * @example
 * ```ts
 * console.log(torch.cumprod(torch.tensor([1, 2, 3]), 0)); // tensor([1., 2., 6.])
 * ```
 */
export function cumprod(input: Tensor, dim: number, options?: DTypeOptions): Tensor {
  const [x, a] = scanArgs(input, dim, options, "cumprod");
  return cumprodOp([x], a);
}
