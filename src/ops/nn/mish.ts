/**
 * torch.nn.functional.mish: x tanh(softplus(x)). One node, MishBackward0,
 * whose derivative is composite, as PyTorch 1.13's (its
 * infinitely_differentiable_mish_backward): so second derivatives follow.
 */

import { type DType, isFloating, scalarTypeName } from "../../core/dtype.js";
import { DTypeError } from "../../core/errors.js";
import { readOptions } from "../../core/options.js";
import type { Tensor } from "../../tensor.js";
import { INPLACE_KEYS, type InplaceOptions, softplus } from "../activation.js";
import { addScalar } from "../arith.js";
import { defineOp } from "../define.js";
import { applyInplace } from "../inplace.js";
import * as K from "../kernels.js";
import { expectTensor } from "../scalars.js";

// d/dx x tanh(sp(x)) = t + x sigmoid(x) (1 - t^2), t = tanh(softplus(x)), since sp'(x) = sigmoid(x).
const mishOp = defineOp<{ dtype: DType }>({
  name: "mish",
  jvp: "elementwise",
  gradFn: "MishBackward0",
  save: "inputs",
  forward: ([x], { dtype }) => {
    const t = K.unary("tanh", K.unary("softplus", x as Tensor, dtype, 1, 20), dtype);
    return K.binary("mul", x as Tensor, t, dtype);
  },
  backward: ([g], c) => {
    const x = c.input(0);
    const t = softplus(x).tanh();
    return [g.mul(t.add(x.mul(x.sigmoid()).mul(addScalar(t.mul(t).neg(), 1))))];
  },
});

/**
 * x * tanh(softplus(x)), a smooth, non-monotonic ReLU-like activation.
 *
 * @example
 * ```ts
 * console.log(torch.F.mish(torch.tensor([-1, 0, 2]))); // tensor([-0.3034,  0.0000,  1.9440])
 * ```
 */
export function mish(input: Tensor, options?: InplaceOptions): Tensor {
  const { inplace } = readOptions(options, "mish", INPLACE_KEYS);
  const x = expectTensor(input, "mish", "input");
  if (!isFloating(x.dtype)) {
    throw new DTypeError(`mish: "mish_cpu" not implemented for '${scalarTypeName(x.dtype)}'`);
  }
  return inplace ? applyInplace(mishOp.def, [x], { dtype: x.dtype }) : mishOp([x], { dtype: x.dtype });
}
