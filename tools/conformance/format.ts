/** The corpus format `autograd-conformance/1` (see test/conformance/FORMAT.md). */

import type { DType } from "kindling";

export interface TensorJson {
  dtype: DType;
  shape: number[];
  data: (number | string | boolean)[];
  requires_grad?: boolean;
}

export type Arg =
  | { ref: string }
  | { slice: [number | null, number | null, number | null] }
  | { none: true }
  | { ellipsis: true }
  | { float: "nan" | "inf" | "-inf" }
  | number
  | boolean
  | string
  | null
  | Arg[];

export interface Step {
  out?: string | string[];
  op: string;
  args: Arg[];
  kwargs?: Record<string, Arg>;
  no_grad?: boolean;
}

export interface Meta {
  requires_grad?: boolean;
  is_leaf?: boolean;
  grad_fn?: string | null;
}

export interface ErrorExpect {
  step: number;
  kind: string;
  message: string;
  shapes?: number[][];
  /** The Python exception PyTorch raised (an extension of this project's corpora, test/conformance/CORPORA.md). */
  type?: string;
}

export interface Case {
  id: string;
  tags?: string[];
  inputs: Record<string, TensorJson>;
  steps: Step[];
  expect: {
    values?: Record<string, TensorJson | null>;
    grads?: Record<string, TensorJson | null>;
    meta?: Record<string, Meta>;
    error?: ErrorExpect;
  };
  tol?: { rtol: number; atol: number };
}

export interface Corpus {
  format: string;
  reference?: string;
  cases: Case[];
}

/** JSON numbers, with the strings "nan", "inf", "-inf" for non-finite floats and booleans as 1/0. */
export function decodeValue(v: number | string | boolean): number {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v === "nan") return Number.NaN;
  if (v === "inf") return Number.POSITIVE_INFINITY;
  if (v === "-inf") return Number.NEGATIVE_INFINITY;
  return Number(v);
}

export function parseCorpus(text: string, file: string): Corpus {
  const corpus = JSON.parse(text) as Corpus;
  if (corpus.format !== "autograd-conformance/1") {
    throw new Error(`${file}: unknown format '${String(corpus.format)}' (expected autograd-conformance/1)`);
  }
  if (!Array.isArray(corpus.cases)) throw new Error(`${file}: no 'cases' array`);
  return corpus;
}
