/** nn.Transformer: an encoder and a decoder of PyTorch 1.13's layers, with its xavier-uniform reset. */

import { type OptionKeys, readOptions } from "../core/options.js";
import type { DType, Tensor } from "../index.js";
import * as torch from "../index.js";
import * as init from "./init.js";
import { Module } from "./module.js";
import { LayerNorm } from "./normalization.js";
import {
  type Activation,
  type DecoderCallOptions,
  TransformerDecoder,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerEncoderLayer,
} from "./transformer.js";

/** The options of Transformer (PyTorch's keyword arguments, camelCase). */
export interface TransformerOptions {
  /** The features of the inputs (default 512). */
  dModel?: number;
  /** The heads of every attention (default 8). */
  nhead?: number;
  /** The encoder's layers (default 6). */
  numEncoderLayers?: number;
  /** The decoder's layers (default 6). */
  numDecoderLayers?: number;
  /** The hidden size of the feed-forward blocks (default 2048). */
  dimFeedforward?: number;
  /** The dropout probability (default 0.1). */
  dropout?: number;
  /** The feed-forward activation (default "relu"). */
  activation?: Activation;
  /** An encoder used instead of the default one (its parameters are reset too, as in PyTorch). */
  customEncoder?: Module | null;
  /** A decoder used instead of the default one. */
  customDecoder?: Module | null;
  /** The eps of the LayerNorms (default 1e-5). */
  layerNormEps?: number;
  /** Inputs and output are [N, L, E] instead of [L, N, E] (default false). */
  batchFirst?: boolean;
  /** LayerNorm before each block (default false). */
  normFirst?: boolean;
  /** The parameters' dtype (default float32). */
  dtype?: DType;
}

const TRANSFORMER_KEYS: OptionKeys<TransformerOptions> = {
  dModel: "number",
  nhead: "number",
  numEncoderLayers: "number",
  numDecoderLayers: "number",
  dimFeedforward: "number",
  dropout: "number",
  activation: true,
  customEncoder: true,
  customDecoder: true,
  layerNormEps: "number",
  batchFirst: "boolean",
  normFirst: "boolean",
  dtype: "dtype",
};

/** The masks of `Transformer.call`. */
export interface TransformerCallOptions extends DecoderCallOptions {
  /** The encoder's self-attention mask [S, S]. */
  srcMask?: Tensor | null;
  /** Where a position of src is padding, [N, S] (bool: true; float: added). */
  srcKeyPaddingMask?: Tensor | null;
}

const CALL_KEYS: OptionKeys<TransformerCallOptions> = {
  srcMask: true,
  tgtMask: true,
  memoryMask: true,
  srcKeyPaddingMask: true,
  tgtKeyPaddingMask: true,
  memoryKeyPaddingMask: true,
};

/**
 * An encoder (of src) and a decoder (of tgt, attending to the encoder's
 * output), each a stack of layers followed by a LayerNorm. At construction
 * every parameter of more than one dim is re-drawn xavier-uniform, as
 * PyTorch's _reset_parameters.
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * const model = new torch.nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16 });
 * const src = torch.randn(6, 2, 8);
 * const tgt = torch.randn(4, 2, 8);
 * const out = model.call(src, tgt, { tgtMask: torch.nn.Transformer.generateSquareSubsequentMask(4) });
 * console.log(out.shape); // [ 4, 2, 8 ]
 * ```
 */
export class Transformer extends Module {
  /** The encoder: a TransformerEncoder with a final LayerNorm, or customEncoder. */
  declare encoder: Module;
  /** The decoder: a TransformerDecoder with a final LayerNorm, or customDecoder. */
  declare decoder: Module;
  /** The features of the inputs (PyTorch's `d_model`). */
  readonly dModel: number;
  /** The heads of every attention (PyTorch's `nhead`). */
  readonly nhead: number;
  /** Whether inputs are [N, L, E] (PyTorch's `batch_first`). */
  readonly batchFirst: boolean;

  constructor(options?: TransformerOptions) {
    super();
    const o = readOptions(options, "Transformer", TRANSFORMER_KEYS);
    const dModel = o.dModel ?? 512;
    const nhead = o.nhead ?? 8;
    const layerOptions = {
      dimFeedforward: o.dimFeedforward ?? 2048,
      dropout: o.dropout ?? 0.1,
      activation: o.activation ?? "relu",
      layerNormEps: o.layerNormEps ?? 1e-5,
      batchFirst: o.batchFirst ?? false,
      normFirst: o.normFirst ?? false,
      dtype: o.dtype ?? "float32",
    };
    const norm = () => new LayerNorm(dModel, { eps: layerOptions.layerNormEps, dtype: layerOptions.dtype });
    this.encoder =
      o.customEncoder ??
      new TransformerEncoder(new TransformerEncoderLayer(dModel, nhead, layerOptions), o.numEncoderLayers ?? 6, { norm: norm() });
    this.decoder =
      o.customDecoder ??
      new TransformerDecoder(new TransformerDecoderLayer(dModel, nhead, layerOptions), o.numDecoderLayers ?? 6, { norm: norm() });
    for (const p of this.parameters()) if (p.ndim > 1) init.xavierUniform_(p);
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = layerOptions.batchFirst;
  }

  /**
   * A causal mask for a sequence of `sz`: [sz, sz] float, -inf above the
   * diagonal (position i may not attend to j > i), 0 elsewhere (PyTorch's
   * generate_square_subsequent_mask).
   *
   * @example
   * ```ts
   * console.log(torch.nn.Transformer.generateSquareSubsequentMask(3)); // tensor([[0., -inf, -inf],\n        [0., 0., -inf],\n        [0., 0., 0.]])
   * ```
   */
  static generateSquareSubsequentMask(sz: number): Tensor {
    return torch.full([sz, sz], Number.NEGATIVE_INFINITY).triu(1);
  }

  /** src [S, N, E] and tgt [T, N, E] ([N, S, E], [N, T, E] with batchFirst) -> [T, N, E]. */
  override forward(src: Tensor, tgt: Tensor, options?: TransformerCallOptions): Tensor {
    const o = readOptions(options, "Transformer.forward", CALL_KEYS);
    const batchDim = this.batchFirst ? 0 : 1;
    if (src.ndim === 3 && src.shape[batchDim] !== tgt.shape[batchDim]) {
      throw new torch.ShapeError("Transformer: the batch number of src and tgt must be equal");
    }
    if (src.shape.at(-1) !== this.dModel || tgt.shape.at(-1) !== this.dModel) {
      throw new torch.ShapeError("Transformer: the feature number of src and tgt must be equal to d_model");
    }
    const memory = this.encoder.call(src, { mask: o.srcMask, srcKeyPaddingMask: o.srcKeyPaddingMask }) as Tensor;
    return this.decoder.call(tgt, memory, {
      tgtMask: o.tgtMask,
      memoryMask: o.memoryMask,
      tgtKeyPaddingMask: o.tgtKeyPaddingMask,
      memoryKeyPaddingMask: o.memoryKeyPaddingMask,
    }) as Tensor;
  }
}
