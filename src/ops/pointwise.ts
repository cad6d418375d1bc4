/**
 * Unary pointwise ops. Each entry: PyTorch's name, the backend kernel, what
 * backward saves and the derivative, written with tensor ops as in PyTorch's
 * derivatives.yaml (so the nodes of a createGraph pass have PyTorch's names).
 */

import type { BackwardContext } from "../autograd/node.js";
import type { UnaryOp } from "../backend/types.js";
import { type DType, isFloating } from "../core/dtype.js";
import { DTypeError } from "../core/errors.js";
import type { Tensor } from "../tensor.js";
import { addScalar, mulScalar } from "./arith.js";
import { defineOp } from "./define.js";
import { applyInplace } from "./inplace.js";
import * as K from "./kernels.js";
import { expectTensor } from "./scalars.js";

interface Typed {
  dtype: DType;
}

interface UnarySpec {
  /** PyTorch's op name. */
  name: string;
  kernel: UnaryOp;
  /** PyTorch's node name when it is not `<Name>Backward0`. */
  gradFn?: string;
  /** Integer and bool inputs give float32 (transcendental functions). */
  float?: boolean;
  /** Dtypes PyTorch refuses, with its message for them. */
  rejects?: Partial<Record<DType, string>>;
  save?: "inputs" | "result";
  /** Derivative; omitted: the gradient is zero (step functions). */
  backward?: (g: Tensor, c: BackwardContext<Typed>) => Tensor;
}

/** Zero gradient of piecewise-constant functions: a plain zeros tensor, outside the graph. */
const zeroGrad = (g: Tensor) => K.full(g.shape, 0, g.dtype);

function defineUnary(spec: UnarySpec) {
  const op = defineOp<Typed>({
    name: spec.name,
    gradFn: spec.gradFn ?? `${spec.name.charAt(0).toUpperCase()}${spec.name.slice(1)}Backward0`,
    save: spec.save,
    forward: ([x], { dtype }, into) => K.unary(spec.kernel, x as Tensor, dtype, undefined, undefined, into),
    backward: ([g], c) => [(spec.backward ?? zeroGrad)(g as Tensor, c)],
  });
  const dtypeOf = (x: Tensor): DType => (spec.float && !isFloating(x.dtype) ? "float32" : x.dtype);
  const check = (input: Tensor, name: string): Tensor => {
    const x = expectTensor(input, name, "input");
    const refusal = spec.rejects?.[x.dtype];
    if (refusal !== undefined) throw new DTypeError(`${spec.name}: ${refusal}`);
    return x;
  };
  const fn = (input: Tensor): Tensor => {
    const x = check(input, spec.name);
    return op([x], { dtype: dtypeOf(x) });
  };
  const inplace = (input: Tensor): Tensor => {
    const x = check(input, `${spec.name}_`);
    if (dtypeOf(x) !== x.dtype) {
      throw new DTypeError(`${spec.name}_: result type Float can't be cast to the desired output type ${x.dtype}`);
    }
    return applyInplace(op.def, [x], { dtype: x.dtype });
  };
  return [fn, inplace] as const;
}

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

/** log(1 + x) elementwise, accurate for small x. */
export const [log1p, log1p_] = defineUnary({
  name: "log1p",
  kernel: "log1p",
  gradFn: "Log1PBackward0",
  float: true,
  save: "inputs",
  backward: (g, c) => g.div(addScalar(c.input(0), 1)),
});

/** e^x - 1 elementwise, accurate for small x. */
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

/** 1 / sqrt(x) elementwise. */
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

/** Tangent elementwise. */
export const [tan, tan_] = defineUnary({
  name: "tan",
  kernel: "tan",
  float: true,
  save: "result",
  // d tan(x)/dx = 1 + tan(x)^2.
  backward: (g, c) => g.mul(addScalar(c.result().pow(2), 1)),
});

/** Arcsine elementwise. */
export const [asin, asin_] = defineUnary({
  name: "asin",
  kernel: "asin",
  float: true,
  save: "inputs",
  backward: (g, c) => g.mul(addScalar(c.input(0).mul(c.input(0)).neg(), 1).rsqrt()),
});

/** Arccosine elementwise. */
export const [acos, acos_] = defineUnary({
  name: "acos",
  kernel: "acos",
  float: true,
  save: "inputs",
  backward: (g, c) =>
    g.mul(
      addScalar(c.input(0).mul(c.input(0)).neg(), 1)
        .rsqrt()
        .neg(),
    ),
});

/** Arctangent elementwise. */
export const [atan, atan_] = defineUnary({
  name: "atan",
  kernel: "atan",
  float: true,
  save: "inputs",
  backward: (g, c) => g.div(addScalar(c.input(0).mul(c.input(0)), 1)),
});

/** Hyperbolic sine elementwise. */
export const [sinh, sinh_] = defineUnary({
  name: "sinh",
  kernel: "sinh",
  float: true,
  save: "inputs",
  backward: (g, c) => g.mul(c.input(0).cosh()),
});

/** Hyperbolic cosine elementwise. */
export const [cosh, cosh_] = defineUnary({
  name: "cosh",
  kernel: "cosh",
  float: true,
  save: "inputs",
  backward: (g, c) => g.mul(c.input(0).sinh()),
});

/** 1 / x elementwise. */
export const [reciprocal, reciprocal_] = defineUnary({
  name: "reciprocal",
  kernel: "reciprocal",
  float: true,
  save: "result",
  // d(1/x)/dx = -1/x^2 = -(1/x)^2.
  backward: (g, c) => g.neg().mul(c.result().mul(c.result())),
});

/** Error function elementwise. */
export const [erf, erf_] = defineUnary({
  name: "erf",
  kernel: "erf",
  float: true,
  save: "inputs",
  // d erf(x)/dx = 2/sqrt(pi) exp(-x^2).
  backward: (g, c) => mulScalar(c.input(0).pow(2).neg().exp(), 2 / Math.sqrt(Math.PI)).mul(g),
});

/** Complementary error function elementwise. */
export const [erfc, erfc_] = defineUnary({
  name: "erfc",
  kernel: "erfc",
  float: true,
  save: "inputs",
  backward: (g, c) => mulScalar(c.input(0).pow(2).neg().exp(), -2 / Math.sqrt(Math.PI)).mul(g),
});

/** Sign elementwise: -1, 0 or 1 (zero gradient). */
export const [sign, sign_] = defineUnary({ name: "sign", kernel: "sign" });
/** Sign elementwise, PyTorch's complex-aware `sgn` (the same as sign for real tensors). */
export const [sgn, sgn_] = defineUnary({ name: "sgn", kernel: "sign" });
/** Rounds down elementwise (zero gradient). */
export const [floor, floor_] = defineUnary({ name: "floor", rejects: { bool: `"floor" not implemented for 'Bool'` }, kernel: "floor" });
/** Rounds up elementwise (zero gradient). */
export const [ceil, ceil_] = defineUnary({ name: "ceil", rejects: { bool: `"ceil_vml_cpu" not implemented for 'Bool'` }, kernel: "ceil" });
/** Rounds half to even elementwise, as PyTorch (zero gradient). */
export const [round, round_] = defineUnary({
  name: "round",
  rejects: { bool: `"round_vml_cpu" not implemented for 'Bool'` },
  kernel: "round",
});
/** Rounds toward zero elementwise (zero gradient). */
export const [trunc, trunc_] = defineUnary({ name: "trunc", rejects: { bool: `"trunc" not implemented for 'Bool'` }, kernel: "trunc" });
/** x - trunc(x) elementwise. */
export const [frac, frac_] = defineUnary({
  name: "frac",
  rejects: {
    bool: `"frac_cpu" not implemented for 'Bool'`,
    int32: `"frac_cpu" not implemented for 'Int'`,
    int64: `"frac_cpu" not implemented for 'Long'`,
  },
  kernel: "frac",
  backward: (g) => g,
});

// ----- predicates (bool results, no gradient) ---------------------------------

function predicate(name: string, kernel: UnaryOp) {
  const op = defineOp<Record<string, never>>({ name, forward: ([x]) => K.unary(kernel, x as Tensor, "bool") });
  return (input: Tensor): Tensor => op([expectTensor(input, name, "input")], {});
}

/** Which elements are NaN. */
export const isnan = predicate("isnan", "isnan");
/** Which elements are +/-infinity. */
export const isinf = predicate("isinf", "isinf");
/** Which elements are finite. */
export const isfinite = predicate("isfinite", "isfinite");
/** Elementwise logical not of the truth values. */
export const logicalNot = predicate("logical_not", "logicalNot");

// ----- activations and their backward ops -------------------------------------

// tanh_backward(grad, y) = grad * (1 - y^2) is an op of its own, so that a
// createGraph pass shows PyTorch's TanhBackwardBackward0 node.
const tanhBackwardOp = defineOp<Typed>({
  name: "tanh_backward",
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
