/** Loss modules: thin wrappers of the functional losses, holding their options (and class weights as buffers). */

import { type OptionKeys, readOptions } from "../core/options.js";
import type { Tensor } from "../index.js";
import * as torch from "../index.js";
import { Module } from "./module.js";

/** How a loss reduces its per-element values: their mean, their sum, or not at all (PyTorch's `reduction`). */
export type Reduction = "mean" | "sum" | "none";

/** The options of MSELoss and L1Loss. */
export interface ReductionOptions {
  /** How the per-element losses are reduced (default "mean"). */
  reduction?: Reduction;
}

// PyTorch's positional (size_average, reduce, reduction) are taken by the name of the one not deprecated.
const REDUCTION_KEYS: OptionKeys<ReductionOptions> = { reduction: "string" };

/** A loss whose optional class weights are buffers (in the state dict), as PyTorch's _WeightedLoss. */
abstract class WeightedLoss extends Module {
  /** The class weights (or null): the buffer `weight`. */
  declare readonly weight: Tensor | null;
  /** How the per-element losses are reduced (PyTorch's `reduction`, default "mean"). */
  readonly reduction: Reduction;

  constructor(weight: Tensor | null | undefined, reduction: Reduction) {
    super();
    this.reduction = reduction;
    this.registerBuffer("weight", weight ?? null);
  }
}

/**
 * Mean squared error.
 *
 * @example
 * ```ts
 * console.log(new torch.nn.MSELoss().call(torch.tensor([1, 2]), torch.tensor([1, 4]))); // tensor(2.)
 * ```
 */
export class MSELoss extends Module {
  /** The options as given (checked), passed on to `F.mseLoss`. */
  readonly options: ReductionOptions;
  constructor(options?: ReductionOptions) {
    super();
    this.options = readOptions(options, "MSELoss", REDUCTION_KEYS);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return torch.F.mseLoss(input, target, this.options);
  }
}

/**
 * Mean absolute error.
 *
 * @example
 * ```ts
 * const loss = new torch.nn.L1Loss();
 * console.log(loss.call(torch.tensor([0.5, 2, -1]), torch.tensor([1, 1, 1]))); // tensor(1.1667)
 * ```
 */
export class L1Loss extends Module {
  /** The options as given (checked), passed on to `F.l1Loss`. */
  readonly options: ReductionOptions;
  constructor(options?: ReductionOptions) {
    super();
    this.options = readOptions(options, "L1Loss", REDUCTION_KEYS);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return torch.F.l1Loss(input, target, this.options);
  }
}

/**
 * Huber-like loss: quadratic below `beta`, linear above.
 *
 * @example
 * ```ts
 * const loss = new torch.nn.SmoothL1Loss({ beta: 1 });
 * console.log(loss.call(torch.tensor([0.5, 2, -1]), torch.tensor([1, 1, 1]))); // tensor(0.7083)
 * ```
 */
export class SmoothL1Loss extends Module {
  /** The options as given (checked), passed on to `F.smoothL1Loss`. */
  readonly options: ReductionOptions & {
    /** Where the loss turns from quadratic to linear (PyTorch's `beta`, default 1). */
    beta?: number;
  };
  constructor(options?: ReductionOptions & { beta?: number }) {
    super();
    this.options = readOptions(options, "SmoothL1Loss", { reduction: "string", beta: "number" });
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return torch.F.smoothL1Loss(input, target, this.options);
  }
}

/**
 * Binary cross entropy of probabilities.
 *
 * @example
 * ```ts
 * console.log(new torch.nn.BCELoss().call(torch.tensor([0.5]), torch.tensor([1]))); // tensor(0.6931)
 * ```
 */
export class BCELoss extends WeightedLoss {
  constructor(options?: { weight?: Tensor | null; reduction?: Reduction }) {
    const o = readOptions(options, "BCELoss", { weight: true, reduction: "string" });
    super(o.weight, o.reduction ?? "mean");
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return torch.F.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/**
 * Binary cross entropy of logits (sigmoid inside, computed stably); `posWeight` weighs positives.
 *
 * @example
 * ```ts
 * const loss = new torch.nn.BCEWithLogitsLoss();
 * console.log(loss.call(torch.tensor([0.5, 2, -1]), torch.tensor([1, 0, 1]))); // tensor(1.3048)
 * ```
 */
export class BCEWithLogitsLoss extends WeightedLoss {
  constructor(options?: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction }) {
    const o = readOptions(options, "BCEWithLogitsLoss", { weight: true, reduction: "string", posWeight: true });
    super(o.weight, o.reduction ?? "mean");
    this.registerBuffer("pos_weight", o.posWeight ?? null);
  }

  /** The weight of positive examples, per class, or null (the buffer `pos_weight`). */
  get posWeight(): Tensor | null {
    return this._buffers.get("pos_weight") ?? null;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return torch.F.binaryCrossEntropyWithLogits(input, target, {
      weight: this.weight,
      posWeight: this.posWeight,
      reduction: this.reduction,
    });
  }
}

/** The options of NLLLoss (and, with labelSmoothing, CrossEntropyLoss). */
export interface NllLossOptions {
  /** A weight per class ([C]). */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing (default -100). */
  ignoreIndex?: number;
  /** How the per-sample losses are reduced (default "mean"). */
  reduction?: Reduction;
}

// PyTorch's positional order: NLLLoss(weight, size_average, ignore_index, reduce, reduction).
const NLL_KEYS: OptionKeys<NllLossOptions> = { weight: true, ignoreIndex: "number", reduction: "string" };

/**
 * Cross entropy of logits against class indices (or class probabilities).
 *
 * @example
 * ```ts
 * const loss = new torch.nn.CrossEntropyLoss();
 * console.log(loss.call(torch.tensor([[0, 0]]), torch.tensor([1], { dtype: "int64" }))); // tensor(0.6931)
 * ```
 */
export class CrossEntropyLoss extends WeightedLoss {
  /** A target class index that is ignored: it adds nothing to the loss or the gradient (PyTorch's `ignore_index`, default -100). */
  readonly ignoreIndex: number;
  /** The amount of smoothing in [0, 1]: the target is mixed with the uniform distribution (PyTorch's `label_smoothing`, default 0). */
  readonly labelSmoothing: number;

  constructor(options?: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction; labelSmoothing?: number }) {
    const o = readOptions(options, "CrossEntropyLoss", { ...NLL_KEYS, labelSmoothing: "number" });
    super(o.weight, o.reduction ?? "mean");
    this.ignoreIndex = o.ignoreIndex ?? -100;
    this.labelSmoothing = o.labelSmoothing ?? 0;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return torch.F.crossEntropy(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
      labelSmoothing: this.labelSmoothing,
    });
  }
}

/**
 * Negative log likelihood of log-probabilities against class indices.
 *
 * @example
 * ```ts
 * const logProbs = torch.tensor([[-0.5, -1.2], [-2.0, -0.1]]);
 * const target = torch.tensor([0, 1], { dtype: "int64" });
 * console.log(new torch.nn.NLLLoss().call(logProbs, target)); // tensor(0.3000)
 * ```
 */
export class NLLLoss extends WeightedLoss {
  /** A target class index that is ignored: it adds nothing to the loss or the gradient (PyTorch's `ignore_index`, default -100). */
  readonly ignoreIndex: number;

  constructor(options?: NllLossOptions) {
    const o = readOptions(options, "NLLLoss", NLL_KEYS);
    super(o.weight, o.reduction ?? "mean");
    this.ignoreIndex = o.ignoreIndex ?? -100;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return torch.F.nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}
