/**
 * PyTorch's messages for bad arguments to nn, optim and data, recorded by
 * scripts/record/nn_errors.py into test/fixtures/nn_errors.json, and the
 * check that Kindling's message contains them.
 */

import * as torch from "kindling";
import { expect } from "vitest";
import { readJson } from "./fixtures.js";

export interface Recorded {
  type?: string;
  message?: string;
  result?: unknown;
}

export const recorded = readJson<Record<string, Recorded>>("fixtures/nn_errors.json");

/**
 * PyTorch's message in JavaScript's words: None -> null, True -> true,
 * `<class 'int'>` -> int (`<class 'NoneType'>` -> NoneType, the type name
 * Kindling's messages use too), and `SGD.__init__() got` -> `SGD() got`.
 */
export function inJavaScriptTerms(message: string): string {
  return message
    .replace(/<class '([\w.]+)'>/g, "$1")
    .replace(/\bNone\b/g, "null")
    .replace(/\bTrue\b/g, "true")
    .replace(/\bFalse\b/g, "false")
    .replace(/^(\w+)\.__init__\(\)/, "$1()");
}

/** The Kindling error class that stands for a PyTorch exception type (COMMON.md's mapping). */
const CLASSES: Record<string, (new (...args: never[]) => Error)[]> = {
  IndexError: [torch.IndexError],
  KeyError: [torch.ArgumentError],
  TypeError: [torch.ArgumentError, torch.DTypeError],
  ValueError: [torch.ArgumentError, torch.ShapeError, torch.DTypeError],
  AssertionError: [torch.ArgumentError, torch.ShapeError],
  ZeroDivisionError: [torch.ArgumentError],
  RuntimeError: [torch.ArgumentError, torch.ShapeError, torch.DTypeError],
};

/** Runs `f` and checks it throws a KindlingError of the class standing for PyTorch's, whose message contains PyTorch's. */
export function expectPyTorchError(id: string, f: () => unknown): void {
  const rec = recorded[id];
  if (rec?.message === undefined || rec.type === undefined) throw new Error(`no recorded error for case '${id}'`);
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error, `${id}: Kindling did not throw`).toBeInstanceOf(torch.KindlingError);
  const classes = CLASSES[rec.type] ?? [];
  expect(
    classes.some((c) => error instanceof c),
    `${id}: ${(error as Error).name} does not stand for ${rec.type}`,
  ).toBe(true);
  expect((error as Error).message).toContain(inJavaScriptTerms(rec.message));
}

/** What PyTorch returned for a case it accepts. */
export function recordedResult<T>(id: string): T {
  const rec = recorded[id];
  if (rec === undefined || !("result" in rec)) throw new Error(`no recorded result for case '${id}'`);
  return rec.result as T;
}
