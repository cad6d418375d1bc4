/**
 * The machinery of the unary pointwise ops (pointwise.ts, transcendental.ts,
 * rounding.ts): one `defineUnary` entry per op gives its function and its
 * in-place form, with PyTorch's dtype rules and refusals; `predicate` makes
 * the bool-valued tests.
 */

import type { BackwardContext } from "../autograd/node.js";
import type { UnaryOp } from "../backend/types.js";
import { type DType, isFloating } from "../core/dtype.js";
import { DTypeError } from "../core/errors.js";
import type { Tensor } from "../tensor.js";
import { defineOp } from "./define.js";
import { applyInplace } from "./inplace.js";
import * as K from "./kernels.js";
import { expectTensor } from "./scalars.js";

export interface Typed {
  dtype: DType;
}

export interface UnarySpec {
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
export const zeroGrad = (g: Tensor) => K.full(g.shape, 0, g.dtype);

export function defineUnary(spec: UnarySpec) {
  const op = defineOp<Typed>({
    name: spec.name,
    gradFn: spec.gradFn ?? `${spec.name.charAt(0).toUpperCase()}${spec.name.slice(1)}Backward0`,
    save: spec.save,
    jvp: "elementwise",
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

/** A bool-valued test of each element (no gradient). */
export function predicate(name: string, kernel: UnaryOp) {
  const op = defineOp<Record<string, never>>({ name, forward: ([x]) => K.unary(kernel, x as Tensor, "bool") });
  return (input: Tensor): Tensor => op([expectTensor(input, name, "input")], {});
}
