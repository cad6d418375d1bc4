/**
 * Unary pointwise ops, continued: the sign and rounding functions (zero
 * gradient: they are piecewise constant) and the bool-valued tests isnan,
 * isinf, isfinite and logical_not.
 */

import { defineUnary, predicate } from "./unary.js";

/**
 * Sign elementwise: -1, 0 or 1 (zero gradient).
 *
 * @example
 * ```ts
 * console.log(torch.sign(torch.tensor([-2, 0, 3]))); // tensor([-1.,  0.,  1.])
 * ```
 */
export const [sign, sign_] = defineUnary({ name: "sign", kernel: "sign" });
/**
 * Sign elementwise, PyTorch's complex-aware `sgn` (the same as sign for real tensors).
 *
 * @example
 * ```ts
 * console.log(torch.sgn(torch.tensor([-2, 0, 3]))); // tensor([-1.,  0.,  1.])
 * ```
 */
export const [sgn, sgn_] = defineUnary({ name: "sgn", kernel: "sign" });
/**
 * Rounds down elementwise (zero gradient).
 *
 * @example
 * ```ts
 * console.log(torch.floor(torch.tensor([-1.5, 1.5]))); // tensor([-2.,  1.])
 * ```
 */
export const [floor, floor_] = defineUnary({ name: "floor", rejects: { bool: `"floor" not implemented for 'Bool'` }, kernel: "floor" });
/**
 * Rounds up elementwise (zero gradient).
 *
 * @example
 * ```ts
 * console.log(torch.ceil(torch.tensor([-1.5, 1.5]))); // tensor([-1.,  2.])
 * ```
 */
export const [ceil, ceil_] = defineUnary({ name: "ceil", rejects: { bool: `"ceil_vml_cpu" not implemented for 'Bool'` }, kernel: "ceil" });
/**
 * Rounds half to even elementwise, as PyTorch (zero gradient).
 *
 * @example
 * ```ts
 * console.log(torch.round(torch.tensor([0.5, 1.5, 2.5]))); // tensor([0., 2., 2.])
 * ```
 */
export const [round, round_] = defineUnary({
  name: "round",
  rejects: { bool: `"round_vml_cpu" not implemented for 'Bool'` },
  kernel: "round",
});
/**
 * Rounds toward zero elementwise (zero gradient).
 *
 * @example
 * ```ts
 * console.log(torch.trunc(torch.tensor([-1.5, 1.5]))); // tensor([-1.,  1.])
 * ```
 */
export const [trunc, trunc_] = defineUnary({ name: "trunc", rejects: { bool: `"trunc" not implemented for 'Bool'` }, kernel: "trunc" });
/**
 * x - trunc(x) elementwise.
 *
 * @example
 * ```ts
 * console.log(torch.frac(torch.tensor([-1.5, 2.25]))); // tensor([-0.5000,  0.2500])
 * ```
 */
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

/**
 * Which elements are NaN.
 *
 * @example
 * ```ts
 * console.log(torch.isnan(torch.tensor([1, NaN]))); // tensor([False,  True])
 * ```
 */
export const isnan = predicate("isnan", "isnan");
/**
 * Which elements are +/-infinity.
 *
 * @example
 * ```ts
 * console.log(torch.isinf(torch.tensor([1, Infinity, -Infinity]))); // tensor([False,  True,  True])
 * ```
 */
export const isinf = predicate("isinf", "isinf");
/**
 * Which elements are finite.
 *
 * @example
 * ```ts
 * console.log(torch.isfinite(torch.tensor([1, Infinity, NaN]))); // tensor([ True, False, False])
 * ```
 */
export const isfinite = predicate("isfinite", "isfinite");
/**
 * Elementwise logical not of the truth values.
 *
 * @example
 * ```ts
 * console.log(torch.logicalNot(torch.tensor([0, 1, 2]))); // tensor([ True, False, False])
 * ```
 */
export const logicalNot = predicate("logical_not", "logicalNot");
