/** Builds functions of float64 inputs from recorded sample cases, for gradcheck and gradgradcheck. */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { type Arg, type Case, decodeValue } from "../../tools/conformance/format.js";
import { callOp, type Value } from "../../tools/conformance/ops.js";
import { fromJson } from "./fixtures.js";

/** The sample as a function of its float64 inputs that require grad (other inputs fixed). */
export function sampleFunction(c: Case): { fn: (...xs: Tensor[]) => Tensor[]; inputs: Tensor[] } | null {
  const names = Object.entries(c.inputs)
    .filter(([n, t]) => t.requires_grad && t.dtype === "float64" && !n.startsWith("v_") && !n.startsWith("grad_"))
    .map(([n]) => n);
  if (names.length === 0) return null;
  const fixed = new Map(Object.entries(c.inputs).map(([n, t]) => [n, fromJson(t)]));
  const op = c.tags?.find((t) => t.startsWith("op:"))?.slice(3);
  const opIndex = c.steps.findIndex((s) => s.op === op);
  const opSteps = c.steps.slice(0, opIndex + 1);
  const outNames = ([] as string[]).concat(opSteps.at(-1)?.out ?? []);
  const fn = (...xs: Tensor[]) => {
    const env = new Map<string, unknown>(fixed);
    for (const [i, n] of names.entries()) env.set(n, xs[i]);
    const resolve = (a: Arg): Value => {
      if (Array.isArray(a)) return a.map(resolve);
      if (a !== null && typeof a === "object" && "ref" in a) return env.get(a.ref) as Value;
      if (a !== null && typeof a === "object" && "slice" in a) return new torch.Slice(...a.slice);
      if (a !== null && typeof a === "object" && "none" in a) return null;
      if (a !== null && typeof a === "object" && "ellipsis" in a) return "...";
      if (a !== null && typeof a === "object" && "float" in a) return decodeValue(a.float);
      return a as Value;
    };
    for (const s of opSteps) {
      const kwargs = Object.fromEntries(Object.entries(s.kwargs ?? {}).map(([k, v]) => [k, resolve(v)]));
      const r = callOp(s.op, s.args.map(resolve), kwargs);
      if (Array.isArray(s.out)) for (const [i, n] of s.out.entries()) env.set(n, (r as unknown[])[i]);
      else env.set(s.out as string, r);
    }
    // Several outputs: the floating ones (indices are not differentiable).
    return outNames.map((n) => env.get(n) as Tensor).filter((t) => t.dtype === "float64" || t.dtype === "float32");
  };
  const inputs = names.map((n) => fromJson(c.inputs[n] as never).requiresGrad_(true));
  return { fn, inputs };
}
