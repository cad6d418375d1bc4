/**
 * torch.nn.functional.scaled_dot_product_attention (PyTorch 2.x), composed
 * of existing ops as PyTorch's documented reference: softmax(q kᵀ * scale +
 * bias) v, with dropout on the attention weights. Its nodes are those of the
 * ops it uses (matmul, mul, add, softmax, dropout's mul).
 */

import { type DType, isFloating } from "../../core/dtype.js";
import { ArgumentError, DTypeError, ShapeError } from "../../core/errors.js";
import { type OptionKeys, readOptions } from "../../core/options.js";
import type { Tensor } from "../../tensor.js";
import { softmax } from "../activation.js";
import * as K from "../kernels.js";
import { matmul } from "../linalg.js";
import { expectTensor } from "../scalars.js";
import { maskedFill } from "../where.js";
import { dropout } from "./dropout.js";

/** `F.scaledDotProductAttention`'s options. */
export interface AttentionOptions {
  /**
   * A mask broadcastable to the attention weights' shape [..., L, S]: bool
   * (true: the position takes part in attention; false adds -inf) or a
   * float tensor added to the scores.
   */
  attnMask?: Tensor | null;
  /** Dropout probability on the attention weights (default 0; always applied when > 0, as PyTorch). */
  dropoutP?: number;
  /** Whether to apply a causal mask (lower-triangular, top-left aligned); not together with attnMask. */
  isCausal?: boolean;
  /** The factor of the scores (default 1 / sqrt(E), E = query's last dim). */
  scale?: number | null;
}

const ATTENTION_KEYS: OptionKeys<AttentionOptions> = { attnMask: true, dropoutP: "number", isCausal: "boolean", scale: "number" };

/** c10's name of a dtype in PyTorch's sdpa messages ("float", "double", "long"). */
const C10_NAMES: Record<DType, string> = { float32: "float", float64: "double", int32: "int", int64: "long int", bool: "bool" };

/** PyTorch 2.x's validate_sdpa_input checks (its messages, double spaces included). */
function checkInputs(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null): void {
  if (q.dtype !== k.dtype || q.dtype !== v.dtype) {
    throw new DTypeError(
      `Expected query, key, and value to have the same dtype, but got query.dtype: ${C10_NAMES[q.dtype]} key.dtype: ${C10_NAMES[k.dtype]} and value.dtype: ${C10_NAMES[v.dtype]} instead.`,
    );
  }
  if (q.ndim < 2 || k.ndim < 2 || v.ndim < 2) {
    throw new ShapeError(
      `Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: ${q.ndim} key.dim: ${k.ndim} and value.dim: ${v.ndim} instead.`,
    );
  }
  if (!isFloating(q.dtype))
    throw new DTypeError(`scaled_dot_product_attention: expected floating point query, key and value, got ${q.dtype}`);
  if (mask !== null && mask.dtype !== "bool" && mask.dtype !== "float32" && mask.dtype !== q.dtype) {
    throw new DTypeError(
      `Expected attn_mask dtype to be bool or float or to match query dtype, but got attn_mask.dtype: ${C10_NAMES[mask.dtype]} and  query.dtype: ${C10_NAMES[q.dtype]} instead.`,
    );
  }
}

/** The additive bias of a bool mask: 0 where it is true, -inf where false. */
function boolBias(mask: Tensor, dtype: DType): Tensor {
  return maskedFill(K.full(mask.shape, 0, dtype, undefined, mask.device), mask.logicalNot(), Number.NEGATIVE_INFINITY);
}

/**
 * Scaled dot-product attention (PyTorch 2.x's `F.scaled_dot_product_attention`):
 * `softmax(query @ keyᵀ * scale + bias, -1) @ value` for query [..., L, E],
 * key [..., S, E], value [..., S, Ev]. A bool `attnMask` marks the positions
 * that take part (false ones get -inf, so a row with none gives NaN, as the
 * documented formula); a float one is added. `isCausal` masks the
 * positions above the diagonal. `dropoutP` > 0 applies dropout to the
 * weights (from the global generator, drawn as `F.dropout`).
 *
 * @example
 * ```ts
 * const q = torch.tensor([[1, 0], [0, 1]]);
 * const v = torch.tensor([[1, 2], [3, 4]]);
 * console.log(torch.F.scaledDotProductAttention(q, q, v, { isCausal: true })); // tensor([[1.0000, 2.0000],\n        [2.3395, 3.3395]])
 * ```
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, options?: AttentionOptions): Tensor {
  const o = readOptions(options, "scaled_dot_product_attention", ATTENTION_KEYS);
  const [q, k, v] = [
    expectTensor(query, "scaled_dot_product_attention", "query"),
    expectTensor(key, "scaled_dot_product_attention", "key"),
    expectTensor(value, "scaled_dot_product_attention", "value"),
  ];
  const mask =
    o.attnMask === undefined || o.attnMask === null ? null : expectTensor(o.attnMask, "scaled_dot_product_attention", "attn_mask");
  checkInputs(q, k, v, mask);
  if (o.isCausal === true && mask !== null) {
    throw new ArgumentError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True");
  }
  const [L, S] = [q.shape[q.ndim - 2] as number, k.shape[k.ndim - 2] as number];
  const scale = o.scale ?? 1 / Math.sqrt(q.shape[q.ndim - 1] as number);
  let scores = matmul(q, k.transpose(-2, -1)).mul(scale);
  if (o.isCausal === true) scores = scores.add(boolBias(K.full([L, S], 1, "bool", undefined, q.device).tril(), q.dtype));
  else if (mask !== null) scores = scores.add(mask.dtype === "bool" ? boolBias(mask, q.dtype) : mask);
  const weights = softmax(scores, -1);
  const p = o.dropoutP ?? 0;
  return matmul(p > 0 ? dropout(weights, { p }) : weights, v);
}
