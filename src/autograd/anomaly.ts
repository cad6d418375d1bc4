/**
 * Anomaly detection (PyTorch's `torch.autograd.detect_anomaly`): while it is
 * on, every graph node remembers the stack of the forward call that created
 * it; when a node's backward fails, the engine prints that stack (PyTorch's
 * "Error detected in X. Traceback of forward call that caused the error")
 * before the error propagates, and a backward that produces NaN raises
 * "Function 'X' returned nan values in its Nth output.". Off by default: it
 * costs a stack capture per op.
 */

import { readOptions } from "../core/options.js";

/** Whether anomaly mode is on, and whether it checks backward results for NaN. */
const state = { enabled: false, checkNan: true };

/** The forward stack of each node made while anomaly mode was on. */
const traces = new WeakMap<object, string>();

/** Kindling's own source or build folder, as a URL and as a path: frames inside it are left out of forward stacks. */
const ownRoots = (() => {
  const url = import.meta.url;
  const cut = url.lastIndexOf("/autograd/");
  if (cut < 0) return [];
  const root = url.slice(0, cut + 1);
  return root.startsWith("file://") ? [root, decodeURIComponent(new URL(root).pathname)] : [root];
})();

/** How many frames a forward stack keeps (Kindling's own frames are dropped from them). */
const TRACE_FRAMES = 40;

/** Whether anomaly detection is on (PyTorch's `torch.is_anomaly_enabled`). */
export function isAnomalyEnabled(): boolean {
  return state.enabled;
}

/** Whether anomaly detection checks backward results for NaN (PyTorch's `torch.is_anomaly_check_nan_enabled`). */
export function isAnomalyCheckNanEnabled(): boolean {
  return state.checkNan;
}

/**
 * Turns anomaly detection on or off for what follows (PyTorch's
 * `torch.autograd.set_detect_anomaly`); `checkNan` (default true) makes a
 * backward that produces NaN raise.
 */
export function setDetectAnomaly(mode: boolean, checkNan = true): void {
  state.enabled = mode;
  state.checkNan = checkNan;
}

/**
 * Runs `fn` with anomaly detection on (PyTorch's `with
 * torch.autograd.detect_anomaly():`), restoring the previous mode after.
 *
 * @example
 * ```ts
 * const x = torch.tensor([1, 0], { requiresGrad: true });
 * torch.autograd.detectAnomaly(() => {
 *   const y = torch.tensor([1, 0]).div(x);
 *   try {
 *     y.sum().backward();
 *   } catch (e) {
 *     console.log((e as Error).message); // Function 'DivBackward0' returned nan values in its 1th output.
 *   }
 * });
 * ```
 */
export function detectAnomaly<T>(fn: () => T, options?: { checkNan?: boolean }): T {
  const o = readOptions(options, "detectAnomaly", { checkNan: "boolean" });
  const prev = { ...state };
  console.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only be enabled for debugging.");
  setDetectAnomaly(true, o.checkNan ?? true);
  try {
    return fn();
  } finally {
    setDetectAnomaly(prev.enabled, prev.checkNan);
  }
}

/** @internal remembers the stack of the forward call making `node` (called by Node's constructor when anomaly mode is on). */
export function recordTrace(node: object): void {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = TRACE_FRAMES;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  const frames = stack.split("\n").slice(1);
  const users = frames.filter((f) => !ownRoots.some((r) => f.includes(r)));
  traces.set(node, (users.length > 0 ? users : frames).join("\n"));
}

/** @internal the warning printed when `node`'s backward fails in anomaly mode. */
export function reportFailure(node: { name: string }): void {
  const trace = traces.get(node);
  if (trace === undefined) return;
  console.warn(`Error detected in ${node.name}. Traceback of forward call that caused the error:\n${trace}`);
}
