/** Convolution and pooling modules. */

import { type OptionKeys, readOptions } from "../core/options.js";
import type { DType, Tensor } from "../index.js";
import * as torch from "../index.js";
import { typeName } from "./checks.js";
import { pyBool, resetWeightAndBias } from "./layers.js";
import { Module, Parameter } from "./module.js";

/** A size per spatial dimension, or one number for all (PyTorch's `_size_2_t`). */
export type Size = number | readonly number[];

/** A size as PyTorch prints a tuple: (3, 3), or (3,) for one dim. */
function tuple(v: readonly number[]): string {
  return v.length === 1 ? `(${v[0]},)` : `(${v.join(", ")})`;
}

/** A size given as one number or one per dimension (PyTorch's _ntuple), checked. */
function nTuple(op: string, name: string, v: Size, n: number): number[] {
  if (typeof v === "number") return new Array<number>(n).fill(v);
  if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === "number")) {
    throw new torch.ArgumentError(`${op}: ${name} must be a number or an array of ${n} numbers, got ${typeName(v)}`);
  }
  return [...v];
}

/** PyTorch's checks of a padding string, at construction. */
function checkPaddingString(op: string, padding: string, stride: readonly number[]): "same" | "valid" {
  if (padding !== "same" && padding !== "valid") {
    throw new torch.ArgumentError(`${op}: Invalid padding string '${padding}', should be one of {'same', 'valid'}`);
  }
  if (padding === "same" && stride.some((s) => s !== 1)) {
    throw new torch.ArgumentError(`${op}: padding='same' is not supported for strided convolutions`);
  }
  return padding;
}

/** The options of Conv1d and Conv2d (PyTorch's keyword arguments, camelCase). */
export interface ConvModuleOptions {
  /** Step of the window per spatial dim (default 1). */
  stride?: Size;
  /** Zero padding per side, or "same" / "valid" (default 0). */
  padding?: Size | "same" | "valid";
  /** Spacing between kernel elements (default 1). */
  dilation?: Size;
  /** Number of blocked connections from input to output channels (default 1). */
  groups?: number;
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** The parameters' dtype (default float32). */
  dtype?: DType;
}

// PyTorch's positional order: Conv2d(in, out, kernel_size, stride, padding, dilation, groups, bias, ...).
const CONV_KEYS: OptionKeys<ConvModuleOptions> = {
  stride: true,
  padding: true,
  dilation: true,
  groups: true,
  bias: "boolean",
  dtype: "dtype",
};

/** Shared by Conv1d and Conv2d: weight [out, in / groups, *kernel], PyTorch's default initialisation and printing. */
abstract class ConvNd extends Module {
  /** The learnable kernels, [outChannels, inChannels / groups, ...kernelSize] (PyTorch's `weight`). */
  weight: Parameter;
  /** The learnable bias, [outChannels], or null when built with `bias: false` (PyTorch's `bias`). */
  declare bias: Parameter | null;
  /** The size of the kernel, per spatial dimension (PyTorch's `kernel_size`). */
  readonly kernelSize: number[];
  /** The stride of the convolution, per spatial dimension (PyTorch's `stride`). */
  readonly stride: number[];
  /** The zero padding added to both sides, per spatial dimension, or "same" / "valid" (PyTorch's `padding`). */
  readonly padding: number[] | "same" | "valid";
  /** The spacing between kernel elements, per spatial dimension (PyTorch's `dilation`). */
  readonly dilation: number[];
  /** The number of blocked connections from input to output channels (PyTorch's `groups`). */
  readonly groups: number;

  constructor(
    /** The number of channels of the input (PyTorch's `in_channels`). */
    readonly inChannels: number,
    /** The number of channels the convolution produces (PyTorch's `out_channels`). */
    readonly outChannels: number,
    kernelSize: Size,
    n: number,
    options: ConvModuleOptions | undefined,
  ) {
    super();
    const op = `Conv${n}d`;
    const o = readOptions(options, op, CONV_KEYS);
    this.groups = o.groups ?? 1;
    if (!Number.isInteger(this.groups) || this.groups <= 0) throw new torch.ArgumentError(`${op}: groups must be a positive integer`);
    if (inChannels % this.groups !== 0) throw new torch.ArgumentError(`${op}: in_channels must be divisible by groups`);
    if (outChannels % this.groups !== 0) throw new torch.ArgumentError(`${op}: out_channels must be divisible by groups`);
    this.kernelSize = nTuple(op, "kernel_size", kernelSize, n);
    this.stride = nTuple(op, "stride", o.stride ?? 1, n);
    const p = o.padding ?? 0;
    this.padding = typeof p === "string" ? checkPaddingString(op, p, this.stride) : nTuple(op, "padding", p, n);
    this.dilation = nTuple(op, "dilation", o.dilation ?? 1, n);
    const dtype = o.dtype ?? "float32";
    this.weight = new Parameter(torch.empty([outChannels, inChannels / this.groups, ...this.kernelSize], { dtype }));
    if (o.bias === false) this.registerParameter("bias", null);
    else this.bias = new Parameter(torch.empty([outChannels], { dtype }));
    this.resetParameters();
  }

  /** kaiming-uniform weights (a = sqrt(5)) and U(-1/sqrt(fan_in), 1/sqrt(fan_in)) bias, as PyTorch. */
  resetParameters(): void {
    resetWeightAndBias(this.weight, this.bias);
  }

  /** The options `F.conv1d` / `F.conv2d` take, from this module's stride, padding, dilation and groups. */
  protected convOptions(): torch.F.ConvOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${tuple(this.kernelSize)}, stride=${tuple(this.stride)}`;
    const p = this.padding;
    if (typeof p === "string") s += `, padding=${p}`;
    else if (p.some((v) => v !== 0)) s += `, padding=${tuple(p)}`;
    if (this.dilation.some((v) => v !== 1)) s += `, dilation=${tuple(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += `, bias=${pyBool(false)}`;
    return s;
  }
}

/**
 * 1-d convolution over [N, C, L] (or [C, L]) inputs.
 *
 * @example
 * ```ts
 * const conv = new torch.nn.Conv1d(2, 4, 3, { padding: 1 });
 * console.log(conv.toString(), conv.call(torch.zeros(1, 2, 5)).shape); // Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding=(1,)) [ 1, 4, 5 ]
 * ```
 */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: Size, options?: ConvModuleOptions) {
    super(inChannels, outChannels, kernelSize, 1, options);
  }

  override forward(input: Tensor): Tensor {
    return torch.F.conv1d(input, this.weight, this.bias, this.convOptions());
  }
}

/**
 * 2-d convolution over [N, C, H, W] (or [C, H, W]) inputs.
 *
 * @example
 * ```ts
 * const conv = new torch.nn.Conv2d(1, 8, 3, { padding: 1 });
 * console.log(conv.toString()); // Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
 * console.log(conv.call(torch.zeros(2, 1, 8, 8)).shape); // [ 2, 8, 8, 8 ]
 * ```
 */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: Size, options?: ConvModuleOptions) {
    super(inChannels, outChannels, kernelSize, 2, options);
  }

  override forward(input: Tensor): Tensor {
    return torch.F.conv2d(input, this.weight, this.bias, this.convOptions());
  }
}

/** A kernel/stride/padding value as PyTorch prints the module's argument (an int stays an int). */
function arg(v: Size | null | undefined): string {
  if (v === null || v === undefined) return "None";
  return typeof v === "number" ? String(v) : tuple(v);
}

/** MaxPool2d's options. */
export interface MaxPoolModuleOptions {
  /** The step of the window, one number or one per dimension (default, or null: the kernel size). */
  stride?: Size | null;
  /** Implicit negative-infinity padding added on both sides (default 0). */
  padding?: Size;
  /** The spacing between the elements of a window (default 1). */
  dilation?: Size;
  /** Compute the output size with ceil instead of floor (default false). */
  ceilMode?: boolean;
  /** Also return the indices of the maxima, flat within each plane: `forward` returns [output, indices] (default false). */
  returnIndices?: boolean;
}

// PyTorch's positional order: MaxPool2d(kernel_size, stride, padding, dilation, return_indices, ceil_mode).
const MAX_POOL_KEYS: OptionKeys<MaxPoolModuleOptions> = {
  stride: true,
  padding: true,
  dilation: true,
  returnIndices: "boolean",
  ceilMode: "boolean",
};

/**
 * Max over windows of [N, C, H, W] inputs.
 *
 * @example
 * ```ts
 * const pool = new torch.nn.MaxPool2d(2);
 * console.log(pool.toString()); // MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
 * console.log(pool.call(torch.arange(16, { dtype: "float32" }).view(1, 1, 4, 4))); // tensor([[[[ 5.,  7.],\n          [13., 15.]]]])
 * ```
 */
export class MaxPool2d extends Module {
  /** The step of the window: the `stride` option, or the kernel size when not given (PyTorch's `stride`). */
  readonly stride: Size;
  /** The options as given (checked); `forward` reads padding, dilation, ceilMode and returnIndices from them. */
  readonly options: MaxPoolModuleOptions;

  constructor(
    /** The size of the window, one number or [kH, kW] (PyTorch's `kernel_size`). */
    readonly kernelSize: Size,
    options?: MaxPoolModuleOptions,
  ) {
    super();
    this.options = readOptions(options, "MaxPool2d", MAX_POOL_KEYS);
    this.stride = this.options.stride ?? kernelSize;
  }

  override forward(input: Tensor): Tensor | [Tensor, Tensor] {
    const o = this.options;
    const opts = { stride: this.stride, padding: o.padding ?? 0, dilation: o.dilation ?? 1, ceilMode: o.ceilMode ?? false };
    return o.returnIndices
      ? torch.F.maxPool2d(input, this.kernelSize, { ...opts, returnIndices: true })
      : torch.F.maxPool2d(input, this.kernelSize, opts);
  }

  override extraRepr(): string {
    const o = this.options;
    return `kernel_size=${arg(this.kernelSize)}, stride=${arg(this.stride)}, padding=${arg(o.padding ?? 0)}, dilation=${arg(o.dilation ?? 1)}, ceil_mode=${pyBool(o.ceilMode ?? false)}`;
  }
}

/** AvgPool2d's options. */
export interface AvgPoolModuleOptions {
  /** The step of the window, one number or one per dimension (default, or null: the kernel size). */
  stride?: Size | null;
  /** Implicit zero padding added on both sides (default 0). */
  padding?: Size;
  /** Compute the output size with ceil instead of floor (default false). */
  ceilMode?: boolean;
  /** Count the zero padding in the divisor of each window (default true). */
  countIncludePad?: boolean;
  /** When given, the divisor of every window, instead of its size (default null). */
  divisorOverride?: number | null;
}

const AVG_POOL_KEYS: OptionKeys<AvgPoolModuleOptions> = {
  stride: true,
  padding: true,
  ceilMode: "boolean",
  countIncludePad: "boolean",
  divisorOverride: "number",
};

/**
 * Mean over windows of [N, C, H, W] inputs.
 *
 * @example
 * ```ts
 * console.log(new torch.nn.AvgPool2d(2).toString()); // AvgPool2d(kernel_size=2, stride=2, padding=0)
 * ```
 */
export class AvgPool2d extends Module {
  /** The step of the window: the `stride` option, or the kernel size when not given (PyTorch's `stride`). */
  readonly stride: Size;
  /** The options as given (checked), passed on to `F.avgPool2d`. */
  readonly options: AvgPoolModuleOptions;

  constructor(
    /** The size of the window, one number or [kH, kW] (PyTorch's `kernel_size`). */
    readonly kernelSize: Size,
    options?: AvgPoolModuleOptions,
  ) {
    super();
    this.options = readOptions(options, "AvgPool2d", AVG_POOL_KEYS);
    this.stride = this.options.stride ?? kernelSize;
  }

  override forward(input: Tensor): Tensor {
    return torch.F.avgPool2d(input, this.kernelSize, { ...this.options, stride: this.stride });
  }

  override extraRepr(): string {
    return `kernel_size=${arg(this.kernelSize)}, stride=${arg(this.stride)}, padding=${arg(this.options.padding ?? 0)}`;
  }
}

/**
 * Mean over adaptive windows giving an output of `outputSize` (H, W).
 *
 * @example
 * ```ts
 * console.log(new torch.nn.AdaptiveAvgPool2d(1).call(torch.ones(2, 3, 5, 5)).shape); // [ 2, 3, 1, 1 ]
 * ```
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(
    /** The output size: one number for both, or [H, W], where null keeps the input's size (PyTorch's `output_size`). */
    readonly outputSize: number | readonly (number | null)[],
  ) {
    super();
  }

  override forward(input: Tensor): Tensor {
    return torch.F.adaptiveAvgPool2d(input, this.outputSize);
  }

  override extraRepr(): string {
    const o = this.outputSize;
    return `output_size=${typeof o === "number" ? o : `(${o.map((v) => (v === null ? "None" : v)).join(", ")})`}`;
  }
}
