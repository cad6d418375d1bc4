/**
 * How binary pointwise ops are called (arith.ts, compare.ts): the operands
 * checked, their dtypes promoted as in PyTorch, JS numbers wrapped as
 * scalars of the promoted dtype; in place, `self` keeps its dtype.
 */

import type { DType } from "../core/dtype.js";
import type { Tensor } from "../tensor.js";
import type { Op } from "./define.js";
import { applyInplace } from "./inplace.js";
import { expectTensor, expectTensorLike, promote, wrap } from "./scalars.js";

export interface Typed {
  dtype: DType;
}
export interface Alpha extends Typed {
  alpha: number;
}

/** Frozen `{ dtype }` attributes, shared by the nodes of ops that have no other attribute. */
const DTYPE_ATTRS: Record<DType, Typed> = {
  float32: Object.freeze({ dtype: "float32" }),
  float64: Object.freeze({ dtype: "float64" }),
  int32: Object.freeze({ dtype: "int32" }),
  int64: Object.freeze({ dtype: "int64" }),
  bool: Object.freeze({ dtype: "bool" }),
};

/** An op's attributes with its dtype (spreading an empty object gave each node its own hidden class). */
function withDtype(extra: object, dtype: DType): Typed {
  if ("alpha" in extra) return { alpha: (extra as { alpha: number }).alpha, dtype } as Alpha;
  for (const _ in extra) return { ...extra, dtype };
  return DTYPE_ATTRS[dtype];
}

/** Runs a two-operand op with PyTorch's promotion; JS numbers become wrapped scalars. */
export function binaryCall<A extends Typed>(
  op: Op<A>,
  name: string,
  input: unknown,
  other: unknown,
  extra: Omit<A, "dtype">,
  dtypeOf?: (d: DType) => DType,
  check?: (promoted: DType) => void,
): Tensor {
  const a = expectTensor(input, name, "input");
  const b = expectTensorLike(other, name, "other");
  const promoted = promote(a, b);
  check?.(promoted);
  const dtype = dtypeOf === undefined ? promoted : dtypeOf(promoted);
  return op([a, wrap(b, promoted, name)], withDtype(extra, dtype) as A);
}

/** Runs a two-operand op in place on `self`, whose dtype is kept; `check` sees the promoted dtype before any write. */
export function binaryInplace<A extends Typed>(
  op: Op<A>,
  name: string,
  self: Tensor,
  other: unknown,
  extra: Omit<A, "dtype">,
  check?: (dtype: DType) => void,
): Tensor {
  const x = expectTensor(self, name, "input");
  const b = expectTensorLike(other, name, "other");
  const promoted = promote(x, b);
  check?.(promoted);
  return applyInplace(op.def, [x, wrap(b, promoted, name)], withDtype(extra, promoted) as A);
}
