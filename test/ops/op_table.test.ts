/**
 * Every op of the op table (opTable(): PyTorch's op and node names) has
 * golden samples: some case of test/fixtures/golden applies it, directly (its
 * tag `op:<name>` is the op) or through the public function or derivative
 * that applies it. Which entries a case applies is observed, not declared:
 * each entry's forward is wrapped, and the cases' steps (the op call, then
 * autograd.grad and backward for its first and second derivatives) run with
 * the wrappers recording. Entries are told apart by op and node name (the
 * in-place leaky_relu_ is LeakyReluBackward1, the out-of-place one
 * LeakyReluBackward0).
 */

import { beforeAll, describe, expect, it } from "vitest";
import { type OpDef, opTable } from "../../src/ops/define.js";
import type { Corpus } from "../../tools/conformance/format.js";
import { type Env, makeTensor, runStep } from "../../tools/conformance/runner.js";
import { jsonNames, readJson } from "../helpers/fixtures.js";

/**
 * Table entries no golden case can reach, each with the reason. An entry
 * belongs here only when a recorded sample cannot apply it: add samples for
 * anything else (test/ops/samples, then scripts/record/ops_golden.py).
 */
const EXEMPT: Record<string, string> = {
  // Helpers applied only inside other ops' derivative formulas, where no recorded derivative reaches:
  take_flat:
    "the derivative of embedding's and max_pool2d's backward with respect to the incoming gradient: second order only when " +
    "that gradient requires grad, which the recorded samples' grad outputs do not (gradgradcheck in ops.test.ts runs it)",
  put_flat: "take_flat's derivative (third order)",
  "as_strided_backward (AsStridedBackwardBackward0)":
    "the derivative of AsStridedBackward0, the grad_fn of a view used after its base changed in place: a one-op sample " +
    "cannot build that history; test/autograd/gradcheck.test.ts and engine.test.ts check it",
  // Applied by public functions, but not a function of their input:
  random_fill:
    "uniform_ and normal_ fill with the generator's draws (no golden case sets a seed); their doc examples check the " +
    "draws against PyTorch's after torch.manualSeed(0)",
  normal:
    "torch.normal with tensor parameters draws from the generator, and its zero gradient (PyTorch's) is not the derivative, " +
    "which gradcheck and forward AD's finite differences would check; test/ops/padding.test.ts checks its seeded draws " +
    "(test/fixtures/random_ops.json) and its node and gradients",
};

/** An entry's name: PyTorch's op name, with its node name where that is fixed (`leaky_relu (LeakyReluBackward1)`). */
const entryName = (def: OpDef<unknown>): string => (typeof def.gradFn === "string" ? `${def.name} (${def.gradFn})` : def.name);

const families = jsonNames("fixtures/golden");
const cases = families.flatMap((f) => readJson<Corpus>(`fixtures/golden/${f}.json`).cases);

/** The names of the table entries the golden cases apply. */
function applied(): Set<string> {
  const seen = new Set<string>();
  let recording = false;
  for (const def of opTable()) {
    const forward = def.forward;
    const traced: typeof forward = (inputs, attrs, into) => {
      if (recording) seen.add(entryName(def));
      return forward(inputs, attrs, into);
    };
    Object.defineProperty(def, "forward", { value: traced });
  }
  for (const c of cases) {
    const env: Env = new Map();
    for (const [name, t] of Object.entries(c.inputs)) env.set(name, makeTensor(t));
    recording = true;
    try {
      for (const step of c.steps) runStep(step, env);
    } catch {
      // a case that expects an error: the entries applied before it count
    } finally {
      recording = false;
    }
  }
  return seen;
}

describe("the op table", () => {
  const entries = [...new Set(opTable().map(entryName))].sort();
  let seen = new Set<string>();
  beforeAll(() => {
    seen = applied();
  });

  it("has golden samples for every op (or an exemption with its reason)", () => {
    expect(entries.length).toBeGreaterThan(150);
    expect(entries.filter((n) => !seen.has(n) && !(n in EXEMPT))).toEqual([]);
  });

  it("exempts only entries of the table that no golden case applies", () => {
    expect(Object.keys(EXEMPT).filter((n) => seen.has(n) || !entries.includes(n))).toEqual([]);
  });
});
