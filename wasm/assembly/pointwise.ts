// Pointwise float32 kernels over contiguous arrays: out[i] = f(x[i]) or f(a[i], b[i]).
//
// exp, log and tanh are Cephes-style float32 approximations evaluated in f32x4;
// sin and cos reduce the argument and evaluate musl's kernels in f64x2 (the
// reduction needs more than float precision), then round once to float32.
// Arguments too large for the fast reduction (|x| >= 2^28 pi/2) fall back
// lane by lane to the host's Math.sin / Math.cos. wasm/bench.ts measures the
// errors against float64 Math.* (figures in the header of src/backend/wasm/pointwise.ts).

// @ts-ignore: decorator
@external("env", "sin")
declare function hostSin(x: f64): f64;
// @ts-ignore: decorator
@external("env", "cos")
declare function hostCos(x: f64): f64;

// ---------------------------------------------------------------- binary

export function vadd(a: usize, b: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(a + o) + load<f32>(b + o));
  }
}

export function vsub(a: usize, b: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.sub(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(a + o) - load<f32>(b + o));
  }
}

export function vmul(a: usize, b: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(a + o) * load<f32>(b + o));
  }
}

// ---------------------------------------------------------------- helpers

// @ts-ignore: decorator
@inline
function f4(x: f32): v128 {
  return f32x4.splat(x);
}

// @ts-ignore: decorator
@inline
function i4(x: i32): v128 {
  return i32x4.splat(x);
}

// @ts-ignore: decorator
@inline
function d2(x: f64): v128 {
  return f64x2.splat(x);
}

/** Loads the first `r` (1..3) floats at `p` into a zeroed vector. */
// @ts-ignore: decorator
@inline
function loadTail(p: usize, r: i32): v128 {
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (r > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (r > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Stores the first `r` (1..3) lanes of `v` at `p`. */
// @ts-ignore: decorator
@inline
function storeTail(p: usize, v: v128, r: i32): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (r > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (r > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

// ---------------------------------------------------------------- exp

// @ts-ignore: decorator
@inline
function expv(x: v128): v128 {
  // pmax/pmin keep a NaN in their first operand.
  x = f32x4.pmin(f32x4.pmax(x, f4(-104.0)), f4(89.0));
  const fx = f32x4.nearest(f32x4.mul(x, f4(1.44269504088896341)));
  // r = x - fx ln2, with ln2 split so that fx * 0.693359375 is exact.
  let r = f32x4.sub(x, f32x4.mul(fx, f4(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(fx, f4(-2.12194440e-4)));
  let p = f32x4.add(f32x4.mul(f4(1.9875691500e-4), r), f4(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f4(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f4(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f4(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f4(5.0000001201e-1));
  const y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f4(1.0));
  // 2^n as two normal factors so that overflow and gradual underflow round once.
  const n = i32x4.trunc_sat_f32x4_s(fx);
  const n1 = i32x4.shr_s(n, 1);
  const n2 = i32x4.sub(n, n1);
  const s1 = i32x4.shl(i32x4.add(n1, i4(127)), 23);
  const s2 = i32x4.shl(i32x4.add(n2, i4(127)), 23);
  return f32x4.mul(f32x4.mul(y, s1), s2);
}

export function vexp(x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, expv(v128.load(x + o)));
  }
  if (i < n) {
    const o = <usize>i << 2;
    storeTail(out + o, expv(loadTail(x + o, n - i)), n - i);
  }
}

// ---------------------------------------------------------------- log

// @ts-ignore: decorator
@inline
function logv(x: v128): v128 {
  const one = f4(1.0);
  // Subnormals: scale by 2^23 first.
  const sub = f32x4.lt(x, f4(1.17549435e-38));
  const xs = v128.bitselect(f32x4.mul(x, f4(8388608.0)), x, sub);
  let e = i32x4.sub(i32x4.shr_u(xs, 23), i4(126));
  e = i32x4.sub(e, v128.and(sub, i4(23)));
  // Mantissa in [0.5, 1); below sqrt(1/2) use 2m - 1 and e - 1.
  let m = v128.or(v128.and(xs, i4(0x007fffff)), i4(0x3f000000));
  const small = f32x4.lt(m, f4(0.707106781186547524));
  e = i32x4.add(e, small);
  m = f32x4.add(f32x4.sub(m, one), v128.and(m, small));
  const ef = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(m, m);
  let p = f32x4.add(f32x4.mul(f4(7.0376836292e-2), m), f4(-1.1514610310e-1));
  p = f32x4.add(f32x4.mul(p, m), f4(1.1676998740e-1));
  p = f32x4.add(f32x4.mul(p, m), f4(-1.2420140846e-1));
  p = f32x4.add(f32x4.mul(p, m), f4(1.4249322787e-1));
  p = f32x4.add(f32x4.mul(p, m), f4(-1.6668057665e-1));
  p = f32x4.add(f32x4.mul(p, m), f4(2.0000714765e-1));
  p = f32x4.add(f32x4.mul(p, m), f4(-2.4999993993e-1));
  p = f32x4.add(f32x4.mul(p, m), f4(3.3333331174e-1));
  let y = f32x4.mul(f32x4.mul(p, m), z);
  y = f32x4.add(y, f32x4.mul(ef, f4(-2.12194440e-4)));
  y = f32x4.sub(y, f32x4.mul(z, f4(0.5)));
  let r = f32x4.add(m, y);
  r = f32x4.add(r, f32x4.mul(ef, f4(0.693359375)));
  // log(+inf) = +inf, log(0) = -inf, log(x < 0) = log(NaN) = NaN.
  r = v128.bitselect(f4(Infinity), r, f32x4.eq(x, f4(Infinity)));
  r = v128.bitselect(f4(-Infinity), r, f32x4.eq(x, f4(0)));
  return v128.bitselect(f4(NaN), r, v128.or(f32x4.lt(x, f4(0)), f32x4.ne(x, x)));
}

export function vlog(x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, logv(v128.load(x + o)));
  }
  if (i < n) {
    const o = <usize>i << 2;
    storeTail(out + o, logv(loadTail(x + o, n - i)), n - i);
  }
}

// ---------------------------------------------------------------- tanh

// @ts-ignore: decorator
@inline
function tanhv(x: v128): v128 {
  const ax = f32x4.abs(x);
  // |x| < 0.625: x + x z P(z), z = x^2.
  const z = f32x4.mul(x, x);
  let p = f32x4.add(f32x4.mul(f4(-5.70498872745e-3), z), f4(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), f4(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), f4(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), f4(-3.33332819422e-1));
  const lo = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  // Otherwise 1 - 2 / (exp(2|x|) + 1) with x's sign.
  const e = expv(f32x4.add(ax, ax));
  let hi = f32x4.sub(f4(1.0), f32x4.div(f4(2.0), f32x4.add(e, f4(1.0))));
  hi = v128.or(hi, v128.and(x, i4(0x80000000)));
  return v128.bitselect(lo, hi, f32x4.lt(ax, f4(0.625)));
}

export function vtanh(x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, tanhv(v128.load(x + o)));
  }
  if (i < n) {
    const o = <usize>i << 2;
    storeTail(out + o, tanhv(loadTail(x + o, n - i)), n - i);
  }
}

// ---------------------------------------------------------------- gelu

// erfc(z) for z >= 0: Numerical Recipes' Chebyshev fit (erfcc), fractional error below 1.2e-7,
// evaluated in float64 so float32 results are within 2.5 ulp of the exact value.
// @ts-ignore: decorator
@inline
function erfcPos(z: f64): f64 {
  const t = 1.0 / (1.0 + 0.5 * z);
  const p =
    -1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * Math.exp(-z * z + p);
}

// Phi(x), the standard normal distribution function: erfc(-x / sqrt 2) / 2 (NaN stays NaN).
// @ts-ignore: decorator
@inline
function normalCdf(x: f64): f64 {
  const z = x * 0.7071067811865476;
  return z >= 0 ? 1.0 - 0.5 * erfcPos(z) : 0.5 * erfcPos(-z);
}

// gelu(x) = x Phi(x).
export function vgelu(x: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const v = <f64>load<f32>(x + o);
    store<f32>(out + o, <f32>(v * normalCdf(v)));
  }
}

// gelu'(x) g = (Phi(x) + x phi(x)) g, phi the standard normal density.
export function vgeluBackward(g: usize, x: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const v = <f64>load<f32>(x + o);
    const d = normalCdf(v) + v * Math.exp(-0.5 * v * v) * 0.3989422804014327;
    store<f32>(out + o, <f32>(<f64>load<f32>(g + o) * d));
  }
}

// ---------------------------------------------------------------- sin, cos

/** sin or cos of two float64 lanes whose |x| < 2^28 pi/2 (musl's __rem_pio2f, __sindf, __cosdf). */
// @ts-ignore: decorator
@inline
function sincos2(x: v128, cosine: bool): v128 {
  const fn = f64x2.nearest(f64x2.mul(x, d2(6.36619772367581382433e-1)));
  // pi/2 = pio2_1 (33 bits, so fn * pio2_1 is exact) + pio2_1t.
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(fn, d2(1.57079631090164184570))), f64x2.mul(fn, d2(1.58932547735281966916e-8)));
  let q = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(fn));
  if (cosine) q = i64x2.add(q, i64x2.splat(1));
  const z = f64x2.mul(r, r);
  const w = f64x2.mul(z, z);
  // sin(r) = (r + s (S1 + z S2)) + s w (S3 + z S4), s = z r.
  const s = f64x2.mul(z, r);
  const sr = f64x2.add(d2(-1.98393348360966317347e-4), f64x2.mul(z, d2(2.71831149398982190640e-6)));
  const sn = f64x2.add(
    f64x2.add(r, f64x2.mul(s, f64x2.add(d2(-1.66666666416265235595e-1), f64x2.mul(z, d2(8.3333293858894631756e-3))))),
    f64x2.mul(f64x2.mul(s, w), sr),
  );
  // cos(r) = ((1 + z C0) + w C1) + w z (C2 + z C3).
  const cr = f64x2.add(d2(-1.38867637746099294692e-3), f64x2.mul(z, d2(2.43904487962774090654e-5)));
  const cs = f64x2.add(
    f64x2.add(f64x2.add(d2(1.0), f64x2.mul(z, d2(-4.99999997251031003120e-1))), f64x2.mul(w, d2(4.16666233237390631894e-2))),
    f64x2.mul(f64x2.mul(w, z), cr),
  );
  // Quadrant q: odd swaps sin/cos, bit 1 flips the sign.
  const swap = i64x2.shr_s(i64x2.shl(q, 63), 63);
  const sign = i64x2.shl(v128.and(q, i64x2.splat(2)), 62);
  return v128.xor(v128.bitselect(cs, sn, swap), sign);
}

/** sin or cos of four float32 lanes. */
// @ts-ignore: decorator
@inline
function sincos4(x: v128, cosine: bool): v128 {
  const lo = sincos2(f64x2.promote_low_f32x4(x), cosine);
  const hi = sincos2(f64x2.promote_low_f32x4(v128.shuffle<i64>(x, x, 1, 1)), cosine);
  let r = v128.shuffle<i64>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 2);
  // Finite lanes too large for the fast reduction go to the host.
  const ax = f32x4.abs(x);
  const big = v128.and(f32x4.ge(ax, f4(4.2e8)), f32x4.ne(ax, f4(Infinity)));
  if (v128.any_true(big)) r = hostLanes(x, r, big, cosine);
  return r;
}

// Keeps this rare path out of line.
function hostLanes(x: v128, r: v128, big: v128, cosine: bool): v128 {
  if (i32x4.extract_lane(big, 0)) r = f32x4.replace_lane(r, 0, <f32>host(<f64>f32x4.extract_lane(x, 0), cosine));
  if (i32x4.extract_lane(big, 1)) r = f32x4.replace_lane(r, 1, <f32>host(<f64>f32x4.extract_lane(x, 1), cosine));
  if (i32x4.extract_lane(big, 2)) r = f32x4.replace_lane(r, 2, <f32>host(<f64>f32x4.extract_lane(x, 2), cosine));
  if (i32x4.extract_lane(big, 3)) r = f32x4.replace_lane(r, 3, <f32>host(<f64>f32x4.extract_lane(x, 3), cosine));
  return r;
}

function host(x: f64, cosine: bool): f64 {
  return cosine ? hostCos(x) : hostSin(x);
}

export function vsin(x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, sincos4(v128.load(x + o), false));
  }
  if (i < n) {
    const o = <usize>i << 2;
    storeTail(out + o, sincos4(loadTail(x + o, n - i), false), n - i);
  }
}

export function vcos(x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, sincos4(v128.load(x + o), true));
  }
  if (i < n) {
    const o = <usize>i << 2;
    storeTail(out + o, sincos4(loadTail(x + o, n - i), true), n - i);
  }
}

// ---------------------------------------------------------------- more binary ops

export function vdiv(a: usize, b: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.div(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(a + o) / load<f32>(b + o));
  }
}

/** out = a + alpha b (the product rounded to float32, then the sum). */
export function vaxpy(a: usize, b: usize, out: usize, n: i32, alpha: f32): void {
  const al = f4(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.add(v128.load(a + o), f32x4.mul(al, v128.load(b + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(a + o) + alpha * load<f32>(b + o));
  }
}

// Tensor-scalar ops: 0 x + s, 1 x - s, 2 s - x, 3 x * s, 4 x / s, 5 s / x.
// @ts-ignore: decorator
@inline
function scalarOp(v: v128, s: v128, op: i32): v128 {
  if (op == 0) return f32x4.add(v, s);
  if (op == 1) return f32x4.sub(v, s);
  if (op == 2) return f32x4.sub(s, v);
  if (op == 3) return f32x4.mul(v, s);
  if (op == 4) return f32x4.div(v, s);
  return f32x4.div(s, v);
}

// @ts-ignore: decorator
@inline
function scalarLoop(x: usize, out: usize, n: i32, s: f32, op: i32): void {
  const sv = f4(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, scalarOp(v128.load(x + o), sv, op));
  }
  if (i < n) {
    const o = <usize>i << 2;
    storeTail(out + o, scalarOp(loadTail(x + o, n - i), sv, op), n - i);
  }
}

export function vscalar(x: usize, out: usize, n: i32, s: f32, op: i32): void {
  // One loop per op, so the op is not tested per element.
  if (op == 0) scalarLoop(x, out, n, s, 0);
  else if (op == 1) scalarLoop(x, out, n, s, 1);
  else if (op == 2) scalarLoop(x, out, n, s, 2);
  else if (op == 3) scalarLoop(x, out, n, s, 3);
  else if (op == 4) scalarLoop(x, out, n, s, 4);
  else scalarLoop(x, out, n, s, 5);
}

// Row r of x (k floats) op the scalar s[r], for rows r < rows: a tensor op a per-row value
// broadcast along its rows (as (x - mean) / std over the last dim). Op codes as vscalar's.
export function vrowscalar(x: usize, s: usize, out: usize, rows: i32, k: i32, op: i32): void {
  const bytes = <usize>k << 2;
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * bytes;
    const v = load<f32>(s + (<usize>r << 2));
    if (op == 0) scalarLoop(x + o, out + o, k, v, 0);
    else if (op == 1) scalarLoop(x + o, out + o, k, v, 1);
    else if (op == 2) scalarLoop(x + o, out + o, k, v, 2);
    else if (op == 3) scalarLoop(x + o, out + o, k, v, 3);
    else if (op == 4) scalarLoop(x + o, out + o, k, v, 4);
    else scalarLoop(x + o, out + o, k, v, 5);
  }
}

// ---------------------------------------------------------------- more unary ops

// 0 neg, 1 abs, 2 sqrt, 3 relu, 4 sigmoid, 5 square, 6 reciprocal, 7 clamp to [lo, hi].
// @ts-ignore: decorator
@inline
function unaryOp(v: v128, op: i32, lo: v128, hi: v128): v128 {
  if (op == 0) return f32x4.neg(v);
  if (op == 1) return f32x4.abs(v);
  if (op == 2) return f32x4.sqrt(v);
  // pmax(v, 0) is v < 0 ? 0 : v, as PyTorch's relu: NaN and -0 stay as they are.
  if (op == 3) return f32x4.pmax(v, f4(0));
  if (op == 4) return f32x4.div(f4(1.0), f32x4.add(f4(1.0), expv(f32x4.neg(v))));
  if (op == 5) return f32x4.mul(v, v);
  // pmin(pmax(v, lo), hi) is std::min(std::max(v, lo), hi), as PyTorch's clamp: NaN and -0 pass through.
  if (op == 7) return f32x4.pmin(f32x4.pmax(v, lo), hi);
  return f32x4.div(f4(1.0), v);
}

// @ts-ignore: decorator
@inline
function unaryLoop(x: usize, out: usize, n: i32, op: i32, p0: f32, p1: f32): void {
  const lo = f4(p0);
  const hi = f4(p1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, unaryOp(v128.load(x + o), op, lo, hi));
  }
  if (i < n) {
    const o = <usize>i << 2;
    storeTail(out + o, unaryOp(loadTail(x + o, n - i), op, lo, hi), n - i);
  }
}

/** out = f(x) for the ops above; p0 and p1 are clamp's bounds (ignored by the others). */
export function vunary(x: usize, out: usize, n: i32, op: i32, p0: f32, p1: f32): void {
  if (op == 0) unaryLoop(x, out, n, 0, p0, p1);
  else if (op == 1) unaryLoop(x, out, n, 1, p0, p1);
  else if (op == 2) unaryLoop(x, out, n, 2, p0, p1);
  else if (op == 3) unaryLoop(x, out, n, 3, p0, p1);
  else if (op == 4) unaryLoop(x, out, n, 4, p0, p1);
  else if (op == 5) unaryLoop(x, out, n, 5, p0, p1);
  else if (op == 7) unaryLoop(x, out, n, 7, p0, p1);
  else unaryLoop(x, out, n, 6, p0, p1);
}

// ---------------------------------------------------------------- backward formulas

// out = f(g, y): 0 threshold backward (y > p ? g : 0), 1 sigmoid backward g y (1 - y), 2 tanh backward g (1 - y^2).
// @ts-ignore: decorator
@inline
function backwardOp(g: v128, y: v128, p: v128, op: i32): v128 {
  if (op == 0) return v128.and(g, f32x4.gt(y, p));
  if (op == 1) return f32x4.mul(f32x4.mul(g, y), f32x4.sub(f4(1.0), y));
  return f32x4.mul(g, f32x4.sub(f4(1.0), f32x4.mul(y, y)));
}

// @ts-ignore: decorator
@inline
function backwardLoop(g: usize, y: usize, out: usize, n: i32, p: f32, op: i32): void {
  const pv = f4(p);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, backwardOp(v128.load(g + o), v128.load(y + o), pv, op));
  }
  if (i < n) {
    const o = <usize>i << 2;
    storeTail(out + o, backwardOp(loadTail(g + o, n - i), loadTail(y + o, n - i), pv, op), n - i);
  }
}

export function vbackward(g: usize, y: usize, out: usize, n: i32, p: f32, op: i32): void {
  if (op == 0) backwardLoop(g, y, out, n, p, 0);
  else if (op == 1) backwardLoop(g, y, out, n, p, 1);
  else backwardLoop(g, y, out, n, p, 2);
}

// ---------------------------------------------------------------- sums (accumulated in float64)

/** Sum of n floats at x, stored as a float64 at out. */
export function vsum(x: usize, n: i32, out: usize): void {
  let a0 = f64x2.splat(0);
  let a1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v));
    a1 = f64x2.add(a1, f64x2.promote_low_f32x4(v128.shuffle<i64>(v, v, 1, 1)));
  }
  const a = f64x2.add(a0, a1);
  let s = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
  for (; i < n; i++) s += <f64>load<f32>(x + (<usize>i << 2));
  store<f64>(out, s);
}

/** out[r] = sum of row r of a rows x cols matrix (rows are contiguous). */
export function vsumRows(x: usize, rows: i32, cols: i32, out: usize, scratch: usize): void {
  for (let r = 0; r < rows; r++) {
    vsum(x + ((<usize>r * <usize>cols) << 2), cols, scratch);
    store<f32>(out + (<usize>r << 2), <f32>load<f64>(scratch));
  }
}

/** out[c] = sum over rows of column c; acc is scratch for cols float64s. */
export function vsumCols(x: usize, rows: i32, cols: i32, out: usize, acc: usize): void {
  memory.fill(acc, 0, <usize>cols << 3);
  for (let r = 0; r < rows; r++) {
    const row = x + ((<usize>r * <usize>cols) << 2);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const v = v128.load(row + (<usize>c << 2));
      const p = acc + (<usize>c << 3);
      v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(v)));
      v128.store(p + 16, f64x2.add(v128.load(p + 16), f64x2.promote_low_f32x4(v128.shuffle<i64>(v, v, 1, 1))));
    }
    for (; c < cols; c++) {
      const p = acc + (<usize>c << 3);
      store<f64>(p, load<f64>(p) + <f64>load<f32>(row + (<usize>c << 2)));
    }
  }
  for (let c = 0; c < cols; c++) store<f32>(out + (<usize>c << 2), <f32>load<f64>(acc + (<usize>c << 3)));
}
