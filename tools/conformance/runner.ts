/**
 * Replays corpus cases through Kindling's public API and compares values,
 * gradients, graph metadata and errors with what PyTorch recorded.
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { type Arg, type Case, decodeValue, type Meta, type Step, type TensorJson } from "./format.js";
import { callOp, UnsupportedOp, type Value } from "./ops.js";

export interface CaseResult {
  id: string;
  ok: boolean;
  reason?: string;
}

class Mismatch extends Error {}

/**
 * A leaf tensor with a corpus tensor's values, dtype and requires_grad, on
 * `device` (the GPU holds no float64: its float64 inputs become float32).
 */
export function makeTensor(t: TensorJson, device: torch.Device = "cpu"): Tensor {
  const dtype = device !== "cpu" && t.dtype === "float64" ? "float32" : t.dtype;
  const flat = torch.tensor(Float64Array.from(t.data.map(decodeValue)), { dtype, device });
  // detach(): a leaf of its own, not a view of the flat tensor.
  return flat
    .view(t.shape)
    .detach()
    .requiresGrad_(t.requires_grad === true);
}

export type Env = Map<string, unknown>;

function resolve(arg: Arg, env: Env): Value {
  if (Array.isArray(arg)) return arg.map((a) => resolve(a, env));
  if (arg !== null && typeof arg === "object") {
    if ("ref" in arg) {
      if (!env.has(arg.ref)) throw new Mismatch(`unknown name '${arg.ref}'`);
      return env.get(arg.ref) as Value;
    }
    if ("slice" in arg) return new torch.Slice(arg.slice[0], arg.slice[1], arg.slice[2]);
    if ("none" in arg) return null;
    if ("ellipsis" in arg) return "...";
    if ("float" in arg) return decodeValue(arg.float);
  }
  return arg as Value;
}

/** Runs one step of a case, reading its arguments from `env` and writing its outputs there. */
export function runStep(step: Step, env: Env): void {
  const args = step.args.map((a) => resolve(a, env));
  const kwargs: Record<string, Value> = {};
  for (const [k, v] of Object.entries(step.kwargs ?? {})) kwargs[k] = resolve(v, env);
  const call = () => callOp(step.op, args, kwargs);
  const result = step.no_grad ? torch.noGrad(call) : call();
  if (step.out === undefined) return;
  if (Array.isArray(step.out)) {
    const list = result as unknown[];
    for (const [i, name] of step.out.entries()) env.set(name, list[i] ?? null);
  } else {
    env.set(step.out, result ?? null);
  }
}

function sameValue(a: number, e: number, rtol: number, atol: number, exact: boolean): boolean {
  if (Number.isNaN(e)) return Number.isNaN(a);
  if (!Number.isFinite(e)) return a === e;
  if (exact) return a === e;
  return Math.abs(a - e) <= atol + rtol * Math.abs(e);
}

function checkTensor(
  what: string,
  actual: unknown,
  expected: TensorJson | null,
  tol: { rtol: number; atol: number },
  values?: ArrayLike<number>,
): void {
  if (expected === null) {
    if (actual !== null && actual !== undefined) throw new Mismatch(`${what}: expected None, got ${String(actual)}`);
    return;
  }
  if (typeof actual === "number" && expected.shape.length === 0) {
    const e = decodeValue(expected.data[0] as number);
    if (!sameValue(actual, e, tol.rtol, tol.atol, false)) throw new Mismatch(`${what}: expected ${e}, got ${actual}`);
    return;
  }
  if (!(actual instanceof torch.Tensor)) throw new Mismatch(`${what}: expected a tensor, got ${actual === null ? "None" : typeof actual}`);
  if (actual.shape.join(",") !== expected.shape.join(",")) {
    throw new Mismatch(`${what}: shape [${actual.shape.join(", ")}] != expected [${expected.shape.join(", ")}]`);
  }
  // On a device, float64 is float32 (makeTensor).
  const want = actual.device !== "cpu" && expected.dtype === "float64" ? "float32" : expected.dtype;
  if (actual.dtype !== want) throw new Mismatch(`${what}: dtype ${actual.dtype} != expected ${want}`);
  const exact = expected.dtype !== "float32" && expected.dtype !== "float64";
  const data = values ?? actual.toTypedArray();
  for (let i = 0; i < expected.data.length; i++) {
    const e = decodeValue(expected.data[i] as number);
    const a = data[i] as number;
    if (!sameValue(a, e, tol.rtol, tol.atol, exact)) {
      throw new Mismatch(`${what}: element ${i} is ${a}, expected ${e} (rtol ${tol.rtol}, atol ${tol.atol})`);
    }
  }
}

function checkMeta(name: string, actual: unknown, meta: Meta): void {
  if (!(actual instanceof torch.Tensor)) throw new Mismatch(`meta ${name}: not a tensor`);
  if (meta.requires_grad !== undefined && actual.requiresGrad !== meta.requires_grad) {
    throw new Mismatch(`meta ${name}: requires_grad ${actual.requiresGrad} != expected ${meta.requires_grad}`);
  }
  if (meta.is_leaf !== undefined && actual.isLeaf !== meta.is_leaf) {
    throw new Mismatch(`meta ${name}: is_leaf ${actual.isLeaf} != expected ${meta.is_leaf}`);
  }
  if (meta.grad_fn !== undefined) {
    const got = actual.gradFn?.name ?? null;
    if (got !== meta.grad_fn) throw new Mismatch(`meta ${name}: grad_fn ${got} != expected ${meta.grad_fn}`);
  }
}

/** Whether a message names a shape in one of the usual spellings: [4, 2], (4, 2), 4x2. */
function namesShape(message: string, shape: number[]): boolean {
  const forms = [`[${shape.join(", ")}]`, `(${shape.join(", ")})`, shape.join("x")];
  return forms.some((f) => message.includes(f));
}

/**
 * The Kindling error classes that stand for each Python exception PyTorch
 * raises (docs/errors.md). PyTorch raises RuntimeError for most bad values,
 * so several classes stand for it; an IndexError must be an IndexError.
 */
const ERROR_CLASSES: Record<string, (new (...args: never[]) => Error)[]> = {
  IndexError: [torch.IndexError],
  RuntimeError: [torch.ShapeError, torch.DTypeError, torch.ArgumentError, torch.AutogradError, torch.OutOfMemoryError, torch.DeviceError],
  ValueError: [torch.ArgumentError, torch.ShapeError, torch.DTypeError],
  TypeError: [torch.ArgumentError, torch.DTypeError],
  GradcheckError: [torch.GradcheckError],
};

function checkError(c: Case, err: unknown): void {
  const expected = c.expect.error;
  if (expected === undefined) throw err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof UnsupportedOp) throw err;
  // Every error a user can meet is one of Kindling's classes, never a JavaScript engine error.
  if (!(err instanceof torch.KindlingError)) {
    throw new Mismatch(`threw ${err instanceof Error ? err.name : typeof err} instead of a KindlingError: ${message.split("\n")[0]}`);
  }
  const classes = expected.type === undefined ? undefined : ERROR_CLASSES[expected.type];
  if (classes !== undefined && !classes.some((E) => err instanceof E)) {
    throw new Mismatch(`PyTorch raised ${expected.type}, Kindling threw ${err.name}: ${message.split("\n")[0]}`);
  }
  if (expected.kind === "shape-mismatch") {
    for (const shape of expected.shapes ?? []) {
      if (!namesShape(message, shape)) throw new Mismatch(`error message does not name shape [${shape.join(", ")}]: ${message}`);
    }
    return;
  }
  if (!message.includes(expected.message)) {
    throw new Mismatch(`error message lacks '${expected.message}': ${message}`);
  }
}

/**
 * Runs a case on `device`: inputs made there (float64 as float32 on the
 * GPU), its values and gradients read back asynchronously and compared at
 * `tol` (float32's, for the GPU); never throws.
 */
export async function runCaseOn(c: Case, device: torch.Device, tol: { rtol: number; atol: number }): Promise<CaseResult> {
  const env: Env = new Map();
  const before = torch.getDefaultDevice();
  try {
    for (const [name, t] of Object.entries(c.inputs)) env.set(name, makeTensor(t, device));
    // The steps' own factories (torch.ones in a step) make their tensors there too.
    torch.setDefaultDevice(device);
    const raised = runSteps(c, env);
    torch.setDefaultDevice(before);
    if (raised) return { id: c.id, ok: true };
    compare(c, env, tol, await readBack(c, env));
    return { id: c.id, ok: true };
  } catch (err) {
    return { id: c.id, ok: false, reason: err instanceof Error ? err.message : String(err) };
  } finally {
    torch.setDefaultDevice(before);
  }
}

/** Runs a case's steps; true when a step raised the error the case expects (nothing else to compare then). */
function runSteps(c: Case, env: Env): boolean {
  const errorStep = c.expect.error?.step;
  for (let i = 0; i < c.steps.length; i++) {
    const step = c.steps[i] as Step;
    if (i === errorStep) {
      let threw = false;
      try {
        runStep(step, env);
      } catch (err) {
        threw = true;
        checkError(c, err);
      }
      if (!threw) throw new Mismatch(`step ${i} (${step.op}) should have thrown ${c.expect.error?.kind}`);
      return true;
    }
    try {
      runStep(step, env);
    } catch (err) {
      if (err instanceof UnsupportedOp || err instanceof Mismatch) throw err;
      const message = err instanceof Error ? err.message : String(err);
      throw new Mismatch(`step ${i} (${step.op}) threw: ${message.split("\n")[0]}`);
    }
  }
  return false;
}

/** Runs one case; never throws. */
export function runCase(c: Case): CaseResult {
  const env: Env = new Map();
  try {
    for (const [name, t] of Object.entries(c.inputs)) env.set(name, makeTensor(t));
    if (!runSteps(c, env)) compare(c, env);
    return { id: c.id, ok: true };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { id: c.id, ok: false, reason };
  }
}

/** The values of the tensors a case compares (its values and the gradients of its grads), read back from their device. */
async function readBack(c: Case, env: Env): Promise<Map<unknown, ArrayLike<number>>> {
  const read = new Map<unknown, ArrayLike<number>>();
  const tensors = [
    ...Object.keys(c.expect.values ?? {}).map((name) => env.get(name)),
    ...Object.keys(c.expect.grads ?? {}).map((name) => (env.get(name) as Tensor | undefined)?.grad),
  ];
  for (const t of tensors) if (t instanceof torch.Tensor) read.set(t, await t.toTypedArrayAsync());
  return read;
}

/** Compares a case's values, gradients and metadata (`read`: tensors' values read back from a device beforehand). */
function compare(c: Case, env: Env, tol = c.tol ?? { rtol: 1e-5, atol: 1e-8 }, read?: Map<unknown, ArrayLike<number>>): void {
  for (const [name, expected] of Object.entries(c.expect.values ?? {})) {
    if (!env.has(name)) throw new Mismatch(`value ${name}: never computed`);
    checkTensor(`value ${name}`, env.get(name), expected, tol, read?.get(env.get(name)));
  }
  for (const [name, expected] of Object.entries(c.expect.grads ?? {})) {
    const t = env.get(name);
    if (!(t instanceof torch.Tensor)) throw new Mismatch(`grad ${name}: ${name} is not a tensor`);
    checkTensor(`grad ${name}`, t.grad, expected, tol, read?.get(t.grad));
  }
  for (const [name, meta] of Object.entries(c.expect.meta ?? {})) checkMeta(name, env.get(name), meta);
}
