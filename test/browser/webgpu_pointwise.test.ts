/**
 * The WebGPU pointwise kernels (src/backend/webgpu/pointwise.ts) diffed
 * against the reference backend (the spec) in headless Chromium: every
 * unary and binary op for each dtype combination the op layer sends, on
 * inputs with NaN, infinities, -0, subnormals, tiny and huge values; every
 * op again on contiguous, transposed, offset and broadcast inputs into
 * contiguous and strided outputs, 0-d, empty and in place; copy between
 * every pair of dtypes, fill and where.
 *
 * Tolerances: exact for integer and bool results and for copy, fill,
 * where, comparisons, add/sub/mul/div; the float math within `ulps` of the
 * reference's float32 result (the worst errors measured are printed as
 * WORST lines). GPUs flush subnormals: a result the reference gives below
 * 2^-126 may be any number that small, and a subnormal input may act as 0.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refBackend } from "../../src/backend/ref/index.js";
import type { BinaryOp, Strided, UnaryOp } from "../../src/backend/types.js";
import type { GpuKernels } from "../../src/backend/webgpu/kernels.js";
import type { GpuOperand } from "../../src/backend/webgpu/operand.js";
import { binary, copy, fill, unary, where } from "../../src/backend/webgpu/pointwise.js";
import { typedArrayFor } from "../../src/core/dtype.js";
import { gpuKernels, values } from "../helpers/webgpu.js";

type Dev = "float32" | "int32" | "int64" | "bool";

let gpu: GpuKernels;
beforeAll(async () => {
  gpu = await gpuKernels();
});
afterAll(() => gpu?.device.destroy());

// ----- operands on both backends ---------------------------------------------------

/** A buffer of `data` as the device keeps `dtype` (f32, i32, u32 words). */
function upload(dtype: Dev, data: ArrayLike<number>): GPUBuffer {
  const words = dtype === "float32" ? Float32Array.from(data) : dtype === "bool" ? Uint32Array.from(data) : Int32Array.from(data);
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const buffer = gpu.device.createBuffer({ size: Math.max(4, words.byteLength), usage });
  gpu.device.queue.writeBuffer(buffer, 0, words);
  return buffer;
}

async function download(dtype: Dev, buffer: GPUBuffer, n: number): Promise<number[]> {
  const bytes = await gpu.readBytes(buffer, 4 * n);
  return Array.from(dtype === "float32" ? new Float32Array(bytes) : dtype === "bool" ? new Uint32Array(bytes) : new Int32Array(bytes));
}

/** A layout over a buffer of `length` elements. */
interface Place {
  readonly name: string;
  readonly shape: number[];
  readonly strides: number[];
  readonly offset: number;
  readonly length: number;
}

function place(name: string, shape: number[], strides: number[], offset: number): Place {
  const reach = shape.reduce((r, s, d) => r + (s - 1) * (strides[d] as number), 0);
  return { name, shape, strides, offset, length: shape.includes(0) ? offset : offset + reach + 1 };
}

/** Inputs of [3, 5]: contiguous, transposed (read from [5, 3]), at an offset, broadcast along each dim. */
const INPUTS = [
  place("contiguous", [3, 5], [5, 1], 0),
  place("transposed", [3, 5], [1, 3], 0),
  place("offset", [3, 5], [5, 1], 7),
  place("row-broadcast", [3, 5], [0, 1], 0),
  place("column-broadcast", [3, 5], [1, 0], 2),
];
/** Outputs of [3, 5]: contiguous, and a transposed view at an offset (elements around it must stay as they were). */
const OUTPUTS = [place("contiguous", [3, 5], [5, 1], 0), place("strided", [3, 5], [1, 3], 4)];

/** The same data and layout on both backends. */
interface Pair {
  readonly cpu: Strided;
  readonly gpu: GpuOperand;
}

function pair(dtype: Dev, data: ArrayLike<number>, p: Place): Pair {
  const cyc = Array.from({ length: p.length }, (_, i) => data[i % Math.max(1, data.length)] as number);
  const cpu = typedArrayFor(dtype, p.length);
  cpu.set(cyc);
  const layout = { shape: p.shape, strides: p.strides, offset: p.offset, dtype };
  return { cpu: { ...layout, data: cpu }, gpu: { ...layout, buffer: upload(dtype, cpu) } };
}

/** An output: a sentinel in every element, so writes outside the view show. */
const output = (dtype: Dev, p: Place) => pair(dtype, [dtype === "bool" ? 1 : 7], p);

/** A copy of `x`'s data, float32 subnormals flushed to ±0 where `flush` (what a GPU may read). */
function copied(x: Strided, flush: boolean): Strided {
  const data = x.data.slice();
  if (flush && x.dtype === "float32") {
    for (let i = 0; i < data.length; i++) if (Math.abs(data[i] as number) < 2 ** -126) data[i] = (data[i] as number) * 0;
  }
  return { ...x, data };
}

// ----- comparison ---------------------------------------------------------------

/** Accuracy: `ulps` of the reference's float32 result, plus `abs(i)` absolute for element i (where the reference is itself inexact). */
interface Tol {
  ulps: number;
  abs?: (w: number, inputs: readonly number[]) => number;
}
const EXACT: Tol = { ulps: 0 };

function ulp(w: number): number {
  const a = Math.abs(w);
  return a < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(a)) - 23);
}

/** The error of `g` against `w` in ulps of w (Infinity: a NaN, an infinity or a zero's sign that differs). */
function error(g: number, w: number, tol: Tol, inputs: readonly number[]): number {
  // Where the reference is inexact (tol.abs), its inf * 0 = NaN of an infinite input decides nothing:
  // the 0 may be its rounding of a tiny number.
  if (tol.abs !== undefined && Number.isNaN(w) && inputs.some((v) => v === INF || v === -INF)) return 0;
  if (Number.isNaN(w) || Number.isNaN(g)) return Number.isNaN(w) && Number.isNaN(g) ? 0 : Number.POSITIVE_INFINITY;
  if (!Number.isFinite(w) || !Number.isFinite(g)) return g === w ? 0 : Number.POSITIVE_INFINITY;
  if (w === 0 && g === 0) return Object.is(w, g) || tol.abs !== undefined ? 0 : Number.POSITIVE_INFINITY;
  if (Math.abs(w) < 2 ** -126 && Math.abs(g) < 2 ** -126) return 0;
  const slack = tol.abs?.(w, inputs) ?? 0;
  const d = Math.abs(g - w) - slack;
  return d <= 0 ? 0 : d / ulp(w);
}

const worst = new Map<string, number>();
afterAll(() => {
  for (const [k, v] of [...worst].sort()) if (v > 0) console.log(`WORST ${k}: ${v.toFixed(2)} ulp`);
});

/**
 * Runs `cpu` on the reference (and again with subnormal inputs flushed)
 * and `dev` on the device over the same operands, and checks the whole
 * output buffer. `inPlace`: the output is that input.
 */
async function diff(label: string, ins: readonly Pair[], out: Pair, { tol, run: cpu, dev }: Check): Promise<void> {
  const expected = (flush: boolean) => {
    const o = copied(out.cpu, flush);
    cpu(
      ins.map((x) => (x === out ? o : copied(x.cpu, flush))),
      o,
    );
    return o.data;
  };
  const [want, alt] = [expected(false), expected(true)];
  dev(
    ins.map((x) => x.gpu),
    out.gpu,
  );
  const got = await download(out.gpu.dtype as Dev, out.gpu.buffer, want.length);
  let e = 0;
  const integral = out.gpu.dtype !== "float32";
  for (let i = 0; i < want.length; i++) {
    // Integers compare as numbers (the reference's int64 may hold -0).
    const at = ins.map((x) => x.cpu.data[i] as number);
    const err = integral
      ? got[i] === want[i] || got[i] === alt[i]
        ? 0
        : Number.POSITIVE_INFINITY
      : Math.min(error(got[i] as number, want[i] as number, tol, at), error(got[i] as number, alt[i] as number, tol, at));
    if (err > tol.ulps) {
      expect.fail(
        `${label}: element ${i} (inputs there: ${at.join(", ")}) is ${got[i]}, expected ${want[i]} (${err.toFixed(2)} ulp, tolerance ${tol.ulps})`,
      );
    }
    e = Math.max(e, err);
  }
  const key = label.split(" on ")[0] as string;
  worst.set(key, Math.max(worst.get(key) ?? 0, e));
}

// ----- values ---------------------------------------------------------------------

const INF = Number.POSITIVE_INFINITY;
const SPECIAL = (
  "NaN Infinity -Infinity 0 -0 1e-40 -1e-40 1.2e-38 1e-30 -1e-30 1e-7 -1e-7 0.5 -0.5 1 -1 1.5 -2.5 3 10 -10 88.7 -88.7 " +
  "100 -100 1e5 -1e5 1e20 -1e20 3.4e38 -3.4e38"
)
  .split(" ")
  .map(Number);

/** Float32 inputs: the specials, uniform values in [-r, r], and magnitudes spread over 1e-38 .. 1e38 with both signs. */
function floats(n: number, seed: number, r: number): number[] {
  const u = values(n, seed, -r, r);
  const m = values(n, seed + 1, -38, 38);
  return [...SPECIAL, ...u, ...Array.from(m, (e, i) => (i % 2 === 0 ? 1 : -1) * 10 ** e)];
}

/** Integers in [lo, hi), with 0, ±1 and the int32 extremes where `extremes`. */
function ints(n: number, seed: number, lo: number, hi: number, extremes = false): number[] {
  const edge = extremes ? [2 ** 31 - 1, -(2 ** 31), 2 ** 31 - 2] : [];
  return [0, 1, -1, 2, -2, ...edge, ...Array.from(values(n, seed, lo, hi), Math.floor)].filter(
    (v) => edge.includes(v) || (v >= lo && v < hi),
  );
}

/** Inputs of `dtype` for an op: floats over [-r, r] etc.; integers in `range` (int32 also its extremes when `wraps`). */
function inputs(dtype: Dev, n: number, seed: number, r: number, range: [number, number], wraps: boolean): number[] {
  if (dtype === "bool") return [0, 1, 1, 0, 0, 1];
  if (dtype === "float32") return floats(n, seed, r);
  return ints(n, seed, range[0], range[1], wraps && dtype === "int32");
}

// ----- the runner ---------------------------------------------------------------------

type Run = (x: readonly Strided[], o: Strided) => void;
type Dev_ = (x: readonly GpuOperand[], o: GpuOperand) => void;
/** What a case checks: the reference's run, the device's, and the tolerance. */
interface Check {
  tol: Tol;
  run: Run;
  dev: Dev_;
}

/**
 * Which layouts a case runs: "all" (every input layout into every output layout, 0-d, empty, in place),
 * "some" (a transposed input into a strided output, 0-d, in place: each shader variant once), "flat".
 */
type Layouts = "all" | "some" | "flat";

/** Flat operands of `data` (one array per input, of one length), then the layouts `layouts` asks for. */
function runAll(label: string, tins: readonly Dev[], tout: Dev, data: readonly number[][], check: Check, layouts: Layouts): Promise<void> {
  const checks: Promise<void>[] = [];
  const flat = place("flat", [(data[0] as number[]).length], [1], 0);
  checks.push(
    diff(
      label,
      tins.map((t, j) => pair(t, data[j] as number[], flat)),
      output(tout, flat),
      check,
    ),
  );
  if (layouts === "flat") return Promise.all(checks).then(() => undefined);
  // Input j on layout k + j (so a binary op meets every pair of neighbouring layouts), into each output layout.
  for (let k = layouts === "all" ? 0 : 1; k < (layouts === "all" ? INPUTS.length : 2); k++) {
    for (const pout of layouts === "all" ? OUTPUTS : OUTPUTS.slice(1)) {
      const ins = tins.map((t, j) => pair(t, data[j] as number[], INPUTS[(k + j) % INPUTS.length] as Place));
      checks.push(diff(`${label} on ${ins.map((x) => x.cpu.strides.join("/")).join(" ")}>${pout.name}`, ins, output(tout, pout), check));
    }
  }
  const scalar = place("0-d", [], [], 2);
  checks.push(
    diff(
      `${label} on 0-d`,
      tins.map((t, j) => pair(t, (data[j] as number[]).slice(5), place("0-d", [], [], 1))),
      output(tout, scalar),
      check,
    ),
  );
  if (layouts === "all") {
    const empty = place("empty", [0, 3], [3, 1], 0);
    checks.push(
      diff(
        `${label} on empty`,
        tins.map((t, j) => pair(t, data[j] as number[], empty)),
        output(tout, place("empty", [0, 3], [1, 0], 1)),
        check,
      ),
    );
  }
  // In place: each input of out's dtype as the output, then all of them, on a contiguous and a strided view.
  const sets = tins.map((_, j) => [j]).concat(tins.length > 1 ? [tins.map((_, j) => j)] : []);
  for (const p of (layouts === "all" ? [INPUTS[1], OUTPUTS[1]] : [OUTPUTS[1]]) as Place[]) {
    for (const set of sets) {
      if (set.some((j) => tins[j] !== tout)) continue;
      const out = pair(tout, data[set[0] as number] as number[], p);
      const ins = tins.map((t, j) => (set.includes(j) ? out : pair(t, data[j] as number[], p)));
      checks.push(diff(`${label} on in place ${set.join("+")} ${p.name}`, ins, out, check));
    }
  }
  return Promise.all(checks).then(() => undefined);
}

// ----- the ops ------------------------------------------------------------------------

/** Dtype combinations, written "in,in>out". */
type Combo = { ins: Dev[]; out: Dev };
const combos = (...specs: string[]): Combo[] =>
  specs.map((c) => {
    const [ins, out] = c.split(">") as [string, string];
    return { ins: ins.split(",") as Dev[], out: out as Dev };
  });

const FLOAT = combos("float32>float32");
const FLOAT_OF_ANY = combos("float32>float32", "int32>float32", "int64>float32", "bool>float32");
const SAME = combos("float32>float32", "int32>int32", "int64>int64");
const TESTS = combos("float32>bool", "int32>bool", "int64>bool", "bool>bool");

/** Parameter sets: p0 values (p1 0), or (p0, p1) pairs. */
const ps = (...p0: number[]): [number, number][] => p0.map((p) => [p, 0]);
const pairs = (...p: [number, number][]) => p;

/** A unary op's cases: dtype combinations, the float range r, integer range, tolerance, parameter sets. */
interface UnaryCase {
  combos: Combo[];
  r?: number;
  range?: [number, number];
  /** int64's range when int32's wraps past int32 (the device's int64 holds int32's range). */
  range64?: [number, number];
  wraps?: boolean;
  tol?: Tol;
  params?: [number, number][];
}

const T = (ulps: number, abs?: (w: number, x: readonly number[]) => number): Tol => (abs === undefined ? { ulps } : { ulps, abs });

const UNARY_CASES: Record<UnaryOp, UnaryCase> = {
  neg: { combos: SAME, wraps: true },
  exp: { combos: FLOAT_OF_ANY, r: 100, tol: T(2) },
  log: { combos: FLOAT_OF_ANY, r: 10, tol: T(2) },
  log1p: { combos: FLOAT_OF_ANY, r: 3, tol: T(2) },
  log2: { combos: FLOAT_OF_ANY, r: 10, tol: T(2) },
  expm1: { combos: FLOAT_OF_ANY, r: 20, tol: T(2) },
  sqrt: { combos: FLOAT_OF_ANY, r: 100, tol: T(1) },
  rsqrt: { combos: FLOAT_OF_ANY, r: 100, tol: T(2) },
  abs: { combos: SAME, wraps: true },
  sin: { combos: FLOAT_OF_ANY, r: 20, tol: T(2) },
  cos: { combos: FLOAT_OF_ANY, r: 20, tol: T(2) },
  tan: { combos: FLOAT_OF_ANY, r: 20, tol: T(3) },
  asin: { combos: FLOAT_OF_ANY, r: 1.1, tol: T(3) },
  acos: { combos: FLOAT_OF_ANY, r: 1.1, tol: T(2) },
  atan: { combos: FLOAT_OF_ANY, r: 10, tol: T(3) },
  sinh: { combos: FLOAT_OF_ANY, r: 95, tol: T(3) },
  cosh: { combos: FLOAT_OF_ANY, r: 95, tol: T(3) },
  tanh: { combos: FLOAT_OF_ANY, r: 10, tol: T(3) },
  sigmoid: { combos: FLOAT_OF_ANY, r: 20, tol: T(3) },
  relu: { combos: SAME, wraps: true },
  reciprocal: { combos: FLOAT_OF_ANY, r: 10, tol: T(1) },
  square: { combos: SAME, range: [-(2 ** 25), 2 ** 25], range64: [-46340, 46341] },
  sign: { combos: [...SAME, ...combos("bool>bool")], wraps: true },
  floor: { combos: SAME, wraps: true },
  ceil: { combos: SAME, wraps: true },
  round: { combos: SAME, wraps: true },
  trunc: { combos: SAME, wraps: true },
  frac: { combos: FLOAT, r: 10 },
  erf: { combos: FLOAT_OF_ANY, r: 5, tol: T(3) },
  erfc: { combos: FLOAT_OF_ANY, r: 12, tol: T(4) },
  isnan: { combos: TESTS },
  isinf: { combos: TESTS },
  isfinite: { combos: TESTS },
  logicalNot: { combos: TESTS },
  powScalar: {
    combos: SAME,
    r: 4,
    range: [-12, 12],
    tol: T(2),
    params: ps(2, 3, 0, 1, 0.5, -1, -2.5, 7.3),
  },
  rpowScalar: {
    combos: SAME,
    r: 30,
    range: [-3, 20],
    range64: [-3, 19],
    tol: T(2),
    params: ps(2, 0.1, -2, 1, 0, 3),
  },
  clamp: {
    combos: SAME,
    r: 5,
    range: [-20, 20],
    wraps: true,
    params: pairs([-1, 2], [Number.NaN, 0], [0, Number.NaN], [-INF, INF], [2, -1], [-0, 0]),
  },
  leakyRelu: {
    combos: FLOAT,
    r: 10,
    params: ps(0.01, -0.5),
    // The slope rounds to float32 first (the reference multiplies by the float64 0.01).
    tol: T(1),
  },
  elu: {
    combos: FLOAT,
    r: 20,
    tol: T(2),
    params: ps(1, 0.5),
  },
  softplus: {
    combos: FLOAT,
    r: 30,
    tol: T(3),
    params: pairs([1, 20], [2, 5], [0.5, 30]),
  },
  // The reference computes gelu as x (1 + erf(x / sqrt 2)) / 2 in float64: near -10 its own error is about 2^-53 |x|.
  gelu: { combos: FLOAT, r: 12, tol: T(4, (w) => 2 ** -49 * Math.max(1, Math.abs(w))) },
  geluTanh: { combos: FLOAT, r: 12, tol: T(64, (w) => 2 ** -49 * Math.max(1, Math.abs(w))) },
  silu: { combos: FLOAT, r: 20, tol: T(3) },
  logSigmoid: { combos: FLOAT, r: 30, tol: T(3) },
};

describe("WebGPU unary ops against the reference backend", () => {
  for (const [op, c] of Object.entries(UNARY_CASES) as [UnaryOp, UnaryCase][]) {
    it(`${op}: every dtype it takes, on special and spread values, every layout, 0-d, empty, in place`, async () => {
      const checks: Promise<void>[] = [];
      for (const [k, { ins, out: tout }] of c.combos.entries()) {
        const [tin] = ins as [Dev];
        const range = (tin === "int64" ? c.range64 : undefined) ?? c.range ?? [-1000, 1000];
        const data = inputs(tin as Dev, 600, op.length * 7 + 1, c.r ?? 10, range, c.wraps === true);
        const tol = tout === "float32" ? (c.tol ?? EXACT) : EXACT;
        // The op layer gives integer tensors integer parameters (x ** 0.5 of an int tensor is a float op).
        const params = (c.params ?? [[0, 0]]).filter(([p0]) => tin === "float32" || Number.isInteger(p0));
        for (const [i, [p0, p1]] of params.entries()) {
          const run: Run = (x, o) => refBackend.unary(op, x[0] as Strided, o, p0, p1);
          const dev: Dev_ = (x, o) => unary(gpu, op, x[0] as GpuOperand, o, p0, p1);
          checks.push(
            runAll(
              `${op}(${p0}, ${p1}) ${tin}>${tout}`,
              [tin as Dev],
              tout,
              [data],
              { tol, run, dev },
              i > 0 ? "flat" : k === 0 ? "all" : "some",
            ),
          );
        }
      }
      await Promise.all(checks);
    });
  }
});

const F2 = combos("float32,float32>float32");
const I2 = combos("int32,int32>int32", "int64,int64>int64");
const ARITH = [...F2, ...I2, ...combos("int32,float32>float32", "float32,int64>float32")];
const CMP = combos(
  "float32,float32>bool",
  "int32,int32>bool",
  "int64,int64>bool",
  "bool,bool>bool",
  "int32,float32>bool",
  "bool,float32>bool",
);
const BOOL2 = combos("bool,bool>bool");

interface BinaryCase {
  combos: Combo[];
  /** b's values where its domain is narrower (tanh's and sigmoid's outputs). */
  bs?: number[];
  r?: number;
  range?: [number, number];
  rangeB?: [number, number];
  range64?: [number, number];
  wraps?: boolean;
  tol?: Tol;
  params?: [number, number][];
  /** Tolerances per parameter set (default `tol`). */
  paramTols?: Tol[];
}

/**
 * a + alpha b is rounded once on the device (PyTorch's fused multiply-add); the reference rounds its float64
 * sum again, one ulp off where that sum is a float32 tie broken by a term float64 dropped. alpha = 1 or 2
 * (exact products) agree exactly.
 */
const ALPHA_TOLS = [EXACT, EXACT, { ulps: 1 }];
const ALPHAS = ps(1, 2, -3);

const BINARY_CASES: Record<BinaryOp, BinaryCase> = {
  add: { combos: [...ARITH, ...BOOL2], wraps: true, params: ALPHAS, paramTols: ALPHA_TOLS },
  sub: { combos: ARITH, wraps: true, params: ALPHAS, paramTols: ALPHA_TOLS },
  // Products stay below 2^53: the reference's contiguous int32 mul (ref/pointwise.ts rows3) multiplies in float64.
  mul: { combos: [...ARITH, ...BOOL2], range: [-(2 ** 26), 2 ** 26], range64: [-40000, 40000] },
  div: {
    combos: [...F2, ...combos("int32,int32>float32", "int64,int64>float32"), ...I2, ...combos("int32,float32>float32")],
    wraps: true,
    range: [-50, 50],
  },
  // float32: PyTorch's float32 formula (x - fmod(x, y)) / y, as the kernel; the reference's float64 can round
  // a huge quotient to the next integer.
  floorDivide: { combos: [...F2, ...I2], wraps: true, r: 100, range: [-50, 50], tol: T(1) },
  remainder: { combos: [...F2, ...I2], wraps: true, r: 100, range: [-50, 50] },
  fmod: { combos: [...F2, ...I2], wraps: true, r: 100, range: [-50, 50] },
  pow: { combos: [...F2, ...I2], r: 5, range: [-10, 11], rangeB: [-3, 16], range64: [-8, 9], tol: T(2) },
  atan2: { combos: F2, tol: T(2) },
  maximum: { combos: [...F2, ...I2, ...BOOL2], wraps: true },
  minimum: { combos: [...F2, ...I2, ...BOOL2], wraps: true },
  eq: { combos: CMP, wraps: true, range: [-3, 3] },
  ne: { combos: CMP, wraps: true, range: [-3, 3] },
  lt: { combos: CMP, wraps: true, range: [-3, 3] },
  le: { combos: CMP, wraps: true, range: [-3, 3] },
  gt: { combos: CMP, wraps: true, range: [-3, 3] },
  ge: { combos: CMP, wraps: true, range: [-3, 3] },
  logicalAnd: { combos: CMP, range: [-2, 2] },
  logicalOr: { combos: CMP, range: [-2, 2] },
  logicalXor: { combos: CMP, range: [-2, 2] },
  // b is tanh's output, in [-1, 1] (and NaN), sigmoid's in [0, 1].
  tanhBackward: { combos: F2, bs: [Number.NaN, 0, -0, 1, -1, 0.5, -0.999, 1e-30, ...values(600, 9, -1, 1)], tol: T(2) },
  sigmoidBackward: { combos: F2, bs: [Number.NaN, 0, -0, 1, 0.5, 0.999, 1e-30, 1e-7, ...values(600, 9, 0, 1)], tol: T(2) },
  thresholdBackward: {
    combos: F2,
    params: ps(0, 0.5),
  },
  leakyReluBackward: {
    combos: F2,
    tol: T(1),
    params: ps(0.01, -0.5),
  },
  eluBackward: {
    combos: F2,
    tol: T(2),
    params: ps(1, 0.5),
  },
  // g (Phi(x) + x phi(x)): the two terms cancel near x = -0.75, where float32's error is a few ulp of |g| Phi(x),
  // not of the result; the reference's 1 + erf is off by 2^-53 where Phi is tiny.
  geluBackward: { combos: F2, r: 12, tol: T(4, (_, x) => 2 ** -22 * Math.abs(x[0] as number)) },
  geluTanhBackward: { combos: F2, r: 12, tol: T(4, (_, x) => 2 ** -22 * Math.abs(x[0] as number)) },
  softplusBackward: {
    combos: F2,
    r: 30,
    tol: T(3),
    params: pairs([1, 20], [2, 5]),
  },
  logSigmoidBackward: { combos: F2, r: 30, tol: T(3) },
  xlogy: { combos: F2, tol: T(2) },
};

/** a and b: the first `cross` of each crossed (every special with every special), the rest paired. */
function operandsFor(as: number[], bs: number[], cross: number): [number[], number[]] {
  const [a, b]: [number[], number[]] = [[], []];
  for (const x of as.slice(0, cross)) {
    for (const y of bs.slice(0, cross)) {
      a.push(x);
      b.push(y);
    }
  }
  const n = Math.min(as.length, bs.length);
  a.push(...as.slice(cross, n));
  b.push(...bs.slice(cross, n));
  return [a, b];
}

describe("WebGPU binary ops against the reference backend", () => {
  for (const [op, c] of Object.entries(BINARY_CASES) as [BinaryOp, BinaryCase][]) {
    it(`${op}: every dtype combination it takes, specials crossed with specials, every layout, 0-d, empty, in place`, async () => {
      const checks: Promise<void>[] = [];
      for (const [k, { ins, out: tout }] of c.combos.entries()) {
        const [ta, tb] = ins as [Dev, Dev];
        const range = (d: Dev, r: [number, number] | undefined) => (d === "int64" ? c.range64 : undefined) ?? r ?? c.range ?? [-1000, 1000];
        // Integers meeting floats stay where float32 holds them exactly.
        const wraps = c.wraps === true && ta === tb;
        const as = inputs(ta, 400, op.length * 5 + 1, c.r ?? 10, range(ta, c.range), wraps);
        const bs = c.bs ?? inputs(tb, 400, op.length * 5 + 2, c.r ?? 10, range(tb, c.rangeB), wraps);
        const cross = c.bs !== undefined ? 8 : ta === "float32" && tb === "float32" ? SPECIAL.length : 6;
        const data = operandsFor(as, bs, cross);
        for (const [i, [p0, p1]] of (c.params ?? [[1, 0]]).entries()) {
          const tol = tout === "float32" ? (c.paramTols?.[i] ?? c.tol ?? EXACT) : EXACT;
          const run: Run = (x, o) => refBackend.binary(op, x[0] as Strided, x[1] as Strided, o, p0, p1);
          const dev: Dev_ = (x, o) => binary(gpu, op, x[0] as GpuOperand, x[1] as GpuOperand, o, p0, p1);
          checks.push(
            runAll(
              `${op}(${p0}, ${p1}) ${ta},${tb}>${tout}`,
              [ta, tb],
              tout,
              data,
              { tol, run, dev },
              i > 0 ? "flat" : k === 0 ? "all" : "some",
            ),
          );
        }
      }
      await Promise.all(checks);
    });
  }

  it("rounds a + alpha b once where alpha b is a float32 tie that a breaks", async () => {
    // 3 * 40394196 = 121182588 lies halfway between float32s; the tiny a decides (float64 keeps it here).
    const flat = place("flat", [2], [1], 0);
    const check: Check = {
      tol: EXACT,
      run: (x, o) => refBackend.binary("add", x[0] as Strided, x[1] as Strided, o, -3),
      dev: (x, o) => binary(gpu, "add", x[0] as GpuOperand, x[1] as GpuOperand, o, -3),
    };
    const ab = [pair("float32", [9.771927267365754e-8, -9.771927267365754e-8], flat), pair("float32", [40394196, -40394196], flat)];
    await diff("add(-3) at a tie", ab, output("float32", flat), check);
  });

  it("add and sub with an alpha float32 does not hold (0.3): alpha as a float-float, the sum rounded once", async () => {
    const data = operandsFor(floats(400, 3, 10), floats(400, 4, 10), SPECIAL.length);
    for (const op of ["add", "sub"] as const) {
      const run: Run = (x, o) => refBackend.binary(op, x[0] as Strided, x[1] as Strided, o, 0.3, 0);
      const dev: Dev_ = (x, o) => binary(gpu, op, x[0] as GpuOperand, x[1] as GpuOperand, o, 0.3, 0);
      await runAll(`${op}(0.3) float32`, ["float32", "float32"], "float32", data, { tol: { ulps: 1 }, run, dev }, "flat");
    }
  });
});

const DEVS: Dev[] = ["float32", "int32", "int64", "bool"];
const finiteBeyondInt32 = (x: number) => Number.isFinite(x) && Math.abs(x) >= 2 ** 31;

/** Values of `from` to convert to `to`: floats with fractions, specials, past int32; integers past float32's 2^24. */
function conversions(from: Dev, to: Dev): number[] {
  if (from === "bool") return [0, 1, 1, 0];
  if (from !== "float32") return [...ints(200, 9, -1e6, 1e6, from === "int32"), 16777217, -16777219, 123456789, 2 ** 31 - 1];
  const v = [...SPECIAL, 2.7, -2.7, 0.4, -0.6, 2 ** 31 - 128, -(2 ** 31), 3e9, -3e9, 16777217, ...values(200, 5, -1e4, 1e4)];
  // The device's int64 holds int32's range; the reference's keeps larger integers exactly.
  return to === "int64" ? v.filter((x) => !finiteBeyondInt32(x)) : v;
}

/** A view of `base`'s buffer in layout `p`: the reference reads a copy of base's data (the input as it was). */
function viewOf(base: Pair, p: Place): Pair {
  const layout = { shape: p.shape, strides: p.strides, offset: p.offset };
  return { cpu: { ...base.cpu, ...layout, data: base.cpu.data.slice() }, gpu: { ...base.gpu, ...layout } };
}

describe("WebGPU copy, fill and where against the reference backend", () => {
  for (const from of DEVS) {
    it(`copy from ${from} to every dtype (truncating, wrapping, != 0), every layout, 0-d, empty, onto itself`, async () => {
      for (const to of DEVS) {
        const run: Run = (x, o) => refBackend.copy(x[0] as Strided, o);
        const dev: Dev_ = (x, o) => copy(gpu, x[0] as GpuOperand, o);
        await runAll(`copy ${from}>${to}`, [from], to, [conversions(from, to)], { tol: EXACT, run, dev }, from === to ? "all" : "some");
      }
    });
  }

  it("copies into an expanded view (every element written once per view element) and between views of one buffer", async () => {
    const run: Run = (x, o) => refBackend.copy(x[0] as Strided, o);
    const dev: Dev_ = (x, o) => copy(gpu, x[0] as GpuOperand, o);
    const row = place("row", [3, 5], [0, 1], 0);
    await diff("copy expanded", [pair("float32", floats(5, 1, 9), row)], output("float32", row), { tol: EXACT, run, dev });
    for (const dtype of DEVS) {
      // Disjoint (rows 4-6 into rows 0-2) reads through the output's binding; overlapping ones are staged first.
      for (const src of [
        place("rows 4-6", [3, 5], [5, 1], 20),
        place("shifted", [3, 5], [5, 1], 3),
        place("transposed", [3, 5], [1, 3], 1),
      ]) {
        const base = pair(dtype, conversions(dtype, dtype), place("buffer", [40], [1], 0));
        const out = viewOf(base, place("rows 0-2", [3, 5], [5, 1], 0));
        await diff(`copy ${dtype} between views (${src.name})`, [viewOf(base, src)], out, { tol: EXACT, run, dev });
      }
    }
  });

  it("fills every dtype with specials, past int32 and -0, into contiguous, strided, expanded, 0-d and empty views", async () => {
    const places = [...OUTPUTS, place("expanded", [3, 5], [0, 1], 1), place("0-d", [], [], 1), place("empty", [0, 3], [1, 0], 1)];
    for (const dtype of DEVS) {
      for (const value of [0, -0, 1.5, -2.7, Number.NaN, INF, -INF, 1e-40, 3e9, -3e9, 2 ** 31 - 1, 1e20, 7]) {
        if (dtype === "int64" && finiteBeyondInt32(value)) continue;
        for (const p of places) {
          const run: Run = (_, o) => refBackend.fill(o, value);
          const dev: Dev_ = (_, o) => fill(gpu, o, value);
          await diff(`fill(${value}) ${dtype} on ${p.name}`, [], output(dtype, p), { tol: EXACT, run, dev });
        }
      }
    }
  });

  it("where: every dtype, mixed value dtypes converted to out's, conditions of any dtype, every layout", async () => {
    const conds = [0, 1, 1, 0, 1, 0, 0, 1, ...Array.from(values(300, 8, 0, 2), Math.floor)];
    const cases = combos(
      "bool,float32,float32>float32",
      "bool,int32,int32>int32",
      "bool,int64,int64>int64",
      "bool,bool,bool>bool",
      "bool,int32,float32>float32",
      "bool,float32,int64>float32",
      "int32,float32,float32>float32",
      "float32,int32,int32>int32",
    );
    for (const [k, { ins, out: tout }] of cases.entries()) {
      const [tc, ta, tb] = ins as [Dev, Dev, Dev];
      const cond = tc === "float32" ? [Number.NaN, -0, 1e-40, ...conds] : tc === "int32" ? [-5, ...conds] : conds;
      const n = cond.length;
      const a = conversions(ta, ta).slice(0, n);
      const b = conversions(tb, tb).reverse().slice(0, n);
      const m = Math.min(n, a.length, b.length);
      const run: Run = (x, o) => refBackend.where(x[0] as Strided, x[1] as Strided, x[2] as Strided, o);
      const dev: Dev_ = (x, o) => where(gpu, x[0] as GpuOperand, x[1] as GpuOperand, x[2] as GpuOperand, o);
      await runAll(
        `where ${tc},${ta},${tb}>${tout}`,
        [tc, ta, tb],
        tout,
        [cond.slice(0, m), a.slice(0, m), b.slice(0, m)],
        { tol: EXACT, run, dev },
        k === 0 ? "all" : "some",
      );
    }
  });
});

describe("WebGPU pointwise ops reading the buffer they write", () => {
  it("reads an input overlapping the output in another layout as it was (staged), a disjoint one in place", async () => {
    const other = pair("float32", floats(15, 13, 5), place("b", [3, 5], [5, 1], 0));
    const fresh = () => pair("float32", floats(40, 12, 5), place("buffer", [40], [1], 0));
    for (const p of [place("shifted", [3, 5], [5, 1], 2), place("transposed", [3, 5], [1, 3], 0), place("rows 4-6", [3, 5], [5, 1], 20)]) {
      let base = fresh();
      let out = viewOf(base, place("rows 0-2", [3, 5], [5, 1], 0));
      const run: Run = (x, o) => refBackend.binary("mul", x[0] as Strided, x[1] as Strided, o);
      const dev: Dev_ = (x, o) => binary(gpu, "mul", x[0] as GpuOperand, x[1] as GpuOperand, o);
      await diff(`mul into its own buffer (${p.name})`, [viewOf(base, p), other], out, { tol: EXACT, run, dev });
      base = fresh();
      out = viewOf(base, place("rows 0-2", [3, 5], [5, 1], 0));
      const neg: Check = {
        tol: EXACT,
        run: (x, o) => refBackend.unary("neg", x[0] as Strided, o),
        dev: (x, o) => unary(gpu, "neg", x[0] as GpuOperand, o),
      };
      await diff(`neg into its own buffer (${p.name})`, [viewOf(base, p)], out, neg);
    }
  });
});
