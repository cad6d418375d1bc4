/**
 * Sampling from given distributions: multinomial, bernoulli (bernoulli_),
 * normal with tensor parameters. Each draws from the generator exactly as
 * PyTorch 1.13's CPU kernels do (see src/random.ts), so after the same
 * `manualSeed` the samples are PyTorch's.
 */

import { expectInt } from "../core/args.js";
import { isFloating, scalarTypeName } from "../core/dtype.js";
import { ArgumentError, DTypeError, ShapeError } from "../core/errors.js";
import { type OptionKeys, readOptions } from "../core/options.js";
import { broadcastShapes } from "../core/shape.js";
import { checkNormalStd, GENERATOR_KEYS, type Generator, type GeneratorOptions, generatorOption } from "../random.js";
import type { Tensor } from "../tensor.js";
import { normal_ } from "./convert.js";
import { empty } from "./creation.js";
import { defineOp } from "./define.js";
import { draw, drawBelow } from "./draw.js";
import { applyInplace } from "./inplace.js";
import * as K from "./kernels.js";
import type { RandomOptions } from "./sampling.js";
import { expectTensor, promote } from "./scalars.js";

/** `torch.multinomial`'s options. */
export interface MultinomialOptions extends GeneratorOptions {
  /** Draw with replacement (default false: each category at most once per row). */
  replacement?: boolean;
}

const RANDOM_KEYS: OptionKeys<RandomOptions> = { dtype: "dtype", device: "device", requiresGrad: "boolean", generator: true };

const MULTINOMIAL_KEYS: OptionKeys<MultinomialOptions> = { replacement: "boolean", generator: true };

function checkMultinomial(x: Tensor, n: number, replacement: boolean): void {
  if (x.ndim < 1 || x.ndim > 2) throw new ShapeError("multinomial: prob_dist must be 1 or 2 dim");
  if (!isFloating(x.dtype)) {
    throw new DTypeError(`multinomial only supports floating-point dtypes for input, got: ${scalarTypeName(x.dtype)}`);
  }
  if (n <= 0) throw new ArgumentError("multinomial: cannot sample n_sample <= 0 samples");
  const categories = x.shape[x.ndim - 1] as number;
  if (!replacement && n > categories) {
    throw new ArgumentError("multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement");
  }
  if (categories > 2 ** 24) throw new ArgumentError("multinomial: number of categories cannot exceed 2^24");
}

/**
 * Without replacement: PyTorch 1.13's Gumbel trick, the top
 * `n` of p / q per row with q ~ Exp(1) drawn for every element in order
 * (-log(1 - u), u a 53-bit uniform; rounded to float32 for float32 input).
 * Ties keep the lower index first (PyTorch's topk leaves their order to
 * std::nth_element).
 */
function withoutReplacement(
  p: Float32Array | Float64Array,
  rows: number,
  cats: number,
  n: number,
  gen: Generator,
  out: Float64Array,
): void {
  let ok = true;
  for (const v of p) if (!(v >= 0 && v < Number.POSITIVE_INFINITY)) ok = false;
  if (!ok) throw new ArgumentError(`multinomial: ${PROBS}`);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let j = 0; j < cats; j++) sum += p[r * cats + j] as number;
    if (sum === 0) throw new ArgumentError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)");
  }
  const single = p instanceof Float32Array;
  const ratio = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const q = -Math.log(1 - gen.uniform53());
    ratio[i] = single ? Math.fround((p[i] as number) / Math.fround(q)) : (p[i] as number) / q;
  }
  for (let r = 0; r < rows; r++) {
    const order = Array.from({ length: cats }, (_, j) => j);
    const at = (j: number) => ratio[r * cats + j] as number;
    order.sort((a, b) => at(b) - at(a) || a - b);
    for (let s = 0; s < n; s++) out[r * n + s] = order[s] as number;
  }
}

/**
 * With replacement: per row, the cumulative distribution (summed in the
 * input's precision, divided by its total), then per sample a 53-bit
 * uniform located by binary search (PyTorch's multinomial_with_replacement).
 */
function withReplacement(p: Float32Array | Float64Array, rows: number, cats: number, n: number, gen: Generator, out: Float64Array): void {
  const round = p instanceof Float32Array ? Math.fround : (v: number) => v;
  const cum = new Float64Array(cats);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let j = 0; j < cats; j++) {
      const v = p[r * cats + j] as number;
      if (!(v >= 0)) throw new ArgumentError("multinomial: invalid multinomial distribution (encountering probability entry < 0)");
      if (!Number.isFinite(v))
        throw new ArgumentError("multinomial: invalid multinomial distribution (encountering probability entry = infinity or NaN)");
      sum = round(sum + v);
      cum[j] = sum;
    }
    if (!(sum > 0)) throw new ArgumentError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)");
    for (let j = 0; j < cats; j++) cum[j] = round((cum[j] as number) / sum);
    cum[cats - 1] = 1;
    for (let s = 0; s < n; s++) {
      const u = gen.uniform53();
      let [left, right] = [0, cats];
      while (right > left) {
        const mid = left + Math.floor((right - left) / 2);
        if ((cum[mid] as number) < u) left = mid + 1;
        else right = mid;
      }
      out[r * n + s] = left;
    }
  }
}

/**
 * multinomial on a device, from the device's generator, with nothing read
 * back: the distribution's checks become device-side asserts (the CPU's
 * messages, raised at the next read). With replacement, each uniform is
 * located in the row's cumulative distribution by binary search (the last
 * category takes what rounding leaves above the total, as the CPU's cum[n-1]
 * = 1); without, the Gumbel trick as on the CPU: the top n of p / q with q
 * ~ Exp(1), ties to the lower index (a stable descending sort).
 */
function multinomialOnDevice(x: Tensor, rows: number, cats: number, n: number, replacement: boolean, gen: Generator): Tensor {
  const shape = x.ndim === 2 ? [rows, n] : [n];
  if (rows * cats === 0) return K.full(shape, 0, "int64", "multinomial", x.device);
  const p = K.contiguous(K.asStrided(x, [rows, cats], x.ndim === 2 ? x._strides : [0, x._strides[0] as number]));
  const total = K.reduce("sum", p, [1], true);
  const bad = (why: string) => () => new ArgumentError(`multinomial: ${why}`);
  // The CPU's order of checks: a NaN or a negative entry first, then an infinite one, then the rows' totals.
  K.checkAllOnDevice(
    within(p, 0, Number.POSITIVE_INFINITY),
    bad(replacement ? "invalid multinomial distribution (encountering probability entry < 0)" : PROBS),
  );
  K.checkAllOnDevice(
    K.unary("isfinite", p, "bool"),
    bad(replacement ? "invalid multinomial distribution (encountering probability entry = infinity or NaN)" : PROBS),
  );
  K.checkAllOnDevice(
    K.binary("gt", total, K.scalar(0, p.dtype), "bool"),
    bad("invalid multinomial distribution (sum of probabilities <= 0)"),
  );
  let picks: Tensor;
  if (replacement) {
    const u = draw([rows, n], p.dtype, { kind: "uniform", a: 0, b: 1 }, gen, x.device, "multinomial");
    const cdf = K.binary("div", K.scan("cumsum", p, 1), total, p.dtype);
    picks = K.binary("minimum", K.searchSorted(cdf, u, null, false, "int64"), K.scalar(cats - 1, "int64"), "int64");
  } else {
    const all = draw([rows, cats], p.dtype, { kind: "uniform", a: 0, b: 1 }, gen, x.device, "multinomial");
    const q = K.unary("neg", K.unary("log1p", K.unary("neg", all)));
    picks = K.asStrided(K.argsort(K.binary("div", p, q, p.dtype), 1, true), [rows, n], [cats, 1], 0);
  }
  return K.asStrided(K.contiguous(picks), shape, x.ndim === 2 ? [n, 1] : [1], 0);
}

const PROBS = "probability tensor contains either `inf`, `nan` or element < 0";

/**
 * Draws `numSamples` category indices per row of `input` (1-d or 2-d,
 * non-negative weights, not necessarily summing to 1), as int64. With
 * `manualSeed` the samples are PyTorch's (CPU), except the order of
 * categories whose weight ratios tie exactly (e.g. zero-weight categories
 * drawn without replacement once the others are used up): Kindling keeps
 * the lower index first.
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * const p = torch.tensor([0.1, 0.2, 0.3, 0.4]);
 * console.log(torch.multinomial(p, 2)); // tensor([2, 1])
 * console.log(torch.multinomial(p, 5, { replacement: true })); // tensor([3, 3, 1, 2, 2])
 * ```
 */
export function multinomial(input: Tensor, numSamples: number, options?: MultinomialOptions): Tensor {
  const o = readOptions(options, "multinomial", MULTINOMIAL_KEYS);
  const x = expectTensor(input, "multinomial", "input");
  const n = expectInt(numSamples, "multinomial", "num_samples", 2);
  const replacement = o.replacement ?? false;
  checkMultinomial(x, n, replacement);
  const gen = generatorOption(o.generator, "multinomial", x.device);
  const rows = x.ndim === 2 ? (x.shape[0] as number) : 1;
  const cats = x.shape[x.ndim - 1] as number;
  if (x.device !== "cpu") return multinomialOnDevice(x, rows, cats, n, replacement, gen);
  const out = new Float64Array(rows * n);
  const p = K.hostValues(x, "multinomial") as Float32Array | Float64Array;
  if (p.length > 0) {
    if (!replacement) withoutReplacement(p, rows, cats, n, gen, out);
    else withReplacement(p, rows, cats, n, gen, out);
  }
  return K.fromArray(out, x.ndim === 2 ? [rows, n] : [n], "int64");
}

// ----- bernoulli --------------------------------------------------------------------

interface BernoulliAttrs {
  /** A fixed probability (bernoulli_(p: number)), or null: the probabilities are the last input. */
  p: number | null;
  generator: Generator;
  /** PyTorch's node: BernoulliBackward0 (bernoulli(p)), 1 (bernoulli_(tensor)), 2 (bernoulli_(number)). */
  node: string;
}

const P_RANGE =
  "bernoulli: Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be improved?  If so, please report an enhancement request to PyTorch.)";

/**
 * PyTorch's bernoulli draws: 1 where a uniform < p (53-bit uniforms for a
 * float64 or number p, 24-bit for float32); on a device, from the device's
 * generator, drawn and compared there.
 */
function drawBernoulli(shape: readonly number[], dtype: Tensor["dtype"], probs: Tensor | number, gen: Generator): Tensor {
  if (typeof probs !== "number" && !isFloating(probs.dtype))
    throw new DTypeError(`bernoulli: "bernoulli_tensor_cpu_p_" not implemented for '${scalarTypeName(probs.dtype)}'`);
  if (gen.device !== "cpu") {
    // The probabilities cannot be read on the device: checked there, raised at the next read.
    if (typeof probs !== "number") K.checkAllOnDevice(within(probs, 0, 1), () => new ArgumentError(P_RANGE));
    return drawBelow(shape, dtype, probs, gen, gen.device, "bernoulli");
  }
  const out = K.empty(shape, dtype);
  const data = K.storageValues(out);
  if (typeof probs === "number") {
    for (let i = 0; i < data.length; i++) data[i] = gen.uniform53() < probs ? 1 : 0;
    return out;
  }
  const p = probs.toTypedArray();
  const wide = probs.dtype === "float64";
  for (let i = 0; i < data.length; i++) {
    const pi = p[i] as number;
    if (!(pi >= 0 && pi <= 1)) throw new ArgumentError(P_RANGE);
    data[i] = (wide ? gen.uniform53() : gen.uniform24()) < pi ? 1 : 0;
  }
  return out;
}

// The samples do not depend smoothly on anything: every gradient is zero (PyTorch's formulas).
const bernoulliOp = defineOp<BernoulliAttrs>({
  name: "bernoulli",
  fills: true,
  gradFn: (a) => a.node,
  forward: (inputs, a) => {
    const self = inputs[0] as Tensor;
    return drawBernoulli(self.shape, self.dtype, a.p ?? (inputs[inputs.length - 1] as Tensor), a.generator);
  },
  backward: (_, c) => c.inputMeta.map((m, i) => (c.needs[i] ? K.full(m.shape, 0, m.dtype) : null)),
});

/**
 * Samples 0 or 1 for each element of `input`, 1 with the probability the
 * element gives (`torch.bernoulli(input)`); with a number `p`, every element
 * has probability `p` and `input` gives only the shape and dtype. With
 * `manualSeed` the samples are PyTorch's.
 *
 * @example
 * ```ts
 * torch.manualSeed(2);
 * console.log(torch.bernoulli(torch.full([6], 0.5))); // tensor([0., 1., 0., 1., 0., 0.])
 * ```
 */
export function bernoulli(input: Tensor, p?: number | GeneratorOptions, options?: GeneratorOptions): Tensor {
  const x = expectTensor(input, "bernoulli", "input");
  if (typeof p === "number") {
    const o = readOptions(options, "bernoulli", GENERATOR_KEYS);
    checkP(p);
    return drawBernoulli(x.shape, x.dtype, p, generatorOption(o.generator, "bernoulli", x.device));
  }
  const o = readOptions(p, "bernoulli", GENERATOR_KEYS);
  return bernoulliOp([x], { p: null, generator: generatorOption(o.generator, "bernoulli", x.device), node: "BernoulliBackward0" });
}

function checkP(p: number): void {
  if (!(p >= 0 && p <= 1)) throw new ArgumentError(`bernoulli_ expects p to be in [0, 1], but got p=${p}`);
}

/**
 * Fills the tensor in place with 0/1 samples, 1 with probability `p` (a
 * number, or a tensor that broadcasts to this one's shape). With
 * `manualSeed` the samples are PyTorch's.
 *
 * @example
 * ```ts
 * torch.manualSeed(2);
 * console.log(torch.zeros(6).bernoulli_(0.5)); // tensor([0., 1., 0., 0., 0., 0.])
 * ```
 */
export function bernoulli_(input: Tensor, p: number | Tensor = 0.5, options?: GeneratorOptions): Tensor {
  const self = expectTensor(input, "bernoulli_", "input");
  const o = readOptions(options, "bernoulli_", GENERATOR_KEYS);
  const generator = generatorOption(o.generator, "bernoulli_", self.device);
  if (typeof p === "number") {
    checkP(p);
    return applyInplace(bernoulliOp.def, [self], { p, generator, node: "BernoulliBackward2" });
  }
  const probs = expectTensor(p, "bernoulli_", "p").expand(self.shape);
  return applyInplace(bernoulliOp.def, [self, probs], { p: null, generator, node: "BernoulliBackward1" });
}

// ----- normal -----------------------------------------------------------------------

interface NormalAttrs {
  /** Which parameters are tensors (the inputs, in order): PyTorch's NormalBackward1 (mean), 2 (std), 3 (both). */
  variant: 1 | 2 | 3;
  mean: number;
  std: number;
  shape: readonly number[];
  dtype: Tensor["dtype"];
  generator: Generator;
}

// PyTorch's normal with tensor parameters: normal_(0, std) + mean, or normal_(0, 1) * std + mean (in the result's dtype).
const normalOp = defineOp<NormalAttrs>({
  name: "normal",
  gradFn: (a) => `NormalBackward${a.variant}`,
  forward: (inputs, a) => {
    const z = draw(a.shape, a.dtype, { kind: "normal", a: 0, b: a.variant === 1 ? a.std : 1 }, a.generator, a.generator.device, "normal");
    const mean = a.variant === 2 ? K.scalar(a.mean, a.dtype) : (inputs[0] as Tensor);
    const scaled = a.variant === 1 ? z : K.binary("mul", z, inputs[inputs.length - 1] as Tensor, a.dtype);
    return K.binary("add", scaled, mean, a.dtype);
  },
  backward: (_, c) => c.inputMeta.map((m, i) => (c.needs[i] ? K.full(m.shape, 0, m.dtype) : null)),
});

const STD_RANGE = "normal expects all elements of std >= 0.0";

/** Whether each element of `t` lies in [lo, hi] (NaN does not), as a bool tensor on t's device. */
function within(t: Tensor, lo: number, hi: number): Tensor {
  const [a, b] = [K.binary("ge", t, K.scalar(lo, t.dtype), "bool"), K.binary("le", t, K.scalar(hi, t.dtype), "bool")];
  return K.binary("logicalAnd", a, b, "bool");
}

function checkStd(std: Tensor | number): void {
  if (typeof std === "number") {
    checkNormalStd(std);
  } else if (std.device !== "cpu") {
    K.checkAllOnDevice(within(std, 0, Number.POSITIVE_INFINITY), () => new ArgumentError(STD_RANGE));
  } else if (std.toTypedArray().some((v) => !(v >= 0))) throw new ArgumentError(STD_RANGE);
}

/**
 * Normal samples: `normal(mean, std)` with a tensor mean and/or std (the
 * result has their broadcast shape; gradients are zero, as PyTorch's), or
 * `normal(mean, std, size)` with numbers. With `manualSeed` the samples are
 * PyTorch's (within float32's last bits from 16 elements on, as `randn`).
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * console.log(torch.normal(torch.tensor([0, 10]), 0.5)); // tensor([0.7705, 9.8533])
 * ```
 */
export function normal(
  mean: Tensor | number,
  std: Tensor | number = 1,
  size?: readonly number[] | RandomOptions,
  options?: RandomOptions,
): Tensor {
  if (typeof mean === "number" && typeof std === "number") {
    checkStd(std);
    if (!Array.isArray(size)) throw new ArgumentError("normal(): with a number mean and std, expected a size, e.g. normal(0, 1, [2, 3])");
    const { requiresGrad, generator, ...creation } = readOptions(options, "normal", RANDOM_KEYS);
    const t = normal_(empty(size as readonly number[], creation), mean, std, { generator });
    return requiresGrad === true ? t.requiresGrad_() : t;
  }
  const o = readOptions(Array.isArray(size) ? options : (size as RandomOptions | undefined), "normal", GENERATOR_KEYS);
  const tensors = [mean, std].filter((v): v is Tensor => typeof v !== "number").map((t) => expectTensor(t, "normal", "mean"));
  const dtype = tensors.length === 2 ? promote(tensors[0] as Tensor, tensors[1] as Tensor) : (tensors[0] as Tensor).dtype;
  if (!isFloating(dtype)) throw new DTypeError(`normal_: "normal_kernel_cpu" not implemented for '${scalarTypeName(dtype)}'`);
  checkStd(std);
  const shape = broadcastShapes(
    tensors.map((t) => t.shape),
    "normal",
  );
  const variant = typeof std === "number" ? 1 : typeof mean === "number" ? 2 : 3;
  const attrs = { variant, mean: typeof mean === "number" ? mean : 0, std: typeof std === "number" ? std : 1, shape, dtype } as const;
  return normalOp(tensors, { ...attrs, generator: generatorOption(o.generator, "normal", (tensors[0] as Tensor).device) });
}
