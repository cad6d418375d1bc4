/**
 * Scenarios recorded from PyTorch by scripts/record/autograd_extend.py
 * (test/fixtures/autograd_extend.json): each is a list of what the scenario
 * recorded, in order. A test writes the same scenario in Kindling, records
 * the same values with `rec`, and `expectScenario` compares them record for
 * record: tensors by values (float tolerance), shape, dtype, grad_fn name and
 * requiresGrad; errors by Kindling's class standing for PyTorch's and the
 * message, in JavaScript's words.
 */

import * as torch from "kindling";
import { expect } from "vitest";
import { readJson } from "./fixtures.js";
import { inJavaScriptTerms } from "./pytorch_errors.js";

type Event = unknown;

const recorded = readJson<Record<string, Event[]>>("fixtures/autograd_extend.json");

/** The scenarios recorded, by name. */
export function recordedScenarios(prefix: string): string[] {
  return Object.keys(recorded).filter((k) => k.startsWith(prefix));
}

const elements = (a: ArrayLike<number | bigint>) =>
  Array.from(a, (x) => {
    const n = Number(x);
    return Number.isFinite(n) ? n : String(n).toLowerCase().replace("infinity", "inf");
  });

/**
 * A recorded value; a tensor off the CPU is recorded with its read started
 * (a snapshot of its values now), which `pending` collects for `expectScenarioAsync`.
 */
function encode(v: unknown, pending: Promise<void>[]): Event {
  if (v instanceof torch.Tensor) {
    const e = { t: [] as unknown[], shape: [...v.shape], dtype: v.dtype, grad_fn: v.gradFn?.name ?? null, requires_grad: v.requiresGrad };
    if (v.device === "cpu") e.t = elements(v.detach().toTypedArray());
    else {
      pending.push(
        v
          .detach()
          .toTypedArrayAsync()
          .then((a) => {
            e.t = elements(a);
          }),
      );
    }
    return e;
  }
  if (v instanceof torch.Node) return { node: v.name };
  if (v === null || v === undefined) return null;
  if (typeof v === "boolean" || typeof v === "number" || typeof v === "string") return v;
  if (Array.isArray(v)) return v.map((x) => encode(x, pending));
  throw new Error(`cannot record ${String(v)}`);
}

/** What a scenario records; `run(f)` records f's result or the error it throws. */
export interface Recorder {
  (...values: unknown[]): void;
  run(f: () => unknown): void;
  readonly events: Event[];
  /** Reads of device tensors still in flight. */
  readonly pending: Promise<void>[];
}

export function recorder(): Recorder {
  const events: Event[] = [];
  const pending: Promise<void>[] = [];
  const rec = ((...values: unknown[]) => {
    for (const v of values) events.push(encode(v, pending));
  }) as Recorder;
  rec.run = (f) => {
    try {
      rec(f());
    } catch (e) {
      events.push({ error: e });
    }
  };
  Object.defineProperty(rec, "events", { value: events });
  Object.defineProperty(rec, "pending", { value: pending });
  return rec;
}

/** The Kindling error classes standing for each PyTorch exception type. */
const CLASSES: Record<string, (new (...args: never[]) => Error)[]> = {
  RuntimeError: [torch.AutogradError, torch.ShapeError, torch.ArgumentError],
  NotImplementedError: [torch.AutogradError],
  TypeError: [torch.ArgumentError],
  ValueError: [torch.ArgumentError, torch.DTypeError, torch.ShapeError],
};

/** PyTorch's message in Kindling's words (keyword arguments become options). */
function translated(message: string): string {
  const options = message.replace(
    /\b(retain_graph|allow_unused|create_graph|strict|vectorized?)=(True|False)/g,
    (_, key: string, value: string) => {
      const name = key === "vectorized" ? "vectorize" : key.replace(/_(\w)/g, (_m, c: string) => c.toUpperCase());
      return `${name}: ${value.toLowerCase()}`;
    },
  );
  return inJavaScriptTerms(options).replace("torch.autograd.set_detect_anomaly(true)", "torch.autograd.setDetectAnomaly(true)");
}

function compare(ours: Event, theirs: Event, where: string): void {
  if (theirs !== null && typeof theirs === "object" && !Array.isArray(theirs)) {
    const t = theirs as Record<string, unknown>;
    if ("error" in t) {
      const e = (ours as { error?: unknown } | null)?.error;
      expect(e, `${where}: Kindling did not throw (PyTorch: ${t.message})`).toBeInstanceOf(Error);
      const classes = CLASSES[t.error as string] ?? [];
      expect(
        classes.some((c) => e instanceof c),
        `${where}: ${(e as Error).name} for PyTorch's ${t.error}`,
      ).toBe(true);
      expect((e as Error).message, where).toContain(translated(t.message as string));
      return;
    }
    expect((ours as { error?: unknown } | null)?.error, `${where}: unexpected error`).toBeUndefined();
    if ("t" in t) {
      const o = ours as Record<string, unknown>;
      expect({ shape: o.shape, dtype: o.dtype, grad_fn: o.grad_fn, requires_grad: o.requires_grad }, where).toEqual({
        shape: t.shape,
        dtype: t.dtype,
        grad_fn: t.grad_fn,
        requires_grad: t.requires_grad,
      });
      const got = o.t as (number | string)[];
      (t.t as (number | string)[]).forEach((x, i) => {
        const y = got[i];
        if (typeof x === "string" || typeof y === "string") expect(y, `${where}[${i}]`).toBe(x);
        else expect(Math.abs((y as number) - x), `${where}[${i}]: ${y} vs ${x}`).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(x));
      });
      return;
    }
    expect(ours, where).toEqual(theirs);
    return;
  }
  if (Array.isArray(theirs)) {
    expect(Array.isArray(ours), `${where}: expected a list`).toBe(true);
    expect((ours as Event[]).length, `${where}: length`).toBe(theirs.length);
    theirs.forEach((x, i) => {
      compare((ours as Event[])[i], x, `${where}[${i}]`);
    });
    return;
  }
  if (typeof theirs === "number" && typeof ours === "number") {
    expect(ours, where).toBeCloseTo(theirs, 5);
    return;
  }
  expect(ours, where).toEqual(theirs);
}

/** Checks that a scenario recorded what PyTorch recorded. */
export function expectScenario(name: string, rec: Recorder): void {
  const theirs = recorded[name];
  if (theirs === undefined) throw new Error(`no recorded scenario '${name}'`);
  expect(rec.events.length, `${name}: number of records`).toBe(theirs.length);
  theirs.forEach((e, i) => {
    compare(rec.events[i], e, `${name} #${i}`);
  });
}

/** `expectScenario` once the reads of device tensors the scenario recorded have arrived (any device). */
export async function expectScenarioAsync(name: string, rec: Recorder): Promise<void> {
  await Promise.all(rec.pending);
  expectScenario(name, rec);
}
