/**
 * Forward-mode AD (PyTorch's `torch.autograd.forward_ad`): inside a dual
 * level, a tensor may carry a tangent (`makeDual`), and every op whose inputs
 * carry tangents gives its outputs the tangent its jvp rule computes (the op
 * table's `jvp`, written with tensor ops, so forward-over-reverse works).
 * One level at a time, as in PyTorch 1.13. Leaving the level drops every
 * tangent made in it: a tangent is stamped with its level, and a stamp of a
 * level that has ended reads as no tangent (nothing to sweep, nothing kept
 * alive).
 *
 * Tangents follow PyTorch through `noGrad` (they survive it) and `detach`
 * (which drops them: the result is a new tensor without one).
 */

import { isFloating, torchName } from "../core/dtype.js";
import { ArgumentError, AutogradError, DTypeError, ShapeError } from "../core/errors.js";
import { type OptionKeys, readOptions } from "../core/options.js";
import { formatShape, shapesEqual } from "../core/shape.js";
import { Tensor } from "../tensor.js";
import { atGraphPlace, graphPlaceOf } from "./node.js";

const LEVEL_KEYS: OptionKeys<{ level?: number }> = { level: "number" };

/** The active level's number, or -1 outside any level. */
let active = -1;
/** Numbers every level entered so far, so a stamp from an ended level never matches a new one. */
let levels = 0;

/** @internal whether a dual level is active (the op layer computes tangents only then). */
export function dualLevelActive(): boolean {
  return active >= 0;
}

/** @internal `t`'s tangent at the active level, or null. */
export function tangentOf(t: Tensor): Tensor | null {
  return active >= 0 && t._tangentLevel === active ? t._tangent : null;
}

/** @internal gives `t` the tangent `tangent` at the active level. */
export function setTangent(t: Tensor, tangent: Tensor | null): void {
  t._tangent = tangent;
  t._tangentLevel = tangent === null ? -1 : active;
}

/**
 * @internal `t` without its tangent: itself when it has none, else a tensor
 * over the same storage in the same place in the graph (its grad_fn, or a
 * leaf's accumulator), so a jvp rule's ops on it record for
 * forward-over-reverse without computing tangents of their own (PyTorch's
 * primal `self_p`).
 */
export function primalOf(t: Tensor): Tensor {
  return tangentOf(t) === null ? t : atGraphPlace(t, graphPlaceOf(t));
}

/**
 * @internal runs `fn` as if no dual level were active (a custom Function's
 * forward: its jvp, not its ops, gives the outputs' tangents).
 */
export function withoutDualLevel<T>(fn: () => T): T {
  const level = active;
  active = -1;
  try {
    return fn();
  } finally {
    active = level;
  }
}

/**
 * Enters a new dual level and returns its number (PyTorch's
 * `enter_dual_level`). Prefer `dualLevel(fn)`, which always leaves it.
 */
export function enterDualLevel(): number {
  if (active >= 0) throw new AutogradError("Nested forward mode AD is not supported at the moment");
  active = levels++;
  // PyTorch numbers its (single) level 0.
  return 0;
}

/** Leaves the dual level (PyTorch's `exit_dual_level`): every tangent made in it is dropped. */
export function exitDualLevel(options?: { level?: number }): void {
  const o = readOptions(options, "exitDualLevel", LEVEL_KEYS);
  if (active < 0)
    throw new AutogradError("Trying to exit a forward AD level that was not the last one that was created. This is not supported.");
  if (o.level !== undefined && o.level !== 0) {
    throw new AutogradError("Trying to exit a forward AD level that was not the last one that was created. This is not supported.");
  }
  active = -1;
}

/**
 * Runs `fn` inside a dual level (PyTorch's `with fwAD.dual_level():`) and
 * leaves it after, dropping the tangents made in it.
 *
 * @example
 * ```ts
 * const fwAD = torch.autograd.forwardAd;
 * fwAD.dualLevel(() => {
 *   const x = fwAD.makeDual(torch.tensor([1, 2]), torch.tensor([3, 4]));
 *   const y = x.sin().mul(2);
 *   console.log(y); // tensor([1.6829, 1.8186], tangent=tensor([ 3.2418, -3.3292]))
 *   console.log(fwAD.unpackDual(y).tangent); // tensor([ 3.2418, -3.3292])
 * });
 * ```
 */
export function dualLevel<T>(fn: (level: number) => T): T {
  const level = enterDualLevel();
  try {
    return fn(level);
  } finally {
    exitDualLevel();
  }
}

/**
 * A tensor with `primal`'s values (a view of it) carrying `tangent` as its
 * forward gradient (PyTorch's `make_dual`), inside a dual level.
 */
export function makeDual(primal: Tensor, tangent: Tensor, options?: { level?: number }): Tensor {
  const o = readOptions(options, "makeDual", LEVEL_KEYS);
  if (!(primal instanceof Tensor)) throw new ArgumentError(`makeDual(): primal must be a Tensor, got ${typeof primal}`);
  if (!(tangent instanceof Tensor)) throw new ArgumentError(`makeDual(): tangent must be a Tensor, got ${typeof tangent}`);
  if (active < 0 || (o.level !== undefined && o.level !== 0)) {
    throw new AutogradError("Trying to create a dual Tensor for forward AD but no level exists, make sure to enter_dual_level() first.");
  }
  if (!isFloating(primal.dtype))
    throw new DTypeError(`Expected primal to be floating point or complex, but got: ${torchName(primal.dtype)}`);
  if (!isFloating(tangent.dtype))
    throw new DTypeError(`Expected tangent to be floating point or complex, but got: ${torchName(tangent.dtype)}`);
  if (!shapesEqual(primal.shape, tangent.shape)) {
    throw new ShapeError(
      `Trying to set a forward gradient that has a different size than that of the original Tensor, this is not supported. Tensor is of size ${formatShape(primal.shape)} while the given forward gradient is of size ${formatShape(tangent.shape)}.`,
    );
  }
  // A view of primal (gradients flow back to it, through ViewBackward0 as in PyTorch).
  const dual = primal.view(primal.shape);
  setTangent(dual, tangent);
  return dual;
}

/** A dual tensor's parts (PyTorch's UnpackedDualTensor). */
export interface UnpackedDual {
  /** A view of the tensor without its tangent. */
  readonly primal: Tensor;
  /** Its tangent at the active level, or null. */
  readonly tangent: Tensor | null;
}

/** The primal (a view without the tangent) and the tangent of `t` (PyTorch's `unpack_dual`). */
export function unpackDual(t: Tensor, options?: { level?: number }): UnpackedDual {
  const o = readOptions(options, "unpackDual", LEVEL_KEYS);
  if (!(t instanceof Tensor)) throw new ArgumentError(`unpackDual(): tensor must be a Tensor, got ${typeof t}`);
  if (active < 0) return { primal: t, tangent: null };
  const tangent = o.level === undefined || o.level === 0 ? tangentOf(t) : null;
  const primal = t.view(t.shape);
  setTangent(primal, null);
  return { primal, tangent };
}
