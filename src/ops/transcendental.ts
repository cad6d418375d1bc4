/**
 * Unary pointwise ops, continued: the trigonometric and hyperbolic functions,
 * the reciprocal and the error functions (see pointwise.ts for the pattern).
 */

import { addScalar, mulScalar } from "./arith.js";
import { defineUnary } from "./unary.js";

/**
 * Tangent elementwise.
 *
 * @example
 * ```ts
 * console.log(torch.tan(torch.tensor([0, 1]))); // tensor([0.0000, 1.5574])
 * ```
 */
export const [tan, tan_] = defineUnary({
  name: "tan",
  kernel: "tan",
  float: true,
  save: "result",
  // d tan(x)/dx = 1 + tan(x)^2.
  backward: (g, c) => g.mul(addScalar(c.result().pow(2), 1)),
});

/**
 * Arcsine elementwise.
 *
 * @example
 * ```ts
 * console.log(torch.asin(torch.tensor([0, 1]))); // tensor([0.0000, 1.5708])
 * ```
 */
export const [asin, asin_] = defineUnary({
  name: "asin",
  kernel: "asin",
  float: true,
  save: "inputs",
  backward: (g, c) => g.mul(addScalar(c.input(0).mul(c.input(0)).neg(), 1).rsqrt()),
});

/**
 * Arccosine elementwise.
 *
 * @example
 * ```ts
 * console.log(torch.acos(torch.tensor([1, 0]))); // tensor([0.0000, 1.5708])
 * ```
 */
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

/**
 * Arctangent elementwise.
 *
 * @example
 * ```ts
 * console.log(torch.atan(torch.tensor([0, 1]))); // tensor([0.0000, 0.7854])
 * ```
 */
export const [atan, atan_] = defineUnary({
  name: "atan",
  kernel: "atan",
  float: true,
  save: "inputs",
  backward: (g, c) => g.div(addScalar(c.input(0).mul(c.input(0)), 1)),
});

/**
 * Hyperbolic sine elementwise.
 *
 * @example
 * ```ts
 * console.log(torch.sinh(torch.tensor([0, 1]))); // tensor([0.0000, 1.1752])
 * ```
 */
export const [sinh, sinh_] = defineUnary({
  name: "sinh",
  kernel: "sinh",
  float: true,
  save: "inputs",
  backward: (g, c) => g.mul(c.input(0).cosh()),
});

/**
 * Hyperbolic cosine elementwise.
 *
 * @example
 * ```ts
 * console.log(torch.cosh(torch.tensor([0, 1]))); // tensor([1.0000, 1.5431])
 * ```
 */
export const [cosh, cosh_] = defineUnary({
  name: "cosh",
  kernel: "cosh",
  float: true,
  save: "inputs",
  backward: (g, c) => g.mul(c.input(0).sinh()),
});

/**
 * 1 / x elementwise.
 *
 * @example
 * ```ts
 * console.log(torch.reciprocal(torch.tensor([2, 4]))); // tensor([0.5000, 0.2500])
 * ```
 */
export const [reciprocal, reciprocal_] = defineUnary({
  name: "reciprocal",
  kernel: "reciprocal",
  float: true,
  save: "result",
  // d(1/x)/dx = -1/x^2 = -(1/x)^2.
  backward: (g, c) => g.neg().mul(c.result().mul(c.result())),
});

/**
 * Error function elementwise.
 *
 * @example
 * ```ts
 * console.log(torch.erf(torch.tensor([0, 1]))); // tensor([0.0000, 0.8427])
 * ```
 */
export const [erf, erf_] = defineUnary({
  name: "erf",
  kernel: "erf",
  float: true,
  save: "inputs",
  // d erf(x)/dx = 2/sqrt(pi) exp(-x^2).
  backward: (g, c) => mulScalar(c.input(0).pow(2).neg().exp(), 2 / Math.sqrt(Math.PI)).mul(g),
});

/**
 * Complementary error function elementwise.
 *
 * @example
 * ```ts
 * console.log(torch.erfc(torch.tensor([0, 1]))); // tensor([1.0000, 0.1573])
 * ```
 */
export const [erfc, erfc_] = defineUnary({
  name: "erfc",
  kernel: "erfc",
  float: true,
  save: "inputs",
  backward: (g, c) => mulScalar(c.input(0).pow(2).neg().exp(), -2 / Math.sqrt(Math.PI)).mul(g),
});
