/**
 * What the engine needs from the op table. The engine does not import ops/
 * (ops are built on it); autograd/api.ts, the user-facing functions built on
 * both, provides these once at load.
 */

import type { DType } from "../core/dtype.js";
import { AutogradError } from "../core/errors.js";
import type { Tensor } from "../tensor.js";

export interface EngineOps {
  add(a: Tensor, b: Tensor): Tensor;
  /** a += b in place, without recording. */
  addInplace(a: Tensor, b: Tensor): void;
  /** Sums a gradient down to a (broadcast) input's shape. */
  sumTo(g: Tensor, shape: readonly number[]): Tensor;
  to(g: Tensor, dtype: DType): Tensor;
  /** A copy outside the graph. */
  detachedCopy(g: Tensor): Tensor;
  /** A copy recorded in the graph (CopyBackwards), as PyTorch's first accumulation under createGraph. */
  recordedCopy(g: Tensor): Tensor;
  /**
   * Anomaly mode's check of a gradient: `error()` is raised when it holds a
   * NaN, at once on the CPU, at the next read on a device (a device-side
   * assert: its values cannot be read synchronously).
   */
  checkNan(g: Tensor, error: () => AutogradError): void;
  /** Regenerates the grad_fn of a view whose base was modified in place since (AsStridedBackward0). */
  refreshView(view: Tensor): void;
}

let ops: EngineOps | null = null;

/** @internal called once by the op table. */
export function provideEngineOps(o: EngineOps): void {
  ops = o;
}

/** @internal */
export function engineOps(): EngineOps {
  if (ops === null) throw new AutogradError("autograd used before the op table was loaded (import the package entry point)");
  return ops;
}
