/**
 * Comparisons and logical ops (bool results, no gradient), closeness tests
 * (isclose, allclose, equal) and the elementwise maximum and minimum. Operands broadcast; dtypes promote as
 * in PyTorch.
 */

import { noGrad } from "../autograd/grad_mode.js";
import type { BinaryOp } from "../backend/types.js";
import { isFloating, scalarTypeName } from "../core/dtype.js";
import { ArgumentError, DTypeError } from "../core/errors.js";
import { readOptions } from "../core/options.js";
import type { Tensor } from "../tensor.js";
import { divScalar } from "./arith.js";
import { binaryCall, type Typed } from "./binary.js";
import { defineOp } from "./define.js";
import * as K from "./kernels.js";
import { expectTensor, type TensorLike } from "./scalars.js";
import { where } from "./where.js";

// ----- comparisons and logical ops (no gradient) ------------------------------

function compareOp(name: string, kernel: BinaryOp) {
  const op = defineOp<Typed>({
    name,
    forward: ([a, b], { dtype }) => K.binary(kernel, a as Tensor, b as Tensor, dtype, 1, name),
  });
  return (input: Tensor, other: TensorLike): Tensor => binaryCall(op, name, input, other, {}, () => "bool");
}

/**
 * Elementwise `input == other`, as a bool tensor.
 *
 * @example
 * ```ts
 * console.log(torch.eq(torch.tensor([1, 2]), 2)); // tensor([False,  True])
 * ```
 */
export const eq = compareOp("eq", "eq");
/**
 * Elementwise `input != other`, as a bool tensor.
 *
 * @example
 * ```ts
 * console.log(torch.ne(torch.tensor([1, 2]), 2)); // tensor([ True, False])
 * ```
 */
export const ne = compareOp("ne", "ne");
/**
 * Elementwise `input < other`, as a bool tensor.
 *
 * @example
 * ```ts
 * console.log(torch.lt(torch.tensor([1, 2]), 2)); // tensor([ True, False])
 * ```
 */
export const lt = compareOp("lt", "lt");
/**
 * Elementwise `input <= other`, as a bool tensor.
 *
 * @example
 * ```ts
 * console.log(torch.le(torch.tensor([1, 2, 3]), 2)); // tensor([ True,  True, False])
 * ```
 */
export const le = compareOp("le", "le");
/**
 * Elementwise `input > other`, as a bool tensor.
 *
 * @example
 * ```ts
 * console.log(torch.gt(torch.tensor([1, 2]), 1)); // tensor([False,  True])
 * ```
 */
export const gt = compareOp("gt", "gt");
/**
 * Elementwise `input >= other`, as a bool tensor.
 *
 * @example
 * ```ts
 * console.log(torch.ge(torch.tensor([1, 2, 3]), 2)); // tensor([False,  True,  True])
 * ```
 */
export const ge = compareOp("ge", "ge");
/**
 * Elementwise logical and of the truth values, as a bool tensor.
 *
 * @example
 * ```ts
 * const a = torch.tensor([true, true, false]);
 * const b = torch.tensor([true, false, false]);
 * console.log(torch.logicalAnd(a, b)); // tensor([ True, False, False])
 * ```
 */
export const logicalAnd = compareOp("logical_and", "logicalAnd");
/**
 * Elementwise logical or of the truth values, as a bool tensor.
 *
 * @example
 * ```ts
 * const a = torch.tensor([true, true, false]);
 * const b = torch.tensor([true, false, false]);
 * console.log(torch.logicalOr(a, b)); // tensor([ True,  True, False])
 * ```
 */
export const logicalOr = compareOp("logical_or", "logicalOr");
/**
 * Elementwise logical xor of the truth values, as a bool tensor.
 *
 * @example
 * ```ts
 * const a = torch.tensor([true, true, false]);
 * const b = torch.tensor([true, false, false]);
 * console.log(torch.logicalXor(a, b)); // tensor([False,  True, False])
 * ```
 */
export const logicalXor = compareOp("logical_xor", "logicalXor");

// ----- maximum, minimum -----------------------------------------------------------

function extremumOp(kind: "maximum" | "minimum") {
  return defineOp<Typed>({
    name: kind,
    gradFn: kind === "maximum" ? "MaximumBackward0" : "MinimumBackward0",
    save: "inputs",
    forward: ([a, b], { dtype }) => K.binary(kind, a as Tensor, b as Tensor, dtype, 1, kind),
    // The gradient goes to the larger (smaller) input; at ties each gets half.
    backward: ([g], c) => {
      const [a, b] = [c.input(0), c.input(1)];
      const shared = where(a.eq(b), divScalar(g, 2), g);
      const aLoses = kind === "maximum" ? a.lt(b) : a.gt(b);
      const bLoses = kind === "maximum" ? a.gt(b) : a.lt(b);
      return [c.needs[0] ? shared.maskedFill(aLoses, 0) : null, c.needs[1] ? shared.maskedFill(bLoses, 0) : null];
    },
  });
}

const maximumOp = extremumOp("maximum");
const minimumOp = extremumOp("minimum");

/**
 * Elementwise maximum of two tensors (NaN propagates).
 *
 * @example
 * ```ts
 * console.log(torch.maximum(torch.tensor([1, 5]), torch.tensor([3, 2]))); // tensor([3., 5.])
 * ```
 */
export function maximum(input: Tensor, other: Tensor): Tensor {
  return binaryCall(maximumOp, "maximum", input, expectTensor(other, "maximum", "other"), {});
}

/**
 * Elementwise minimum of two tensors (NaN propagates).
 *
 * @example
 * ```ts
 * console.log(torch.minimum(torch.tensor([1, 5]), torch.tensor([3, 2]))); // tensor([1., 2.])
 * ```
 */
export function minimum(input: Tensor, other: Tensor): Tensor {
  return binaryCall(minimumOp, "minimum", input, expectTensor(other, "minimum", "other"), {});
}

// ----- closeness (no gradient) ------------------------------------------------------

/** Options of `isclose` and `allclose` (PyTorch's keyword arguments). */
export interface CloseOptions {
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
  /** Absolute tolerance (default 1e-8). */
  atol?: number;
  /** Whether NaN equals NaN (default false). */
  equalNan?: boolean;
}

const CLOSE_KEYS = { rtol: "number", atol: "number", equalNan: "boolean" } as const;

/**
 * Elementwise `|input - other| <= atol + rtol * |other|` (equal infinities
 * too), as a bool tensor (PyTorch's `isclose`).
 *
 * @example
 * ```ts
 * console.log(torch.isclose(torch.tensor([1, 2]), torch.tensor([1.000001, 2.1]))); // tensor([ True, False])
 * ```
 */
export function isclose(input: Tensor, other: Tensor, options?: CloseOptions): Tensor {
  const o = readOptions(options, "isclose", CLOSE_KEYS);
  const a = expectTensor(input, "isclose", "input");
  const b = expectTensor(other, "isclose", "other");
  if (a.dtype !== b.dtype) {
    throw new DTypeError(
      `isclose(): ${scalarTypeName(a.dtype)} did not match ${scalarTypeName(b.dtype)} (input and other must have the same dtype)`,
    );
  }
  const rtol = o.rtol ?? 1e-5;
  const atol = o.atol ?? 1e-8;
  if (rtol < 0) throw new ArgumentError(`isclose(): rtol must be greater than or equal to zero, but got ${rtol}`);
  if (atol < 0) throw new ArgumentError(`isclose(): atol must be greater than or equal to zero, but got ${atol}`);
  return noGrad(() => {
    let close = a.eq(b);
    if (a.dtype !== "bool") {
      const x = isFloating(a.dtype) ? a : a.double();
      const y = isFloating(b.dtype) ? b : b.double();
      close = close.logicalOr(x.sub(y).abs().le(y.abs().mul(rtol).add(atol)));
    }
    if (o.equalNan === true) close = close.logicalOr(a.isnan().logicalAnd(b.isnan()));
    return close;
  });
}

/**
 * Whether every element of `input` is close to `other`'s (`isclose(...)`
 * everywhere; PyTorch's `allclose`).
 *
 * @example
 * ```ts
 * console.log(torch.allclose(torch.tensor([1, 2]), torch.tensor([1.000001, 2]))); // true
 * ```
 */
export function allclose(input: Tensor, other: Tensor, options?: CloseOptions): boolean {
  return Boolean(isclose(input, other, options).all().item());
}

/**
 * Whether `input` and `other` have the same size and elements (PyTorch's `equal`).
 *
 * @example
 * ```ts
 * console.log(torch.equal(torch.tensor([1, 2]), torch.tensor([1, 2])), torch.equal(torch.tensor([1]), torch.tensor([1, 1]))); // true false
 * ```
 */
export function equal(input: Tensor, other: Tensor): boolean {
  const a = expectTensor(input, "equal", "input");
  const b = expectTensor(other, "equal", "other");
  if (a.shape.length !== b.shape.length || a.shape.some((s, d) => s !== b.shape[d])) return false;
  return noGrad(() => Boolean(a.eq(b).all().item()));
}
