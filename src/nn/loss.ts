/** Loss modules: thin wrappers of the functional losses, holding their options (and class weights as buffers). */

import type { Tensor } from "../index.js";
import * as torch from "../index.js";
import { checkOptions } from "./checks.js";
import { Module } from "./module.js";

export type Reduction = "mean" | "sum" | "none";

/** A loss whose optional class weights are buffers (in the state dict), as PyTorch's _WeightedLoss. */
abstract class WeightedLoss extends Module {
  /** The class weights (or null): the buffer `weight`. */
  declare readonly weight: Tensor | null;
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
  constructor(readonly options: { reduction?: Reduction } = {}) {
    super();
    checkOptions("MSELoss", options, ["reduction"]);
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
  constructor(readonly options: { reduction?: Reduction } = {}) {
    super();
    checkOptions("L1Loss", options, ["reduction"]);
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
  constructor(readonly options: { reduction?: Reduction; beta?: number } = {}) {
    super();
    checkOptions("SmoothL1Loss", options, ["reduction", "beta"]);
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
  constructor(options: { weight?: Tensor | null; reduction?: Reduction } = {}) {
    checkOptions("BCELoss", options, ["weight", "reduction"]);
    super(options.weight, options.reduction ?? "mean");
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
  constructor(options: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {}) {
    checkOptions("BCEWithLogitsLoss", options, ["weight", "posWeight", "reduction"]);
    super(options.weight, options.reduction ?? "mean");
    this.registerBuffer("pos_weight", options.posWeight ?? null);
  }

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
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;

  constructor(options: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction; labelSmoothing?: number } = {}) {
    checkOptions("CrossEntropyLoss", options, ["weight", "ignoreIndex", "reduction", "labelSmoothing"]);
    super(options.weight, options.reduction ?? "mean");
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.labelSmoothing = options.labelSmoothing ?? 0;
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
  readonly ignoreIndex: number;

  constructor(options: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction } = {}) {
    checkOptions("NLLLoss", options, ["weight", "ignoreIndex", "reduction"]);
    super(options.weight, options.reduction ?? "mean");
    this.ignoreIndex = options.ignoreIndex ?? -100;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return torch.F.nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}
