/** Normalisation, embedding and dropout modules. */

import { type OptionKeys, readOptions } from "../core/options.js";
import type { DType, Tensor } from "../index.js";
import * as torch from "../index.js";
import * as init from "./init.js";
import { pyBool, pyFloat } from "./layers.js";
import { Module, Parameter } from "./module.js";

/** The options of BatchNorm1d and BatchNorm2d (PyTorch's keyword arguments, camelCase). */
export interface BatchNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Weight of each batch in the running averages (default 0.1); null: cumulative average. */
  momentum?: number | null;
  /** Learn a scale and a shift per channel (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation (default true). */
  trackRunningStats?: boolean;
  /** The parameters' and buffers' dtype (default float32). */
  dtype?: DType;
}

const BATCH_NORM_KEYS: OptionKeys<BatchNormOptions> = {
  eps: "number",
  momentum: "number",
  affine: "boolean",
  trackRunningStats: "boolean",
  dtype: "dtype",
};

/** Batch normalisation over dim 1 (channels), with running statistics for evaluation. */
abstract class BatchNorm extends Module {
  /** The learnable scale per channel (gamma), [numFeatures], initialised to ones; null when `affine` is false. */
  declare weight: Parameter | null;
  /** The learnable shift per channel (beta), [numFeatures], initialised to zeros; null when `affine` is false. */
  declare bias: Parameter | null;
  /** The value added to the variance for numerical stability (PyTorch's `eps`, default 1e-5). */
  readonly eps: number;
  /** The weight of each batch in the running averages (PyTorch's `momentum`, default 0.1); null: a cumulative average. */
  readonly momentum: number | null;
  /** Whether the module has a learnable `weight` and `bias` (PyTorch's `affine`). */
  readonly affine: boolean;
  /** Whether the module keeps running statistics, which evaluation mode uses (PyTorch's `track_running_stats`). */
  readonly trackRunningStats: boolean;

  constructor(
    /** The number of channels C of the input (PyTorch's `num_features`). */
    readonly numFeatures: number,
    options: BatchNormOptions | undefined,
  ) {
    super();
    const o = readOptions(options, this._name(), BATCH_NORM_KEYS);
    this.eps = o.eps ?? 1e-5;
    this.momentum = o.momentum === undefined ? 0.1 : o.momentum;
    this.affine = o.affine ?? true;
    this.trackRunningStats = o.trackRunningStats ?? true;
    const dtype = o.dtype ?? "float32";
    if (this.affine) {
      this.weight = new Parameter(torch.ones([numFeatures], { dtype }));
      this.bias = new Parameter(torch.zeros([numFeatures], { dtype }));
    } else {
      this.registerParameter("weight", null);
      this.registerParameter("bias", null);
    }
    const track = this.trackRunningStats;
    this.registerBuffer("running_mean", track ? torch.zeros([numFeatures], { dtype }) : null);
    this.registerBuffer("running_var", track ? torch.ones([numFeatures], { dtype }) : null);
    this.registerBuffer("num_batches_tracked", track ? torch.tensor(0, { dtype: "int64" }) : null);
  }

  /** The running mean of each channel (a buffer: `running_mean` in the state dict). */
  get runningMean(): Tensor | null {
    return this._buffers.get("running_mean") ?? null;
  }

  /** The running (unbiased) variance of each channel (`running_var`). */
  get runningVar(): Tensor | null {
    return this._buffers.get("running_var") ?? null;
  }

  /** How many training batches updated the running statistics (`num_batches_tracked`). */
  get numBatchesTracked(): Tensor | null {
    return this._buffers.get("num_batches_tracked") ?? null;
  }

  /** Resets the running statistics (and the affine parameters). */
  resetParameters(): void {
    torch.noGrad(() => {
      this.runningMean?.zero_();
      this.runningVar?.fill_(1);
      this.numBatchesTracked?.zero_();
    });
    if (this.weight !== null) init.ones_(this.weight);
    if (this.bias !== null) init.zeros_(this.bias);
  }

  /** Throws a ShapeError unless the input has a rank this variant takes. */
  protected abstract checkInput(input: Tensor): void;

  override forward(input: Tensor): Tensor {
    this.checkInput(input);
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats) {
      const n = this.numBatchesTracked;
      if (n !== null) {
        torch.noGrad(() => n.add_(1));
        const [rm, rv] = [this.runningMean, this.runningVar];
        if (this.momentum === null && n.device !== "cpu" && rm !== null && rv !== null) return this.cumulativeOnDevice(input, n, rm, rv);
        factor = this.momentum === null ? 1 / n.item() : this.momentum;
      }
    }
    const useBatch = this.training || (this.runningMean === null && this.runningVar === null);
    const stats = !this.training || this.trackRunningStats;
    return torch.F.batchNorm(input, stats ? this.runningMean : null, stats ? this.runningVar : null, this.weight, this.bias, {
      training: useBatch,
      momentum: factor,
      eps: this.eps,
    });
  }

  /**
   * Training with `momentum: null` (the cumulative average, factor 1/n) on a
   * device, where n cannot be read synchronously: the batch statistics
   * (momentum 1 writes them into fresh buffers), then running = (1 - 1/n)
   * running + (1/n) batch with 1/n computed there.
   */
  private cumulativeOnDevice(input: Tensor, n: Tensor, rm: Tensor, rv: Tensor): Tensor {
    const [mean, variance] = [torch.zerosLike(rm), torch.zerosLike(rv)];
    const out = torch.F.batchNorm(input, mean, variance, this.weight, this.bias, { training: true, momentum: 1, eps: this.eps });
    torch.noGrad(() => {
      const f = n.reciprocal().to(rm.dtype);
      const keep = f.neg().add(1);
      rm.mul_(keep).add_(mean.mul(f));
      rv.mul_(keep).add_(variance.mul(f));
    });
    return out;
  }

  override extraRepr(): string {
    const m = this.momentum === null ? "None" : pyFloat(this.momentum);
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${m}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

/**
 * Batch norm of [N, C] or [N, C, L] inputs.
 *
 * @example
 * ```ts
 * console.log(new torch.nn.BatchNorm1d(3).toString()); // BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
 * ```
 */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, options?: BatchNormOptions) {
    super(numFeatures, options);
  }

  /** Throws a ShapeError unless the input is 2-d or 3-d. */
  protected checkInput(input: Tensor): void {
    if (input.ndim !== 2 && input.ndim !== 3) throw new torch.ShapeError(`expected 2D or 3D input (got ${input.ndim}D input)`);
  }
}

/**
 * Batch norm of [N, C, H, W] inputs.
 *
 * @example
 * ```ts
 * const bn = new torch.nn.BatchNorm2d(2);
 * bn.call(torch.randn(4, 2, 3, 3));
 * console.log(bn.numBatchesTracked); // tensor(1)
 * ```
 */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, options?: BatchNormOptions) {
    super(numFeatures, options);
  }

  /** Throws a ShapeError unless the input is 4-d. */
  protected checkInput(input: Tensor): void {
    if (input.ndim !== 4) throw new torch.ShapeError(`expected 4D input (got ${input.ndim}D input)`);
  }
}

/** LayerNorm's options. */
export interface LayerNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learn a scale and a shift per element of the normalised shape (default true). */
  elementwiseAffine?: boolean;
  /** The parameters' dtype (default float32). */
  dtype?: DType;
}

/**
 * Normalises over the last dims (`normalizedShape`), with an elementwise affine transform.
 *
 * @example
 * ```ts
 * const ln = new torch.nn.LayerNorm(4);
 * console.log(ln.toString()); // LayerNorm((4,), eps=1e-05, elementwise_affine=True)
 * ```
 */
export class LayerNorm extends Module {
  /** The learnable elementwise scale, of shape `normalizedShape`, initialised to ones; null without `elementwiseAffine`. */
  declare weight: Parameter | null;
  /** The learnable elementwise shift, of shape `normalizedShape`, initialised to zeros; null without `elementwiseAffine`. */
  declare bias: Parameter | null;
  /** The trailing dims normalised over, as an array (PyTorch's `normalized_shape`). */
  readonly normalizedShape: number[];
  /** The options as given (checked); `forward` reads `eps` from them. */
  readonly options: LayerNormOptions;

  constructor(normalizedShape: number | readonly number[], options?: LayerNormOptions) {
    super();
    this.options = readOptions(options, "LayerNorm", { eps: "number", elementwiseAffine: "boolean", dtype: "dtype" });
    this.normalizedShape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
    const affine = this.options.elementwiseAffine ?? true;
    const dtype = this.options.dtype ?? "float32";
    if (affine) {
      this.weight = new Parameter(torch.ones(this.normalizedShape, { dtype }));
      this.bias = new Parameter(torch.zeros(this.normalizedShape, { dtype }));
    } else {
      this.registerParameter("weight", null);
      this.registerParameter("bias", null);
    }
  }

  override forward(input: Tensor): Tensor {
    return torch.F.layerNorm(input, this.normalizedShape, this.weight, this.bias, { eps: this.options.eps ?? 1e-5 });
  }

  override extraRepr(): string {
    const s = this.normalizedShape;
    const shape = s.length === 1 ? `(${s[0]},)` : `(${s.join(", ")})`;
    return `${shape}, eps=${pyFloat(this.options.eps ?? 1e-5)}, elementwise_affine=${pyBool(this.weight !== null)}`;
  }
}

/** The options of Embedding (PyTorch's keyword arguments, camelCase). */
export interface EmbeddingModuleOptions {
  /** This row is zero and gets no gradient (negative: counted from the end). */
  paddingIdx?: number | null;
  /** Rows looked up whose `normType`-norm exceeds this are rescaled to it. */
  maxNorm?: number | null;
  /** The p of the norm for `maxNorm` (default 2). */
  normType?: number;
  /** Scale each row's gradient by 1 / (its count in the batch). */
  scaleGradByFreq?: boolean;
  /** The weight's dtype (default float32). */
  dtype?: DType;
}

const EMBEDDING_KEYS: OptionKeys<EmbeddingModuleOptions> = {
  paddingIdx: "number",
  maxNorm: "number",
  normType: "number",
  scaleGradByFreq: "boolean",
  dtype: "dtype",
};

/**
 * A lookup table of `numEmbeddings` vectors of size `embeddingDim`, drawn
 * from N(0, 1) (the padding row, if any, zero).
 *
 * @example
 * ```ts
 * const emb = new torch.nn.Embedding(10, 3);
 * console.log(emb.toString(), emb.call(torch.tensor([[1, 2]], { dtype: "int64" })).shape); // Embedding(10, 3) [ 1, 2, 3 ]
 * ```
 */
export class Embedding extends Module {
  /** The learnable table, [numEmbeddings, embeddingDim], drawn from N(0, 1) (PyTorch's `weight`). */
  weight: Parameter;
  /** The padding row, made non-negative, or null (PyTorch's `padding_idx`). */
  readonly paddingIdx: number | null;
  /** The options as given (checked); `forward` reads maxNorm, normType and scaleGradByFreq from them. */
  readonly options: EmbeddingModuleOptions;

  constructor(
    /** The number of rows of the table (PyTorch's `num_embeddings`). */
    readonly numEmbeddings: number,
    /** The size of each embedding vector (PyTorch's `embedding_dim`). */
    readonly embeddingDim: number,
    options?: EmbeddingModuleOptions,
  ) {
    super();
    this.options = readOptions(options, "Embedding", EMBEDDING_KEYS);
    const p = this.options.paddingIdx ?? null;
    if (p !== null && (p >= numEmbeddings || p < -numEmbeddings))
      throw new torch.ArgumentError("Padding_idx must be within num_embeddings");
    this.paddingIdx = p === null ? null : p < 0 ? p + numEmbeddings : p;
    this.weight = new Parameter(torch.empty([numEmbeddings, embeddingDim], { dtype: this.options.dtype ?? "float32" }));
    this.resetParameters();
  }

  /** Re-draws the weight from N(0, 1) and zeroes the padding row, as at construction. */
  resetParameters(): void {
    init.normal_(this.weight);
    const p = this.paddingIdx;
    if (p !== null) torch.noGrad(() => this.weight.index(p).fill_(0));
  }

  override forward(input: Tensor): Tensor {
    const o = this.options;
    return torch.F.embedding(input, this.weight, {
      paddingIdx: this.paddingIdx,
      maxNorm: o.maxNorm ?? null,
      normType: o.normType ?? 2,
      scaleGradByFreq: o.scaleGradByFreq ?? false,
    });
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.options.maxNorm !== null && this.options.maxNorm !== undefined) s += `, max_norm=${pyFloat(this.options.maxNorm)}`;
    return s;
  }
}

/**
 * Zeroes each element with probability `p` in training mode, scaling the
 * rest by 1 / (1 - p); the identity in evaluation mode.
 *
 * @example
 * ```ts
 * const drop = new torch.nn.Dropout(0.5);
 * console.log(drop.toString()); // Dropout(p=0.5, inplace=False)
 * console.log(drop.eval().call(torch.ones(3))); // tensor([1., 1., 1.])
 * ```
 */
export class Dropout extends Module {
  constructor(
    /** The probability that an element is zeroed (PyTorch's `p`, default 0.5). */
    readonly p = 0.5,
    /** Whether to zero the input itself, in place (PyTorch's `inplace`, default false). */
    readonly inplace = false,
  ) {
    super();
    if (p < 0 || p > 1) throw new torch.ArgumentError(`dropout probability has to be between 0 and 1, but got ${p}`);
  }

  override forward(input: Tensor): Tensor {
    return torch.F.dropout(input, { p: this.p, training: this.training, inplace: this.inplace });
  }

  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyBool(this.inplace)}`;
  }
}
