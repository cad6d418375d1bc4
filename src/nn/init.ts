/**
 * nn.init: in-place initialisation of parameters, with PyTorch's
 * distributions, bounds and generator use (so a seeded model starts from
 * PyTorch's weights). Every function runs without recording and returns the tensor.
 */

import { type OptionKeys, readOptions } from "../core/options.js";
import type { Generator, Tensor } from "../index.js";
import * as torch from "../index.js";

/** The options of the fills that take only a generator (uniform_, normal_, xavier*). */
export interface InitOptions {
  /** Generator to draw from (default: the global one seeded by manualSeed). */
  generator?: Generator | null;
}

const INIT_KEYS: OptionKeys<InitOptions> = { generator: true };

/** The nonlinearities `calculateGain` knows (PyTorch's names, as its `nonlinearity` argument takes them). */
export type Nonlinearity =
  | "linear"
  | "conv1d"
  | "conv2d"
  | "conv3d"
  | "conv_transpose1d"
  | "conv_transpose2d"
  | "conv_transpose3d"
  | "sigmoid"
  | "tanh"
  | "relu"
  | "leaky_relu"
  | "selu";

/**
 * The recommended gain for a nonlinearity (PyTorch's calculate_gain).
 *
 * @example
 * ```ts
 * console.log(torch.nn.init.calculateGain("relu")); // 1.4142135623730951
 * ```
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear":
    case "conv1d":
    case "conv2d":
    case "conv3d":
    case "conv_transpose1d":
    case "conv_transpose2d":
    case "conv_transpose3d":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.sqrt(2);
    case "leaky_relu": {
      if (param !== undefined && param !== null && typeof param !== "number") {
        throw new torch.ArgumentError(`calculateGain: negative_slope ${String(param)} not a valid number`);
      }
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu":
      return 3 / 4;
    default:
      throw new torch.ArgumentError(`calculateGain: Unsupported nonlinearity ${String(nonlinearity)}`);
  }
}

/**
 * fan_in and fan_out of a weight: [out, in, *kernel] gives
 * in * receptive field and out * receptive field.
 *
 * @example
 * ```ts
 * console.log(torch.nn.init.calculateFanInAndFanOut(torch.empty(3, 5))); // [ 5, 3 ]
 * ```
 */
export function calculateFanInAndFanOut(tensor: Tensor): [number, number] {
  if (tensor.ndim < 2) {
    throw new torch.ArgumentError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
  }
  const receptive = tensor.shape.slice(2).reduce((a, b) => a * b, 1);
  return [(tensor.shape[1] as number) * receptive, (tensor.shape[0] as number) * receptive];
}

/** Which fan the Kaiming initialisations preserve the variance of: the inputs' (forward pass) or the outputs' (backward). */
export type Mode = "fan_in" | "fan_out";

function fan(tensor: Tensor, mode: Mode): number {
  if (mode !== "fan_in" && mode !== "fan_out") {
    throw new torch.ArgumentError(`Mode ${String(mode)} not supported, please use one of ['fan_in', 'fan_out']`);
  }
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  return mode === "fan_in" ? fanIn : fanOut;
}

/**
 * Fills with U(a, b).
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * console.log(torch.nn.init.uniform_(torch.empty(2), -1, 1)); // tensor([-0.0075,  0.5364])
 * ```
 */
export function uniform_(tensor: Tensor, a = 0, b = 1, options?: InitOptions): Tensor {
  return torch.noGrad(() => tensor.uniform_(a, b, options));
}

/**
 * Fills with N(mean, std^2).
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * console.log(torch.nn.init.normal_(torch.empty(3), 0, 0.5)); // tensor([ 0.7705, -0.1467, -1.0894])
 * ```
 */
export function normal_(tensor: Tensor, mean = 0, std = 1, options?: InitOptions): Tensor {
  return torch.noGrad(() => tensor.normal_(mean, std, options));
}

/**
 * Fills with `value`.
 *
 * @example
 * ```ts
 * console.log(torch.nn.init.constant_(torch.empty(2), 0.3)); // tensor([0.3000, 0.3000])
 * ```
 */
export function constant_(tensor: Tensor, value: number): Tensor {
  return torch.noGrad(() => tensor.fill_(value));
}

/**
 * Fills with zeros.
 *
 * @example
 * ```ts
 * console.log(torch.nn.init.zeros_(torch.empty(2))); // tensor([0., 0.])
 * ```
 */
export function zeros_(tensor: Tensor): Tensor {
  return torch.noGrad(() => tensor.zero_());
}

/**
 * Fills with ones.
 *
 * @example
 * ```ts
 * console.log(torch.nn.init.ones_(torch.empty(2))); // tensor([1., 1.])
 * ```
 */
export function ones_(tensor: Tensor): Tensor {
  return torch.noGrad(() => tensor.fill_(1));
}

/**
 * Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * console.log(torch.nn.init.xavierUniform_(torch.empty(2, 3))); // tensor([[-0.0082,  0.5876, -0.9016],\n        [-0.8062, -0.4219,  0.2938]])
 * ```
 */
export function xavierUniform_(tensor: Tensor, gain = 1, options?: InitOptions): Tensor {
  const o = readOptions(options, "xavierUniform_", INIT_KEYS);
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(tensor, -a, a, o);
}

/**
 * Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)).
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * console.log(torch.nn.init.xavierNormal_(torch.empty(2, 3))); // tensor([[ 0.9746, -0.1856, -1.3780],\n        [ 0.3595, -0.6859, -0.8845]])
 * ```
 */
export function xavierNormal_(tensor: Tensor, gain = 1, options?: InitOptions): Tensor {
  const o = readOptions(options, "xavierNormal_", INIT_KEYS);
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  return normal_(tensor, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), o);
}

export interface KaimingOptions extends InitOptions {
  /** Negative slope of the leaky_relu after this layer (default 0). */
  a?: number;
  /** "fan_in" (the default) keeps the forward pass's variance, "fan_out" the backward's. */
  mode?: Mode;
  /** The nonlinearity after this layer, for its gain (default "leaky_relu"). */
  nonlinearity?: Nonlinearity;
}

// PyTorch's positional order: kaiming_uniform_(tensor, a, mode, nonlinearity, generator).
const KAIMING_KEYS: OptionKeys<KaimingOptions> = { a: "number", mode: "string", nonlinearity: "string", generator: true };

/**
 * He uniform: U(-b, b) with b = gain * sqrt(3 / fan), gain from the nonlinearity.
 * Linear and conv layers use it with a = sqrt(5) for their default weights.
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * const w = torch.nn.init.kaimingUniform_(torch.empty(2, 3), { nonlinearity: "relu" });
 * console.log(w); // tensor([[-0.0106,  0.7586, -1.1640],\n        [-1.0408, -0.5447,  0.3792]])
 * ```
 */
export function kaimingUniform_(tensor: Tensor, options?: KaimingOptions): Tensor {
  const o = readOptions(options, "kaimingUniform_", KAIMING_KEYS);
  const n = fan(tensor, o.mode ?? "fan_in");
  const gain = calculateGain(o.nonlinearity ?? "leaky_relu", o.a ?? 0);
  const bound = Math.sqrt(3) * (gain / Math.sqrt(n));
  return uniform_(tensor, -bound, bound, { generator: o.generator });
}

/**
 * He normal: N(0, std^2) with std = gain / sqrt(fan).
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * const w = torch.nn.init.kaimingNormal_(torch.empty(2, 3), { mode: "fan_out", nonlinearity: "relu" });
 * console.log(w); // tensor([[ 1.5410, -0.2934, -2.1788],\n        [ 0.5684, -1.0845, -1.3986]])
 * ```
 */
export function kaimingNormal_(tensor: Tensor, options?: KaimingOptions): Tensor {
  const o = readOptions(options, "kaimingNormal_", KAIMING_KEYS);
  const n = fan(tensor, o.mode ?? "fan_in");
  const gain = calculateGain(o.nonlinearity ?? "leaky_relu", o.a ?? 0);
  return normal_(tensor, 0, gain / Math.sqrt(n), { generator: o.generator });
}
