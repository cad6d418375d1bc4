/**
 * The benchmark workloads' data (../shared/bench/common.py's generator,
 * bit for bit: see common.ts), with no Node imports, so that the browser
 * benchmark (bench/browser/page.ts) makes the same inputs.
 */

// ----- the generator ---------------------------------------------------------

const GOLDEN = 0x9e3779b9;

/** lowbias32: a 32-bit integer hash with good avalanche (all arithmetic mod 2^32). */
function hash32(v: number): number {
  let x = v >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

/** `n` float64 values in (0, 1): u(0, seed) ... u(n-1, seed). */
export function uniform(n: number, seed: number): Float64Array {
  const key = Math.imul(seed, GOLDEN) >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (hash32((i ^ key) >>> 0) + 0.5) / 4294967296;
  return out;
}

/** `n` float32 standard normals (Box-Muller on consecutive pairs of uniforms). */
export function randn(n: number, seed: number): Float32Array {
  const u = uniform(2 * n, seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = Math.sqrt(-2 * Math.log(u[2 * i] as number)) * Math.cos(2 * Math.PI * (u[2 * i + 1] as number));
  }
  return out;
}

/** `n` float32 values uniform in (-1, 1). */
export function uniformPm1(n: number, seed: number): Float32Array {
  const u = uniform(n, seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (u[i] as number) * 2 - 1;
  return out;
}

/** `n` integers uniform in [0, high). */
export function randint(n: number, high: number, seed: number): Int32Array {
  const u = uniform(n, seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor((u[i] as number) * high);
  return out;
}

/** W2's data: 100 points around (+1.7, +1.7) labelled 1, then 100 around (-1.7, -1.7) labelled 0. */
export function logregData(): { x: Float32Array; y: Float32Array } {
  const z = randn(400, 21);
  const x = new Float32Array(400);
  // the shift is done in float64, then rounded once to float32 (as common.py does)
  for (let i = 0; i < 400; i++) x[i] = (z[i] as number) + (i < 200 ? 1.7 : -1.7);
  const y = new Float32Array(200);
  y.fill(1, 0, 100);
  return { x, y };
}

/** One layer of W6's MLP: W (row-major [fanIn, fanOut]) and b. */
export interface LayerData {
  w: Float32Array;
  b: Float32Array;
  shape: [number, number];
}

/** W6's parameters: W_l = randn(in, out) / sqrt(in) with seeds 61, 62, 63, and b_l = 0. */
export function mlpParams(): LayerData[] {
  const sizes = [784, 256, 128, 10];
  const layers: LayerData[] = [];
  for (let l = 0; l < 3; l++) {
    const fanIn = sizes[l] as number;
    const fanOut = sizes[l + 1] as number;
    const w = randn(fanIn * fanOut, 61 + l);
    const s = Math.sqrt(fanIn);
    for (let i = 0; i < w.length; i++) w[i] = (w[i] as number) / s;
    layers.push({ w, b: new Float32Array(fanOut), shape: [fanIn, fanOut] });
  }
  return layers;
}
