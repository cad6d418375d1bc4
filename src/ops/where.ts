/**
 * Ops that take each element from one of two sources: where (by a
 * condition), clamp (the input or a bound) and masked_fill (the input or a
 * value). Operands broadcast; dtypes promote as in PyTorch.
 */

import { describeValue, pythonTypeName } from "../core/describe.js";
import { convertValue } from "../core/dtype.js";
import { ArgumentError, DTypeError, ShapeError } from "../core/errors.js";
import { type OptionKeys, readOptions } from "../core/options.js";
import { broadcastShapes, formatShape } from "../core/shape.js";
import { Tensor } from "../tensor.js";
import type { Typed } from "./binary.js";
import { defineOp } from "./define.js";
import { applyInplace } from "./inplace.js";
import * as K from "./kernels.js";
import { expectTensor, expectTensorLike, promote, type TensorLike, wrap } from "./scalars.js";

const whereOp = defineOp<Typed>({
  name: "where",
  jvp: "elementwise",
  gradFn: "WhereBackward0",
  save: "inputs",
  forward: ([cond, a, b], { dtype }) => K.where(cond as Tensor, a as Tensor, b as Tensor, dtype),
  backward: ([g], c) => {
    const cond = c.input(0);
    const zero = K.scalar(0, g.dtype);
    return [null, c.needs[1] ? where(cond, g, zero) : null, c.needs[2] ? where(cond, zero, g) : null];
  },
});

/**
 * `input` where `condition` is true, else `other`, broadcasting all three.
 *
 * @example
 * ```ts
 * const x = torch.tensor([-1, 2, -3]);
 * console.log(torch.where(x.gt(0), x, 0)); // tensor([0., 2., 0.])
 * ```
 */
export function where(condition: Tensor, input: TensorLike, other: TensorLike): Tensor {
  const cond = expectTensor(condition, "where", "condition");
  if (cond.dtype !== "bool") {
    throw new DTypeError(`where: expected condition to be a boolean tensor, but got a tensor with dtype ${cond.dtype}`);
  }
  const a = expectTensorLike(input, "where", "input");
  const b = expectTensorLike(other, "where", "other");
  const dtype = promote(a, b);
  // Numbers take PyTorch's checked conversion (float32 refuses 1e40 here, where add gives inf).
  for (const v of [a, b]) if (typeof v === "number") convertValue(v, dtype, "where");
  return whereOp([cond, wrap(a, dtype, "where"), wrap(b, dtype, "where")], { dtype });
}

interface ClampAttrs extends Typed {
  min: number | null;
  max: number | null;
}

const clampOp = defineOp<ClampAttrs>({
  name: "clamp",
  jvp: "elementwise",
  gradFn: "ClampBackward1",
  save: "inputs",
  forward: ([x], { min, max, dtype }) =>
    K.unary("clamp", x as Tensor, dtype, min ?? Number.NEGATIVE_INFINITY, max ?? Number.POSITIVE_INFINITY),
  // The gradient passes where min <= x <= max, bounds included (subgradient 1 at the kinks).
  backward: ([g], c) => {
    const x = c.input(0);
    const { min, max } = c.attrs;
    const zero = K.scalar(0, g.dtype);
    if (min !== null && max !== null) return [where(x.ge(min).logicalAnd(x.le(max)), g, zero)];
    if (min !== null) return [where(x.ge(min), g, zero)];
    return [where(x.le(max as number), g, zero)];
  },
});

/** clamp's bounds as options (`{ min, max }`). */
export interface ClampOptions {
  /** The lower bound (null or omitted: none). */
  min?: number | null;
  /** The upper bound (null or omitted: none). */
  max?: number | null;
}

const CLAMP_KEYS: OptionKeys<ClampOptions> = { min: "number", max: "number" };

/** A bound given positionally or in the options: a number, or null/undefined for none. */
function bound(v: unknown, name: string, op: string): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return v;
  throw new ArgumentError(`${op}(): argument '${name}' must be a number or null, got ${describeValue(v)}`);
}

/**
 * clamp's bounds and result dtype, from PyTorch's positional form
 * `clamp(x, min, max)` or the options form `clamp(x, { min, max })`; a bound
 * the dtype cannot hold raises PyTorch's overflow error.
 */
function clampArgs(
  input: Tensor,
  minOrOptions: number | null | ClampOptions | undefined,
  max: number | null | undefined,
  op: string,
): ClampAttrs {
  const options = typeof minOrOptions === "object" && minOrOptions !== null ? readOptions(minOrOptions, op, CLAMP_KEYS) : null;
  if (options !== null && max !== undefined) {
    throw new ArgumentError(
      `${op}(): give the bounds either positionally, ${op}(x, min, max), or as options, ${op}(x, { min, max }), not both`,
    );
  }
  const lo = bound(options === null ? minOrOptions : options.min, "min", op);
  const hi = bound(options === null ? max : options.max, "max", op);
  if (lo === null && hi === null) throw new ArgumentError("clamp: At least one of 'min' or 'max' must not be None");
  const dtype = promote(input, ...(lo === null ? [] : [lo]), ...(hi === null ? [] : [hi]));
  for (const b of [lo, hi]) if (b !== null) convertValue(b, dtype, op);
  return { min: lo, max: hi, dtype };
}

/**
 * Limits every element to [min, max]; either bound may be null or omitted.
 * The bounds go positionally, as in PyTorch, or in an options object.
 *
 * @example
 * ```ts
 * console.log(torch.clamp(torch.tensor([-2, 0.5, 3]), 0, 1)); // tensor([0.0000, 0.5000, 1.0000])
 * console.log(torch.tensor([-2, 0.5, 3]).clamp({ min: 0 })); // tensor([0.0000, 0.5000, 3.0000])
 * console.log(torch.tensor([-2, 0.5, 3]).clamp(null, 1)); // tensor([-2.0000,  0.5000,  1.0000])
 * ```
 */
export function clamp(input: Tensor, min?: number | null | ClampOptions, max?: number | null): Tensor {
  const x = expectTensor(input, "clamp", "input");
  return clampOp([x], clampArgs(x, min, max, "clamp"));
}

/**
 * In-place clamp (`x.clamp_(min, max)` or `x.clamp_({ min, max })`).
 *
 * @example
 * ```ts
 * const x = torch.tensor([-2, 0.5, 3]);
 * x.clamp_(0, 1);
 * console.log(x); // tensor([0.0000, 0.5000, 1.0000])
 * ```
 */
export function clamp_(input: Tensor, min?: number | null | ClampOptions, max?: number | null): Tensor {
  const x = expectTensor(input, "clamp_", "input");
  return applyInplace(clampOp.def, [x], clampArgs(x, min, max, "clamp_"));
}

const maskedFillOp = defineOp<Typed & { value: number }>({
  name: "masked_fill",
  jvp: "elementwise",
  gradFn: "MaskedFillBackward0",
  save: "inputs",
  forward: ([x, mask], { value, dtype }) => K.where(mask as Tensor, K.scalar(value, dtype), x as Tensor, dtype),
  backward: ([g], c) => [g.maskedFill(c.input(1), 0), null],
});

// With a 0-d tensor as the value, the value gets the sum of the gradient at the filled places.
const maskedFillTensorOp = defineOp<Typed>({
  name: "masked_fill",
  jvp: "linear",
  gradFn: "MaskedFillBackward1",
  save: "inputs",
  forward: ([x, mask, value], { dtype }) => K.where(mask as Tensor, value as Tensor, x as Tensor, dtype),
  backward: ([g], c) => {
    const mask = c.input(1);
    return [c.needs[0] ? g.maskedFill(mask, 0) : null, null, c.needs[2] ? where(mask, g, 0).sum() : null];
  },
});

/**
 * masked_fill's value in `x`'s dtype: a number it can hold, or a 0-d tensor
 * (converted; PyTorch reads it as a scalar, so one that does not fit raises).
 */
function fillValue(x: Tensor, value: unknown, op: string): number | Tensor {
  if (typeof value === "number" || typeof value === "boolean") return convertValue(Number(value), x.dtype, op);
  if (!(value instanceof Tensor)) {
    const [got, params] = op === "masked_fill" ? ["Tensor, Tensor, ", "Tensor input, Tensor mask, "] : ["Tensor, ", "Tensor mask, "];
    throw new ArgumentError(
      `${op}() received an invalid combination of arguments - got (${got}${pythonTypeName(value)}), but expected one of: (${params}Tensor value), (${params}Number value)`,
    );
  }
  if (value.ndim !== 0) {
    throw new ShapeError(`masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ${value.ndim} dimension(s).`);
  }
  if (value.dtype === x.dtype) return value;
  convertValue(value.item(), x.dtype, op);
  return value.to(x.dtype);
}

/**
 * masked_fill's operands: the input, broadcast with a bool mask as PyTorch does (out of place, the
 * result takes the broadcast shape; in place, the input's shape must be it), and the fill value (a
 * number or a 0-d tensor).
 */
function maskedFillArgs(input: Tensor, mask: Tensor, value: number | boolean | Tensor, op: string): [Tensor, Tensor, number | Tensor] {
  let x = expectTensor(input, op, "input");
  const m = expectTensor(mask, op, "mask");
  if (m.dtype !== "bool") throw new DTypeError(`masked_fill_ only supports boolean masks, but got mask with dtype ${m.dtype}`);
  const shape = broadcastShapes([x.shape, m.shape], op);
  if (shape.length !== x.ndim || shape.some((s, i) => s !== x.shape[i])) {
    if (op === "masked_fill_") {
      throw new ShapeError(`${op}: output with shape ${formatShape(x.shape)} doesn't match the broadcast shape ${formatShape(shape)}`);
    }
    x = x.expand(shape);
  }
  return [x, m, fillValue(x, value, op)];
}

/**
 * `input` with the elements where `mask` is true replaced by `value` (a
 * number or a 0-d tensor, which then receives gradient).
 *
 * @example
 * ```ts
 * const x = torch.tensor([1, -2, 3]);
 * console.log(x.maskedFill(x.lt(0), 0)); // tensor([1., 0., 3.])
 * ```
 */
export function maskedFill(input: Tensor, mask: Tensor, value: number | boolean | Tensor): Tensor {
  const [x, m, v] = maskedFillArgs(input, mask, value, "masked_fill");
  if (typeof v === "number") return maskedFillOp([x, m], { value: v, dtype: x.dtype });
  return maskedFillTensorOp([x, m, v], { dtype: x.dtype });
}

/**
 * In place: fills the elements of `input` where `mask` is true with `value`.
 *
 * @example
 * ```ts
 * const x = torch.tensor([1, 2, 3]);
 * x.maskedFill_(torch.tensor([true, false, true]), 0);
 * console.log(x); // tensor([0., 2., 0.])
 * ```
 */
export function maskedFill_(input: Tensor, mask: Tensor, value: number | boolean | Tensor): Tensor {
  const [x, m, v] = maskedFillArgs(input, mask, value, "masked_fill_");
  if (typeof v === "number") return applyInplace(maskedFillOp.def, [x, m], { value: v, dtype: x.dtype });
  return applyInplace(maskedFillTensorOp.def, [x, m, v], { dtype: x.dtype });
}
