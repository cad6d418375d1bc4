/**
 * Binary pointwise ops: arithmetic, comparisons, where, clamp. Operands
 * broadcast; dtypes promote as in PyTorch; the engine sums each gradient
 * back to its input's shape, so no formula here handles broadcasting.
 */

import type { BinaryOp } from "../backend/types.js";
import { describeValue, pythonTypeName } from "../core/describe.js";
import { convertValue, type DType, isFloating, isIntegral } from "../core/dtype.js";
import { ArgumentError, DTypeError, ShapeError } from "../core/errors.js";
import { type OptionKeys, readOptions } from "../core/options.js";
import { broadcastShapes, formatShape } from "../core/shape.js";
import { Tensor } from "../tensor.js";
import { defineOp, type Op } from "./define.js";
import { checkDivision } from "./division.js";
import { applyInplace } from "./inplace.js";
import * as K from "./kernels.js";
import { expectTensor, expectTensorLike, promote, type TensorLike, wrap } from "./scalars.js";

interface Typed {
  dtype: DType;
}
interface Alpha extends Typed {
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

function checkAlpha(op: string, dtype: DType, alpha: number): void {
  if (isIntegral(dtype, true) && !Number.isInteger(alpha)) {
    throw new ArgumentError(`${op}: For integral input tensors, argument alpha must not be a floating point number.`);
  }
}

function checkSub(op: string, dtype: DType, alpha: number): void {
  if (dtype === "bool") {
    throw new DTypeError(
      `${op}: Subtraction, the \`-\` operator, with two bool tensors is not supported. Use the \`^\` or \`logical_xor()\` operator instead.`,
    );
  }
  checkAlpha(op, dtype, alpha);
}

const addOp = defineOp<Alpha>({
  name: "add",
  gradFn: "AddBackward0",
  forward: ([a, b], { alpha, dtype }, into) => K.binary("add", a as Tensor, b as Tensor, dtype, alpha, "add", 0, into),
  backward: ([g], { attrs }) => [g, attrs.alpha === 1 ? g : mulScalar(g, attrs.alpha)],
});

const subOp = defineOp<Alpha>({
  name: "sub",
  gradFn: "SubBackward0",
  forward: ([a, b], { alpha, dtype }, into) => K.binary("sub", a as Tensor, b as Tensor, dtype, alpha, "sub", 0, into),
  backward: ([g], { attrs }) => [g, attrs.alpha === 1 ? g.neg() : mulScalar(g.neg(), attrs.alpha)],
});

// rsub(self, other, alpha) = other - alpha * self.
const rsubOp = defineOp<Alpha>({
  name: "rsub",
  gradFn: "RsubBackward1",
  forward: ([a, b], { alpha, dtype }) => K.binary("sub", b as Tensor, a as Tensor, dtype, alpha, "rsub"),
  backward: ([g], { attrs }) => [attrs.alpha === 1 ? g.neg() : mulScalar(g.neg(), attrs.alpha), g],
});

const mulOp = defineOp<Typed>({
  name: "mul",
  gradFn: "MulBackward0",
  save: "inputs",
  forward: ([a, b], { dtype }, into) => K.binary("mul", a as Tensor, b as Tensor, dtype, 1, "mul", 0, into),
  backward: ([g], c) => [c.needs[0] ? g.mul(c.input(1)) : null, c.needs[1] ? g.mul(c.input(0)) : null],
});

const divOp = defineOp<Typed>({
  name: "div",
  gradFn: "DivBackward0",
  save: "inputs",
  forward: ([a, b], { dtype }, into) => K.binary("div", a as Tensor, b as Tensor, dtype, 1, "div", 0, into),
  // d(a/b)/db = -a/b^2, written as PyTorch does: -grad * ((a / b) / b).
  backward: ([g], c) => [
    c.needs[0] ? g.div(c.input(1)) : null,
    c.needs[1] ? g.neg().mul(c.input(0).div(c.input(1)).div(c.input(1))) : null,
  ],
});

/**
 * Division with a rounding mode: piecewise constant, so its gradient is zero
 * (PyTorch's DivBackward2 gives zeros). Integer division by zero raises.
 */
const roundedDivOp = defineOp<Typed & { mode: "trunc" | "floor" }>({
  name: "div",
  gradFn: "DivBackward2",
  forward: ([a, b], { dtype, mode }) => {
    checkDivision("div", mode === "floor" ? "div_floor_cpu" : "div_trunc_cpu", dtype, a as Tensor, b as Tensor);
    const q = K.binary(mode === "floor" ? "floorDivide" : "div", a as Tensor, b as Tensor, dtype, 1, "div");
    return mode === "trunc" && isFloating(dtype) ? K.unary("trunc", q) : q;
  },
  backward: ([g], c) => c.inputMeta.map((m, i) => (c.needs[i] ? K.full(m.shape, 0, g.dtype) : null)),
});

/** Runs a two-operand op with PyTorch's promotion; JS numbers become wrapped scalars. */
function binaryCall<A extends Typed>(
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
function binaryInplace<A extends Typed>(
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

/** The options of add, sub, rsub and their in-place forms. */
export interface AlphaOptions {
  /** The multiplier of `other` (default 1). */
  alpha?: number;
}

export const ALPHA_KEYS: OptionKeys<AlphaOptions> = { alpha: "number" };

/** The options of div. */
export interface DivOptions {
  /** Round the quotient: "trunc" toward zero, "floor" down (default null: true division). */
  roundingMode?: "trunc" | "floor" | null;
}

const DIV_KEYS: OptionKeys<DivOptions> = { roundingMode: "string" };

/**
 * input + alpha * other, broadcasting.
 *
 * @example
 * ```ts
 * const a = torch.tensor([1, 2]);
 * console.log(torch.add(a, 1)); // tensor([2., 3.])
 * console.log(torch.add(a, torch.tensor([10, 20]), { alpha: 2 })); // tensor([21., 42.])
 * ```
 */
export function add(input: Tensor, other: TensorLike, options?: AlphaOptions): Tensor {
  const alpha = readOptions(options, "add", ALPHA_KEYS).alpha ?? 1;
  return binaryCall(addOp, "add", input, other, { alpha }, undefined, (d) => checkAlpha("add", d, alpha));
}

/**
 * input - alpha * other, broadcasting.
 *
 * @example
 * ```ts
 * console.log(torch.sub(torch.tensor([5, 7]), 2)); // tensor([3., 5.])
 * ```
 */
export function sub(input: Tensor, other: TensorLike, options?: AlphaOptions): Tensor {
  const alpha = readOptions(options, "sub", ALPHA_KEYS).alpha ?? 1;
  return binaryCall(subOp, "sub", input, other, { alpha }, undefined, (d) => checkSub("sub", d, alpha));
}

/**
 * other - alpha * input (Python's `other - input` for a scalar `other`).
 *
 * @example
 * ```ts
 * console.log(torch.rsub(torch.tensor([1, 2]), 10)); // tensor([9., 8.])
 * ```
 */
export function rsub(input: Tensor, other: TensorLike, options?: AlphaOptions): Tensor {
  return binaryCall(rsubOp, "rsub", input, other, { alpha: readOptions(options, "rsub", ALPHA_KEYS).alpha ?? 1 });
}

/**
 * Elementwise product, broadcasting.
 *
 * @example
 * ```ts
 * console.log(torch.mul(torch.tensor([1, 2]), torch.tensor([3, 4]))); // tensor([3., 8.])
 * ```
 */
export function mul(input: Tensor, other: TensorLike): Tensor {
  return binaryCall(mulOp, "mul", input, other, {});
}

/**
 * Elementwise true division (integers give floats); `roundingMode`
 * "trunc" or "floor" rounds the quotient.
 *
 * @example
 * ```ts
 * console.log(torch.div(torch.tensor([1, 3]), 2)); // tensor([0.5000, 1.5000])
 * console.log(torch.div(torch.tensor([-7, 7]), 2, { roundingMode: "floor" })); // tensor([-4.,  3.])
 * ```
 */
export function div(input: Tensor, other: TensorLike, options?: DivOptions): Tensor {
  const mode = readOptions(options, "div", DIV_KEYS).roundingMode ?? null;
  if (mode === null) return binaryCall(divOp, "div", input, other, {}, (d) => (isFloating(d) ? d : "float32"));
  if (mode !== "trunc" && mode !== "floor") {
    throw new ArgumentError(`div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '${mode as string}'`);
  }
  return binaryCall(roundedDivOp, "div", input, other, { mode });
}

/** @internal in-place arithmetic behind add_, sub_, mul_, div_. */
export const arithInplace = {
  add_: (self: Tensor, other: TensorLike, options?: AlphaOptions) => {
    const alpha = readOptions(options, "add_", ALPHA_KEYS).alpha ?? 1;
    return binaryInplace(addOp, "add_", self, other, { alpha }, (d) => checkAlpha("add_", d, alpha));
  },
  sub_: (self: Tensor, other: TensorLike, options?: AlphaOptions) => {
    const alpha = readOptions(options, "sub_", ALPHA_KEYS).alpha ?? 1;
    return binaryInplace(subOp, "sub_", self, other, { alpha }, (d) => checkSub("sub_", d, alpha));
  },
  mul_: (self: Tensor, other: TensorLike) => binaryInplace(mulOp, "mul_", self, other, {}),
  div_: (self: Tensor, other: TensorLike) => {
    if (!isFloating(self.dtype)) {
      throw new DTypeError(`div_: result type Float can't be cast to the desired output type ${self.dtype === "int32" ? "Int" : "Long"}`);
    }
    return binaryInplace(divOp, "div_", self, other, {});
  },
};

// ----- scalar arithmetic inside backward formulas ------------------------------
// PyTorch's C++ derivative formulas multiply, divide and add Python-free
// scalars, which records MulBackward1 / DivBackward1 / AddBackward1 (a
// wrapped JS number in the public API records ...Backward0). Formulas use
// these so createGraph passes show PyTorch's nodes.

const mulScalarOp = defineOp<Typed & { s: number }>({
  name: "mul",
  gradFn: "MulBackward1",
  forward: ([a], { s, dtype }) => K.binary("mul", a as Tensor, K.scalar(s, dtype), dtype),
  // PyTorch differentiates mul.Scalar with the scalar wrapped as a tensor: MulBackward0.
  backward: ([g], c) => [g.mul(c.attrs.s)],
});

const divScalarOp = defineOp<Typed & { s: number }>({
  name: "div",
  gradFn: "DivBackward1",
  forward: ([a], { s, dtype }) => K.binary("div", a as Tensor, K.scalar(s, dtype), dtype),
  backward: ([g], c) => [g.div(c.attrs.s)],
});

const addScalarOp = defineOp<Typed & { s: number }>({
  name: "add",
  gradFn: "AddBackward1",
  forward: ([a], { s, dtype }) => K.binary("add", a as Tensor, K.scalar(s, dtype), dtype),
  backward: ([g]) => [g],
});

/** @internal t * s recorded as MulBackward1 (a C++ scalar in PyTorch's formulas). */
export function mulScalar(t: Tensor, s: number): Tensor {
  return mulScalarOp([t], { s, dtype: promote(t, s) });
}

/** @internal t / s recorded as DivBackward1. */
export function divScalar(t: Tensor, s: number): Tensor {
  return divScalarOp([t], { s, dtype: isFloating(t.dtype) ? t.dtype : "float32" });
}

/** @internal t - s recorded as SubBackward1. */
export function subScalar(t: Tensor, s: number): Tensor {
  return subScalarOp([t], { s, dtype: promote(t, s) });
}

const subScalarOp = defineOp<Typed & { s: number }>({
  name: "sub",
  gradFn: "SubBackward1",
  forward: ([a], { s, dtype }) => K.binary("sub", a as Tensor, K.scalar(s, dtype), dtype),
  backward: ([g]) => [g],
});

/** @internal t + s recorded as AddBackward1. */
export function addScalar(t: Tensor, s: number): Tensor {
  return addScalarOp([t], { s, dtype: promote(t, s) });
}

// ----- pow --------------------------------------------------------------------

const powScalarOp = defineOp<Typed & { exponent: number }>({
  name: "pow",
  gradFn: "PowBackward0",
  save: "inputs",
  forward: ([x], { exponent, dtype }) => K.unary("powScalar", x as Tensor, dtype, exponent),
  // d(x^e)/dx = e * x^(e-1); exactly zero when e == 0.
  backward: ([g], c) => {
    const e = c.attrs.exponent;
    const x = c.input(0);
    return [e === 0 ? K.full(x.shape, 0, x.dtype) : g.mul(mulScalar(x.pow(e - 1), e))];
  },
});

const powTensorOp = defineOp<Typed>({
  name: "pow",
  gradFn: "PowBackward1",
  save: "both",
  forward: ([x, e], { dtype }) => K.binary("pow", x as Tensor, e as Tensor, dtype, 1, "pow"),
  backward: ([g], c) => {
    const x = c.input(0);
    const e = c.input(1);
    const zero = K.scalar(0, g.dtype);
    // Where e == 0 the gradient wrt x is 0 (x^0 is constant), even at x == 0.
    const gx = c.needs[0] ? where(e.eq(0), zero, g.mul(e.mul(x.pow(subScalar(e, 1))))) : null;
    // d(x^e)/de = x^e * log(x), taken as 0 where x == 0 and e >= 0.
    const ge = c.needs[1] ? g.mul(where(x.eq(0).logicalAnd(e.ge(0)), zero, c.result().mul(x.log()))) : null;
    return [gx, ge];
  },
});

const rpowOp = defineOp<Typed & { base: number }>({
  name: "pow",
  gradFn: "PowBackward2",
  save: "both",
  forward: ([e], { base, dtype }) => K.unary("rpowScalar", e as Tensor, dtype, base),
  // d(b^e)/de = b^e * log(b); for b == 0 it is taken as 0 where e >= 0.
  backward: ([g], c) => {
    const { base } = c.attrs;
    const r = c.result();
    if (base !== 0) return [g.mul(mulScalar(r, Math.log(base)))];
    return [g.mul(where(c.input(0).ge(0), K.scalar(0, g.dtype), mulScalar(r, Number.NEGATIVE_INFINITY)))];
  },
});

/**
 * input ** exponent elementwise; either side may be a number.
 *
 * @example
 * ```ts
 * console.log(torch.pow(torch.tensor([1, 2, 3]), 2)); // tensor([1., 4., 9.])
 * console.log(torch.pow(2, torch.tensor([0, 1, 2]))); // tensor([1., 2., 4.])
 * ```
 */
export function pow(input: Tensor | number, exponent: TensorLike): Tensor {
  if (typeof input === "number") {
    const e = expectTensor(exponent, "pow", "exponent");
    const dtype = promote(input, e);
    return rpowOp([e], { base: input, dtype });
  }
  const x = expectTensor(input, "pow", "input");
  const e = expectTensorLike(exponent, "pow", "exponent");
  const dtype = promote(x, e);
  if (typeof e === "number" || typeof e === "boolean") {
    const p = Number(e);
    if (isIntegral(dtype, true) && Number.isInteger(p) && p < 0) {
      throw new ArgumentError("pow: Integers to negative integer powers are not allowed.");
    }
    return powScalarOp([x], { exponent: p, dtype });
  }
  return powTensorOp([x, e], { dtype });
}

/**
 * In place: `input` raised to `exponent` (a number or a tensor broadcasting to input's shape).
 *
 * @example
 * ```ts
 * const x = torch.tensor([1, 2, 3]);
 * x.pow_(2);
 * console.log(x); // tensor([1., 4., 9.])
 * ```
 */
export function pow_(input: Tensor, exponent: TensorLike): Tensor {
  const x = expectTensor(input, "pow_", "input");
  const e = expectTensorLike(exponent, "pow_", "exponent");
  const dtype = promote(x, e);
  if (typeof e === "number" || typeof e === "boolean") {
    const p = Number(e);
    if (isIntegral(dtype, true) && Number.isInteger(p) && p < 0) {
      throw new ArgumentError("pow_: Integers to negative integer powers are not allowed.");
    }
    return applyInplace(powScalarOp.def, [x], { exponent: p, dtype });
  }
  return applyInplace(powTensorOp.def, [x, e], { dtype });
}

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
/** Elementwise `input != other`, as a bool tensor. */
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
/** Elementwise `input <= other`, as a bool tensor. */
export const le = compareOp("le", "le");
/** Elementwise `input > other`, as a bool tensor. */
export const gt = compareOp("gt", "gt");
/** Elementwise `input >= other`, as a bool tensor. */
export const ge = compareOp("ge", "ge");
/** Elementwise logical and of the truth values, as a bool tensor. */
export const logicalAnd = compareOp("logical_and", "logicalAnd");
/** Elementwise logical or of the truth values, as a bool tensor. */
export const logicalOr = compareOp("logical_or", "logicalOr");
/** Elementwise logical xor of the truth values, as a bool tensor. */
export const logicalXor = compareOp("logical_xor", "logicalXor");

// ----- where and clamp ------------------------------------------------------

const whereOp = defineOp<Typed>({
  name: "where",
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
  min?: number | null;
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

/** In-place clamp (`x.clamp_(min, max)` or `x.clamp_({ min, max })`). */
export function clamp_(input: Tensor, min?: number | null | ClampOptions, max?: number | null): Tensor {
  const x = expectTensor(input, "clamp_", "input");
  return applyInplace(clampOp.def, [x], clampArgs(x, min, max, "clamp_"));
}

const maskedFillOp = defineOp<Typed & { value: number }>({
  name: "masked_fill",
  gradFn: "MaskedFillBackward0",
  save: "inputs",
  forward: ([x, mask], { value, dtype }) => K.where(mask as Tensor, K.scalar(value, dtype), x as Tensor, dtype),
  backward: ([g], c) => [g.maskedFill(c.input(1), 0), null],
});

// With a 0-d tensor as the value, the value gets the sum of the gradient at the filled places.
const maskedFillTensorOp = defineOp<Typed>({
  name: "masked_fill",
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
  const x = expectTensor(input, "masked_fill", "input");
  const m = expectTensor(mask, "masked_fill", "mask");
  if (m.dtype !== "bool") throw new DTypeError(`masked_fill_ only supports boolean masks, but got mask with dtype ${m.dtype}`);
  const shape = broadcastShapes([x.shape, m.shape], "masked_fill");
  if (shape.length !== x.ndim || shape.some((s, i) => s !== x.shape[i])) {
    throw new ShapeError(
      `masked_fill: mask of shape ${formatShape(m.shape)} does not broadcast to the input's shape ${formatShape(x.shape)}`,
    );
  }
  const v = fillValue(x, value, "masked_fill");
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
  const x = expectTensor(input, "masked_fill_", "input");
  const m = expectTensor(mask, "masked_fill_", "mask");
  if (m.dtype !== "bool") throw new DTypeError(`masked_fill_ only supports boolean masks, but got mask with dtype ${m.dtype}`);
  const shape = broadcastShapes([x.shape, m.shape], "masked_fill_");
  if (shape.length !== x.ndim || shape.some((s, i) => s !== x.shape[i])) {
    throw new ShapeError(
      `masked_fill_: mask of shape ${formatShape(m.shape)} does not broadcast to the input's shape ${formatShape(x.shape)}`,
    );
  }
  const v = fillValue(x, value, "masked_fill_");
  if (typeof v === "number") return applyInplace(maskedFillOp.def, [x, m], { value: v, dtype: x.dtype });
  return applyInplace(maskedFillTensorOp.def, [x, m, v], { dtype: x.dtype });
}

// ----- maximum, minimum, square ------------------------------------------------------

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

/**
 * x * x elementwise (PyTorch computes it as pow(x, 2)).
 *
 * @example
 * ```ts
 * console.log(torch.square(torch.tensor([-2, 3]))); // tensor([4., 9.])
 * ```
 */
export function square(input: Tensor): Tensor {
  return pow(input, 2);
}
