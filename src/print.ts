/**
 * PyTorch's tensor printing (torch/_tensor_str.py), reproduced exactly:
 * one formatter per tensor choosing integer, fixed or scientific notation
 * from the range of the finite non-zero values, right-aligned columns, line
 * wrapping at 80 characters and `...` summaries above 1000 elements.
 */

import { tangentOf } from "./autograd/forward_ad.js";
import { deviceLabel } from "./core/device.js";
import type { DType, TypedArray } from "./core/dtype.js";
import { isFloating, torchName } from "./core/dtype.js";
import { ArgumentError } from "./core/errors.js";
import { type OptionKeys, readOptions } from "./core/options.js";
import type { Tensor } from "./tensor.js";

/** Printing options (PyTorch's `torch.set_printoptions`). */
export interface PrintOptions {
  /** Digits after the decimal point (default 4). */
  precision: number;
  /** Element count above which tensors are summarised (default 1000). */
  threshold: number;
  /** Items printed at each end of a summarised dimension (default 3). */
  edgeitems: number;
  /** Characters per line (default 80). */
  linewidth: number;
  /** Force (true) or forbid (false) scientific notation; null chooses automatically. */
  sciMode: boolean | null;
}

const DEFAULTS: PrintOptions = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null };
const opts: PrintOptions = { ...DEFAULTS };

/** What `setPrintoptions` takes: any of the options, and a preset to start from. */
export type PrintOptionsInput = Partial<PrintOptions> & {
  /** A preset the other options start from, as PyTorch's `profile` ("short": precision 2, "full": no summarising). */
  profile?: "default" | "short" | "full";
};

// PyTorch's positional order: set_printoptions(precision, threshold, edgeitems, linewidth, profile, sci_mode).
const PRINT_KEYS: OptionKeys<PrintOptionsInput> = {
  precision: "number",
  threshold: "number",
  edgeitems: "number",
  linewidth: "number",
  profile: "string",
  sciMode: "boolean",
};

/**
 * Sets printing options, as `torch.set_printoptions`; `profile` "default",
 * "short" or "full" first resets to a preset. Options not given (or null)
 * keep their value, except `sciMode: null`, which restores the automatic
 * choice.
 *
 * @example
 * ```ts
 * torch.setPrintoptions({ precision: 2 });
 * console.log(torch.tensor([1.2345])); // tensor([1.23])
 * torch.setPrintoptions({ profile: "default" });
 * ```
 */
export function setPrintoptions(options: PrintOptionsInput): void {
  const o = readOptions(options, "setPrintoptions", PRINT_KEYS);
  if (o.profile !== undefined && o.profile !== null) {
    if (o.profile !== "default" && o.profile !== "short" && o.profile !== "full") {
      throw new ArgumentError(`setPrintoptions: unknown profile '${o.profile}'`);
    }
    Object.assign(opts, DEFAULTS);
    if (o.profile === "short") Object.assign(opts, { precision: 2, edgeitems: 2 });
    else if (o.profile === "full") opts.threshold = Number.POSITIVE_INFINITY;
  }
  opts.precision = o.precision ?? opts.precision;
  opts.threshold = o.threshold ?? opts.threshold;
  opts.edgeitems = o.edgeitems ?? opts.edgeitems;
  opts.linewidth = o.linewidth ?? opts.linewidth;
  if (o.sciMode !== undefined) opts.sciMode = o.sciMode;
}

// ----- Python's number formatting -------------------------------------------

/** Whether |x| lies exactly halfway between two neighbours at `digits` decimals (`exact` is x with many more digits). */
function isExactTie(exact: string, digits: number, point: number): boolean {
  const tail = exact.slice(point + 1 + digits);
  return /^50*$/.test(tail);
}

/** Python's `'{:.Nf}'.format(x)`: correctly rounded, ties to even. */
export function formatFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (Math.abs(x) >= 1e21) return BigInt(Math.round(x)).toString() + (digits > 0 ? `.${"0".repeat(digits)}` : "");
  let s = x.toFixed(digits);
  // JavaScript rounds exact ties away from zero; Python rounds them to even.
  const exact = Math.abs(x).toFixed(Math.min(100, digits + 30));
  const point = exact.indexOf(".");
  if (isExactTie(exact, digits, point)) {
    const last = s.charCodeAt(s.length - 1) - 48;
    if (last % 2 === 1) s = s.slice(0, -1) + String(last - 1);
  }
  if (Object.is(x, -0) || (x < 0 && !s.startsWith("-"))) s = `-${s}`;
  return s;
}

/** Python's `'{:.Ne}'.format(x)`: mantissa correctly rounded (ties to even), exponent with at least two digits. */
export function formatExp(x: number, digits: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  let s = x.toExponential(digits);
  const exact = Math.abs(x).toExponential(Math.min(100, digits + 30));
  const point = exact.indexOf(".");
  const mantissaExact = exact.slice(0, exact.indexOf("e"));
  if (point >= 0 && isExactTie(mantissaExact, digits, point)) {
    const e = s.indexOf("e");
    const last = s.charCodeAt(e - 1) - 48;
    if (last % 2 === 1) s = s.slice(0, e - 1) + String(last - 1) + s.slice(e);
  }
  if (Object.is(x, -0)) s = `-${s}`;
  return s.replace(/e([+-])(\d)$/, "e$10$2");
}

// ----- the formatter --------------------------------------------------------

class Formatter {
  private readonly floating: boolean;
  private intMode = true;
  private sciMode = false;
  private maxWidth = 1;

  constructor(values: ArrayLike<number>, dtype: DType) {
    this.floating = isFloating(dtype);
    if (!this.floating) {
      for (let i = 0; i < values.length; i++) this.maxWidth = Math.max(this.maxWidth, scalarString(values[i] as number, dtype).length);
    } else {
      this.scanFloats(values);
    }
    if (opts.sciMode !== null) this.sciMode = opts.sciMode;
  }

  private scanFloats(values: ArrayLike<number>): void {
    const vals: number[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (Number.isFinite(v) && v !== 0) vals.push(v);
    }
    if (vals.length === 0) return;
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    for (const v of vals) {
      const a = Math.abs(v);
      if (a < min) min = a;
      if (a > max) max = a;
      if (v !== Math.ceil(v)) this.intMode = false;
    }
    const p = opts.precision;
    const width = (f: (v: number) => number) => {
      for (const v of vals) this.maxWidth = Math.max(this.maxWidth, f(v));
    };
    if (this.intMode) {
      if (max / min > 1000 || max > 1e8) {
        this.sciMode = true;
        width((v) => formatExp(v, p).length);
      } else {
        width((v) => formatFixed(v, 0).length + 1);
      }
    } else if (max / min > 1000 || max > 1e8 || min < 1e-4) {
      this.sciMode = true;
      width((v) => formatExp(v, p).length);
    } else {
      width((v) => formatFixed(v, p).length);
    }
  }

  width(): number {
    return this.maxWidth;
  }

  format(value: number, dtype: DType): string {
    let s: string;
    if (!this.floating) s = scalarString(value, dtype);
    else if (this.sciMode) s = formatExp(value, opts.precision);
    else if (this.intMode) s = formatFixed(value, 0) + (Number.isFinite(value) ? "." : "");
    else s = formatFixed(value, opts.precision);
    return s.padStart(this.maxWidth, " ");
  }
}

function scalarString(v: number, dtype: DType): string {
  if (dtype === "bool") return v !== 0 ? "True" : "False";
  // Beyond 2^53 String() rounds the digits (2^60 prints as 1152921504606847000); the stored integer is exact.
  return Number.isSafeInteger(v) || !Number.isInteger(v) ? String(v) : BigInt(v).toString();
}

// ----- layout ---------------------------------------------------------------

/** A read-only n-d view over a row-major array, enough for printing. */
interface Nd {
  readonly values: ArrayLike<number>;
  readonly shape: readonly number[];
  readonly start: number;
}

function sub(t: Nd, i: number): Nd {
  let step = 1;
  for (let d = 1; d < t.shape.length; d++) step *= t.shape[d] as number;
  return { values: t.values, shape: t.shape.slice(1), start: t.start + i * step };
}

/** The edge items of every dimension, which decide the formatter of a summarised tensor. */
function summarizedValues(t: Nd, out: number[]): void {
  const e = opts.edgeitems;
  if (t.shape.length === 0) {
    out.push(t.values[t.start] as number);
    return;
  }
  const n = t.shape[0] as number;
  const idx = n > 2 * e ? [...range(0, e), ...range(n - e, n)] : range(0, n);
  for (const i of idx) summarizedValues(sub(t, i), out);
}

function range(a: number, b: number): number[] {
  const r: number[] = [];
  for (let i = a; i < b; i++) r.push(i);
  return r;
}

function vectorString(t: Nd, indent: number, summarize: boolean, f: Formatter, dtype: DType): string {
  const elementLength = f.width() + 2;
  const perLine = Math.max(1, Math.floor((opts.linewidth - indent) / elementLength));
  const n = t.shape[0] as number;
  const e = opts.edgeitems;
  const fmt = (i: number) => f.format(t.values[t.start + i] as number, dtype);
  let data: string[];
  if (summarize && n > 2 * e) data = [...range(0, e).map(fmt), " ...", ...range(n - e, n).map(fmt)];
  else data = range(0, n).map(fmt);
  const lines: string[] = [];
  for (let i = 0; i < data.length; i += perLine) lines.push(data.slice(i, i + perLine).join(", "));
  return `[${lines.join(`,\n${" ".repeat(indent + 1)}`)}]`;
}

function tensorString(t: Nd, indent: number, summarize: boolean, f: Formatter, dtype: DType): string {
  const dim = t.shape.length;
  if (dim === 0) return f.format(t.values[t.start] as number, dtype);
  if (dim === 1) return vectorString(t, indent, summarize, f, dtype);
  const n = t.shape[0] as number;
  const e = opts.edgeitems;
  const child = (i: number) => tensorString(sub(t, i), indent + 1, summarize, f, dtype);
  const slices = summarize && n > 2 * e ? [...range(0, e).map(child), "...", ...range(n - e, n).map(child)] : range(0, n).map(child);
  return `[${slices.join(`,${"\n".repeat(dim - 1)}${" ".repeat(indent + 1)}`)}]`;
}

function addSuffixes(body: string, suffixes: string[], indent: number): string {
  const parts = [body];
  let lastLineLen = body.length - body.lastIndexOf("\n") + 1;
  for (const suffix of suffixes) {
    if (lastLineLen + suffix.length + 2 > opts.linewidth) {
      parts.push(`,\n${" ".repeat(indent)}${suffix}`);
      lastLineLen = indent + suffix.length;
    } else {
      parts.push(`, ${suffix}`);
      lastLineLen += suffix.length + 2;
    }
  }
  parts.push(")");
  return parts.join("");
}

/** The body of a tensor's printed form (its values, as nested brackets). */
export function formatValues(values: ArrayLike<number>, shape: readonly number[], dtype: DType, indent: number): string {
  let n = 1;
  for (const s of shape) n *= s;
  if (n === 0) return "[]";
  const t: Nd = { values, shape, start: 0 };
  const summarize = n > opts.threshold;
  let scan: ArrayLike<number> = values;
  if (summarize) {
    const picked: number[] = [];
    summarizedValues(t, picked);
    scan = picked;
  }
  return tensorString(t, indent, summarize, new Formatter(scan, dtype), dtype);
}

/** `tensor([...], dtype=..., grad_fn=<...>)`, exactly as PyTorch's repr. */
export function formatTensor(t: Tensor, prefix = "tensor(", values?: TypedArray): string {
  const indent = prefix.length;
  const suffixes: string[] = [];
  const n = t.numel();
  // A device's values are read asynchronously: without them, the shape stands in (as PyTorch prints meta tensors).
  const device = t.device;
  if (device !== "cpu") suffixes.push(`device='${deviceLabel(device)}'`);
  let body: string;
  if (n === 0) {
    if (t.ndim !== 1) suffixes.push(`size=(${t.shape.join(", ")})`);
    if (t.dtype !== "float32") suffixes.push(`dtype=${torchName(t.dtype)}`);
    body = "[]";
  } else if (device !== "cpu" && values === undefined) {
    suffixes.push(`size=(${t.shape.join(", ")})`);
    if (t.dtype === "int32" || t.dtype === "float64") suffixes.push(`dtype=${torchName(t.dtype)}`);
    body = "...";
  } else {
    if (t.dtype === "int32" || t.dtype === "float64") suffixes.push(`dtype=${torchName(t.dtype)}`);
    body = formatValues(values ?? t.toTypedArray(), t.shape, t.dtype, indent);
  }
  const fn = t.gradFn;
  if (fn !== null) suffixes.push(`grad_fn=<${fn.name}>`);
  else if (t.requiresGrad) suffixes.push("requires_grad=True");
  const tangent = tangentOf(t);
  if (tangent !== null) suffixes.push(`tangent=${tangent.ndim === 0 ? pythonFloat(tangent.item()) : formatTensor(tangent)}`);
  return addSuffixes(prefix + body, suffixes, indent);
}

/** A number as Python's repr of a float writes it (`3.0`, `1e-07`): how PyTorch prints a 0-d tangent. */
function pythonFloat(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  // Python pads the exponent to two digits and drops JS's "+".
  return String(v)
    .replace(/e([+-])(\d)$/, "e$10$2")
    .replace("e+", "e+");
}
