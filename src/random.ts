/**
 * The random number generators. On the CPU: MT19937 seeded and consumed exactly as
 * PyTorch's CPU generator, so `manualSeed(s)` followed by `rand`, `randint`,
 * `randperm` and `randn` of fewer than 16 elements reproduce PyTorch's values
 * bit for bit. `randn` of 16 or more elements uses the same uniforms and
 * Box-Muller pairing, but PyTorch's float32 path uses AVX2 approximations of
 * log/sin/cos (values agree to about 1e-6) and its float64 path glibc's
 * (values agree to the last bit or two).
 *
 * On a device (`new Generator({ device: "webgpu" })`, and the device's
 * default generator): Philox4x32-10 keyed by the seed, as PyTorch's CUDA
 * generator. The generator only hands out counters (`_philox`); the device
 * computes the blocks (Backend.randomFill), so a draw never leaves it. Its
 * streams differ from the CPU's, as CUDA's do from PyTorch's CPU ones.
 */

import { describeValue } from "./core/describe.js";
import { type Device, type DeviceName, parseDevice, readyDevices } from "./core/device.js";
import type { DType } from "./core/dtype.js";
import { ArgumentError, DeviceError } from "./core/errors.js";
import type { OptionKeys } from "./core/options.js";

const N = 624;
const M = 397;

/** @internal a generator's state, as Generator._state copies it. */
export interface GeneratorState {
  readonly mt: Uint32Array;
  readonly index: number;
  readonly seed: number;
  readonly nextNormal: number | null;
  readonly philoxOffset: number;
}

/** PyTorch's default seed of every generator. */
const DEFAULT_SEED = 67280421310721;

/** `new Generator(options)`'s options. */
export interface GeneratorInit {
  /** The device whose tensors it fills (default "cpu"): PyTorch's `torch.Generator(device=...)`. */
  device?: DeviceName;
}

/**
 * A random number generator (PyTorch's `torch.Generator`): on the CPU a
 * Mersenne Twister (MT19937) with PyTorch's seeding and sampling
 * transforms; on a device, Philox4x32-10 counters for the device's kernels.
 * `new Generator(seed)` seeds a CPU generator; `new Generator({ device })`
 * makes one for a device, with PyTorch's default seed.
 *
 * @example
 * ```ts
 * const g = new torch.Generator().manualSeed(0);
 * console.log(torch.rand(2, { generator: g })); // tensor([0.4963, 0.7682])
 * console.log(g.device); // cpu
 * ```
 */
export class Generator {
  /** The device whose tensors this generator fills. */
  readonly device: Device;
  private readonly mt = new Uint32Array(N);
  private index = N;
  private seedValue = 0;
  /** The second Box-Muller value of the last double-precision normal draw. */
  private nextNormal: number | null = null;
  /** Philox blocks handed out since the seed was set (a device generator's whole state besides the seed). */
  private philoxOffset = 0;

  constructor(init: number | GeneratorInit = DEFAULT_SEED) {
    this.device = typeof init === "number" || init.device === undefined ? "cpu" : parseDevice(init.device, "Generator");
    this.manualSeed(typeof init === "number" ? init : DEFAULT_SEED);
  }

  /**
   * Re-seeds the generator (PyTorch's `Generator.manual_seed`): a finite
   * number (truncated to an integer) from -2^63 up to 2^64; MT19937 takes
   * its low 32 bits, as PyTorch's CPU generator does.
   */
  manualSeed(seed: number): this {
    checkSeed(seed);
    this.seedValue = seed;
    this.mt[0] = Number(BigInt.asUintN(32, BigInt(Math.trunc(seed))));
    for (let i = 1; i < N; i++) {
      const prev = this.mt[i - 1] as number;
      const x = prev ^ (prev >>> 30);
      // 1812433253 * x + i, modulo 2^32 (split to stay exact in doubles).
      this.mt[i] = ((((x & 0xffff0000) >>> 16) * 1812433253) << 16) + (x & 0x0000ffff) * 1812433253 + i;
    }
    this.index = N;
    this.nextNormal = null;
    this.philoxOffset = 0;
    return this;
  }

  /**
   * @internal the Philox key (the seed's 64 bits) and first counter of a
   * draw of `n` values, as [low word, high word] pairs; later draws get the
   * blocks after these (PyTorch's philox offset).
   */
  _philox(n: number): { key: [number, number]; counter: [number, number] } {
    const seed = BigInt.asUintN(64, BigInt(Math.trunc(this.seedValue)));
    const at = this.philoxOffset;
    this.philoxOffset += Math.ceil(n / 4);
    return {
      key: [Number(seed & 0xffffffffn), Number(seed >> 32n)],
      counter: [at % 2 ** 32, Math.floor(at / 2 ** 32)],
    };
  }

  /** @internal a copy of the generator's whole state (torch.utils.checkpoint restores it to replay random ops). */
  _state(): GeneratorState {
    return { mt: this.mt.slice(), index: this.index, seed: this.seedValue, nextNormal: this.nextNormal, philoxOffset: this.philoxOffset };
  }

  /** @internal puts back a state `_state` gave. */
  _setState(s: GeneratorState): void {
    this.mt.set(s.mt);
    this.index = s.index;
    this.seedValue = s.seed;
    this.nextNormal = s.nextNormal;
    this.philoxOffset = s.philoxOffset;
  }

  /** The seed last set. */
  initialSeed(): number {
    return this.seedValue;
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < N; i++) {
      const y = ((mt[i] as number) & 0x80000000) | ((mt[(i + 1) % N] as number) & 0x7fffffff);
      mt[i] = (mt[(i + M) % N] as number) ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }

  /** The next 32 random bits, as an unsigned integer. */
  nextU32(): number {
    if (this.index >= N) this.twist();
    let y = this.mt[this.index++] as number;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A float32-precision uniform in [0, 1): 24 random bits. */
  uniform24(): number {
    return (this.nextU32() & 0xffffff) * 2 ** -24;
  }

  /** A float64-precision uniform in [0, 1): the low 53 bits of two draws (high word first). */
  uniform53(): number {
    const hi = this.nextU32();
    const lo = this.nextU32();
    return (hi & 0x1fffff) * 2 ** 32 * 2 ** -53 + lo * 2 ** -53;
  }

  /** One standard normal from the double-precision Box-Muller path (caching the pair's second value). */
  normalDouble(): number {
    if (this.nextNormal !== null) {
      const v = this.nextNormal;
      this.nextNormal = null;
      return v;
    }
    const u1 = this.uniform53();
    const u2 = this.uniform53();
    const r = Math.sqrt(-2 * Math.log(1 - u2));
    const theta = 2 * Math.PI * u1;
    this.nextNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Fills `out` with uniforms in [from, to) as PyTorch's uniform_ (bounds first rounded to the dtype). */
  fillUniform(out: Float32Array | Float64Array, dtype: DType, lo = 0, hi = 1): void {
    const wide = dtype === "float64";
    const [from, to] = wide ? [lo, hi] : [Math.fround(lo), Math.fround(hi)];
    for (let i = 0; i < out.length; i++) {
      const u = wide ? this.uniform53() : this.uniform24();
      out[i] = u * (to - from) + from;
    }
  }

  /** Fills `out` with normals as PyTorch's normal_ (Box-Muller in blocks of 16 from 16 elements on). */
  fillNormal(out: Float32Array | Float64Array, dtype: DType, m = 0, s = 1): void {
    const n = out.length;
    const [mean, std] = dtype === "float64" ? [m, s] : [Math.fround(m), Math.fround(s)];
    if (n < 16) {
      for (let i = 0; i < n; i++) out[i] = this.normalDouble() * std + mean;
      return;
    }
    const u = new Float64Array(n);
    const draw = dtype === "float64" ? () => this.uniform53() : () => this.uniform24();
    for (let i = 0; i < n; i++) u[i] = draw();
    for (let i = 0; i + 16 <= n; i += 16) boxMuller16(u, i, out, mean, std);
    if (n % 16 !== 0) {
      // PyTorch redraws the last 16 uniforms and recomputes the last 16 values.
      for (let i = n - 16; i < n; i++) u[i] = draw();
      boxMuller16(u, n - 16, out, mean, std);
    }
  }

  /** An integer in [low, high) as PyTorch's random_(from, to). */
  randomInt(low: number, high: number): number {
    const range = high - low;
    if (range >= 2 ** 32) {
      const hi = this.nextU32();
      const lo = this.nextU32();
      return Number((((BigInt(hi) << 32n) | BigInt(lo)) % BigInt(range)) + BigInt(low));
    }
    return (this.nextU32() % range) + low;
  }
}

/** PyTorch's errors for a seed that is not an integer it can unpack. */
function checkSeed(seed: unknown): void {
  if (typeof seed !== "number") {
    throw new ArgumentError(`manual_seed(): seed must be a number, not ${seed === null ? "null" : typeof seed}`);
  }
  const s = seed;
  if (Number.isNaN(s)) throw new ArgumentError("manual_seed(): cannot convert float NaN to integer");
  if (!Number.isFinite(s)) throw new ArgumentError("manual_seed(): cannot convert float infinity to integer");
  if (s >= 2 ** 64 || s < -(2 ** 63)) throw new ArgumentError(`manual_seed(): Overflow when unpacking long (seed ${s})`);
}

function boxMuller16(u: Float64Array, at: number, out: Float32Array | Float64Array, mean: number, std: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = 1 - (u[at + j] as number);
    const u2 = u[at + j + 8] as number;
    const radius = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    out[at + j] = radius * Math.cos(theta) * std + mean;
    out[at + j + 8] = radius * Math.sin(theta) * std + mean;
  }
}

/** PyTorch's checks of uniform_'s bounds for a floating dtype (each within the dtype's range, from <= to, a finite width). */
export function checkUniformBounds(from: number, to: number, dtype: DType): void {
  if (dtype !== "float32" && dtype !== "float64") return;
  const [max, c] = dtype === "float32" ? [3.4028234663852886e38, "float"] : [Number.MAX_VALUE, "double"];
  for (const [v, name] of [
    [from, "from"],
    [to, "to"],
  ] as const) {
    if (!(v >= -max && v <= max)) throw new ArgumentError(`${name} is out of bounds for ${c}`);
  }
  if (from > to) throw new ArgumentError(`uniform_ expects to return a [from, to) range, but found from=${from} > to=${to}`);
  if (to - from > max) {
    const t = dtype === "float32" ? "Float" : "Double";
    throw new ArgumentError(
      `uniform_ expects to-from <= std::numeric_limits<${t}>::max(), but found to=${to} and from=${from} which result in to-from to exceed the limit`,
    );
  }
}

/** PyTorch's check of normal_'s standard deviation. */
export function checkNormalStd(std: number): void {
  if (!(std >= 0)) throw new ArgumentError(`normal expects std >= 0.0, but found std ${Number.isNaN(std) ? "nan" : std}`);
}

/** The default generator, used when no generator is passed. */
export const defaultGenerator = new Generator();

/** Each device's default generator (made on first use with the CPU's seed: the last `manualSeed`'s, or PyTorch's default). */
const deviceGenerators = new Map<Device, Generator>([["cpu", defaultGenerator]]);

/** @internal the default generator of `device`. */
export function defaultGeneratorOf(device: Device): Generator {
  let g = deviceGenerators.get(device);
  if (g === undefined) {
    g = new Generator({ device }).manualSeed(defaultGenerator.initialSeed());
    deviceGenerators.set(device, g);
  }
  return g;
}

/** @internal the states of every default generator (torch.utils.checkpoint replays random ops with them). */
export function defaultStates(): Map<Generator, GeneratorState> {
  return new Map(readyDevices().map((d) => [defaultGeneratorOf(d), defaultGeneratorOf(d)._state()]));
}

/** @internal puts back the states `defaultStates` gave. */
export function setDefaultStates(states: Map<Generator, GeneratorState>): void {
  for (const [g, s] of states) g._setState(s);
}

/** The options of functions whose only keyword argument is the generator (`uniform_`, `normal_`, the nn.init fills). */
export interface GeneratorOptions {
  /** Generator to draw from (default: the global one seeded by manualSeed). */
  generator?: Generator | null;
}

export const GENERATOR_KEYS: OptionKeys<GeneratorOptions> = { generator: true };

/**
 * The generator a `generator` option names for a draw on `device` (that
 * device's default one for null or undefined), or an error naming `op`:
 * not a Generator, or one of another device (PyTorch's message).
 */
export function generatorOption(g: unknown, op: string, device: Device = "cpu"): Generator {
  if (g === undefined || g === null) return defaultGeneratorOf(device);
  if (!(g instanceof Generator)) throw new ArgumentError(`${op}(): option 'generator' must be a torch.Generator, got ${describeValue(g)}`);
  if (g.device !== device) throw new DeviceError(`${op}(): Expected a '${device}' device type for generator but found '${g.device}'`);
  return g;
}

/**
 * Seeds the default generator of every device, as `torch.manual_seed`;
 * afterwards `rand`, `randn`, `randint`, `randperm` on the CPU give
 * PyTorch's values for that seed (a device's draws are its own stream).
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * console.log(torch.rand(3)); // tensor([0.4963, 0.7682, 0.0885])
 * ```
 */
export function manualSeed(seed: number): Generator {
  for (const g of deviceGenerators.values()) g.manualSeed(seed);
  return defaultGenerator;
}

/** The seed of the default generator. */
export function initialSeed(): number {
  return defaultGenerator.initialSeed();
}
