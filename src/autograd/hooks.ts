/**
 * Hooks during a backward pass: tensor hooks and retained gradients run
 * before a node, node hooks before and after it. What a hook returns
 * replaces a gradient after PyTorch's checks (a tensor of the same dtype,
 * device and size, none where there was none).
 */

import { describeValue, pythonTypeName } from "../core/describe.js";
import { deviceLabel } from "../core/device.js";
import { legacyTypeName } from "../core/dtype.js";
import { ArgumentError, AutogradError, DTypeError, ShapeError } from "../core/errors.js";
import { formatShape, shapesEqual } from "../core/shape.js";
import { Tensor } from "../tensor.js";
import { engineOps } from "./bridge.js";
import { AccumulateGrad, type Node } from "./node.js";
import { keepReached } from "./scope.js";

/** Stores the gradient of a non-leaf whose grad is retained (out of place, as PyTorch). */
export function retain(t: Tensor, g: Tensor): void {
  const o = engineOps();
  t._grad = t._grad === null ? o.detachedCopy(g) : o.add(t._grad, g);
  keepReached(t._grad);
}

function hookName(hook: { name: string }): string {
  return hook.name === "" ? "<anonymous>" : hook.name;
}

/**
 * A gradient a hook returned in place of `original`, checked as PyTorch's
 * check_single_result does: a tensor of the same dtype, device and size,
 * and none where there was none. `where` names the hook and the gradient.
 */
function hookResult(name: string, where: string, original: Tensor | null, r: unknown): Tensor {
  if (original === null) {
    throw new AutogradError(
      `backward(): can't replace a None gradient with a non-None value (${where} returned ${describeValue(r)} where there was no gradient)`,
    );
  }
  if (!(r instanceof Tensor)) {
    throw new ArgumentError(
      `backward(): expected Variable, but hook returned '${pythonTypeName(r)}' (${where} returned ${describeValue(r)}; a hook returns a Tensor, or undefined/null to keep the gradient)`,
    );
  }
  if (r.dtype !== original.dtype) {
    throw new DTypeError(
      `backward(): hook '${name}' has changed the type of value (was ${legacyTypeName(original.dtype)} got ${legacyTypeName(r.dtype)})`,
    );
  }
  if (r.device !== original.device) {
    // PyTorch's type names the device (torch.cuda.FloatTensor); there is no legacy name for webgpu.
    const was = `${legacyTypeName(original.dtype)} on ${deviceLabel(original.device)}`;
    throw new DTypeError(
      `backward(): hook '${name}' has changed the type of value (was ${was} got ${legacyTypeName(r.dtype)} on ${deviceLabel(r.device)})`,
    );
  }
  if (!shapesEqual(r.shape, original.shape)) {
    throw new ShapeError(
      `backward(): hook '${name}' has changed the size of value (was ${formatShape(original.shape)} got ${formatShape(r.shape)})`,
    );
  }
  return r;
}

/** What a node hook returned: null (keep the gradients) or one checked replacement per gradient. */
export function nodeHookResult(hook: { name: string }, n: Node, prev: readonly (Tensor | null)[], r: unknown): (Tensor | null)[] | null {
  if (r === undefined || r === null) return null;
  const name = hookName(hook);
  if (!Array.isArray(r)) {
    throw new ArgumentError(
      `backward(): expected an array, but hook returned '${pythonTypeName(r)}' (hook '${name}' on ${n.name} returned ${describeValue(r)}; a node hook returns an array with a Tensor or null per gradient, or undefined to keep them)`,
    );
  }
  if (r.length !== prev.length) {
    throw new ArgumentError(
      `backward(): hook '${name}' has returned an incorrect number of values (got ${r.length}, but expected ${prev.length})`,
    );
  }
  return r.map((g, i) =>
    g === null || g === undefined ? null : hookResult(name, `hook '${name}' on ${n.name} at ${i}`, prev[i] ?? null, g),
  );
}

export function runTensorHooks(n: Node, inputs: (Tensor | null)[]): void {
  const h = n._hooks;
  if (h === null) return;
  if (h.tensor !== null) {
    for (const [nr, hooks] of h.tensor) {
      for (const hook of hooks.values()) {
        // An output of a multi-output node that got no gradient: the hook gets null, as PyTorch passes None.
        const g = inputs[nr] ?? null;
        const r: unknown = (hook as (g: Tensor | null) => unknown)(g);
        if (r === undefined || r === null) continue;
        const name = hookName(hook);
        const where = `hook '${name}' on ${n instanceof AccumulateGrad ? "a leaf" : `output ${nr} of ${n.name}`}`;
        inputs[nr] = hookResult(name, where, g, r);
      }
    }
  }
  if (h.retained !== null) {
    for (const [nr, t] of h.retained) {
      const g = inputs[nr];
      if (g !== null && g !== undefined) retain(t, g);
    }
  }
  if (h.pre !== null) {
    // One entry per output, null where none arrived (PyTorch passes None). A replacement is a new
    // array: a hook that kept the one it was given does not see it change.
    let all = Array.from({ length: n._outputCount() }, (_, i) => inputs[i] ?? null);
    for (const hook of h.pre.values()) {
      const r = nodeHookResult(hook, n, all, hook(all));
      if (r !== null) all = r;
    }
    for (const [i, g] of all.entries()) inputs[i] = g;
  }
}
