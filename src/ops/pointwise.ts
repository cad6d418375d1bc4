/**
 * Unary pointwise ops: negation, exponentials and logarithms, roots, abs,
 * sin and cos, and the activations tanh, sigmoid and relu with their fused
 * backward kernels. Each entry: PyTorch's name, the backend kernel, what
 * backward saves and the derivative, written with tensor ops as in PyTorch's
 * derivatives.yaml (so the nodes of a createGraph pass have PyTorch's names).
 * More unary ops: transcendental.ts, rounding.ts.
 */

import type { Tensor } from "../tensor.js";
import { addScalar, mulScalar } from "./arith.js";
import { defineOp } from "./define.js";
import * as K from "./kernels.js";
import { sgn } from "./rounding.js";
import { defineUnary, type Typed } from "./unary.js";

/**
 * -x elementwise.
 *
 * @example
 * ```ts
 * console.log(torch.neg(torch.tensor([1, -2]))); // tensor([-1.,  2.])
 * ```
 */
export const [neg, neg_] = defineUnary({
  name: "neg",
  rejects: {
    bool: "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.",
  },
  kernel: "neg",
  backward: (g) => g.neg(),
});

/**
 * e^x elementwise.
 *
 * @example
 * ```ts
 * console.log(torch.exp(torch.tensor([0, 1]))); // tensor([1.0000, 2.7183])
 * ```
 */
export const [exp, exp_] = defineUnary({
  name: "exp",
  kernel: "exp",
  float: true,
  save: "result",
  backward: (g, c) => g.mul(c.result()),
});

/**
 * Natural logarithm elementwise.
 *
 * @example
 * ```ts
 * console.log(torch.log(torch.tensor([1, 100]))); // tensor([0.0000, 4.6052])
 * ```
 */
export const [log, log_] = defineUnary({
  name: "log",
  kernel: "log",
  float: true,
  save: "inputs",
  backward: (g, c) => g.div(c.input(0)),
});

/**
 * Base-2 logarithm elementwise.
 *
 * @example
 * ```ts
 * console.log(torch.log2(torch.tensor([1, 2, 8]))); // tensor([0., 1., 3.])
 * ```
 */
export const [log2, log2_] = defineUnary({
  name: "log2",
  kernel: "log2",
  float: true,
  save: "inputs",
  backward: (g, c) => g.div(mulScalar(c.input(0), Math.LN2)),
});

/**
 * log(1 + x) elementwise, accurate for small x.
 *
 * @example
 * ```ts
 * console.log(torch.log1p(torch.tensor([0, 1]))); // tensor([0.0000, 0.6931])
 * ```
 */
export const [log1p, log1p_] = defineUnary({
  name: "log1p",
  kernel: "log1p",
  gradFn: "Log1PBackward0",
  float: true,
  save: "inputs",
  backward: (g, c) => g.div(addScalar(c.input(0), 1)),
});

/**
 * e^x - 1 elementwise, accurate for small x.
 *
 * @example
 * ```ts
 * console.log(torch.expm1(torch.tensor([0, 1]))); // tensor([0.0000, 1.7183])
 * ```
 */
export const [expm1, expm1_] = defineUnary({
  name: "expm1",
  kernel: "expm1",
  float: true,
  save: "result",
  backward: (g, c) => g.mul(addScalar(c.result(), 1)),
});

/**
 * Square root elementwise.
 *
 * @example
 * ```ts
 * console.log(torch.sqrt(torch.tensor([4, 9]))); // tensor([2., 3.])
 * ```
 */
export const [sqrt, sqrt_] = defineUnary({
  name: "sqrt",
  kernel: "sqrt",
  float: true,
  save: "result",
  backward: (g, c) => g.div(mulScalar(c.result(), 2)),
});

/**
 * 1 / sqrt(x) elementwise.
 *
 * @example
 * ```ts
 * console.log(torch.rsqrt(torch.tensor([4, 16]))); // tensor([0.5000, 0.2500])
 * ```
 */
export const [rsqrt, rsqrt_] = defineUnary({
  name: "rsqrt",
  kernel: "rsqrt",
  float: true,
  save: "result",
  // d(x^-1/2)/dx = -1/2 x^-3/2 = -1/2 rsqrt(x)^3.
  backward: (g, c) => mulScalar(g, -0.5).mul(c.result().pow(3)),
});

/**
 * |x| elementwise; the gradient at 0 is 0 (sign(0) = 0).
 *
 * @example
 * ```ts
 * console.log(torch.abs(torch.tensor([-1.5, 2]))); // tensor([1.5000, 2.0000])
 * ```
 */
export const [abs, abs_] = defineUnary({
  name: "abs",
  rejects: { bool: `"abs_cpu" not implemented for 'Bool'` },
  kernel: "abs",
  save: "inputs",
  backward: (g, c) => g.mul(sgn(c.input(0))),
});

/**
 * Sine elementwise.
 *
 * @example
 * ```ts
 * console.log(torch.sin(torch.tensor([0, Math.PI / 2]))); // tensor([0., 1.])
 * ```
 */
export const [sin, sin_] = defineUnary({
  name: "sin",
  kernel: "sin",
  float: true,
  save: "inputs",
  backward: (g, c) => g.mul(c.input(0).cos()),
});

/**
 * Cosine elementwise.
 *
 * @example
 * ```ts
 * console.log(torch.cos(torch.tensor([0]))); // tensor([1.])
 * ```
 */
export const [cos, cos_] = defineUnary({
  name: "cos",
  kernel: "cos",
  float: true,
  save: "inputs",
  backward: (g, c) => g.mul(c.input(0).sin().neg()),
});

// ----- activations and their backward ops -------------------------------------

// tanh_backward(grad, y) = grad * (1 - y^2) is an op of its own, so that a
// createGraph pass shows PyTorch's TanhBackwardBackward0 node.
const tanhBackwardOp = defineOp<Typed>({
  name: "tanh_backward",
  jvp: "elementwise",
  gradFn: "TanhBackwardBackward0",
  save: "inputs",
  forward: ([g, y], { dtype }) => K.binary("tanhBackward", g as Tensor, y as Tensor, dtype),
  backward: ([gg], c) => {
    const [g, y] = [c.input(0), c.input(1)];
    return [c.needs[0] ? tanhBackward(gg, y) : null, c.needs[1] ? gg.mul(mulScalar(y, -2).mul(g)) : null];
  },
});

/** @internal tanh's derivative: grad * (1 - y^2), y = tanh(x). */
export function tanhBackward(grad: Tensor, y: Tensor): Tensor {
  return tanhBackwardOp([grad, y], { dtype: grad.dtype });
}

const sigmoidBackwardOp = defineOp<Typed>({
  name: "sigmoid_backward",
  jvp: "elementwise",
  gradFn: "SigmoidBackwardBackward0",
  save: "inputs",
  forward: ([g, y], { dtype }) => K.binary("sigmoidBackward", g as Tensor, y as Tensor, dtype),
  backward: ([gg], c) => {
    const [g, y] = [c.input(0), c.input(1)];
    return [c.needs[0] ? sigmoidBackward(gg, y) : null, c.needs[1] ? gg.mul(g).mul(addScalar(mulScalar(y, -2), 1)) : null];
  },
});

/** @internal sigmoid's derivative: grad * y * (1 - y), y = sigmoid(x). */
export function sigmoidBackward(grad: Tensor, y: Tensor): Tensor {
  return sigmoidBackwardOp([grad, y], { dtype: grad.dtype });
}

const thresholdBackwardOp = defineOp<Typed & { threshold: number }>({
  name: "threshold_backward",
  jvp: "elementwise",
  gradFn: "ThresholdBackwardBackward0",
  save: "inputs",
  forward: ([g, x], { dtype, threshold }) => K.binary("thresholdBackward", g as Tensor, x as Tensor, dtype, threshold),
  backward: ([gg], c) => [
    c.needs[0] ? thresholdBackward(gg, c.input(1), c.attrs.threshold) : null,
    c.needs[1] ? K.full(gg.shape, 0, gg.dtype) : null,
  ],
});

/** @internal grad where x > threshold, else 0. */
export function thresholdBackward(grad: Tensor, x: Tensor, threshold: number): Tensor {
  return thresholdBackwardOp([grad, x], { dtype: grad.dtype, threshold });
}

/**
 * Hyperbolic tangent elementwise.
 *
 * @example
 * ```ts
 * console.log(torch.tanh(torch.tensor([0, 1]))); // tensor([0.0000, 0.7616])
 * ```
 */
export const [tanh, tanh_] = defineUnary({
  name: "tanh",
  kernel: "tanh",
  float: true,
  save: "result",
  backward: (g, c) => tanhBackward(g, c.result()),
});

/**
 * Logistic sigmoid 1 / (1 + e^-x) elementwise.
 *
 * @example
 * ```ts
 * console.log(torch.sigmoid(torch.tensor([0]))); // tensor([0.5000])
 * ```
 */
export const [sigmoid, sigmoid_] = defineUnary({
  name: "sigmoid",
  kernel: "sigmoid",
  float: true,
  save: "result",
  backward: (g, c) => sigmoidBackward(g, c.result()),
});

/**
 * max(x, 0) elementwise; the gradient at 0 is 0.
 *
 * @example
 * ```ts
 * console.log(torch.relu(torch.tensor([-1, 0, 2]))); // tensor([0., 0., 2.])
 * ```
 */
export const [relu, relu_] = defineUnary({
  name: "relu",
  rejects: { bool: "Boolean inputs not supported for relu" },
  kernel: "relu",
  save: "result",
  // Gradient passes where the output is > 0, so relu'(0) = 0.
  backward: (g, c) => thresholdBackward(g, c.result(), 0),
});
