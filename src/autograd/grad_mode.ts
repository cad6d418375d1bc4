/** Grad mode: whether ops record the graph (PyTorch's torch.no_grad / enable_grad). */

let enabled = true;

/** Whether operations are recorded for autograd now. */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Turns recording on or off until changed again.
 *
 * @example
 * ```ts
 * torch.setGradEnabled(false);
 * const y = torch.ones([2], { requiresGrad: true }).mul(2);
 * console.log(y.requiresGrad); // false
 * torch.setGradEnabled(true);
 * ```
 */
export function setGradEnabled(mode: boolean): void {
  enabled = mode;
}

function withMode<T>(mode: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = mode;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/**
 * Runs `fn` with recording off and returns its result; tensors computed
 * inside do not require grad (PyTorch's `with torch.no_grad():`). For
 * synchronous code: recording is restored when `fn` returns.
 *
 * @example
 * ```ts
 * const x = torch.tensor([1, 2], { requiresGrad: true });
 * const y = torch.noGrad(() => x.mul(2));
 * console.log(y.requiresGrad); // false
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  return withMode(false, fn);
}

/**
 * Runs `fn` with recording on, even inside `noGrad` (PyTorch's `torch.enable_grad`).
 *
 * @example
 * ```ts
 * const x = torch.tensor([1, 2], { requiresGrad: true });
 * const y = torch.noGrad(() => torch.enableGrad(() => x.mul(2)));
 * console.log(y.requiresGrad); // true
 * ```
 */
export function enableGrad<T>(fn: () => T): T {
  return withMode(true, fn);
}
