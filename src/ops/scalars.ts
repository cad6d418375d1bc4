/** Operands that may be tensors or JS numbers (PyTorch's wrapped scalars). */

import { keepReached } from "../autograd/scope.js";
import { pythonTypeName } from "../core/describe.js";
import { type DType, type Operand, resultType } from "../core/dtype.js";
import { ArgumentError } from "../core/errors.js";
import { untracked } from "../core/recycle.js";
import { Tensor } from "../tensor.js";
import * as K from "./kernels.js";

/** A tensor, or a JS number/boolean taking part as a scalar. */
export type TensorLike = Tensor | number | boolean;

function operand(v: TensorLike): Operand {
  return v instanceof Tensor ? { dtype: v.dtype, dim: v.shape.length } : v;
}

/** PyTorch's result dtype of an op over these operands. */
export function promote(...values: TensorLike[]): DType {
  return resultType(values.map(operand));
}

/**
 * `v` as a tensor: a number becomes a 0-d tensor of `dtype` (it never
 * requires grad). This is PyTorch's wrapped-number path: a float rounds (1e40
 * becomes inf in float32), but a number an integer dtype cannot hold (beyond
 * int32's range, or int64's exact range) raises PyTorch's overflow error
 * naming `op`, where PyTorch's arithmetic would wrap it silently.
 */
export function wrap(v: TensorLike, dtype: DType, op = ""): Tensor {
  if (v instanceof Tensor) return v;
  const x = typeof v === "boolean" ? Number(v) : v;
  // Wrapped numbers are interned: nodes that save one (x * 0.5 in a loop) share it,
  // which keeps recorded graphs small. They are never written to nor exposed.
  if (Object.is(x, -0)) return K.full([], x, dtype);
  const cache = interned[dtype];
  let t = cache.get(x);
  if (t === undefined) {
    if (cache.size >= 256) cache.clear();
    // Checked once per interned value: the hot path (a cache hit) pays nothing.
    const integral = dtype === "int32" || dtype === "int64";
    // Kept beyond the backward formula that may be making it: never the engine's to give back.
    t = untracked(() => (integral ? K.scalar(x, dtype, op) : K.full([], x, dtype)));
    // ...nor a scope's to free.
    keepReached(t);
    cache.set(x, t);
  }
  return t;
}

const interned: Record<DType, Map<number, Tensor>> = {
  float32: new Map(),
  float64: new Map(),
  int32: new Map(),
  int64: new Map(),
  bool: new Map(),
};

/**
 * Checks a scalar argument (a fill value, a bound): a number or a boolean,
 * else PyTorch's TypeError wording, e.g.
 * `full(): argument 'fill_value' (position 2) must be Number, not str`.
 */
export function expectNumber(v: unknown, op: string, arg: string, position: number): number {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return Number(v);
  throw new ArgumentError(`${op}(): argument '${arg}' (position ${position}) must be Number, not ${pythonTypeName(v)}`);
}

/** Checks that an argument is a tensor or a scalar. */
export function expectTensorLike(v: unknown, op: string, arg: string): TensorLike {
  if (v instanceof Tensor || typeof v === "number" || typeof v === "boolean") return v;
  throw new ArgumentError(`${op}(): argument '${arg}' must be a Tensor or a number, not ${v === null ? "null" : typeof v}`);
}

/** Checks that an argument is a tensor. */
export function expectTensor(v: unknown, op: string, arg: string): Tensor {
  if (v instanceof Tensor) return v;
  throw new ArgumentError(
    `${op}(): argument '${arg}' must be a Tensor, not ${v === null ? "null" : Array.isArray(v) ? "array" : typeof v}`,
  );
}
