/**
 * Activation functions (torch.nn.functional). Each derivative is an op of
 * its own (leaky_relu_backward, elu_backward, gelu_backward, ...), as in
 * PyTorch, so the graph of a createGraph pass has PyTorch's nodes and the
 * backward runs as one fused kernel.
 */

import type { BinaryOp, UnaryOp } from "../backend/types.js";
import { type DType, isFloating, scalarTypeName } from "../core/dtype.js";
import { ArgumentError, AutogradError, DTypeError } from "../core/errors.js";
import { type OptionKeys, readOptions } from "../core/options.js";
import { normalizeDim } from "../core/shape.js";
import type { Tensor } from "../tensor.js";
import { addScalar, mulScalar } from "./arith.js";
import { defineOp, type Op } from "./define.js";
import { applyInplace } from "./inplace.js";
import * as K from "./kernels.js";
import { sigmoidBackward } from "./pointwise.js";
import { expectTensor } from "./scalars.js";
import { DTYPE_KEYS, type DTypeOptions } from "./sizes.js";

/** The options of activations that can run in place (leakyRelu, elu, silu). */
export interface InplaceOptions {
  /** Overwrite the input with the result (default false). */
  inplace?: boolean;
}

export const INPLACE_KEYS: OptionKeys<InplaceOptions> = { inplace: "boolean" };

/** gelu's options. */
export interface GeluOptions {
  /** "none" (exact, the default) or "tanh" (PyTorch's tanh approximation). */
  approximate?: "none" | "tanh";
}

export const GELU_KEYS: OptionKeys<GeluOptions> = { approximate: "string" };

/** softplus's options. */
export interface SoftplusOptions {
  /** The scale of x inside the log (default 1). */
  beta?: number;
  /** Above this value of beta * x the result is x (default 20). */
  threshold?: number;
}

export const SOFTPLUS_KEYS: OptionKeys<SoftplusOptions> = { beta: "number", threshold: "number" };

interface Params {
  dtype: DType;
  p0: number;
  p1: number;
}

function floatInput(input: Tensor, op: string): Tensor {
  const x = expectTensor(input, op, "input");
  if (!isFloating(x.dtype)) {
    throw new DTypeError(`${op}: expected a floating point input, got ${x.dtype} ("${scalarTypeName(x.dtype)}" is not implemented)`);
  }
  return x;
}

/**
 * An activation y = f(x; p0, p1) whose derivative g * f'(x) is the op
 * `backwardName` (node `<Name>BackwardBackward0`). `doubleBackward` gives
 * the second derivative's contribution wrt x (the gradient of
 * <gg, g * f'(x)> wrt x); the part wrt g is the backward op again.
 */
function activation(spec: {
  name: string;
  gradFn: string;
  kernel: UnaryOp;
  backwardKernel: BinaryOp;
  backwardGradFn: string;
  /** `backward(g, x)` applies the (recorded) backward op. */
  doubleBackward: (gg: Tensor, g: Tensor, x: Tensor, p: Params, backward: (g: Tensor, x: Tensor) => Tensor) => Tensor;
  /**
   * In place, PyTorch's node (`gradFn`, e.g. LeakyReluBackward1) saves the
   * result instead of the input and runs the backward op on it, which
   * `check` (run in backward) refuses for parameters where that is wrong.
   */
  inplace?: { gradFn: string; check: (p: Params) => void };
}) {
  const backwardOp: Op<Params> = defineOp<Params>({
    name: `${spec.name}_backward`,
    gradFn: spec.backwardGradFn,
    save: "inputs",
    jvp: "elementwise",
    forward: ([g, x], p) => K.binary(spec.backwardKernel, g as Tensor, x as Tensor, p.dtype, p.p0, spec.name, p.p1),
    backward: ([gg], c) => [
      c.needs[0] ? backwardOp([gg, c.input(1)], c.attrs) : null,
      c.needs[1] ? spec.doubleBackward(gg, c.input(0), c.input(1), c.attrs, (g, x) => backwardOp([g, x], c.attrs)) : null,
    ],
  });
  const op = defineOp<Params>({
    name: spec.name,
    gradFn: spec.gradFn,
    save: "inputs",
    jvp: "elementwise",
    forward: ([x], p) => K.unary(spec.kernel, x as Tensor, p.dtype, p.p0, p.p1),
    backward: ([g], c) => [backwardOp([g, c.input(0)], c.attrs)],
  });
  const inplace = spec.inplace;
  const inplaceDef =
    inplace === undefined
      ? op.def
      : defineOp<Params>({
          name: spec.name,
          gradFn: inplace.gradFn,
          save: "result",
          jvp: "elementwise",
          forward: op.def.forward,
          backward: ([g], c) => {
            inplace.check(c.attrs);
            return [backwardOp([g, c.result()], c.attrs)];
          },
        }).def;
  return {
    apply: (x: Tensor, p0 = 0, p1 = 0) => op([x], { dtype: x.dtype, p0, p1 }),
    inplace: (x: Tensor, p0 = 0, p1 = 0) => applyInplace(inplaceDef, [x], { dtype: x.dtype, p0, p1 }),
  };
}

/** d/dx of a piecewise function's derivative that is constant where it is defined: zero. */
const zeroSecond = (gg: Tensor) => K.full(gg.shape, 0, gg.dtype);

const leaky = activation({
  name: "leaky_relu",
  gradFn: "LeakyReluBackward0",
  kernel: "leakyRelu",
  backwardKernel: "leakyReluBackward",
  backwardGradFn: "LeakyReluBackwardBackward0",
  doubleBackward: zeroSecond,
  // With a slope >= 0 the result has the input's sign, so the backward op reads it in place of the input.
  inplace: {
    gradFn: "LeakyReluBackward1",
    check: ({ p0 }) => {
      if (!(p0 >= 0)) {
        throw new AutogradError(
          `leaky_relu_backward: In-place leakyReLu backward calculation is triggered with a negative slope which is not supported. This is caused by calling in-place forward function with a negative slope, please call out-of-place version instead. (negative_slope is ${p0}: use F.leakyRelu(x, ${p0}) without inplace)`,
        );
      }
    },
  },
});

/**
 * max(0, x) + negativeSlope * min(0, x); the gradient at 0 is negativeSlope.
 * In place (`inplace: true`, or `leakyRelu_`) the gradient is computed from
 * the result, as in PyTorch: a backward pass through it with a negative
 * slope raises an AutogradError.
 *
 * @example
 * ```ts
 * console.log(torch.F.leakyRelu(torch.tensor([-2, 3]), 0.1)); // tensor([-0.2000,  3.0000])
 * ```
 */
export function leakyRelu(input: Tensor, negativeSlope = 0.01, options?: InplaceOptions): Tensor {
  const { inplace } = readOptions(options, "leaky_relu", INPLACE_KEYS);
  const x = floatInput(input, "leaky_relu");
  return inplace ? leaky.inplace(x, negativeSlope) : leaky.apply(x, negativeSlope);
}

/**
 * leakyRelu in place (PyTorch's `F.leaky_relu_`); returns `input`.
 *
 * @example
 * ```ts
 * const x = torch.tensor([-2, 3]);
 * torch.F.leakyRelu_(x, 0.5);
 * console.log(x); // tensor([-1.,  3.])
 * ```
 */
export function leakyRelu_(input: Tensor, negativeSlope = 0.01): Tensor {
  return leaky.inplace(floatInput(input, "leaky_relu_"), negativeSlope);
}

const eluAct = activation({
  name: "elu",
  gradFn: "EluBackward0",
  kernel: "elu",
  backwardKernel: "eluBackward",
  backwardGradFn: "EluBackwardBackward0",
  // For x < 0, d/dx (g * alpha * e^x) = g * alpha * e^x, i.e. elu_backward(gg * g, x) there; 0 for x >= 0.
  doubleBackward: (gg, g, x, _, backward) => backward(gg.mul(g), x).mul(x.lt(0).to(gg.dtype)),
});

/**
 * x for x > 0, alpha * (e^x - 1) otherwise.
 *
 * @example
 * ```ts
 * console.log(torch.F.elu(torch.tensor([-1, 2]))); // tensor([-0.6321,  2.0000])
 * ```
 */
export function elu(input: Tensor, alpha = 1, options?: InplaceOptions): Tensor {
  const { inplace } = readOptions(options, "elu", INPLACE_KEYS);
  const x = floatInput(input, "elu");
  return inplace ? eluAct.inplace(x, alpha) : eluAct.apply(x, alpha);
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

const geluExact = activation({
  name: "gelu",
  gradFn: "GeluBackward0",
  kernel: "gelu",
  backwardKernel: "geluBackward",
  backwardGradFn: "GeluBackwardBackward0",
  // gelu''(x) = phi(x) (2 - x^2).
  doubleBackward: (gg, g, x) => {
    const pdf = mulScalar(mulScalar(x.mul(x), -0.5).exp(), 1 / Math.sqrt(2 * Math.PI));
    return gg.mul(g).mul(mulScalar(pdf, 2).sub(x.mul(x).mul(pdf)));
  },
});

const geluTanh = activation({
  name: "gelu",
  gradFn: "GeluBackward0",
  kernel: "geluTanh",
  backwardKernel: "geluTanhBackward",
  backwardGradFn: "GeluBackwardBackward0",
  doubleBackward: (gg, g, x) => gg.mul(g).mul(geluTanhSecond(x)),
});

/** Second derivative of 0.5 x (1 + tanh(b (x + k x^3))), with f = x/2, g = 1 - tanh^2, h = b (1 + 3k x^2). */
function geluTanhSecond(x: Tensor): Tensor {
  const k = 0.044715;
  const inner = mulScalar(x.add(mulScalar(x.pow(3), k)), SQRT_2_OVER_PI);
  const t = inner.tanh();
  const sech = inner.cosh().reciprocal();
  const f = mulScalar(x, 0.5);
  const g = addScalar(t.mul(t).neg(), 1);
  const h = mulScalar(addScalar(mulScalar(x.mul(x), 3 * k), 1), SQRT_2_OVER_PI);
  const fPrimeGH = mulScalar(g, 0.5).mul(h);
  const gPrimeFH = f.mul(h).mul(mulScalar(sech, 2).mul(sech.neg().mul(t)).mul(h));
  const hPrimeFG = f.mul(g).mul(mulScalar(x, 6 * k * SQRT_2_OVER_PI));
  return fPrimeGH.add(fPrimeGH).add(gPrimeFH).add(hPrimeFG);
}

/**
 * x * Phi(x), Phi the standard normal CDF; `approximate: "tanh"` uses PyTorch's tanh formula.
 *
 * @example
 * ```ts
 * console.log(torch.F.gelu(torch.tensor([-1, 1]))); // tensor([-0.1587,  0.8413])
 * ```
 */
export function gelu(input: Tensor, options?: GeluOptions): Tensor {
  const approximate = readOptions(options, "gelu", GELU_KEYS).approximate ?? "none";
  const x = floatInput(input, "gelu");
  if (approximate !== "none" && approximate !== "tanh") {
    throw new ArgumentError(`gelu: approximate argument must be either none or tanh, got '${String(approximate)}'`);
  }
  return approximate === "tanh" ? geluTanh.apply(x) : geluExact.apply(x);
}

const softplusAct = activation({
  name: "softplus",
  gradFn: "SoftplusBackward0",
  kernel: "softplus",
  backwardKernel: "softplusBackward",
  backwardGradFn: "SoftplusBackwardBackward0",
  // d/dx sigmoid(beta x) = beta sigmoid'(beta x), below the threshold only.
  doubleBackward: (gg, g, x, p) => {
    const bx = mulScalar(x, p.p0);
    return mulScalar(sigmoidBackward(gg.mul(g), bx.sigmoid()).mul(bx.lt(p.p1).to(gg.dtype)), p.p0);
  },
});

/**
 * log(1 + e^(beta x)) / beta, or x where beta x > threshold.
 *
 * @example
 * ```ts
 * console.log(torch.F.softplus(torch.tensor([0, 30]))); // tensor([ 0.6931, 30.0000])
 * ```
 */
export function softplus(input: Tensor, options?: SoftplusOptions): Tensor {
  const o = readOptions(options, "softplus", SOFTPLUS_KEYS);
  const beta = o.beta ?? 1;
  const threshold = o.threshold ?? 20;
  return softplusAct.apply(floatInput(input, "softplus"), beta, threshold);
}

const logSigmoidAct = activation({
  name: "log_sigmoid",
  gradFn: "LogSigmoidBackward0",
  kernel: "logSigmoid",
  backwardKernel: "logSigmoidBackward",
  backwardGradFn: "LogSigmoidBackwardBackward0",
  // d/dx sigmoid(-x) = -sigmoid(-x) (1 - sigmoid(-x)).
  doubleBackward: (gg, g, x) => sigmoidBackward(gg.mul(g), x.neg().sigmoid()).neg(),
});

/**
 * log(sigmoid(x)), computed without overflow.
 *
 * @example
 * ```ts
 * console.log(torch.F.logsigmoid(torch.tensor([0]))); // tensor([-0.6931])
 * ```
 */
export function logsigmoid(input: Tensor): Tensor {
  return logSigmoidAct.apply(floatInput(input, "log_sigmoid"));
}

/**
 * x * sigmoid(x) (also called swish).
 *
 * @example
 * ```ts
 * console.log(torch.F.silu(torch.tensor([1]))); // tensor([0.7311])
 * ```
 */
export function silu(input: Tensor, options?: InplaceOptions): Tensor {
  const { inplace } = readOptions(options, "silu", INPLACE_KEYS);
  const x = floatInput(input, "silu");
  return inplace ? applyInplace(siluOp.def, [x], { dtype: x.dtype }) : siluOp([x], { dtype: x.dtype });
}

// silu's derivative is composite in PyTorch 1.13: grad * s * (1 + x (1 - s)), s = sigmoid(x).
const siluOp = defineOp<{ dtype: DType }>({
  name: "silu",
  jvp: "elementwise",
  gradFn: "SiluBackward0",
  save: "inputs",
  forward: ([x], { dtype }) => K.unary("silu", x as Tensor, dtype),
  backward: ([g], c) => {
    const x = c.input(0);
    const s = x.sigmoid();
    return [g.mul(s.mul(addScalar(x.mul(addScalar(s.neg(), 1)), 1)))];
  },
});

// ----- softmax and log_softmax ---------------------------------------------------

interface SoftmaxAttrs {
  dim: number;
  dtype: DType;
}

const softmaxBackwardOp: Op<SoftmaxAttrs> = defineOp<SoftmaxAttrs>({
  name: "_softmax_backward_data",
  gradFn: "SoftmaxBackwardDataBackward0",
  save: "inputs",
  // dx = y * (g - sum(g * y)).
  forward: ([g, y], { dim, dtype }) => K.softmaxBackward(g as Tensor, y as Tensor, dim, false, dtype),
  // d/dy <gg, y (g - sum(g y))> = gg g - gg sum(g y) - g sum(gg y).
  backward: ([gg], c) => {
    const [g, y] = [c.input(0), c.input(1)];
    const { dim } = c.attrs;
    return [
      c.needs[0] ? softmaxBackwardOp([gg, y], c.attrs) : null,
      c.needs[1]
        ? g
            .mul(gg)
            .sub(y.mul(g).sum(dim, { keepdim: true }).mul(gg))
            .sub(g.mul(y.mul(gg).sum(dim, { keepdim: true })))
        : null,
    ];
  },
});

const softmaxOp = defineOp<SoftmaxAttrs>({
  name: "softmax",
  gradFn: "SoftmaxBackward0",
  save: "result",
  forward: ([x], { dim, dtype }) => K.softmax(x as Tensor, dim, false, dtype),
  backward: ([g], c) => [softmaxBackwardOp([g, c.result()], c.attrs)],
});

const logSoftmaxBackwardOp = defineOp<SoftmaxAttrs>({
  name: "_log_softmax_backward_data",
  gradFn: "LogSoftmaxBackwardDataBackward0",
  save: "inputs",
  // dx = g - exp(y) sum(g).
  forward: ([g, y], { dim, dtype }) => K.softmaxBackward(g as Tensor, y as Tensor, dim, true, dtype),
  // The map g -> g - e^y sum(g) is not symmetric: its adjoint is gg - sum(gg e^y).
  // And d/dy <gg, g - e^y sum(g)> = -gg e^y sum(g).
  backward: ([gg], c) => {
    const [g, y] = [c.input(0), c.input(1)];
    return [
      c.needs[0] ? gg.sub(gg.mul(y.exp()).sum(c.attrs.dim, { keepdim: true })) : null,
      c.needs[1] ? g.sum(c.attrs.dim, { keepdim: true }).neg().mul(y.exp()).mul(gg) : null,
    ];
  },
});

const logSoftmaxOp = defineOp<SoftmaxAttrs>({
  name: "log_softmax",
  gradFn: "LogSoftmaxBackward0",
  save: "result",
  forward: ([x], { dim, dtype }) => K.softmax(x as Tensor, dim, true, dtype),
  backward: ([g], c) => [logSoftmaxBackwardOp([g, c.result()], c.attrs)],
});

function softmaxArgs(input: Tensor, dim: number, options: DTypeOptions | undefined, op: string): [Tensor, SoftmaxAttrs] {
  const { dtype } = readOptions(options, op, DTYPE_KEYS);
  const x = expectTensor(input, op, "input");
  const d = dtype ?? x.dtype;
  if (!isFloating(d)) throw new DTypeError(`${op}: "${op}_lastdim_kernel_impl" not implemented for '${scalarTypeName(x.dtype)}'`);
  return [x, { dim: normalizeDim(dim, x.ndim, op), dtype: d }];
}

/**
 * e^x / sum(e^x) along `dim` (computed stably).
 *
 * @example
 * ```ts
 * console.log(torch.softmax(torch.tensor([1, 2, 3]), -1)); // tensor([0.0900, 0.2447, 0.6652])
 * ```
 */
export function softmax(input: Tensor, dim: number, options?: DTypeOptions): Tensor {
  const [x, attrs] = softmaxArgs(input, dim, options, "softmax");
  return softmaxOp([x], attrs);
}

/**
 * log(softmax(x)) along `dim`, computed as x - max - log(sum(e^(x - max))).
 *
 * @example
 * ```ts
 * console.log(torch.logSoftmax(torch.tensor([1, 2, 3]), 0)); // tensor([-2.4076, -1.4076, -0.4076])
 * ```
 */
export function logSoftmax(input: Tensor, dim: number, options?: DTypeOptions): Tensor {
  const [x, attrs] = softmaxArgs(input, dim, options, "log_softmax");
  return logSoftmaxOp([x], attrs);
}
