/**
 * Comparisons and logical ops (bool results, no gradient) and the
 * elementwise maximum and minimum. Operands broadcast; dtypes promote as
 * in PyTorch.
 */

import type { BinaryOp } from "../backend/types.js";
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
