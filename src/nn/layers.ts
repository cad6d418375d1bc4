/** Basic layers: Linear, Identity, Flatten, the activation modules and containers. */

import { ArgumentError } from "../core/errors.js";
import { type OptionKeys, readOptions } from "../core/options.js";
import type { DType, Tensor } from "../index.js";
import * as torch from "../index.js";
import * as init from "./init.js";
import { Module, Parameter } from "./module.js";

/** A float as Python's repr prints it (1.0, 0.01, 1e-05), for PyTorch's module printouts. */
export function pyFloat(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return `${x}.0`;
  const [mantissa, exp] = x.toExponential().split("e") as [string, string];
  const e = Number(exp);
  if (e < -4 || e >= 16) return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  return String(x);
}

/** A Python bool as printed. */
export const pyBool = (b: boolean) => (b ? "True" : "False");

/** PyTorch's default initialisation of Linear and convolution layers: kaiming-uniform weights (a = sqrt(5)), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
export function resetWeightAndBias(weight: Tensor, bias: Tensor | null): void {
  init.kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias !== null) {
    const [fanIn] = init.calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    init.uniform_(bias, -bound, bound);
  }
}

/** The options of Linear (PyTorch's keyword arguments, camelCase). */
export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** The parameters' dtype (default float32). */
  dtype?: DType;
}

const LINEAR_KEYS: OptionKeys<LinearOptions> = { bias: "boolean", dtype: "dtype" };

/**
 * y = x W^T + b, with W [outFeatures, inFeatures] and b [outFeatures]
 * initialised as PyTorch does (kaiming-uniform with a = sqrt(5), bias
 * U(-1/sqrt(in), 1/sqrt(in))).
 *
 * @example
 * ```ts
 * const fc = new torch.nn.Linear(64, 128);
 * console.log(fc.toString()); // Linear(in_features=64, out_features=128, bias=True)
 * console.log(fc.call(torch.zeros(8, 64)).shape); // [ 8, 128 ]
 * ```
 */
export class Linear extends Module {
  /** The learnable weight W, [outFeatures, inFeatures] (PyTorch's `weight`). */
  weight: Parameter;
  /** The learnable bias b, [outFeatures], or null when built with `bias: false` (PyTorch's `bias`). */
  declare bias: Parameter | null;

  constructor(
    /** The size of each input sample (PyTorch's `in_features`). */
    readonly inFeatures: number,
    /** The size of each output sample (PyTorch's `out_features`). */
    readonly outFeatures: number,
    options?: LinearOptions,
  ) {
    super();
    const o = readOptions(options, "Linear", LINEAR_KEYS);
    const dtype = o.dtype ?? "float32";
    this.weight = new Parameter(torch.empty([outFeatures, inFeatures], { dtype }));
    if (o.bias === false) this.registerParameter("bias", null);
    else this.bias = new Parameter(torch.empty([outFeatures], { dtype }));
    this.resetParameters();
  }

  /** Re-draws the weights as at construction. */
  resetParameters(): void {
    resetWeightAndBias(this.weight, this.bias);
  }

  override forward(input: Tensor): Tensor {
    return torch.F.linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/**
 * Returns its input.
 *
 * @example
 * ```ts
 * console.log(new torch.nn.Identity().call(torch.tensor([1, 2]))); // tensor([1., 2.])
 * ```
 */
export class Identity extends Module {
  override forward(input: Tensor): Tensor {
    return input;
  }
}

/**
 * Flattens dims `startDim`..`endDim` (default: all but the batch dim).
 *
 * @example
 * ```ts
 * console.log(new torch.nn.Flatten().call(torch.zeros(2, 3, 4)).shape); // [ 2, 12 ]
 * ```
 */
export class Flatten extends Module {
  constructor(
    /** The first dim flattened (PyTorch's `start_dim`, default 1). */
    readonly startDim = 1,
    /** The last dim flattened, inclusive (PyTorch's `end_dim`, default -1). */
    readonly endDim = -1,
  ) {
    super();
  }

  override forward(input: Tensor): Tensor {
    return input.flatten(this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

// ----- activations -------------------------------------------------------------------

/**
 * max(0, x) elementwise.
 *
 * @example
 * ```ts
 * console.log(new torch.nn.ReLU().call(torch.tensor([-1, 2]))); // tensor([0., 2.])
 * ```
 */
export class ReLU extends Module {
  constructor(
    /** Whether to modify the input itself, in place (PyTorch's `inplace`, default false). */
    readonly inplace = false,
  ) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return this.inplace ? input.relu_() : input.relu();
  }
  override extraRepr(): string {
    return this.inplace ? "inplace=True" : "";
  }
}

/**
 * max(0, x) + negativeSlope * min(0, x).
 *
 * @example
 * ```ts
 * const act = new torch.nn.LeakyReLU(0.1);
 * console.log(String(act)); // LeakyReLU(negative_slope=0.1)
 * console.log(act.call(torch.tensor([-1, 0.5, 2]))); // tensor([-0.1000,  0.5000,  2.0000])
 * ```
 */
export class LeakyReLU extends Module {
  constructor(
    /** The slope of the negative part (PyTorch's `negative_slope`, default 0.01). */
    readonly negativeSlope = 0.01,
    /** Whether to modify the input itself, in place (PyTorch's `inplace`, default false). */
    readonly inplace = false,
  ) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return torch.F.leakyRelu(input, this.negativeSlope, { inplace: this.inplace });
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}${this.inplace ? ", inplace=True" : ""}`;
  }
}

/**
 * x for x > 0, alpha (e^x - 1) otherwise.
 *
 * @example
 * ```ts
 * console.log(new torch.nn.ELU().call(torch.tensor([-1, 0.5, 2]))); // tensor([-0.6321,  0.5000,  2.0000])
 * ```
 */
export class ELU extends Module {
  constructor(
    /** The alpha of alpha (e^x - 1) for x <= 0 (PyTorch's `alpha`, default 1). */
    readonly alpha = 1,
    /** Whether to modify the input itself, in place (PyTorch's `inplace`, default false). */
    readonly inplace = false,
  ) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return torch.F.elu(input, this.alpha, { inplace: this.inplace });
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}${this.inplace ? ", inplace=True" : ""}`;
  }
}

/**
 * x * Phi(x) (exact) or its tanh approximation.
 *
 * @example
 * ```ts
 * const gelu = new torch.nn.GELU({ approximate: "tanh" });
 * console.log(String(gelu)); // GELU(approximate='tanh')
 * console.log(gelu.call(torch.tensor([-1, 0.5, 2]))); // tensor([-0.1588,  0.3457,  1.9546])
 * ```
 */
export class GELU extends Module {
  /** "none": the exact x * Phi(x); "tanh": its tanh approximation (PyTorch's `approximate`, default "none"). */
  readonly approximate: "none" | "tanh";
  constructor(options?: { approximate?: "none" | "tanh" }) {
    super();
    this.approximate = readOptions(options, "GELU", { approximate: "string" }).approximate ?? "none";
    if (this.approximate !== "none" && this.approximate !== "tanh") {
      throw new ArgumentError(`GELU: approximate argument must be either none or tanh, got '${String(this.approximate)}'`);
    }
  }
  override forward(input: Tensor): Tensor {
    return torch.F.gelu(input, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/**
 * x * sigmoid(x).
 *
 * @example
 * ```ts
 * console.log(new torch.nn.SiLU().call(torch.tensor([-1, 0.5, 2]))); // tensor([-0.2689,  0.3112,  1.7616])
 * ```
 */
export class SiLU extends Module {
  override forward(input: Tensor): Tensor {
    return torch.F.silu(input);
  }
}

/**
 * x * tanh(softplus(x)).
 *
 * @example
 * ```ts
 * console.log(new torch.nn.Mish().call(torch.tensor([-1, 0.5, 2]))); // tensor([-0.3034,  0.3752,  1.9440])
 * ```
 */
export class Mish extends Module {
  constructor(
    /** Whether to modify the input itself, in place (PyTorch's `inplace`, default false). */
    readonly inplace = false,
  ) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return torch.F.mish(input, { inplace: this.inplace });
  }
  override extraRepr(): string {
    return this.inplace ? "inplace=True" : "";
  }
}

/**
 * 1 / (1 + e^-x).
 *
 * @example
 * ```ts
 * console.log(new torch.nn.Sigmoid().call(torch.tensor([-1, 0.5, 2]))); // tensor([0.2689, 0.6225, 0.8808])
 * ```
 */
export class Sigmoid extends Module {
  override forward(input: Tensor): Tensor {
    return input.sigmoid();
  }
}

/**
 * tanh(x).
 *
 * @example
 * ```ts
 * console.log(new torch.nn.Tanh().call(torch.tensor([-1, 0.5, 2]))); // tensor([-0.7616,  0.4621,  0.9640])
 * ```
 */
export class Tanh extends Module {
  override forward(input: Tensor): Tensor {
    return input.tanh();
  }
}

/**
 * log(1 + e^(beta x)) / beta (x above the threshold).
 *
 * @example
 * ```ts
 * const softplus = new torch.nn.Softplus({ beta: 2 });
 * console.log(String(softplus)); // Softplus(beta=2, threshold=20)
 * console.log(softplus.call(torch.tensor([-1, 0.5, 2]))); // tensor([0.0635, 0.6566, 2.0091])
 * ```
 */
export class Softplus extends Module {
  /** The beta of log(1 + e^(beta x)) / beta (PyTorch's `beta`, default 1). */
  readonly beta: number;
  /** Where beta x is above it, the output is x, for numerical stability (PyTorch's `threshold`, default 20). */
  readonly threshold: number;
  constructor(options?: { beta?: number; threshold?: number }) {
    super();
    const o = readOptions(options, "Softplus", { beta: "number", threshold: "number" });
    this.beta = o.beta ?? 1;
    this.threshold = o.threshold ?? 20;
  }
  override forward(input: Tensor): Tensor {
    return torch.F.softplus(input, { beta: this.beta, threshold: this.threshold });
  }
  override extraRepr(): string {
    // Python prints ints as ints and floats as floats; a JS number is an int when it is integral.
    const num = (v: number) => (Number.isInteger(v) ? String(v) : pyFloat(v));
    const beta = num(this.beta);
    const threshold = num(this.threshold);
    return `beta=${beta}, threshold=${threshold}`;
  }
}

/**
 * softmax along `dim`.
 *
 * @example
 * ```ts
 * console.log(new torch.nn.Softmax(0).call(torch.tensor([0, 0]))); // tensor([0.5000, 0.5000])
 * ```
 */
export class Softmax extends Module {
  constructor(
    /** The dim along which the values sum to 1 (PyTorch's `dim`). */
    readonly dim: number,
  ) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return input.softmax(this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * log(softmax) along `dim`.
 *
 * @example
 * ```ts
 * const act = new torch.nn.LogSoftmax(0);
 * console.log(String(act)); // LogSoftmax(dim=0)
 * console.log(act.call(torch.tensor([-1, 0.5, 2]))); // tensor([-3.2413, -1.7413, -0.2413])
 * ```
 */
export class LogSoftmax extends Module {
  constructor(
    /** The dim along which the log-softmax is computed (PyTorch's `dim`). */
    readonly dim: number,
  ) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return input.logSoftmax(this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
