/**
 * Bad input for every op of the op table, generated (fast-check) from the
 * op's golden samples (test/fixtures/golden/*.json): the sample's call with
 * one or two of its arguments replaced by a tensor of another shape (ranks
 * 0-4, sizes 0-4, empty ones too) or dtype, an index tensor of random shape
 * and values in [-12, 12], or a number that is out of range, not an
 * integer, NaN, infinite or negative. Each call must either raise a
 * KindlingError (a JavaScript TypeError/RangeError, or Kindling's internal
 * error of a broken backend contract, fails), or return a result; either
 * way the reference backend under the bounds-checked debug mode must do the
 * same: the same values (float32 tolerance, NaN equal to NaN) and gradients,
 * or the same error class and message.
 *
 * Reproducible: a fixed seed per op (KINDLING_FUZZ_SEED changes the base,
 * KINDLING_FUZZ_RUNS the runs per op); a failure prints the call and how to
 * replay it.
 */

import fc from "fast-check";
import type { DType, Tensor } from "kindling";
import * as torch from "kindling";
import { afterAll, describe, it } from "vitest";
import { isInternalError } from "../../src/backend/checked.js";
import { _debugBounds, _setDebugBounds } from "../../src/backend/index.js";
import { type Arg, type Case, type Corpus, decodeValue, type Step, type TensorJson } from "../../tools/conformance/format.js";
import { callOp, type Value } from "../../tools/conformance/ops.js";
import { makeTensor } from "../../tools/conformance/runner.js";
import { jsonNames, readJson } from "../helpers/fixtures.js";

const SEED = Number(process.env.KINDLING_FUZZ_SEED ?? 20_251_111);
const RUNS = Number(process.env.KINDLING_FUZZ_RUNS ?? 300);
const PATH = process.env.KINDLING_FUZZ_PATH;
const REPORT = process.env.KINDLING_FUZZ_REPORT === "1";

const families = jsonNames("fixtures/golden");
const cases = families.flatMap((f) => readJson<Corpus>(`fixtures/golden/${f}.json`).cases);
const opOf = (c: Case): string => c.tags?.find((t) => t.startsWith("op:"))?.slice(3) ?? (c.steps[0] as Step).op;
const byOp = new Map<string, Case[]>();
for (const c of cases) byOp.set(opOf(c), [...(byOp.get(opOf(c)) ?? []), c]);

// ----- the calls ----------------------------------------------------------------------

/** A sample with some of its arguments replaced: tensors by name, numbers by their path in the op step. */
interface Call {
  id: string;
  tensors: Record<string, TensorJson>;
  numbers: Record<string, number>;
}

/** The op step and the steps before it (clones for the in-place ops). */
function stepsOf(c: Case): Step[] {
  const op = opOf(c);
  return c.steps.slice(0, c.steps.findIndex((s) => s.op === op) + 1);
}

/** The inputs the steps read (not the gradient seeds of the golden run). */
function inputNames(c: Case): string[] {
  const used = new Set<string>();
  const walk = (a: Arg): void => {
    if (Array.isArray(a)) a.forEach(walk);
    else if (a !== null && typeof a === "object" && "ref" in a && a.ref in c.inputs) used.add(a.ref);
  };
  for (const s of stepsOf(c)) [...s.args, ...Object.values(s.kwargs ?? {})].forEach(walk);
  return [...used];
}

/** Paths ("args.1", "kwargs.dim", "args.1.0.slice.2") of the numbers in the op step. */
function numberPaths(c: Case): [string, number][] {
  const out: [string, number][] = [];
  const walk = (a: Arg, path: string): void => {
    if (typeof a === "number") out.push([path, a]);
    else if (Array.isArray(a)) for (const [i, x] of a.entries()) walk(x, `${path}.${i}`);
    else if (a !== null && typeof a === "object" && "slice" in a) for (const [i, x] of a.slice.entries()) walk(x, `${path}.slice.${i}`);
    else if (a !== null && typeof a === "object" && "float" in a) out.push([path, decodeValue(a.float)]);
  };
  const step = stepsOf(c).at(-1) as Step;
  for (const [i, a] of step.args.entries()) walk(a, `args.${i}`);
  for (const [k, v] of Object.entries(step.kwargs ?? {})) walk(v, `kwargs.${k}`);
  return out;
}

const DTYPES: DType[] = ["int32", "int64", "bool", "float32", "float64"];
const FLOATS = [-2, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3];
const isFloat = (d: DType): boolean => d === "float32" || d === "float64";
const shapes = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 });

function tensorOf(dtype: DType, shape: readonly number[], requiresGrad: boolean, index = false): fc.Arbitrary<TensorJson> {
  const n = shape.reduce((a, b) => a * b, 1);
  const value = index
    ? fc.integer({ min: -12, max: 12 })
    : dtype === "bool"
      ? fc.constantFrom(0, 1)
      : isFloat(dtype)
        ? fc.constantFrom(...FLOATS)
        : fc.integer({ min: -3, max: 3 });
  const requires_grad = requiresGrad && isFloat(dtype);
  return fc.array(value, { minLength: n, maxLength: n }).map((data) => ({ dtype, shape: [...shape], data, requires_grad }));
}

/** Another tensor in the place of `t`: another shape, another dtype or (int64) random indices. */
function replacement(t: TensorJson): fc.Arbitrary<TensorJson> {
  const rg = t.requires_grad === true;
  const kinds = [
    shapes.chain((s) => tensorOf(t.dtype, s, rg)),
    fc.constantFrom(...DTYPES.filter((d) => d !== t.dtype)).chain((d) => tensorOf(d, t.shape, rg)),
    fc.tuple(fc.constantFrom(...DTYPES), shapes).chain(([d, s]) => tensorOf(d, s, rg)),
  ];
  if (t.dtype === "int64") kinds.push(fc.oneof(fc.constant(t.shape), shapes).chain((s) => tensorOf("int64", s, false, true)));
  return fc.oneof(...kinds);
}

/** A number in the place of `v`: an integer in [-6, 6] (dims out of range), a fraction, NaN, +-Infinity, -v. */
function badNumber(v: number): fc.Arbitrary<number> {
  return fc.oneof(
    fc.integer({ min: -6, max: 6 }),
    fc.constantFrom(0.5, 1.5, -1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -Math.abs(v) - 1, v + 0.5),
  );
}

type Slot = { kind: "tensor"; name: string; t: TensorJson } | { kind: "number"; path: string; v: number };

function callsOf(c: Case): fc.Arbitrary<Call> {
  const slots: Slot[] = [
    ...inputNames(c).map((name) => ({ kind: "tensor" as const, name, t: c.inputs[name] as TensorJson })),
    ...numberPaths(c).map(([path, v]) => ({ kind: "number" as const, path, v })),
  ];
  return fc.subarray(slots, { minLength: 1, maxLength: Math.min(2, slots.length) }).chain((chosen) =>
    fc.tuple(...chosen.map((s) => (s.kind === "tensor" ? replacement(s.t) : badNumber(s.v)))).map((values) => {
      const call: Call = { id: c.id, tensors: {}, numbers: {} };
      chosen.forEach((s, i) => {
        if (s.kind === "tensor") call.tensors[s.name] = values[i] as TensorJson;
        else call.numbers[s.path] = values[i] as number;
      });
      return call;
    }),
  );
}

// ----- running a call -----------------------------------------------------------------

const caseById = new Map(cases.map((c) => [c.id, c]));

/** The call's op step with its arguments resolved (tensors from `env`, numbers replaced). */
function resolveStep(step: Step, env: Map<string, unknown>, numbers: Record<string, number>, isOp: boolean) {
  const resolve = (a: Arg, path: string): Value => {
    if (isOp && path in numbers) return numbers[path];
    if (Array.isArray(a)) return a.map((x, i) => resolve(x, `${path}.${i}`));
    if (a !== null && typeof a === "object") {
      if ("ref" in a) return env.get(a.ref) as Value;
      if ("slice" in a) return new torch.Slice(...(a.slice.map((x, i) => resolve(x, `${path}.slice.${i}`)) as [number, number, number]));
      if ("none" in a) return null;
      if ("ellipsis" in a) return "...";
      if ("float" in a) return decodeValue(a.float);
    }
    return a as Value;
  };
  const args = step.args.map((a, i) => resolve(a, `args.${i}`));
  const kwargs = Object.fromEntries(Object.entries(step.kwargs ?? {}).map(([k, v]) => [k, resolve(v, `kwargs.${k}`)]));
  return { args, kwargs };
}

interface Snapshot {
  dtype?: DType;
  shape?: number[];
  requiresGrad?: boolean;
  values: number[];
}

type Outcome = { ok: true; results: Snapshot[] } | { ok: false; error: unknown };

function snapshot(v: unknown): Snapshot[] {
  if (v instanceof torch.Tensor)
    return [{ dtype: v.dtype, shape: [...v.shape], requiresGrad: v.requiresGrad, values: [...v.toTypedArray()].map(Number) }];
  if (Array.isArray(v)) return v.flatMap(snapshot);
  if (typeof v === "number" || typeof v === "boolean") return [{ values: [Number(v)] }];
  return [{ values: [] }];
}

const tensorsIn = (v: unknown): Tensor[] => (v instanceof torch.Tensor ? [v] : Array.isArray(v) ? v.flatMap(tensorsIn) : []);

/** The call's results and the gradients of the sum of its differentiable results with respect to its inputs. */
function run(call: Call): Outcome {
  const c = caseById.get(call.id) as Case;
  const env = new Map<string, unknown>();
  for (const name of inputNames(c)) env.set(name, makeTensor(call.tensors[name] ?? (c.inputs[name] as TensorJson)));
  torch.manualSeed(0);
  try {
    const steps = stepsOf(c);
    let result: unknown;
    steps.forEach((s, i) => {
      const { args, kwargs } = resolveStep(s, env, call.numbers, i === steps.length - 1);
      result = callOp(s.op, args, kwargs);
      if (typeof s.out === "string") env.set(s.out, result);
    });
    const results = snapshot(result);
    const leaves = [...env.values()].filter((t): t is Tensor => t instanceof torch.Tensor && t.isLeaf && t.requiresGrad);
    const outs = tensorsIn(result).filter((t) => t.requiresGrad && isFloat(t.dtype));
    if (leaves.length > 0 && outs.length > 0) {
      const loss = outs.map((t) => t.double().sum()).reduce((a, b) => a.add(b));
      const grads = torch.autograd.grad([loss], leaves, { allowUnused: true });
      results.push(...grads.flatMap((g) => (g === null ? [{ values: [] }] : snapshot(g))));
    }
    return { ok: true, results };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The same call on the reference backend with every kernel access bounds-checked. */
function runGuarded(call: Call): Outcome {
  const backend = torch.getBackend();
  const debug = _setDebugBounds(true);
  torch.setBackend("js");
  try {
    return run(call);
  } finally {
    torch.setBackend(backend);
    _setDebugBounds(debug);
  }
}

// ----- judging ------------------------------------------------------------------------

const close = (a: number, b: number): boolean =>
  a === b || (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-5 + 1e-4 * Math.max(Math.abs(a), Math.abs(b));

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.constructor.name}: ${e.message}` : `a thrown ${typeof e}: ${String(e)}`;
}

/** What is wrong with a call's error, or null: only non-internal KindlingErrors are right. */
function badError(e: unknown): string | null {
  if (!(e instanceof torch.KindlingError))
    return `a non-Kindling error: ${describeError(e)}${e instanceof Error ? `\n${e.stack?.split("\n").slice(1, 6).join("\n")}` : ""}`;
  if (isInternalError(e)) return `an internal error (the op gave a kernel operands that do not fit): ${e.message}`;
  return null;
}

function differences(a: Snapshot[], b: Snapshot[]): string | null {
  if (a.length !== b.length) return `${a.length} results against ${b.length}`;
  for (const [i, x] of a.entries()) {
    const y = b[i] as Snapshot;
    const what = `result ${i}`;
    if (x.dtype !== y.dtype || String(x.shape) !== String(y.shape) || x.requiresGrad !== y.requiresGrad) {
      return `${what}: ${x.dtype}[${x.shape}] requiresGrad=${x.requiresGrad} against ${y.dtype}[${y.shape}] requiresGrad=${y.requiresGrad}`;
    }
    const j = x.values.findIndex((v, k) => !close(v, y.values[k] as number));
    if (j >= 0 || x.values.length !== y.values.length) return `${what}: [${x.values}] against [${y.values}]`;
  }
  return null;
}

/** Why the call fails the suite, or null. */
function judge(call: Call, tally?: { returned: number; raised: number }): string | null {
  const here = run(call);
  if (tally !== undefined) tally[here.ok ? "returned" : "raised"]++;
  if (!here.ok) {
    const bad = badError(here.error);
    if (bad !== null) return `raised ${bad}`;
  }
  const ref = runGuarded(call);
  const name = torch.getBackend();
  if (here.ok && ref.ok) {
    const d = differences(here.results, ref.results);
    return d === null ? null : `the ${name} backend and the guarded reference backend disagree: ${d}`;
  }
  if (!here.ok && !ref.ok && describeError(here.error) === describeError(ref.error)) return null;
  const show = (o: Outcome) => (o.ok ? "returned a result" : `raised ${describeError(o.error)}`);
  return `the ${name} backend ${show(here)}, the guarded reference backend ${show(ref)}`;
}

/** The call as a reader wants it: the op and its arguments, tensors as dtype[shape] with their values. */
function describeCall(call: Call): string {
  const c = caseById.get(call.id) as Case;
  const show = (t: TensorJson) =>
    `${t.dtype}[${t.shape}]${t.data.length <= 16 ? `=[${t.data}]` : ""}${t.requires_grad ? " requiresGrad" : ""}`;
  const inputs = inputNames(c).map(
    (n) => `${n}: ${call.tensors[n] ? `${show(call.tensors[n])} (replaced)` : show(c.inputs[n] as TensorJson)}`,
  );
  const numbers = Object.entries(call.numbers).map(([p, v]) => `${p} = ${v}`);
  const step = (s: Step) => `${s.op}(${JSON.stringify(s.args)}, ${JSON.stringify(s.kwargs ?? {})})`;
  return [`sample ${c.id}: ${stepsOf(c).map(step).join("; ")}`, ...inputs, ...numbers].join("\n  ");
}

// ----- the suite ----------------------------------------------------------------------

const hash = (s: string): number => [...s].reduce((h, ch) => (Math.imul(h, 31) + ch.charCodeAt(0)) | 0, 7);
const initialDebug = _debugBounds();
afterAll(() => _setDebugBounds(initialDebug));

/** An error that is its message (the stack of the property run says nothing). */
function failure(message: string): Error {
  const e = new Error(message);
  e.stack = `Error: ${message}`;
  return e;
}

/** The calls of `op`'s samples, with the seed of `op`. */
function property(op: string) {
  const arb = fc.oneof(...(byOp.get(op) as Case[]).map(callsOf));
  return { arb, seed: SEED ^ hash(op) };
}

/** A failure's class: its first line with the numbers and quoted names blurred. */
const signature = (problem: string): string => (problem.split("\n")[0] as string).replace(/-?\d+(\.\d+)?(e[-+]\d+)?/g, "#");

/** Every distinct failure class of `op` over RUNS calls (KINDLING_FUZZ_REPORT=1), not only the first. */
function report(op: string): void {
  const { arb, seed } = property(op);
  const classes = new Map<string, string>();
  const tally = { returned: 0, raised: 0 };
  for (const call of fc.sample(arb, { seed, numRuns: RUNS })) {
    const problem = judge(call, tally);
    if (problem !== null && !classes.has(signature(problem))) classes.set(signature(problem), `${problem}\n  ${describeCall(call)}`);
  }
  console.log(`${op}: ${tally.returned} returned, ${tally.raised} raised, ${classes.size} kinds of failure`);
  if (classes.size > 0) throw failure(`${op}: ${classes.size} kinds of failure\n\n${[...classes.values()].join("\n\n")}`);
}

/** RUNS calls of `op`; the first failing one, shrunk, with how to replay it. */
function check(op: string): void {
  const { arb, seed } = property(op);
  const prop = fc.property(arb, (call) => {
    const problem = judge(call);
    if (problem !== null) throw failure(`${op}: ${problem}\n  ${describeCall(call)}`);
  });
  const out = fc.check(prop, { seed, numRuns: RUNS, path: PATH });
  if (!out.failed) return;
  const name = op.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const replay = `KINDLING_FUZZ_SEED=${SEED} KINDLING_FUZZ_PATH=${out.counterexamplePath} npx vitest run test/ops/fuzz.test.ts -t ' ${name}$'`;
  const shrunk = `counterexample (shrunk ${out.numShrinks} times): ${fc.stringify(out.counterexample)}`;
  throw failure(`${(out.errorInstance as Error).message}\n  ${shrunk}\n  replay: ${replay}`);
}

describe(`bad input to every op (seed ${SEED}, ${RUNS} runs per op)`, () => {
  it.each([...byOp.keys()])("%s", (op) => (REPORT ? report(op) : check(op)));
});
