/**
 * Division that rounds: remainder (the sign of the divisor, Python's `%`),
 * fmod (the sign of the dividend, C's fmod) and floor_divide. Float
 * division by zero gives inf or NaN; integer division by zero raises
 * PyTorch's ZeroDivisionError before anything is written.
 */

import type { Formula } from "../autograd/node.js";
import type { BinaryOp } from "../backend/types.js";
import { type DType, isIntegral } from "../core/dtype.js";
import { ArgumentError, AutogradError, DTypeError } from "../core/errors.js";
import { broadcastShapes, numel } from "../core/shape.js";
import type { Tensor } from "../tensor.js";
import { defineOp } from "./define.js";
import { applyInplace } from "./inplace.js";
import * as K from "./kernels.js";
import { expectTensor, expectTensorLike, promote, type TensorLike, wrap } from "./scalars.js";

interface DivisionAttrs {
  dtype: DType;
  /** Whether the divisor was a JS number (PyTorch's Scalar overload: ...Backward0). */
  scalar: boolean;
}

/** Whether any element of the divisor is zero. */
function holdsZero(divisor: Tensor): boolean {
  const all = K.reduce(
    "all",
    divisor,
    divisor.shape.map((_, d) => d),
    false,
    "bool",
  );
  return all.item() === 0;
}

/**
 * PyTorch's checks of an integer division kernel (`kernel` names it in
 * PyTorch's message): bool has none, and a zero divisor raises
 * ZeroDivisionError unless the result is empty.
 */
export function checkDivision(op: string, kernel: string, dtype: DType, a: Tensor, b: Tensor): void {
  if (dtype === "bool") throw new DTypeError(`${op}(): "${kernel}" not implemented for 'Bool'`);
  // A device's divisor cannot be read here: its integer division by zero is unchecked, as on PyTorch's CUDA device.
  if (!isIntegral(dtype) || numel(broadcastShapes([a.shape, b.shape], op)) === 0 || b.device !== "cpu" || !holdsZero(b)) return;
  throw new ArgumentError(`${op}(): ZeroDivisionError (integer division by zero: the ${dtype} divisor holds a 0)`);
}

/** A binary kernel with the integer-division checks first. */
function divisionForward(op: string, kernel: string, binary: BinaryOp) {
  return ([a, b]: readonly Tensor[], { dtype }: DivisionAttrs, into?: Tensor): Tensor => {
    checkDivision(op, kernel, dtype, a as Tensor, b as Tensor);
    return K.binary(binary, a as Tensor, b as Tensor, dtype, 1, op, 0, into);
  };
}

/** PyTorch's node for ops without a derivative: the output requires grad, backward raises. */
function notImplemented(op: string): Formula<DivisionAttrs> {
  return () => {
    throw new AutogradError(`derivative for aten::${op} is not implemented`);
  };
}

// remainder(a, b) = a - b * floor(a / b): d/da = 1, d/db = -floor(a / b).
const remainderOp = defineOp<DivisionAttrs>({
  name: "remainder",
  jvp: "elementwise",
  gradFn: (a) => (a.scalar ? "RemainderBackward0" : "RemainderBackward1"),
  save: "inputs",
  forward: divisionForward("remainder", "remainder_cpu", "remainder"),
  backward: ([g], c) => [g, c.needs[1] ? g.neg().mul(c.input(0).div(c.input(1), { roundingMode: "floor" })) : null],
});

// PyTorch's remainder(Scalar, Tensor) has no derivative.
const reverseRemainderOp = defineOp<DivisionAttrs>({
  name: "remainder",
  jvp: "elementwise",
  gradFn: "NotImplemented",
  forward: divisionForward("remainder", "remainder_cpu", "remainder"),
  backward: notImplemented("remainder"),
});

// fmod(a, b) = a - b * trunc(a / b): d/da = 1, d/db = -trunc(a / b).
const fmodOp = defineOp<DivisionAttrs>({
  name: "fmod",
  jvp: "elementwise",
  gradFn: (a) => (a.scalar ? "FmodBackward0" : "FmodBackward1"),
  save: "inputs",
  forward: divisionForward("fmod", "fmod_cpu", "fmod"),
  backward: ([g], c) => [g, c.needs[1] ? g.neg().mul(c.input(0).div(c.input(1), { roundingMode: "trunc" })) : null],
});

const floorDivideOp = defineOp<DivisionAttrs>({
  name: "floor_divide",
  gradFn: "NotImplemented",
  forward: divisionForward("floor_divide", "div_floor_cpu", "floorDivide"),
  backward: notImplemented("floor_divide"),
});

type DivisionOp = typeof remainderOp;

function call(op: DivisionOp, name: string, input: unknown, other: unknown): Tensor {
  const a = expectTensor(input, name, "input");
  const b = expectTensorLike(other, name, "other");
  const dtype = promote(a, b);
  return op([a, wrap(b, dtype, name)], { dtype, scalar: typeof b !== "object" });
}

function callInplace(op: DivisionOp, name: string, self: unknown, other: unknown): Tensor {
  const x = expectTensor(self, name, "input");
  const b = expectTensorLike(other, name, "other");
  const dtype = promote(x, b);
  return applyInplace(op.def, [x, wrap(b, dtype, name)], { dtype, scalar: typeof b !== "object" });
}

/** `number op tensor` (PyTorch's Scalar-Tensor overload): not differentiable. */
function callReversed(op: DivisionOp, name: string, input: number, other: unknown): Tensor {
  const b = expectTensor(other, name, "other");
  const dtype = promote(input, b);
  return op([wrap(input, dtype, name), b], { dtype, scalar: false });
}

/**
 * The remainder of input / other with the sign of `other` (Python's `%`):
 * input - other * floor(input / other). Integer division by zero raises
 * ZeroDivisionError; floats give NaN. `input` may be a number.
 *
 * @example
 * ```ts
 * console.log(torch.remainder(torch.tensor([-3, -2, 2, 3]), 2)); // tensor([1., -0., 0., 1.])
 * console.log(torch.remainder(torch.tensor([5, -5], { dtype: "int64" }), -3)); // tensor([-1, -2])
 * ```
 */
export function remainder(input: Tensor | number, other: TensorLike): Tensor {
  if (typeof input === "number") return callReversed(reverseRemainderOp, "remainder", input, other);
  return call(remainderOp, "remainder", input, other);
}

/**
 * The remainder of input / other with the sign of `input` (C's fmod):
 * input - other * trunc(input / other). Integer division by zero raises
 * ZeroDivisionError; floats give NaN.
 *
 * @example
 * ```ts
 * console.log(torch.fmod(torch.tensor([-3, -2, 2, 3]), 2)); // tensor([-1., -0.,  0.,  1.])
 * console.log(torch.fmod(torch.tensor([5, -5], { dtype: "int64" }), -3)); // tensor([ 2, -2])
 * ```
 */
export function fmod(input: Tensor, other: TensorLike): Tensor {
  return call(fmodOp, "fmod", input, other);
}

/**
 * floor(input / other), elementwise (Python's `//`), as div with
 * `roundingMode: "floor"`; not differentiable. Integer division by zero
 * raises ZeroDivisionError; floats give ±inf or NaN.
 *
 * @example
 * ```ts
 * console.log(torch.floorDivide(torch.tensor([7, -7], { dtype: "int64" }), 2)); // tensor([ 3, -4])
 * console.log(torch.floorDivide(torch.tensor([1, -1]), 0)); // tensor([inf, -inf])
 * ```
 */
export function floorDivide(input: Tensor | number, other: TensorLike): Tensor {
  if (typeof input === "number") return callReversed(floorDivideOp, "floor_divide", input, other);
  return call(floorDivideOp, "floor_divide", input, other);
}

/**
 * In place: `input` becomes remainder(input, other) (its dtype is kept).
 *
 * @example
 * ```ts
 * const x = torch.tensor([5, -5]);
 * x.remainder_(3);
 * console.log(x); // tensor([2., 1.])
 * ```
 */
export function remainder_(input: Tensor, other: TensorLike): Tensor {
  return callInplace(remainderOp, "remainder_", input, other);
}

/**
 * In place: `input` becomes fmod(input, other) (its dtype is kept).
 *
 * @example
 * ```ts
 * const x = torch.tensor([5, -5]);
 * x.fmod_(3);
 * console.log(x); // tensor([ 2., -2.])
 * ```
 */
export function fmod_(input: Tensor, other: TensorLike): Tensor {
  return callInplace(fmodOp, "fmod_", input, other);
}

/**
 * In place: `input` becomes floorDivide(input, other) (its dtype is kept).
 *
 * @example
 * ```ts
 * const x = torch.tensor([7, -7], { dtype: "int64" });
 * x.floorDivide_(2);
 * console.log(x); // tensor([ 3, -4])
 * ```
 */
export function floorDivide_(input: Tensor, other: TensorLike): Tensor {
  return callInplace(floorDivideOp, "floor_divide_", input, other);
}
