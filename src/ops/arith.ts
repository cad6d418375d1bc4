/**
 * Arithmetic: add, sub, rsub, mul, div, pow, square and their in-place
 * forms, and the scalar arithmetic of backward formulas. Operands
 * broadcast; dtypes promote as in PyTorch; the engine sums each gradient
 * back to its input's shape, so no formula here handles broadcasting.
 * Comparisons are in compare.ts; where, clamp and masked_fill in where.ts.
 */

import { type DType, isFloating, isIntegral } from "../core/dtype.js";
import { ArgumentError, DTypeError } from "../core/errors.js";
import { type OptionKeys, readOptions } from "../core/options.js";
import type { Tensor } from "../tensor.js";
import { type Alpha, binaryCall, binaryInplace, type Typed } from "./binary.js";
import { defineOp } from "./define.js";
import { checkDivision } from "./division.js";
import { applyInplace } from "./inplace.js";
import * as K from "./kernels.js";
import { expectTensor, expectTensorLike, promote, type TensorLike } from "./scalars.js";
import { where } from "./where.js";

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
  jvp: "linear",
  gradFn: "AddBackward0",
  forward: ([a, b], { alpha, dtype }, into) => K.binary("add", a as Tensor, b as Tensor, dtype, alpha, "add", 0, into),
  backward: ([g], { attrs }) => [g, attrs.alpha === 1 ? g : mulScalar(g, attrs.alpha)],
});

const subOp = defineOp<Alpha>({
  name: "sub",
  jvp: "linear",
  gradFn: "SubBackward0",
  forward: ([a, b], { alpha, dtype }, into) => K.binary("sub", a as Tensor, b as Tensor, dtype, alpha, "sub", 0, into),
  backward: ([g], { attrs }) => [g, attrs.alpha === 1 ? g.neg() : mulScalar(g.neg(), attrs.alpha)],
});

// rsub(self, other, alpha) = other - alpha * self.
const rsubOp = defineOp<Alpha>({
  name: "rsub",
  jvp: "linear",
  gradFn: "RsubBackward1",
  forward: ([a, b], { alpha, dtype }) => K.binary("sub", b as Tensor, a as Tensor, dtype, alpha, "rsub"),
  backward: ([g], { attrs }) => [attrs.alpha === 1 ? g.neg() : mulScalar(g.neg(), attrs.alpha), g],
});

const mulOp = defineOp<Typed>({
  name: "mul",
  jvp: "elementwise",
  gradFn: "MulBackward0",
  save: "inputs",
  forward: ([a, b], { dtype }, into) => K.binary("mul", a as Tensor, b as Tensor, dtype, 1, "mul", 0, into),
  backward: ([g], c) => [c.needs[0] ? g.mul(c.input(1)) : null, c.needs[1] ? g.mul(c.input(0)) : null],
});

const divOp = defineOp<Typed>({
  name: "div",
  jvp: "elementwise",
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
  jvp: "elementwise",
  gradFn: "DivBackward2",
  forward: ([a, b], { dtype, mode }) => {
    checkDivision("div", mode === "floor" ? "div_floor_cpu" : "div_trunc_cpu", dtype, a as Tensor, b as Tensor);
    const q = K.binary(mode === "floor" ? "floorDivide" : "div", a as Tensor, b as Tensor, dtype, 1, "div");
    return mode === "trunc" && isFloating(dtype) ? K.unary("trunc", q) : q;
  },
  backward: ([g], c) => c.inputMeta.map((m, i) => (c.needs[i] ? K.full(m.shape, 0, g.dtype) : null)),
});

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
  jvp: "elementwise",
  gradFn: "MulBackward1",
  forward: ([a], { s, dtype }) => K.binary("mul", a as Tensor, K.scalar(s, dtype), dtype),
  // PyTorch differentiates mul.Scalar with the scalar wrapped as a tensor: MulBackward0.
  backward: ([g], c) => [g.mul(c.attrs.s)],
});

const divScalarOp = defineOp<Typed & { s: number }>({
  name: "div",
  jvp: "elementwise",
  gradFn: "DivBackward1",
  forward: ([a], { s, dtype }) => K.binary("div", a as Tensor, K.scalar(s, dtype), dtype),
  backward: ([g], c) => [g.div(c.attrs.s)],
});

const addScalarOp = defineOp<Typed & { s: number }>({
  name: "add",
  jvp: "linear",
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
  jvp: "linear",
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
  jvp: "elementwise",
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
  jvp: "elementwise",
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
  jvp: "elementwise",
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
