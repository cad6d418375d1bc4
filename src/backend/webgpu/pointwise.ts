/**
 * The WebGPU device's pointwise kernels (issue 16): copy, fill, unary,
 * binary and where, as WGSL compute shaders over strided operands of every
 * device dtype, with the reference backend's semantics (src/backend/ref/
 * pointwise.ts) under the Backend contract (src/backend/types.ts).
 *
 * Values: each input is read in its own element type (f32, i32 for int32
 * and int64, u32 0/1 for bool) and converted to the op's compute type: i32
 * when the op has an integer form and neither an input nor the output is
 * float32 (integer add, floor division, comparisons of integers...), f32
 * otherwise. The result is stored as the reference stores a number into
 * the output's dtype: a float into an integer truncates and wraps modulo
 * 2^32 (NaN and infinities give 0), anything into bool is `v != 0`. Float
 * math comes from wgsl_math.ts (about 1-3 ulp); a NaN input gives NaN
 * unless the op says otherwise (NaN ** 0 is 1, isnan, comparisons...).
 *
 * Layouts: any strides for the inputs and the output (layout.ts), 0-d and
 * empty operands. An input in the output's buffer (x.add_(y), x.relu_())
 * is read through the output's binding, as WebGPU binds a buffer written by
 * a dispatch to nothing else in it; one that overlaps the output in another
 * layout is copied first, so every element reads the input as it was.
 *
 * One pipeline per (op, operand types, aliasing); the layout and the op's
 * parameters go in a uniform. Encoded into GpuKernels' batch.
 */

/// <reference types="@webgpu/types" />

import type { BinaryOp, UnaryOp } from "../types.js";
import type { GpuKernels } from "./kernels.js";
import { aliasing, ENTRY_WGSL, LAYOUT_WGSL, layoutWords, numel, WORKGROUP } from "./layout.js";
import { type GpuOperand, type WgslScalar, wgslType } from "./operand.js";
import { withMath } from "./wgsl_math.js";
import { SPECIAL } from "./wgsl_special.js";

/** How an op's parameters are encoded: as they are, p0 as a float-float (p1 its low part), or as clamp's bounds. */
type Params = "plain" | "split" | "bounds";

/**
 * An op's WGSL: `f` over f32 values (`v`, or `a` and `b`; parameters `P0`,
 * `P1`), `i` over i32 values where the reference's result is an integer for
 * integer operands.
 */
interface Form {
  readonly f: string;
  readonly i?: string;
  /** The expressions are WGSL bools (stored as 0 or 1). */
  readonly bool?: boolean;
  /** The f32 expression treats NaN itself (otherwise a NaN operand gives NaN). */
  readonly nan?: boolean;
  readonly params?: Params;
}

const ORDERED = "!isNan(a) && !isNan(b)";

const UNARY: Record<UnaryOp, Form> = {
  neg: { f: "-v", i: "-v" },
  exp: { f: "expf(v)" },
  log: { f: "logf(v)" },
  log1p: { f: "log1pf(v)" },
  log2: { f: "log2f(v)" },
  expm1: { f: "expm1f(v)" },
  sqrt: { f: "select(sqrt(v), nanf(), v < 0.0)" },
  rsqrt: { f: "select(1.0 / sqrt(v), nanf(), v < 0.0)" },
  abs: { f: "absf(v)", i: "abs(v)" },
  sin: { f: "sinf(v)" },
  cos: { f: "cosf(v)" },
  tan: { f: "tanf(v)" },
  asin: { f: "asinf(v)" },
  acos: { f: "acosf(v)" },
  atan: { f: "atanf(v)" },
  sinh: { f: "sinhf(v)" },
  cosh: { f: "coshf(v)" },
  tanh: { f: "tanhf(v)" },
  sigmoid: { f: "1.0 / (1.0 + expf(-v))" },
  // v < 0 ? 0 : v, as std::max: -0 stays -0.
  relu: { f: "select(v, 0.0, v < 0.0)", i: "select(v, 0, v < 0)" },
  reciprocal: { f: "1.0 / v" },
  square: { f: "v * v", i: "v * v" },
  sign: { f: "select(select(0.0, -1.0, v < 0.0), 1.0, v > 0.0)", i: "select(select(0, -1, v < 0), 1, v > 0)" },
  floor: { f: "floor(v)", i: "v" },
  ceil: { f: "ceil(v)", i: "v" },
  // WGSL's round is to nearest even.
  round: { f: "round(v)", i: "v" },
  trunc: { f: "trunc(v)", i: "v" },
  frac: { f: "v - trunc(v)", i: "0" },
  erf: { f: "erff(v)" },
  erfc: { f: "erfcf(v)" },
  isnan: { f: "isNan(v)", i: "false", bool: true, nan: true },
  isinf: { f: "isInf(v)", i: "false", bool: true, nan: true },
  isfinite: { f: "(bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u", i: "true", bool: true, nan: true },
  logicalNot: { f: "isZero(v)", i: "v == 0", bool: true, nan: true },
  // x ** 2 is x * x (the reference's too).
  powScalar: { f: "select(powFF(v, 0.0, P0, P1), v * v, P0 == 2.0)", i: "powi(v, P0)", nan: true, params: "split" },
  rpowScalar: { f: "powFF(P0, P1, v, 0.0)", i: "powi(P0, v)", nan: true, params: "split" },
  clamp: { f: "clampf(v, P0, P1)", i: "min(max(v, P0), P1)", params: "bounds" },
  leakyRelu: { f: "select(v * P0, v, v > 0.0)" },
  elu: { f: "select(P0 * expm1f(v), v, v > 0.0)" },
  softplus: { f: "softplusf(v, P0, P1)" },
  // x Phi(x) = x (1 + erf(x / sqrt 2)) / 2.
  gelu: { f: "v * phif(v)" },
  geluTanh: { f: "geluTanhf(v)" },
  silu: { f: "v / (1.0 + expf(-v))" },
  logSigmoid: { f: "-log1pexpf(-v)" },
};

const BINARY: Record<BinaryOp, Form> = {
  // a + alpha b, alpha a float-float (P0 + P1).
  add: { f: "addScaled(a, b, P0, P1)", i: "a + P0 * b", params: "split" },
  sub: { f: "addScaled(a, b, -P0, -P1)", i: "a - P0 * b", params: "split" },
  mul: { f: "a * b", i: "a * b" },
  // Integer division into an integer output (rounding mode "trunc") truncates.
  div: { f: "a / b", i: "divTrunci(a, b)" },
  floorDivide: { f: "floorDivf(a, b)", i: "floorDivi(a, b)" },
  remainder: { f: "remainderf(a, b)", i: "remainderi(a, b)" },
  fmod: { f: "fmodf(a, b)", i: "fmodi(a, b)" },
  pow: { f: "powf(a, b)", i: "powi(a, b)", nan: true },
  atan2: { f: "atan2f(a, b)" },
  maximum: { f: "maxf(a, b)", i: "max(a, b)" },
  minimum: { f: "minf(a, b)", i: "min(a, b)" },
  eq: { f: `${ORDERED} && a == b`, i: "a == b", bool: true, nan: true },
  ne: { f: `!(${ORDERED}) || a != b`, i: "a != b", bool: true, nan: true },
  lt: { f: `${ORDERED} && a < b`, i: "a < b", bool: true, nan: true },
  le: { f: `${ORDERED} && a <= b`, i: "a <= b", bool: true, nan: true },
  gt: { f: `${ORDERED} && a > b`, i: "a > b", bool: true, nan: true },
  ge: { f: `${ORDERED} && a >= b`, i: "a >= b", bool: true, nan: true },
  logicalAnd: { f: "!isZero(a) && !isZero(b)", i: "a != 0 && b != 0", bool: true, nan: true },
  logicalOr: { f: "!isZero(a) || !isZero(b)", i: "a != 0 || b != 0", bool: true, nan: true },
  logicalXor: { f: "isZero(a) != isZero(b)", i: "(a != 0) != (b != 0)", bool: true, nan: true },
  // 1 - y^2 as (1 - y)(1 + y): exact where y^2 rounds near 1.
  tanhBackward: { f: "a * ((1.0 - b) * (1.0 + b))" },
  sigmoidBackward: { f: "a * b * (1.0 - b)" },
  thresholdBackward: { f: "select(0.0, a, b > P0)", nan: true },
  leakyReluBackward: { f: "select(a * P0, a, b > 0.0)", nan: true },
  eluBackward: { f: "select(mulExp(a * P0, b), a, b > 0.0)" },
  // gelu'(x) = Phi(x) + x phi(x).
  geluBackward: { f: "a * (phif(b) + b * normalPdf(b))" },
  geluTanhBackward: { f: "geluTanhGrad(a, b)" },
  softplusBackward: { f: "softplusGrad(a, b, P0, P1)" },
  logSigmoidBackward: { f: "gSigmoid(a, -b)" },
  xlogy: { f: "xlogyf(a, b)" },
};

/** The WGSL of `expr` (of type `from`) converted as the reference stores a number into `to`: ToInt32 into integers, `!= 0` into bool. */
function convert(expr: string, from: WgslScalar, to: WgslScalar): string {
  if (from === to) return expr;
  if (to === "u32") return from === "f32" ? `select(0u, 1u, !isZero(${expr}))` : `select(0u, 1u, ${expr} != 0)`;
  if (to === "i32") return from === "f32" ? `f2i(${expr})` : `i32(${expr})`;
  return `f32(${expr})`;
}

/** The WGSL of a WGSL bool stored in `to`. */
const fromBool = (expr: string, to: WgslScalar) => `select(${to}(0), ${to}(1), ${expr})`;

/** The WGSL of a nonzero test of `expr` (of type `t`). */
const nonzero = (expr: string, t: WgslScalar) => (t === "f32" ? `!isZero(${expr})` : `${expr} != ${t}(0)`);

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
const I32 = new Int32Array(F32.buffer);
/** The bits of `x` rounded to float32. */
function f32Word(x: number): number {
  F32[0] = x;
  return U32[0] as number;
}
/** The bits of `x` stored in an int32 (ToInt32: truncated, wrapped, NaN 0). */
function i32Word(x: number): number {
  I32[0] = x;
  return U32[0] as number;
}
/** A bound of an integer clamp: NaN (no bound) and values past int32's range saturate, so they never bind. */
function i32Bound(x: number, none: number): number {
  return i32Word(Number.isNaN(x) ? none : Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.trunc(x))));
}

/** The uniform's two parameter words for compute type `c`. */
function paramWords(kind: Params, c: WgslScalar, p0: number, p1: number): [number, number] {
  if (c === "i32") return kind === "bounds" ? [i32Bound(p0, -(2 ** 31)), i32Bound(p1, 2 ** 31 - 1)] : [i32Word(p0), i32Word(p1)];
  if (kind === "split") return [f32Word(p0), f32Word(Number.isFinite(p0) ? p0 - Math.fround(p0) : 0)];
  return [f32Word(p0), f32Word(p1)];
}

/** One dispatch: the operands, the element types the shader declares, the statements that store element `o.w`, the parameter words. */
interface Kernel {
  readonly name: string;
  readonly key: string;
  readonly inputs: readonly GpuOperand[];
  readonly inTypes: readonly WgslScalar[];
  readonly out: GpuOperand;
  readonly outType: WgslScalar;
  readonly body: (reads: readonly string[]) => string;
  readonly params?: readonly [number, number];
}

const SLOT = ["o.x", "o.y", "o.z"];

/** The shader: inputs read through out's binding where `via[j]` (out's element bits, cast to the input's type). */
function shader(kern: Kernel, via: readonly boolean[]): string {
  let binding = 1;
  const decls: string[] = [];
  const reads = kern.inTypes.map((t, j) => {
    if (via[j]) return t === kern.outType ? `out[${SLOT[j]}]` : `bitcast<${t}>(out[${SLOT[j]}])`;
    decls.push(`@group(0) @binding(${binding++}) var<storage, read> in${j}: array<${t}>;`);
    return `in${j}[${SLOT[j]}]`;
  });
  decls.push(`@group(0) @binding(${binding}) var<storage, read_write> out: array<${kern.outType}>;`);
  return withMath(`${LAYOUT_WGSL}\n${decls.join("\n")}\n${ENTRY_WGSL}\n  ${kern.body(reads)}\n}`, SPECIAL);
}

/** A contiguous copy (bits) of `x` in a new buffer. */
function stage(k: GpuKernels, x: GpuOperand): GpuOperand {
  const strides = x.shape.map((_, d) => numel(x.shape.slice(d + 1)));
  const copied: GpuOperand = { ...x, buffer: k.empty(numel(x.shape)), strides, offset: 0 };
  bits(k, "stage", x, copied);
  return copied;
}

/**
 * Encodes `kern` (nothing for an empty output). An input overlapping the
 * output in another layout is staged first, and the staging buffers are
 * released once the work is submitted.
 */
function dispatch(k: GpuKernels, kern: Kernel): void {
  const { out } = kern;
  const n = numel(out.shape);
  const [p0, p1] = kern.params ?? [0, 0];
  let layout = layoutWords(kern.name, kern.inputs, out, p0, p1);
  if (n === 0) return;
  const inputs = kern.inputs.map((x) => (x.buffer === out.buffer && aliasing(x, out) === "overlap" ? stage(k, x) : x));
  const staged = inputs.filter((x, j) => x !== kern.inputs[j]);
  if (staged.length > 0) layout = layoutWords(kern.name, inputs, out, p0, p1);
  const via = inputs.map((x) => x.buffer === out.buffer);
  const buffers = [...inputs.filter((_, j) => !via[j]).map((x) => x.buffer), out.buffer];
  k.run(`pw:${kern.key}:${via.map(Number).join("")}`, () => shader(kern, via), layout, buffers, Math.ceil(n / WORKGROUP));
  if (staged.length > 0) {
    k.flush();
    for (const x of staged) x.buffer.destroy();
  }
}

/** Copies `src`'s element bits into `dst` (same element type). */
function bits(k: GpuKernels, name: string, src: GpuOperand, dst: GpuOperand): void {
  dispatch(k, { name, key: "bits", inputs: [src], inTypes: ["u32"], out: dst, outType: "u32", body: ([r]) => `out[o.w] = ${r};` });
}

/**
 * Copies `src` into `dst` elementwise (same shape, any layouts; `dst` may
 * be an expanded view), converting to dst's dtype as the reference backend:
 * float to integer truncates toward zero (and wraps modulo 2^32, NaN and
 * infinities giving 0), anything to bool is `v != 0`, integers and bools to
 * float32 round to nearest.
 */
export function copy(k: GpuKernels, src: GpuOperand, dst: GpuOperand): void {
  const [from, to] = [wgslType(src.dtype, "copy"), wgslType(dst.dtype, "copy")];
  if (from === to) {
    bits(k, "copy", src, dst);
    return;
  }
  const body = ([r]: readonly string[]) => `out[o.w] = ${convert(r as string, from, to)};`;
  dispatch(k, { name: "copy", key: `copy:${from}>${to}`, inputs: [src], inTypes: [from], out: dst, outType: to, body });
}

/**
 * Writes `value` to every element of `dst` (any view, expanded ones too),
 * stored as the reference backend stores it in dst's dtype.
 */
export function fill(k: GpuKernels, dst: GpuOperand, value: number): void {
  const t = wgslType(dst.dtype, "fill");
  // int64 keeps an integer (non-finite: 0) before it wraps into int32; bool is value != 0.
  const word =
    t === "f32"
      ? f32Word(value)
      : t === "u32"
        ? Number(value !== 0)
        : i32Word(dst.dtype === "int64" && !Number.isFinite(value) ? 0 : value);
  dispatch(k, {
    name: "fill",
    key: "fill",
    inputs: [],
    inTypes: [],
    out: dst,
    outType: "u32",
    body: () => "out[o.w] = L.p0;",
    params: [word, 0],
  });
}

/**
 * The compute type: i32 where the op has an integer form, no operand is
 * float32 and its parameters are integers (clamp's bounds may be anything:
 * they saturate), else f32 (x ** 0.5 of an int32 x is computed in floats
 * and truncated, as the reference does).
 */
function computeType(form: Form, types: readonly WgslScalar[], out: WgslScalar, p0: number, p1: number): WgslScalar {
  const params = form.params === "bounds" ? [] : form.params === "split" ? [p0] : [p0, p1];
  return form.i !== undefined && out !== "f32" && !types.includes("f32") && params.every(Number.isInteger) ? "i32" : "f32";
}

/** A unary or binary op's kernel: load into the compute type, evaluate, store into out's type. */
function pointwise(k: GpuKernels, op: string, form: Form, inputs: readonly GpuOperand[], out: GpuOperand, p0: number, p1: number): void {
  const types = inputs.map((x) => wgslType(x.dtype, op));
  const outType = wgslType(out.dtype, op);
  const c = computeType(form, types, outType, p0, p1);
  const names = inputs.length === 1 ? ["v"] : ["a", "b"];
  let expr = c === "i32" ? (form.i as string) : form.f;
  if (c === "f32" && form.nan !== true) expr = `select(${expr}, ${names.join(" + ")}, ${names.map((n) => `isNan(${n})`).join(" || ")})`;
  const store = form.bool === true ? fromBool("r", outType) : convert("r", c, outType);
  const body = (reads: readonly string[]) =>
    `${names.map((n, j) => `let ${n} = ${convert(reads[j] as string, types[j] as WgslScalar, c)};`).join(" ")}
  let P0 = bitcast<${c}>(L.p0);
  let P1 = bitcast<${c}>(L.p1);
  let r = ${expr};
  out[o.w] = ${store};`;
  const params = paramWords(form.params ?? "plain", c, p0, p1);
  dispatch(k, { name: op, key: `${op}:${types.join(",")}>${outType}:${c}`, inputs, inTypes: types, out, outType, body, params });
}

/**
 * out = op(x) elementwise (x laid out in out's shape, any strides; `out`
 * may share x's buffer), with the reference backend's parameters `p0`/`p1`
 * (default 0) and semantics.
 */
export function unary(k: GpuKernels, op: UnaryOp, x: GpuOperand, out: GpuOperand, p0 = 0, p1 = 0): void {
  pointwise(k, op, UNARY[op], [x], out, p0, p1);
}

/**
 * out = a op b elementwise, `a` and `b` already broadcast to out's shape
 * (stride 0 on expanded dims); either may share out's buffer. `p0` is add
 * and sub's alpha (default 1).
 */
export function binary(k: GpuKernels, op: BinaryOp, a: GpuOperand, b: GpuOperand, out: GpuOperand, p0 = 1, p1 = 0): void {
  pointwise(k, op, BINARY[op], [a, b], out, p0, p1);
}

/**
 * out = cond ? a : b elementwise, all three broadcast to out's shape; `a`
 * and `b` are converted to out's dtype (as `copy` converts), `cond` is true
 * where nonzero.
 */
export function where(k: GpuKernels, cond: GpuOperand, a: GpuOperand, b: GpuOperand, out: GpuOperand): void {
  const types = [cond, a, b].map((x) => wgslType(x.dtype, "where"));
  const [tc, ta, tb] = types as [WgslScalar, WgslScalar, WgslScalar];
  const t = wgslType(out.dtype, "where");
  const body = ([c, x, y]: readonly string[]) =>
    `out[o.w] = select(${convert(y as string, tb, t)}, ${convert(x as string, ta, t)}, ${nonzero(c as string, tc)});`;
  dispatch(k, { name: "where", key: `where:${types.join(",")}>${t}`, inputs: [cond, a, b], inTypes: types, out, outType: t, body });
}
