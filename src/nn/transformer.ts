/**
 * The Transformer of "Attention Is All You Need" as PyTorch 1.13 builds it:
 * TransformerEncoderLayer and TransformerDecoderLayer (attention and a
 * feed-forward block, each with a residual connection and a LayerNorm after
 * it, or before it with normFirst), TransformerEncoder and TransformerDecoder
 * (deep copies of one layer, then an optional norm) and Transformer.
 * Submodule names are PyTorch's, so state dicts load both ways.
 */

import { type OptionKeys, readOptions } from "../core/options.js";
import type { DType, Tensor } from "../index.js";
import * as torch from "../index.js";
import { MultiheadAttention, type MultiheadAttentionOptions } from "./attention.js";
import { typeName } from "./checks.js";
import { deepCopy } from "./clone.js";
import { ModuleList } from "./containers.js";
import { Linear } from "./layers.js";
import { Module } from "./module.js";
import { Dropout, LayerNorm } from "./normalization.js";

/** The feed-forward activation: PyTorch's "relu" or "gelu", a function of a tensor, or a module (registered as `activation`). */
export type Activation = "relu" | "gelu" | ((x: Tensor) => Tensor) | Module;

/** The options of TransformerEncoderLayer and TransformerDecoderLayer (PyTorch's keyword arguments, camelCase). */
export interface TransformerLayerOptions {
  /** The hidden size of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** The dropout probability, on the attention weights and after each block (default 0.1). */
  dropout?: number;
  /** The feed-forward activation (default "relu"). */
  activation?: Activation;
  /** The eps of the LayerNorms (default 1e-5). */
  layerNormEps?: number;
  /** Inputs and output are [N, L, E] instead of [L, N, E] (default false). */
  batchFirst?: boolean;
  /** LayerNorm before each block instead of after the residual sum (default false). */
  normFirst?: boolean;
  /** The parameters' dtype (default float32). */
  dtype?: DType;
}

const LAYER_KEYS: OptionKeys<TransformerLayerOptions> = {
  dimFeedforward: "number",
  dropout: "number",
  activation: true,
  layerNormEps: "number",
  batchFirst: "boolean",
  normFirst: "boolean",
  dtype: "dtype",
};

/** The activation as a function or module; PyTorch's message for an unknown name. */
function activationOf(op: string, a: Activation | undefined): ((x: Tensor) => Tensor) | Module {
  if (a === undefined || a === "relu") return torch.F.relu;
  if (a === "gelu") return (x: Tensor) => torch.F.gelu(x);
  if (typeof a === "function" || a instanceof Module) return a;
  if (typeof a === "string") throw new torch.ArgumentError(`${op}: activation should be relu/gelu, not ${a}`);
  throw new torch.ArgumentError(`${op}: activation should be "relu", "gelu", a function or a module, got ${typeName(a)}`);
}

/** The options of a layer's attention blocks, from the layer's. */
function attentionOptions(o: TransformerLayerOptions): MultiheadAttentionOptions {
  return { dropout: o.dropout ?? 0.1, batchFirst: o.batchFirst ?? false, dtype: o.dtype ?? "float32" };
}

function checkKeyPaddingMask(op: string, mask: Tensor | null | undefined): void {
  if (mask === null || mask === undefined) return;
  if (mask.dtype !== "bool" && mask.dtype !== "float32" && mask.dtype !== "float64") {
    throw new torch.DTypeError(`${op}: only bool and floating types of key_padding_mask are supported`);
  }
}

/** The parts both layers share: the feed-forward block and its activation. */
abstract class TransformerLayer extends Module {
  /** The feed-forward block's first layer, dModel -> dimFeedforward. */
  declare linear1: Linear;
  /** The dropout after the activation of the feed-forward block. */
  declare dropout: Dropout;
  /** The feed-forward block's second layer, dimFeedforward -> dModel. */
  declare linear2: Linear;
  /** Whether the LayerNorms come before the blocks (PyTorch's `norm_first`). */
  readonly normFirst: boolean;
  /** The feed-forward activation: a function, or a registered module. */
  declare activation: ((x: Tensor) => Tensor) | Module;

  constructor(
    /** The features of the input (PyTorch's `d_model`). */
    readonly dModel: number,
    /** The heads of the attention (PyTorch's `nhead`). */
    readonly nhead: number,
    o: TransformerLayerOptions,
  ) {
    super();
    this.normFirst = o.normFirst ?? false;
  }

  /** linear1, dropout and linear2, in PyTorch's registration order. */
  protected addFeedForward(o: TransformerLayerOptions): void {
    const dtype = o.dtype ?? "float32";
    this.linear1 = new Linear(this.dModel, o.dimFeedforward ?? 2048, { dtype });
    this.dropout = new Dropout(o.dropout ?? 0.1);
    this.linear2 = new Linear(o.dimFeedforward ?? 2048, this.dModel, { dtype });
  }

  /** A LayerNorm of dModel features with the layer's eps. */
  protected layerNorm(o: TransformerLayerOptions): LayerNorm {
    return new LayerNorm(this.dModel, { eps: o.layerNormEps ?? 1e-5, dtype: o.dtype ?? "float32" });
  }

  /** linear2(dropout(activation(linear1(x)))), then `after` (the block's dropout). */
  protected feedForward(x: Tensor, after: Dropout): Tensor {
    const h = this.linear1.call(x);
    const act = this.activation;
    return after.call(this.linear2.call(this.dropout.call(act instanceof Module ? (act.call(h) as Tensor) : act(h))));
  }
}

/** The masks of `TransformerEncoderLayer.call`. */
export interface EncoderLayerCallOptions {
  /** The self-attention mask [L, L] or [N * nhead, L, L] (bool: true is not attended; float: added). */
  srcMask?: Tensor | null;
  /** True (bool) or a value added (float) where a position of src is padding, [N, L]. */
  srcKeyPaddingMask?: Tensor | null;
}

/**
 * Self-attention and a feed-forward block, each with a residual connection
 * and a LayerNorm (after the sum, or before the block with normFirst).
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * const layer = new torch.nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true });
 * console.log(layer.call(torch.randn(3, 5, 8)).shape); // [ 3, 5, 8 ]
 * console.log(Object.keys(layer.stateDict())[0]); // self_attn.in_proj_weight
 * ```
 */
export class TransformerEncoderLayer extends TransformerLayer {
  /** The LayerNorm of the self-attention block (after the residual sum, or before the block with normFirst). */
  declare norm1: LayerNorm;
  /** The LayerNorm of the feed-forward block. */
  declare norm2: LayerNorm;
  /** The dropout on the self-attention block's output. */
  declare dropout1: Dropout;
  /** The dropout on the feed-forward block's output. */
  declare dropout2: Dropout;

  constructor(dModel: number, nhead: number, options?: TransformerLayerOptions) {
    const o = readOptions(options, "TransformerEncoderLayer", LAYER_KEYS);
    super(dModel, nhead, o);
    this.registerModule("self_attn", new MultiheadAttention(dModel, nhead, attentionOptions(o)));
    this.addFeedForward(o);
    this.norm1 = this.layerNorm(o);
    this.norm2 = this.layerNorm(o);
    this.dropout1 = new Dropout(o.dropout ?? 0.1);
    this.dropout2 = new Dropout(o.dropout ?? 0.1);
    this.activation = activationOf("TransformerEncoderLayer", o.activation);
  }

  /** The self-attention (`self_attn`). */
  get selfAttn(): MultiheadAttention {
    return this._modules.get("self_attn") as MultiheadAttention;
  }

  /** src [L, N, E] ([N, L, E] with batchFirst, or [L, E] unbatched) -> the same shape. */
  override forward(src: Tensor, options?: EncoderLayerCallOptions): Tensor {
    const o = readOptions(options, "TransformerEncoderLayer.forward", { srcMask: true, srcKeyPaddingMask: true });
    checkKeyPaddingMask("TransformerEncoderLayer", o.srcKeyPaddingMask);
    const sa = (x: Tensor) => {
      const [out] = this.selfAttn.call(x, x, x, { attnMask: o.srcMask, keyPaddingMask: o.srcKeyPaddingMask, needWeights: false });
      return this.dropout1.call(out);
    };
    let x = src;
    if (this.normFirst) {
      x = x.add(sa(this.norm1.call(x)));
      return x.add(this.feedForward(this.norm2.call(x), this.dropout2));
    }
    x = this.norm1.call(x.add(sa(x)));
    return this.norm2.call(x.add(this.feedForward(x, this.dropout2)));
  }
}

/** The masks of `TransformerDecoderLayer.call`, `TransformerDecoder.call`. */
export interface DecoderCallOptions {
  /** The self-attention mask of tgt [T, T] or [N * nhead, T, T] (e.g. `Transformer.generateSquareSubsequentMask(T)`). */
  tgtMask?: Tensor | null;
  /** The mask of the attention to memory [T, S] or [N * nhead, T, S]. */
  memoryMask?: Tensor | null;
  /** Where a position of tgt is padding, [N, T] (bool: true; float: added). */
  tgtKeyPaddingMask?: Tensor | null;
  /** Where a position of memory is padding, [N, S] (bool: true; float: added). */
  memoryKeyPaddingMask?: Tensor | null;
}

const DECODER_CALL_KEYS: OptionKeys<DecoderCallOptions> = {
  tgtMask: true,
  memoryMask: true,
  tgtKeyPaddingMask: true,
  memoryKeyPaddingMask: true,
};

/**
 * Self-attention, attention to the encoder's output (memory) and a
 * feed-forward block, each with a residual connection and a LayerNorm.
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * const layer = new torch.nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16 });
 * const tgt = torch.randn(4, 2, 8);
 * const memory = torch.randn(6, 2, 8);
 * console.log(layer.call(tgt, memory, { tgtMask: torch.nn.Transformer.generateSquareSubsequentMask(4) }).shape); // [ 4, 2, 8 ]
 * ```
 */
export class TransformerDecoderLayer extends TransformerLayer {
  /** The LayerNorm of the self-attention block. */
  declare norm1: LayerNorm;
  /** The LayerNorm of the attention to memory. */
  declare norm2: LayerNorm;
  /** The LayerNorm of the feed-forward block. */
  declare norm3: LayerNorm;
  /** The dropout on the self-attention block's output. */
  declare dropout1: Dropout;
  /** The dropout on the output of the attention to memory. */
  declare dropout2: Dropout;
  /** The dropout on the feed-forward block's output. */
  declare dropout3: Dropout;

  constructor(dModel: number, nhead: number, options?: TransformerLayerOptions) {
    const o = readOptions(options, "TransformerDecoderLayer", LAYER_KEYS);
    super(dModel, nhead, o);
    this.registerModule("self_attn", new MultiheadAttention(dModel, nhead, attentionOptions(o)));
    this.registerModule("multihead_attn", new MultiheadAttention(dModel, nhead, attentionOptions(o)));
    this.addFeedForward(o);
    this.norm1 = this.layerNorm(o);
    this.norm2 = this.layerNorm(o);
    this.norm3 = this.layerNorm(o);
    this.dropout1 = new Dropout(o.dropout ?? 0.1);
    this.dropout2 = new Dropout(o.dropout ?? 0.1);
    this.dropout3 = new Dropout(o.dropout ?? 0.1);
    this.activation = activationOf("TransformerDecoderLayer", o.activation);
  }

  /** The self-attention (`self_attn`). */
  get selfAttn(): MultiheadAttention {
    return this._modules.get("self_attn") as MultiheadAttention;
  }

  /** The attention to memory (`multihead_attn`). */
  get multiheadAttn(): MultiheadAttention {
    return this._modules.get("multihead_attn") as MultiheadAttention;
  }

  /** tgt [T, N, E] and memory [S, N, E] ([N, T, E] and [N, S, E] with batchFirst) -> [T, N, E]. */
  override forward(tgt: Tensor, memory: Tensor, options?: DecoderCallOptions): Tensor {
    const o = readOptions(options, "TransformerDecoderLayer.forward", DECODER_CALL_KEYS);
    const sa = (x: Tensor) => {
      const [out] = this.selfAttn.call(x, x, x, { attnMask: o.tgtMask, keyPaddingMask: o.tgtKeyPaddingMask, needWeights: false });
      return this.dropout1.call(out);
    };
    const mha = (x: Tensor) => {
      const opts = { attnMask: o.memoryMask, keyPaddingMask: o.memoryKeyPaddingMask, needWeights: false };
      return this.dropout2.call(this.multiheadAttn.call(x, memory, memory, opts)[0]);
    };
    let x = tgt;
    if (this.normFirst) {
      x = x.add(sa(this.norm1.call(x)));
      x = x.add(mha(this.norm2.call(x)));
      return x.add(this.feedForward(this.norm3.call(x), this.dropout3));
    }
    x = this.norm1.call(x.add(sa(x)));
    x = this.norm2.call(x.add(mha(x)));
    return this.norm3.call(x.add(this.feedForward(x, this.dropout3)));
  }
}

/** The options of TransformerEncoder. */
export interface TransformerEncoderOptions {
  /** A module applied to the last layer's output (e.g. a LayerNorm), or null (default). */
  norm?: Module | null;
  /** PyTorch's switch of its nested-tensor fast path; accepted for compatibility, results do not depend on it. */
  enableNestedTensor?: boolean;
  /** PyTorch's check of left-aligned padding for that fast path; accepted for compatibility. */
  maskCheck?: boolean;
}

/** The masks of `TransformerEncoder.call`. */
export interface EncoderCallOptions {
  /** The self-attention mask [L, L] or [N * nhead, L, L] (e.g. `Transformer.generateSquareSubsequentMask(L)` for a causal model). */
  mask?: Tensor | null;
  /** Where a position of src is padding, [N, L] (bool: true; float: added). */
  srcKeyPaddingMask?: Tensor | null;
}

/** `numLayers` deep copies of `layer` in a ModuleList (PyTorch's _get_clones): equal initial values, nothing shared. */
function clones(op: string, layer: Module, numLayers: number): ModuleList {
  if (!(layer instanceof Module)) throw new torch.ArgumentError(`${op}: expected a layer module, got ${typeName(layer)}`);
  if (!Number.isInteger(numLayers) || numLayers < 0)
    throw new torch.ArgumentError(`${op}: num_layers must be a non-negative integer, got ${numLayers}`);
  return new ModuleList(Array.from({ length: numLayers }, () => deepCopy(layer)));
}

/**
 * A stack of `numLayers` copies of an encoder layer (each with the layer's
 * initial values, trained separately), then `norm` if given.
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * const layer = new torch.nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true });
 * const encoder = new torch.nn.TransformerEncoder(layer, 2);
 * const causal = torch.nn.Transformer.generateSquareSubsequentMask(5);
 * console.log(encoder.call(torch.randn(3, 5, 8), { mask: causal }).shape); // [ 3, 5, 8 ]
 * ```
 */
export class TransformerEncoder extends Module {
  /** The layers, deep copies of the one given (`layers.0`, `layers.1`, ... in the state dict). */
  declare layers: ModuleList;
  /** The module applied to the last layer's output, or null. */
  declare norm: Module | null;

  constructor(
    encoderLayer: Module,
    /** The number of layers (PyTorch's `num_layers`). */
    readonly numLayers: number,
    options?: TransformerEncoderOptions,
  ) {
    super();
    const o = readOptions(options, "TransformerEncoder", { norm: true, enableNestedTensor: "boolean", maskCheck: "boolean" });
    this.layers = clones("TransformerEncoder", encoderLayer, numLayers);
    this.norm = o.norm ?? null;
  }

  /** src through every layer (with the same masks), then the norm. */
  override forward(src: Tensor, options?: EncoderCallOptions): Tensor {
    const o = readOptions(options, "TransformerEncoder.forward", { mask: true, srcKeyPaddingMask: true });
    checkKeyPaddingMask("TransformerEncoder", o.srcKeyPaddingMask);
    let out = src;
    for (const layer of this.layers) out = layer.call(out, { srcMask: o.mask, srcKeyPaddingMask: o.srcKeyPaddingMask }) as Tensor;
    return this.norm === null ? out : (this.norm.call(out) as Tensor);
  }
}

/**
 * A stack of `numLayers` copies of a decoder layer, then `norm` if given.
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * const decoder = new torch.nn.TransformerDecoder(new torch.nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16 }), 2);
 * console.log(decoder.call(torch.randn(4, 2, 8), torch.randn(6, 2, 8)).shape); // [ 4, 2, 8 ]
 * ```
 */
export class TransformerDecoder extends Module {
  /** The layers, deep copies of the one given (`layers.0`, `layers.1`, ... in the state dict). */
  declare layers: ModuleList;
  /** The module applied to the last layer's output, or null. */
  declare norm: Module | null;

  constructor(
    decoderLayer: Module,
    /** The number of layers (PyTorch's `num_layers`). */
    readonly numLayers: number,
    options?: { norm?: Module | null },
  ) {
    super();
    const o = readOptions(options, "TransformerDecoder", { norm: true });
    this.layers = clones("TransformerDecoder", decoderLayer, numLayers);
    this.norm = o.norm ?? null;
  }

  /** tgt through every layer, each attending to memory, then the norm. */
  override forward(tgt: Tensor, memory: Tensor, options?: DecoderCallOptions): Tensor {
    const o = readOptions(options, "TransformerDecoder.forward", DECODER_CALL_KEYS);
    let out = tgt;
    for (const layer of this.layers) out = layer.call(out, memory, o) as Tensor;
    return this.norm === null ? out : (this.norm.call(out) as Tensor);
  }
}
