/** Basic layers: Linear, Identity, Flatten, the activation modules and containers. */

import { ArgumentError } from "../core/errors.js";
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

export interface LinearOptions {
  bias?: boolean;
  dtype?: DType;
}

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
  weight: Parameter;
  bias: Parameter | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    const dtype = options.dtype ?? "float32";
    this.weight = new Parameter(torch.empty([outFeatures, inFeatures], { dtype }));
    this.bias = options.bias === false ? null : new Parameter(torch.empty([outFeatures], { dtype }));
    if (this.bias === null) this.registerParameter("bias", null);
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
    readonly startDim = 1,
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
  constructor(readonly inplace = false) {
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
    readonly negativeSlope = 0.01,
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
    readonly alpha = 1,
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
  readonly approximate: "none" | "tanh";
  constructor(options: { approximate?: "none" | "tanh" } = {}) {
    super();
    this.approximate = options.approximate ?? "none";
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
  readonly beta: number;
  readonly threshold: number;
  constructor(options: { beta?: number; threshold?: number } = {}) {
    super();
    this.beta = options.beta ?? 1;
    this.threshold = options.threshold ?? 20;
    for (const [name, v] of [
      ["beta", this.beta],
      ["threshold", this.threshold],
    ] as const) {
      if (typeof v !== "number") throw new ArgumentError(`Softplus: ${name} must be a number, got ${typeof v}`);
    }
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
  constructor(readonly dim: number) {
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
  constructor(readonly dim: number) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return input.logSoftmax(this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

// ----- containers -----------------------------------------------------------------------

/**
 * Modules applied one after another.
 *
 * @example
 * ```ts
 * const model = new torch.nn.Sequential(new torch.nn.Linear(4, 3), new torch.nn.ReLU());
 * console.log(model.toString()); // Sequential(\n  (0): Linear(in_features=4, out_features=3, bias=True)\n  (1): ReLU()\n)
 * ```
 */
export class Sequential extends Module {
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      this.registerModule(String(i), m);
    });
  }

  /** The i-th module (negative counts from the end). */
  at(i: number): Module {
    const list = this.children();
    const m = list[i < 0 ? i + list.length : i];
    if (m === undefined) throw new torch.IndexError(`index ${i} is out of range`);
    return m;
  }

  get length(): number {
    return this._modules.size;
  }

  /** Appends a module. */
  append(module: Module): this {
    this.registerModule(String(this._modules.size), module);
    return this;
  }

  /** Runs the modules in order, each on the previous one's output (typed as tensors, the common case). */
  override forward(input: Tensor): Tensor {
    let x: unknown = input;
    for (const m of this.children()) x = m.call(x);
    return x as Tensor;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }
}

/**
 * A list of modules registered as submodules (their parameters are the list's).
 *
 * @example
 * ```ts
 * const layers = new torch.nn.ModuleList([new torch.nn.Linear(2, 2), new torch.nn.Linear(2, 2)]);
 * console.log(layers.length, layers.parameters().length); // 2 4
 * ```
 */
export class ModuleList extends Module {
  constructor(modules: Iterable<Module> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  at(i: number): Module {
    const list = this.children();
    const m = list[i < 0 ? i + list.length : i];
    if (m === undefined) throw new torch.IndexError(`index ${i} is out of range`);
    return m;
  }

  get length(): number {
    return this._modules.size;
  }

  append(module: Module): this {
    this.registerModule(String(this._modules.size), module);
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }
}

/**
 * Named submodules, in insertion order.
 *
 * @example
 * ```ts
 * const heads = new torch.nn.ModuleDict({ a: new torch.nn.Linear(2, 1), b: new torch.nn.Linear(2, 3) });
 * console.log(heads.keys()); // [ 'a', 'b' ]
 * ```
 */
export class ModuleDict extends Module {
  constructor(modules: Record<string, Module> = {}) {
    super();
    for (const [k, m] of Object.entries(modules)) this.registerModule(k, m);
  }

  get(key: string): Module | undefined {
    return this._modules.get(key) ?? undefined;
  }

  set(key: string, module: Module): void {
    this.registerModule(key, module);
  }

  keys(): string[] {
    return [...this._modules.keys()];
  }

  values(): Module[] {
    return this.children();
  }

  entries(): [string, Module][] {
    return this.namedChildren();
  }
}
