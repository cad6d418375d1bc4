/**
 * torch.scope and torch.keep: freeing, at a point the caller chooses, the
 * memory of the tensors a piece of code made and did not return (the
 * mechanism is backend/lifetime.ts). A tensor the scope's result reaches
 * stays usable: a returned tensor, its views, its `.grad`, and the tensors
 * its graph saved for backward (so `scope(() => model(x))` can be
 * backpropagated through afterwards).
 */

import { closeScope, inScope, keepBuffers, openScope } from "../backend/lifetime.js";
import { pythonTypeName } from "../core/describe.js";
import { ArgumentError } from "../core/errors.js";
import { Tensor } from "../tensor.js";
import { Node } from "./node.js";

/**
 * The buffers `value` reaches: tensors in it (in arrays, Maps, Sets and
 * object properties, at any depth), their gradients, and everything the
 * graphs behind them saved.
 */
function reachedBuffers(value: unknown): Set<object> {
  const buffers = new Set<object>();
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== "object" || v === null || ArrayBuffer.isView(v) || v instanceof ArrayBuffer || seen.has(v)) continue;
    seen.add(v);
    if (v instanceof Tensor) {
      buffers.add(v._storage.data);
      stack.push(v._grad, v._gradFn, v._base);
    } else if (v instanceof Node) {
      // A node's fields: its edges (to the next nodes), saved tensors, attributes.
      for (const f of Object.values(v)) stack.push(f);
    } else if (Array.isArray(v)) {
      for (const x of v) if (typeof x === "object") stack.push(x);
    } else if (v instanceof Map) {
      for (const [k, x] of v) stack.push(k, x);
    } else if (v instanceof Set) {
      for (const x of v) stack.push(x);
    } else {
      for (const f of Object.values(v)) if (typeof f === "object") stack.push(f);
    }
  }
  return buffers;
}

/**
 * Runs `fn` and frees the memory of every tensor it made that its result
 * does not reach, when it returns (or throws). Using one of those tensors
 * afterwards raises an error. Kindling frees memory by itself (the garbage
 * collector, and the backward engine for gradients); a scope only frees
 * sooner, which keeps a hot loop's memory warm and its footprint small.
 *
 * Kept: what the result reaches (returned tensors, in arrays or objects at
 * any depth, their views, gradients and the graph behind them); gradients
 * that `backward()` stores in `.grad`; parameters, module buffers and
 * optimizer state; tensors passed to `torch.keep`. Scopes nest: what an
 * inner scope returns belongs to the enclosing one. `fn` must be
 * synchronous (tensors made after an `await` cannot be told apart from
 * other code's).
 *
 * @example
 * ```ts
 * const w = torch.tensor([1, 2], { requiresGrad: true });
 * const opt = new torch.optim.SGD([w], { lr: 0.1 });
 * for (let step = 0; step < 3; step++) {
 *   torch.scope(() => {
 *     opt.zeroGrad();
 *     w.mul(w).sum().backward(); // w * w and the sum are freed when the scope ends
 *     opt.step();
 *   });
 * }
 * console.log(w); // tensor([0.5120, 1.0240], requires_grad=True)
 * ```
 */
export function scope<T>(fn: () => T): T {
  if (typeof fn !== "function") {
    throw new ArgumentError(`scope(): expected a function to run, got ${pythonTypeName(fn)}`);
  }
  openScope();
  let result: T | undefined;
  try {
    result = fn();
  } finally {
    closeScope(result === undefined ? new Set() : reachedBuffers(result));
  }
  if (typeof (result as { then?: unknown } | null)?.then === "function") {
    throw new ArgumentError(
      "scope(): the function returned a Promise; a scope takes a synchronous function (open the scope inside the async code, around the synchronous steps)",
    );
  }
  return result;
}

/**
 * Keeps `t` (and what its graph saved) from being freed by the scopes open
 * now, as if it were returned from all of them (TensorFlow.js's `tf.keep`).
 * Returns `t`. Outside a scope it does nothing.
 *
 * @example
 * ```ts
 * const seen: torch.Tensor[] = [];
 * torch.scope(() => {
 *   const y = torch.ones(2).mul(3);
 *   seen.push(torch.keep(y)); // stays usable after the scope
 * });
 * console.log(seen[0]); // tensor([3., 3.])
 * ```
 */
export function keep<T extends Tensor>(t: T): T {
  if (!(t instanceof Tensor)) throw new ArgumentError(`keep(): expected a Tensor, got ${pythonTypeName(t)}`);
  keepReached(t);
  return t;
}

/** Keeps every tensor `value` reaches from the open scopes (a `.grad`, optimizer state). */
export function keepReached(value: unknown): void {
  if (inScope()) keepBuffers(reachedBuffers(value));
}
