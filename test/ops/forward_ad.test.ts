/**
 * Forward-mode AD over the whole op table: for every recorded sample with
 * float64 inputs (test/fixtures/golden), the tangent forward AD gives equals
 * PyTorch's for the same tangents (test/fixtures/forward_ad_golden.json,
 * scripts/record/forward_ad_golden.py), the directional derivative from
 * central finite differences (gradcheck's tolerances) and J·t from reverse
 * mode.
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import type { Case, Corpus } from "../../tools/conformance/format.js";
import { fromJson, jsonNames, readJson, type TensorJson } from "../helpers/fixtures.js";
import { sampleFunction } from "../helpers/samples.js";

const fwAD = torch.autograd.forwardAd;
const families = jsonNames("fixtures/golden");
// Keyed family:id (ids repeat across families).
const cases = families.flatMap((f) => readJson<Corpus>(`fixtures/golden/${f}.json`).cases.map((c) => [`${f}:${c.id}`, c] as const));
const checked = cases.map(([key, c]) => [key, c, sampleFunction(c)] as const).filter(([, , s]) => s !== null);
const pytorch =
  readJson<Record<string, { tangents: Record<string, TensorJson>; outputs?: (TensorJson | null)[] }>>("fixtures/forward_ad_golden.json");

/** Samples whose backward is PyTorch's convention rather than the derivative (forward AD gives the derivative). */
const NOT_THE_DERIVATIVE = (c: Case) =>
  c.steps.some((s) => s.op === "F.embedding" && (s.kwargs?.padding_idx !== undefined || s.kwargs?.scale_grad_by_freq === true));

/**
 * Samples whose backward formula is not differentiable in the gradient at zero, where reverse
 * mode's double-backward trick evaluates it: logcumsumexp's (PyTorch's) takes the log of the
 * gradient's positive and negative parts, so PyTorch's functional.jvp gives NaN there too.
 */
const NO_REVERSE_JVP = (c: Case) => c.steps.some((s) => s.op === "logcumsumexp");

const values = (t: Tensor) => Array.from(t.detach().toTypedArray() as Float64Array, Number);

function expectClose(actual: number[], expected: number[], atol: number, rtol: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i] as number;
    // An empty mean's NaN has a NaN tangent, as PyTorch's.
    if (Number.isNaN(e) && Number.isNaN(a)) return;
    expect(Math.abs(a - e), `${what}[${i}]: ${a} vs ${e}`).toBeLessThanOrEqual(atol + rtol * Math.abs(e));
  });
}

describe("forward AD of every op (float64 samples)", () => {
  it.each(checked)("%s", (key, c, s) => {
    if (s === null) return;
    const recorded = pytorch[key];
    // PyTorch's tangents for the inputs that require grad, in the order sampleFunction takes them.
    const tangents = recorded === undefined ? [] : Object.values(recorded.tangents).map(fromJson);
    expect(recorded, `${c.id}: no PyTorch recording`).toBeDefined();
    expect(tangents.map((t) => t.shape)).toEqual(s.inputs.map((x) => x.shape));
    const primals = s.inputs.map((x) => x.detach());
    const jvps = fwAD.dualLevel(() => {
      const outs = s.fn(...primals.map((x, i) => fwAD.makeDual(x, tangents[i] as Tensor)));
      return outs.map((o) => fwAD.unpackDual(o).tangent ?? torch.zerosLike(o));
    });
    (recorded?.outputs ?? []).forEach((t, k) => {
      const ours = jvps[k] as Tensor;
      expectClose(
        values(ours),
        t === null ? values(torch.zerosLike(ours)) : values(fromJson(t)),
        1e-10,
        1e-7,
        `${c.id} output ${k} vs PyTorch`,
      );
    });
    // Central differences along the tangent.
    const eps = 1e-6;
    const shifted = (sign: number) => s.fn(...primals.map((x, i) => x.add((tangents[i] as Tensor).mul(sign * eps))));
    const [plus, minus] = [shifted(1), shifted(-1)];
    jvps.forEach((t, k) => {
      const fd = values(plus[k] as Tensor).map((v, j) => (v - (values(minus[k] as Tensor)[j] as number)) / (2 * eps));
      expectClose(values(t), fd, 1e-5, 1e-3, `${c.id} output ${k} vs finite differences`);
    });
    // (Reverse mode's double-backward trick gives 0 for the NaN of an empty mean, where forward AD gives NaN as PyTorch's.)
    if (NOT_THE_DERIVATIVE(c) || NO_REVERSE_JVP(c) || primals.some((x) => x.numel() === 0)) return;
    // J·t from reverse mode: the sum over outputs of <grad of output k, e_j> is built by one vjp per output.
    jvps.forEach((t, k) => {
      const [, viaReverse] = torch.autograd.functional.jvp((...xs: Tensor[]) => s.fn(...xs)[k] as Tensor, primals, tangents);
      expectClose(values(t), values(viaReverse as Tensor), 1e-9, 1e-7, `${c.id} output ${k} vs reverse mode`);
    });
  });
});
