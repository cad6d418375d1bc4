/**
 * nn.MultiheadAttention, computed as PyTorch 1.13's
 * multi_head_attention_forward with differentiable ops (linear, view,
 * transpose, bmm, softmax, dropout), so gradients of every order follow.
 * Shapes: L the target length, S the source length, N the batch, E the
 * embedding dim, H the heads, D = E / H.
 */

import { type OptionKeys, readOptions } from "../core/options.js";
import type { DType, Tensor } from "../index.js";
import * as torch from "../index.js";
import * as init from "./init.js";
import { Linear } from "./layers.js";
import { Module, Parameter } from "./module.js";

/** MultiheadAttention's output projection: a Linear under the name PyTorch prints. */
export class NonDynamicallyQuantizableLinear extends Linear {}

/** The options of MultiheadAttention (PyTorch's keyword arguments, camelCase). */
export interface MultiheadAttentionOptions {
  /** Dropout probability on the attention weights in training mode (default 0). */
  dropout?: number;
  /** Learn biases of the input and output projections (default true). */
  bias?: boolean;
  /** Append learnt key and value vectors (`bias_k`, `bias_v`) to the keys and values (default false). */
  addBiasKv?: boolean;
  /** Append a zero key and value to the keys and values (default false). */
  addZeroAttn?: boolean;
  /** The features of the keys (default embedDim). */
  kdim?: number | null;
  /** The features of the values (default embedDim). */
  vdim?: number | null;
  /** Inputs and output are [N, L, E] instead of [L, N, E] (default false). */
  batchFirst?: boolean;
  /** The parameters' dtype (default float32). */
  dtype?: DType;
}

const MHA_KEYS: OptionKeys<MultiheadAttentionOptions> = {
  dropout: "number",
  bias: "boolean",
  addBiasKv: "boolean",
  addZeroAttn: "boolean",
  kdim: "number",
  vdim: "number",
  batchFirst: "boolean",
  dtype: "dtype",
};

/** The options of `MultiheadAttention.call` (PyTorch's forward keyword arguments). */
export interface MultiheadAttentionCallOptions {
  /** True (bool) or a value added (float) where a key is padding: [N, S], or [S] unbatched. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (default true); else the second result is null. */
  needWeights?: boolean;
  /** True (bool) where attention is not allowed, or a value added (float): [L, S] or [N * H, L, S]. */
  attnMask?: Tensor | null;
  /** Average the returned weights over the heads (default true); else one set per head. */
  averageAttnWeights?: boolean;
}

const CALL_KEYS: OptionKeys<MultiheadAttentionCallOptions> = {
  keyPaddingMask: true,
  needWeights: "boolean",
  attnMask: true,
  averageAttnWeights: "boolean",
};

const OP = "MultiheadAttention";
const isFloat = (t: Tensor) => t.dtype === "float32" || t.dtype === "float64";
const size = (shape: readonly number[]) => `torch.Size([${shape.join(", ")}])`;
const tuple = (xs: readonly number[]) => (xs.length === 1 ? `(${xs[0]},)` : `(${xs.join(", ")})`);

/**
 * Attention with `numHeads` heads over `embedDim` features: each head attends
 * with softmax(q k^T / sqrt(D) + mask) over its D = embedDim / numHeads
 * features of the projected queries, keys and values; the heads' outputs are
 * concatenated and projected (`out_proj`). Parameters and their seeded
 * initial values are PyTorch's: `in_proj_weight` [3E, E] (or
 * `q_proj_weight`, `k_proj_weight`, `v_proj_weight` when kdim or vdim differ
 * from embedDim) xavier-uniform, `in_proj_bias` and `out_proj.bias` zero.
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * const mha = new torch.nn.MultiheadAttention(8, 2, { batchFirst: true });
 * const x = torch.randn(3, 5, 8);
 * const [out, weights] = mha.call(x, x, x, { attnMask: torch.nn.Transformer.generateSquareSubsequentMask(5) });
 * console.log(out.shape, weights?.shape); // [ 3, 5, 8 ] [ 3, 5, 5 ]
 * ```
 */
export class MultiheadAttention extends Module {
  /** The features of the keys (PyTorch's `kdim`). */
  readonly kdim: number;
  /** The features of the values (PyTorch's `vdim`). */
  readonly vdim: number;
  /** The features of each head, embedDim / numHeads (PyTorch's `head_dim`). */
  readonly headDim: number;
  /** The dropout probability on the attention weights (PyTorch's `dropout`). */
  readonly dropout: number;
  /** Whether inputs are [N, L, E] (PyTorch's `batch_first`). */
  readonly batchFirst: boolean;
  /** Whether a zero key and value are appended (PyTorch's `add_zero_attn`). */
  readonly addZeroAttn: boolean;

  constructor(
    /** The features of the queries and of the output (PyTorch's `embed_dim`). */
    readonly embedDim: number,
    /** The number of heads (PyTorch's `num_heads`). */
    readonly numHeads: number,
    options?: MultiheadAttentionOptions,
  ) {
    super();
    const o = readOptions(options, OP, MHA_KEYS);
    this.kdim = o.kdim ?? embedDim;
    this.vdim = o.vdim ?? embedDim;
    this.dropout = o.dropout ?? 0;
    this.batchFirst = o.batchFirst ?? false;
    this.addZeroAttn = o.addZeroAttn ?? false;
    this.headDim = Math.floor(embedDim / numHeads);
    if (this.headDim * numHeads !== embedDim) throw new torch.ArgumentError(`${OP}: embed_dim must be divisible by num_heads`);
    const dtype = o.dtype ?? "float32";
    const param = (...shape: number[]) => new Parameter(torch.empty(shape, { dtype }));
    if (this._qkvSameEmbedDim) {
      this.registerParameter("in_proj_weight", param(3 * embedDim, embedDim));
    } else {
      this.registerParameter("q_proj_weight", param(embedDim, embedDim));
      this.registerParameter("k_proj_weight", param(embedDim, this.kdim));
      this.registerParameter("v_proj_weight", param(embedDim, this.vdim));
    }
    this.registerParameter("in_proj_bias", o.bias === false ? null : param(3 * embedDim));
    // Constructed (and so seeded) before the projections are drawn, as in PyTorch.
    this.registerModule("out_proj", new NonDynamicallyQuantizableLinear(embedDim, embedDim, { bias: o.bias ?? true, dtype }));
    this.registerParameter("bias_k", o.addBiasKv ? param(1, 1, embedDim) : null);
    this.registerParameter("bias_v", o.addBiasKv ? param(1, 1, embedDim) : null);
    this.resetParameters();
  }

  /** Whether keys and values have embedDim features (one packed `in_proj_weight`). */
  get _qkvSameEmbedDim(): boolean {
    return this.kdim === this.embedDim && this.vdim === this.embedDim;
  }

  /** The packed query, key and value projection [3E, E], or null with kdim/vdim (`in_proj_weight`). */
  get inProjWeight(): Parameter | null {
    return this._parameters.get("in_proj_weight") ?? null;
  }
  /** The query projection [E, E] when kdim or vdim differ (`q_proj_weight`). */
  get qProjWeight(): Parameter | null {
    return this._parameters.get("q_proj_weight") ?? null;
  }
  /** The key projection [E, kdim] when kdim or vdim differ (`k_proj_weight`). */
  get kProjWeight(): Parameter | null {
    return this._parameters.get("k_proj_weight") ?? null;
  }
  /** The value projection [E, vdim] when kdim or vdim differ (`v_proj_weight`). */
  get vProjWeight(): Parameter | null {
    return this._parameters.get("v_proj_weight") ?? null;
  }
  /** The packed projection biases [3E], or null without bias (`in_proj_bias`). */
  get inProjBias(): Parameter | null {
    return this._parameters.get("in_proj_bias") ?? null;
  }
  /** The key appended with addBiasKv, [1, 1, E] (`bias_k`). */
  get biasK(): Parameter | null {
    return this._parameters.get("bias_k") ?? null;
  }
  /** The value appended with addBiasKv, [1, 1, E] (`bias_v`). */
  get biasV(): Parameter | null {
    return this._parameters.get("bias_v") ?? null;
  }
  /** The output projection (`out_proj`). */
  get outProj(): NonDynamicallyQuantizableLinear {
    return this._modules.get("out_proj") as NonDynamicallyQuantizableLinear;
  }

  /** Re-draws the projections (xavier-uniform), zeroes the biases and draws bias_k/bias_v (xavier-normal), as PyTorch's _reset_parameters. */
  resetParameters(): void {
    for (const w of [this.inProjWeight, this.qProjWeight, this.kProjWeight, this.vProjWeight]) if (w !== null) init.xavierUniform_(w);
    const outBias = this.outProj.bias;
    if (this.inProjBias !== null) init.constant_(this.inProjBias, 0);
    if (this.inProjBias !== null && outBias !== null) init.constant_(outBias, 0);
    if (this.biasK !== null) init.xavierNormal_(this.biasK);
    if (this.biasV !== null) init.xavierNormal_(this.biasV);
  }

  /**
   * Attends from `query` ([L, N, E], [N, L, E] with batchFirst, or [L, E]
   * unbatched) to `key` and `value` ([S, N, kdim] and [S, N, vdim]). Returns
   * the output (shaped as the query) and, with needWeights, the attention
   * weights [N, L, S] (averaged over heads) or [N, H, L, S].
   */
  override forward(query: Tensor, key: Tensor, value: Tensor, options?: MultiheadAttentionCallOptions): [Tensor, Tensor | null] {
    const o = readOptions(options, `${OP}.forward`, CALL_KEYS);
    const kpm = o.keyPaddingMask ?? null;
    if (kpm !== null && kpm.dtype !== "bool" && !isFloat(kpm)) {
      throw new torch.DTypeError(`${OP}: only bool and floating types of key_padding_mask are supported`);
    }
    const batched = query.ndim === 3;
    let [q, k, v] = [query, key, value];
    if (this.batchFirst && batched) [q, k, v] = transposeKeepingIdentity(q, k, v);
    const [out, weights] = multiHeadAttentionForward(this, q, k, v, {
      keyPaddingMask: kpm,
      attnMask: o.attnMask ?? null,
      needWeights: o.needWeights ?? true,
      averageAttnWeights: o.averageAttnWeights ?? true,
    });
    return [this.batchFirst && batched ? out.transpose(1, 0) : out, weights];
  }
}

/** From [N, L, E] to [L, N, E] for each of query, key and value, keeping which of them are the same tensor (self-attention). */
function transposeKeepingIdentity(q: Tensor, k: Tensor, v: Tensor): [Tensor, Tensor, Tensor] {
  if (k !== v) return [q.transpose(1, 0), k.transpose(1, 0), v.transpose(1, 0)];
  if (q === k) {
    const t = q.transpose(1, 0);
    return [t, t, t];
  }
  const kt = k.transpose(1, 0);
  return [q.transpose(1, 0), kt, kt];
}

type Masks = Required<Omit<MultiheadAttentionCallOptions, "keyPaddingMask" | "attnMask">> & {
  keyPaddingMask: Tensor | null;
  attnMask: Tensor | null;
};

/** PyTorch's multi_head_attention_forward on [L, N, E] (or unbatched [L, E]) inputs. */
function multiHeadAttentionForward(m: MultiheadAttention, query: Tensor, key: Tensor, value: Tensor, o: Masks): [Tensor, Tensor | null] {
  const batched = shapeCheck(query, key, value, o.keyPaddingMask, o.attnMask, m.numHeads);
  let kpm = o.keyPaddingMask;
  if (!batched) [query, key, value, kpm] = [query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1), kpm?.unsqueeze(0) ?? null];
  const [tgtLen, bsz, embedDim] = query.shape as [number, number, number];
  if (embedDim !== m.embedDim) throw new torch.ShapeError(`${OP}: was expecting embedding dimension of ${m.embedDim}, but got ${embedDim}`);
  let [q, k, v] = inProjection(m, query, key, value);
  let mask = o.attnMask === null ? null : canonicalAttnMask(o.attnMask, [tgtLen, key.shape[0] as number], bsz * m.numHeads);
  if (m.biasK !== null && m.biasV !== null) {
    [k, v] = [torch.cat([k, m.biasK.repeat(1, bsz, 1)]), torch.cat([v, m.biasV.repeat(1, bsz, 1)])];
    [mask, kpm] = [padLast(mask), padLast(kpm)];
  }
  const heads = bsz * m.numHeads;
  [q, k, v] = [splitHeads(q, heads, m.headDim), splitHeads(k, heads, m.headDim), splitHeads(v, heads, m.headDim)];
  if (m.addZeroAttn) {
    const zeros = torch.zeros([heads, 1, m.headDim], { dtype: k.dtype, device: k.device });
    [k, v, mask, kpm] = [torch.cat([k, zeros], 1), torch.cat([v, zeros], 1), padLast(mask), padLast(kpm)];
  }
  const srcLen = k.shape[1] as number;
  mask = mergeMasks(mask, kpm, [bsz, m.numHeads, srcLen], q.dtype);
  const [out, weights] = attend(q, k, v, mask, m.training ? m.dropout : 0);
  const merged = out
    .transpose(0, 1)
    .contiguous()
    .view(tgtLen * bsz, embedDim);
  const output = torch.F.linear(merged, m.outProj.weight, m.outProj.bias).view(tgtLen, bsz, embedDim);
  if (!o.needWeights) return [batched ? output : output.squeeze(1), null];
  let w = weights.view(bsz, m.numHeads, tgtLen, srcLen);
  if (o.averageAttnWeights) w = w.sum(1).div(m.numHeads);
  return batched ? [output, w] : [output.squeeze(1), w.squeeze(0)];
}

/** [T, N, E] to [N * H, T, D]: head h of batch n is row n * H + h. */
function splitHeads(t: Tensor, heads: number, headDim: number): Tensor {
  return t
    .contiguous()
    .view(t.shape[0] as number, heads, headDim)
    .transpose(0, 1);
}

/** softmax(q k^T / sqrt(D) + mask) (with dropout) and its product with v, for [B, L, D] q and [B, S, D] k, v. */
function attend(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, dropout: number): [Tensor, Tensor] {
  const qScaled = q.div(Math.sqrt(q.shape[2] as number));
  const scores = torch.bmm(qScaled, k.transpose(-2, -1));
  let weights = (mask === null ? scores : mask.add(scores)).softmax(-1);
  if (dropout > 0) weights = torch.F.dropout(weights, { p: dropout });
  return [torch.bmm(weights, v), weights];
}

/** PyTorch's _in_projection_packed (one matrix product for self-attention, two for encoder-decoder) or _in_projection. */
function inProjection(m: MultiheadAttention, q: Tensor, k: Tensor, v: Tensor): [Tensor, Tensor, Tensor] {
  const E = m.embedDim;
  const b = m.inProjBias;
  const packed = m.inProjWeight;
  const [bq, bk, bv] = b === null ? [null, null, null] : (b.chunk(3) as [Tensor, Tensor, Tensor]);
  if (packed === null) {
    const key = k.shape.slice(0, 2).join();
    if (key !== v.shape.slice(0, 2).join()) {
      throw new torch.ShapeError(
        `${OP}: key's sequence and batch dims ${size(k.shape.slice(0, 2))} do not match value's ${size(v.shape.slice(0, 2))}`,
      );
    }
    const lin = (x: Tensor, w: Parameter | null, bias: Tensor | null) => torch.F.linear(x, w as Parameter, bias);
    return [lin(q, m.qProjWeight, bq), lin(k, m.kProjWeight, bk), lin(v, m.vProjWeight, bv)];
  }
  if (k.shape.join() !== v.shape.join())
    throw new torch.ShapeError(`${OP}: key shape ${size(k.shape)} does not match value shape ${size(v.shape)}`);
  if (k === v && q === k) return torch.F.linear(q, packed, b).chunk(3, -1) as [Tensor, Tensor, Tensor];
  if (k === v) {
    const [wq, wkv] = packed.split([E, 2 * E]) as [Tensor, Tensor];
    const [bQ, bKv] = b === null ? [null, null] : (b.split([E, 2 * E]) as [Tensor, Tensor]);
    const [pk, pv] = torch.F.linear(k, wkv, bKv).chunk(2, -1) as [Tensor, Tensor];
    return [torch.F.linear(q, wq, bQ), pk, pv];
  }
  const [wq, wk, wv] = packed.chunk(3) as [Tensor, Tensor, Tensor];
  return [torch.F.linear(q, wq, bq), torch.F.linear(k, wk, bk), torch.F.linear(v, wv, bv)];
}

/** attnMask checked and made [1 or N * H, L, S]; PyTorch's messages for a wrong dtype, rank or shape. */
function canonicalAttnMask(mask: Tensor, [tgtLen, srcLen]: [number, number], heads: number): Tensor {
  if (!isFloat(mask) && mask.dtype !== "bool") {
    throw new torch.DTypeError(`${OP}: Only float, byte, and bool types are supported for attn_mask, not torch.${mask.dtype}`);
  }
  if (mask.ndim === 2) {
    if (mask.shape[0] !== tgtLen || mask.shape[1] !== srcLen) {
      throw new torch.ShapeError(`${OP}: The shape of the 2D attn_mask is ${size(mask.shape)}, but should be ${tuple([tgtLen, srcLen])}.`);
    }
    return mask.unsqueeze(0);
  }
  if (mask.ndim === 3) {
    if (mask.shape.join() !== [heads, tgtLen, srcLen].join()) {
      throw new torch.ShapeError(
        `${OP}: The shape of the 3D attn_mask is ${size(mask.shape)}, but should be ${tuple([heads, tgtLen, srcLen])}.`,
      );
    }
    return mask;
  }
  throw new torch.ShapeError(`${OP}: attn_mask's dimension ${mask.ndim} is not supported`);
}

/** A mask with one more column along its last dim: zero (false), so the appended key is attended. */
function padLast(mask: Tensor | null): Tensor | null {
  if (mask === null) return null;
  return torch.cat([mask, torch.zeros([...mask.shape.slice(0, -1), 1], { dtype: mask.dtype, device: mask.device })], -1);
}

/**
 * The key padding mask [N, S] merged into the attention mask as PyTorch
 * does (a bool attention mask or'ed with it, nonzero floats counting as
 * true; a float one filled with -inf where a bool key padding mask is true,
 * or added to a float one, as PyTorch 2 does where 1.13's masked_fill
 * ignored a float mask), then made additive: a bool mask becomes -inf where
 * true, 0 elsewhere, in the queries' dtype.
 */
function mergeMasks(
  mask: Tensor | null,
  kpm: Tensor | null,
  [bsz, numHeads, srcLen]: [number, number, number],
  dtype: DType,
): Tensor | null {
  if (kpm !== null) {
    if (kpm.shape.join() !== [bsz, srcLen].join()) {
      throw new torch.ShapeError(`${OP}: expecting key_padding_mask shape of ${tuple([bsz, srcLen])}, but got ${size(kpm.shape)}`);
    }
    const perHead = kpm
      .view(bsz, 1, 1, srcLen)
      .expand(-1, numHeads, -1, -1)
      .reshape(bsz * numHeads, 1, srcLen);
    if (mask === null) mask = perHead;
    else if (mask.dtype === "bool") mask = mask.logicalOr(perHead);
    else if (perHead.dtype === "bool") mask = mask.maskedFill(perHead, Number.NEGATIVE_INFINITY);
    else mask = mask.add(perHead);
  }
  if (mask === null || mask.dtype !== "bool") return mask;
  return torch.zerosLike(mask, { dtype }).maskedFill_(mask, Number.NEGATIVE_INFINITY);
}

/** PyTorch's _mha_shape_check: the ranks of the inputs and masks; whether the input is batched. */
function shapeCheck(query: Tensor, key: Tensor, value: Tensor, kpm: Tensor | null, mask: Tensor | null, numHeads: number): boolean {
  const fail = (msg: string) => new torch.ShapeError(`${OP}: ${msg}`);
  if (query.ndim !== 2 && query.ndim !== 3) {
    throw fail(`query should be unbatched 2D or batched 3D tensor but received ${query.ndim}-D query tensor`);
  }
  const batched = query.ndim === 3;
  const [what, n] = batched ? ["batched (3-D)", 3] : ["unbatched (2-D)", 2];
  if (key.ndim !== n || value.ndim !== n) {
    throw fail(
      `For ${what} \`query\`, expected \`key\` and \`value\` to be ${n}-D but found ${key.ndim}-D and ${value.ndim}-D tensors respectively`,
    );
  }
  if (kpm !== null && kpm.ndim !== n - 1) {
    throw fail(`For ${what} \`query\`, expected \`key_padding_mask\` to be \`None\` or ${n - 1}-D but found ${kpm.ndim}-D tensor instead`);
  }
  if (mask !== null && mask.ndim !== 2 && mask.ndim !== 3) {
    throw fail(`For ${what} \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${mask.ndim}-D tensor instead`);
  }
  if (!batched && mask !== null && mask.ndim === 3) {
    const expected = [numHeads, query.shape[0] as number, key.shape[0] as number];
    if (mask.shape.join() !== expected.join())
      throw fail(`Expected \`attn_mask\` shape to be ${tuple(expected)} but got ${size(mask.shape)}`);
  }
  return batched;
}
