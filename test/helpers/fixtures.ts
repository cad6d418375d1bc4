/** Helpers to read the JSON fixtures recorded from PyTorch (test/fixtures, test/conformance). */

import { readFileSync } from "node:fs";
import type { DType, Tensor } from "kindling";
import * as torch from "kindling";

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(new URL(`../${path}`, import.meta.url), "utf8")) as T;
}

export interface TensorJson {
  dtype: DType;
  shape: number[];
  data: (number | string | boolean)[];
  requires_grad?: boolean;
}

export function decode(v: number | string | boolean): number {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v === "nan") return Number.NaN;
  if (v === "inf") return Number.POSITIVE_INFINITY;
  if (v === "-inf") return Number.NEGATIVE_INFINITY;
  return Number(v);
}

/** A tensor with exactly the recorded values (bit-exact for float32 values). */
export function fromJson(t: TensorJson): Tensor {
  return torch
    .tensor(Float64Array.from(t.data.map(decode)), { dtype: t.dtype })
    .view(t.shape)
    .detach();
}
