/**
 * More float32 math for the WebGPU kernels, in WGSL (see wgsl_math.ts for
 * the approach and the functions these build on): sin, cos and tan with an
 * exact argument reduction, asin, acos, atan and atan2, sinh, cosh and
 * tanh, erf, erfc and the normal distribution, and the pieces of the
 * activations and their derivatives. Pass `SPECIAL` to `withMath`.
 */

import { f32Bits } from "./wgsl_math.js";

const PI = f32Bits(Math.PI);
const HALF_PI = f32Bits(Math.PI / 2);

/** 2/pi's bits after the binary point, 32 a word, after a word of zeros (so a window may start before the point). */
const TWO_OVER_PI = [0, 0xa2f9836e, 0x4e441529, 0xfc2757d1, 0xf534ddc0, 0xdb629599, 0x3c439041, 0xfe5163ab, 0xdebbc561];

/** Each function's WGSL, by name. */
export const SPECIAL: Readonly<Record<string, string>> = {
  sinhf: `
// sinh from expm1 (no cancellation near 0); past e^x's overflow, (e^(x/2) / 2) e^(x/2).
fn sinhf(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  let a = absf(x);
  var r: f32;
  if (a < 22.0) {
    let t = expm1f(a);
    r = select(0.5 * (t + t / (t + 1.0)), 0.5 * (2.0 * t - t * t / (t + 1.0)), a < 1.0);
  } else if (a < 88.0) {
    r = 0.5 * expf(a);
  } else {
    let w = expf(0.5 * a);
    r = (0.5 * w) * w;
  }
  return copySign(r, x);
}`,

  coshf: `
fn coshf(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  let a = absf(x);
  if (a < 0.3465736) { let t = expm1f(a); let w = 1.0 + t; return 1.0 + (t * t) / (w + w); }
  if (a < 22.0) { let t = expf(a); return 0.5 * t + 0.5 / t; }
  if (a < 88.0) { return 0.5 * expf(a); }
  let w = expf(0.5 * a);
  return (0.5 * w) * w;
}`,

  tanhf: `
// tanh from expm1(-2|x|) (no cancellation near 0, no overflow).
fn tanhf(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  let a = absf(x);
  if (a > 22.0) { return copySign(1.0, x); }
  var r: f32;
  if (a >= 1.0) { let t = expm1f(2.0 * a); r = 1.0 - 2.0 / (t + 2.0); }
  else { let t = expm1f(-2.0 * a); r = -t / (t + 2.0); }
  return copySign(r, x);
}`,

  mul64: `
// The 64-bit product of two u32s as (low word, high word), from 16-bit halves.
fn mul64(a: u32, b: u32) -> vec2<u32> {
  let al = a & 0xffffu; let ah = a >> 16u;
  let bl = b & 0xffffu; let bh = b >> 16u;
  let mid = al * bh + ah * bl;
  let carryMid = select(0u, 0x10000u, mid < al * bh);
  let lo = al * bl + (mid << 16u);
  let carryLo = select(0u, 1u, lo < al * bl);
  return vec2<u32>(lo, ah * bh + (mid >> 16u) + carryMid + carryLo);
}`,

  reduceHalfPi: `
var<private> TWO_OVER_PI: array<u32, ${TWO_OVER_PI.length}> = array<u32, ${TWO_OVER_PI.length}>(${TWO_OVER_PI.map((w) => `0x${w.toString(16)}u`).join(", ")});
// The 32 bits of 2/pi at bit p of TWO_OVER_PI (the table read as one big number).
fn twoOverPiAt(p: u32) -> u32 {
  let j = p / 32u;
  let s = p % 32u;
  if (s == 0u) { return TWO_OVER_PI[j]; }
  return (TWO_OVER_PI[j] << s) | (TWO_OVER_PI[j + 1u] >> (32u - s));
}
// a = q pi/2 + r for finite a >= 0, returning (hi, lo, q mod 4) with r = hi + lo, |r| <= pi/4 (Payne and
// Hanek's reduction in integers: exact whatever a's size). a = M 2^E with M a 24-bit integer; bits of 2/pi
// before b_{E-1} only add multiples of 4 to a 2/pi, so a 2/pi mod 4 = M W 2^-94 mod 4 with W the 96 bits
// b_{E-1} .. b_{E+94}: the low 96 bits of the product M W hold q (2 bits) and the fraction (94 bits).
fn reduceHalfPi(a: f32) -> vec3<f32> {
  if (a < 0.7853982) { return vec3<f32>(a, 0.0, 0.0); }
  let b = bitcast<u32>(a);
  let m = (b & 0x007fffffu) | 0x00800000u;
  let start = u32(i32(b >> 23u) - 150 - 2 + 32);
  let p2 = mul64(m, twoOverPiAt(start + 64u));
  let p1 = mul64(m, twoOverPiAt(start + 32u));
  let w1 = p2.y + p1.x;
  let w2 = p1.y + m * twoOverPiAt(start) + select(0u, 1u, w1 < p2.y);
  var q = w2 >> 30u;
  // The fraction's top 64 bits, as a signed fixed-point number in [-1/2, 1/2) (q rounded to nearest).
  var hi = (w2 << 2u) | (w1 >> 30u);
  var lo = (w1 << 2u) | (p2.x >> 30u);
  let negative = (hi >> 31u) != 0u;
  if (negative) { q = q + 1u; hi = ~hi; lo = ~lo + 1u; if (lo == 0u) { hi = hi + 1u; } }
  // |fraction| = (hi 2^32 + lo) 2^-64, normalised so hi's top bit is set, as a float-float.
  var shift = 0;
  if (hi == 0u) { hi = lo; lo = 0u; shift = 32; }
  let z = countLeadingZeros(hi);
  if (z > 0u && z < 32u) { hi = (hi << z) | (lo >> (32u - z)); lo = lo << z; }
  let base = -shift - i32(z);
  let fh = scalef(f32(hi >> 8u), base - 24);
  let fl = scalef(f32(hi & 0xffu) + f32(lo >> 8u) * 5.9604645e-8, base - 32);
  // r = fraction pi/2, pi/2 = ${Math.PI / 2} as a float-float.
  let r = mulFF(vec2<f32>(fh, fl), vec2<f32>(${HALF_PI}, ${f32Bits(Math.PI / 2 - Math.fround(Math.PI / 2))}));
  let sign = select(1.0, -1.0, negative);
  return vec3<f32>(sign * r.x, sign * r.y, f32(q & 3u));
}`,

  sincosr: `
// sin and cos of r = hi + lo, |r| <= pi/4 (Cephes' polynomials; lo enters to first order).
fn sinr(hi: f32, lo: f32) -> f32 {
  let z = hi * hi;
  return hi + (lo * (1.0 - 0.5 * z) + hi * z * ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1));
}
fn cosr(hi: f32, lo: f32) -> f32 {
  let z = hi * hi;
  let y = z * z * ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2);
  return 1.0 - (0.5 * z - (y - hi * lo));
}`,

  sinf: `
fn sinf(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  if (isInf(x)) { return nanf(); }
  let r = reduceHalfPi(absf(x));
  let q = u32(r.z);
  let v = select(sinr(r.x, r.y), cosr(r.x, r.y), (q & 1u) == 1u);
  return copySign(1.0, x) * select(v, -v, q >= 2u);
}`,

  cosf: `
fn cosf(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  if (isInf(x)) { return nanf(); }
  let r = reduceHalfPi(absf(x));
  let q = u32(r.z);
  let v = select(cosr(r.x, r.y), sinr(r.x, r.y), (q & 1u) == 1u);
  return select(v, -v, q == 1u || q == 2u);
}`,

  tanf: `
// tan(r) by Cephes' polynomial; an odd quadrant is -1 / tan(r).
fn tanf(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  if (isInf(x)) { return nanf(); }
  let r = reduceHalfPi(absf(x));
  let h = r.x;
  let z = h * h;
  let p = (((((9.38540185543e-3 * z + 3.11992232697e-3) * z + 2.44301354525e-2) * z + 5.34112807005e-2) * z + 1.33387994085e-1) * z + 3.33331568548e-1) * z * h;
  let t = h + (r.y * (1.0 + h * h) + p);
  let v = select(t, -1.0 / t, (u32(r.z) & 1u) == 1u);
  return copySign(1.0, x) * v;
}`,

  asinf: `
// Cephes' asinf: the polynomial on [0, 1/2]; past it, asin(a) = pi/2 - 2 asin(sqrt((1 - a) / 2)).
fn asinPos(a: f32) -> f32 {
  var x = a;
  var z = a * a;
  let big = a > 0.5;
  if (big) { z = 0.5 * (1.0 - a); x = sqrt(z); }
  let p = ((((4.2163199048e-2 * z + 2.4181311049e-2) * z + 4.5470025998e-2) * z + 7.4953002686e-2) * z + 1.6666752422e-1) * z * x + x;
  return select(p, ${HALF_PI} - (p + p), big);
}
fn asinf(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  if (absf(x) > 1.0) { return nanf(); }
  return copySign(asinPos(absf(x)), x);
}
// acos(x) = pi/2 - asin(x) on [-1/2, 1/2]; 2 asin(sqrt((1 - x) / 2)) above; pi - 2 asin(sqrt((1 + x) / 2)) below.
fn acosf(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  if (absf(x) > 1.0) { return nanf(); }
  if (x > 0.5) { return 2.0 * asinPos(sqrt(0.5 * (1.0 - x))); }
  if (x < -0.5) { return ${PI} - 2.0 * asinPos(sqrt(0.5 * (1.0 + x))); }
  return ${HALF_PI} - asinf(x);
}`,

  atanf: `
// Cephes' atanf for a >= 0: reduced by tan(pi/8) and tan(3pi/8).
fn atanPos(a: f32) -> f32 {
  var x = a;
  var y = 0.0;
  if (a > 2.4142137) { y = ${HALF_PI}; x = -1.0 / a; }
  else if (a > 0.41421357) { y = ${f32Bits(Math.PI / 4)}; x = (a - 1.0) / (a + 1.0); }
  let z = x * x;
  return y + ((((8.05374449538e-2 * z - 1.38776856032e-1) * z + 1.99777106478e-1) * z - 3.33329491539e-1) * z * x + x);
}
fn atanf(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  return copySign(atanPos(absf(x)), x);
}
// atan2 with C's (and JavaScript's) signed zeros and infinities.
fn atan2f(y0: f32, x0: f32) -> f32 {
  if (isNan(x0) || isNan(y0)) { return x0 + y0; }
  let x = flushf(x0);
  let y = flushf(y0);
  let left = signBit(x);
  var r: f32;
  if (isInf(x) && isInf(y)) { r = select(${f32Bits(Math.PI / 4)}, ${f32Bits((3 * Math.PI) / 4)}, left); }
  else if (isInf(x) || isZero(y)) { r = select(0.0, ${PI}, left); }
  else if (isInf(y) || isZero(x)) { r = ${HALF_PI}; }
  else { let a = atanPos(absf(y) / absf(x)); r = select(a, ${PI} - a, left); }
  return copySign(r, y);
}`,

  erff: `
// erf(x) = x P(x^2) for |x| <= 1; erfc(a) = e^(-a^2) G(t) / (1 + 2a), t = (a - 2) / (a + 2), for a >= 1/2 (G:
// erfcx(a) (1 + 2a), a smooth function of t). Both polynomials are minimax fits of relative error 3e-11
// and 5e-10. e^(-a^2) = e^(-m^2 - (a - m)(a + m)) with m = a rounded to 1/64 (m^2 exact), so a^2 is never rounded.
fn erfSmall(x: f32) -> f32 {
  let z = x * x;
  return x * (((((((-9.6415048429e-6 * z + 1.1256943940e-4) * z - 8.4828282940e-4) * z + 5.2209453948e-3) * z - 2.6865400029e-2) * z + 1.1283781974e-1) * z - 3.7612638435e-1) * z + 1.1283791671);
}
fn expmx2(a: f32) -> f32 {
  let m = floor(a * 64.0 + 0.5) * 0.015625;
  return expSum(-m * m, -(a - m) * (a + m));
}
// erfc(a + al) for a >= 1/2 and a tiny al: erfc(a) - 2/sqrt(pi) e^(-a^2) al (0 past a = 10.1, in float32).
fn erfcPos(a: f32, al: f32) -> f32 {
  if (a > 10.1) { return 0.0; }
  let t = (a - 2.0) / (a + 2.0);
  let g = (((((((((2.3131491555e-4 * t - 3.2075276168e-4) * t - 1.4824764319e-3) * t + 1.2232053207e-3) * t + 8.7310025424e-3) * t - 8.0261279500e-3) * t - 5.4221064480e-2) * t + 1.6405074058e-1) * t - 1.6603035164e-1) * t - 9.2763816082e-2) * t + 1.2769783812;
  return expmx2(a) * (g / (1.0 + 2.0 * a) - 1.1283792 * al);
}
// erfc(z + zl), z + zl a float-float.
fn erfcFF(z: f32, zl: f32) -> f32 {
  if (isNan(z)) { return z; }
  let a = absf(z);
  if (a < 0.5) { return (1.0 - erfSmall(z)) - 1.1283792 * expmx2(z) * zl; }
  let c = erfcPos(a, select(zl, -zl, z < 0.0));
  return select(c, 2.0 - c, z < 0.0);
}
fn erfcf(x: f32) -> f32 { return erfcFF(x, 0.0); }
fn erff(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  let a = absf(x);
  if (a <= 1.0) { return erfSmall(x); }
  return copySign(1.0 - erfcPos(a, 0.0), x);
}`,

  phif: `
// The normal distribution's cdf Phi(x) = erfc(-x / sqrt(2)) / 2, with -x / sqrt(2) a float-float.
fn phif(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  if (absf(x) > 1e10) { return select(0.0, 1.0, x > 0.0); }
  let p = twoProd(-x, ${f32Bits(Math.SQRT1_2)});
  return 0.5 * erfcFF(p.x, p.y - x * ${f32Bits(Math.SQRT1_2 - Math.fround(Math.SQRT1_2))});
}
// e^(-x^2 / 2) / sqrt(2 pi), the normal density, with x^2 / 2 never rounded (as in expmx2).
fn normalPdf(x: f32) -> f32 {
  if (absf(x) > 40.0) { return 0.0; }
  let m = floor(x * 64.0 + 0.5) * 0.015625;
  return 0.3989423 * expSum(-0.5 * m * m, -0.5 * (x - m) * (x + m));
}`,

  activations: `
// min(max(x, lo), hi) as std::max/min compare (PyTorch's): NaN bounds never bind, -0 stays, lo > hi gives hi.
fn clampf(x: f32, lo: f32, hi: f32) -> f32 { let r = select(x, lo, x < lo); return select(r, hi, hi < r); }
// JavaScript's Math.max/min (NaN is the caller's): +0 above -0.
fn maxf(a: f32, b: f32) -> f32 { return select(b, a, a > b || (a == b && !signBit(a))); }
fn minf(a: f32, b: f32) -> f32 { return select(b, a, a < b || (a == b && signBit(a))); }
// a + alpha b rounded once, alpha = ah + al (a float64 parameter as a float-float), as the reference adds in
// float64 and PyTorch with a fused multiply-add: ah b exact by Dekker, a + ah b by Knuth, computed 2^-64
// smaller where b or the product is huge and 2^64 larger where the product is tiny (no overflow, no flush).
fn addScaled(a: f32, b: f32, ah: f32, al: f32) -> f32 {
  let p = ah * b;
  if (isNan(p) || isInf(b) || isInf(ah) || isZero(ah) || absf(ah) > 1e30) { return a + p; }
  if (isInf(a)) { return a; }
  var k = 1.0;
  if (absf(b) > 1e30 || absf(p) > 1e30) { k = ${f32Bits(2 ** -64)}; }
  else if (absf(p) < 1e-30 && absf(a) < 1e-20) { k = ${f32Bits(2 ** 64)}; }
  let bk = b * k;
  let e = twoProd(ah, bk);
  let s = twoSum(a * k, e.x);
  let u = twoSum(s.y, e.y + al * bk);
  // u.x rounded to odd (moved toward u.y off an even last bit), so s.x + u.x rounds once, ties included.
  var v = u.x;
  if (!isZero(u.y) && (bitcast<u32>(v) & 1u) == 0u) {
    v = bitcast<f32>(select(bitcast<u32>(v) - 1u, bitcast<u32>(v) + 1u, signBit(u.y) == signBit(v)));
  }
  return select(s.x + v, s.x, isZero(v)) / k;
}
// c e^x for x in [-170, -87] scaled by 2^n only at the end (e^x alone would be subnormal, and flushed).
fn mulExp(c: f32, x: f32) -> f32 {
  // An infinite c stays infinite until e^x underflows float64 (the reference's arithmetic).
  if (isInf(c) && x < -87.0) { return select(c, nanf(), x < -745.1332); }
  if (isNan(x) || x > -87.0 || x < -170.0) { return c * expf(x); }
  let n = floor(x * 1.442695 + 0.5);
  let r = (x - n * 0.693359375) + n * 2.1219444e-4;
  let m = 1.0 + expm1r(r);
  // A large c is scaled first (c m could overflow), a small one last (c 2^n could underflow).
  if (absf(c) > 1.0) { return scalef(c, i32(n)) * m; }
  return scalef(c * m, i32(n));
}
// g sigmoid(z), with no inf * 0 where g is infinite and e^-z overflows.
fn gSigmoid(g: f32, z: f32) -> f32 {
  if (z >= 0.0) { return g / (1.0 + expf(-z)); }
  return mulExp(g, z) / (1.0 + expf(z));
}
// x log(y), 0 where x is 0 (flushed: a subnormal x is 0 here as in the product).
fn xlogyf(x: f32, y: f32) -> f32 { let a = flushf(x); return select(a * logf(y), 0.0, isZero(a)); }
// softplus: x past threshold / beta, else log(1 + e^(beta x)) / beta; its derivative is sigmoid(beta x) there.
fn softplusf(x: f32, beta: f32, threshold: f32) -> f32 { let z = x * beta; return select(log1pexpf(z) / beta, x, z > threshold); }
fn softplusGrad(g: f32, x: f32, beta: f32, threshold: f32) -> f32 { let z = x * beta; return select(gSigmoid(g, z), g, z > threshold); }
// gelu's tanh approximation x (1 + tanh(u)) / 2 = x / (1 + e^(-2u)), u = k (x + c x^3), k = sqrt(2/pi),
// c = 0.044715: -2u as a float-float (its rounding would cost |2u| ulp), e^(hi + lo) = e^hi (1 + lo); past
// |x| = 10^10 the plain formula's 0, x or NaN.
fn geluTanhArg(x: f32) -> vec2<f32> {
  let x3 = mulFF(vec2<f32>(x, 0.0), twoProd(x, x));
  let cx3 = mulFF(vec2<f32>(${f32Bits(0.044715)}, ${f32Bits(0.044715 - Math.fround(0.044715))}), x3);
  let v = twoSum(x, cx3.x);
  return mulFF(vec2<f32>(${f32Bits(-2 * Math.sqrt(2 / Math.PI))}, ${f32Bits(-2 * Math.sqrt(2 / Math.PI) - Math.fround(-2 * Math.sqrt(2 / Math.PI)))}), vec2<f32>(v.x, v.y + cx3.y));
}
fn expFF(t: vec2<f32>) -> f32 { return expf(t.x) * (1.0 + select(t.y, 0.0, absf(t.x) > 128.0)); }
fn geluTanhf(x: f32) -> f32 {
  if (absf(x) > 1e10) { return x / (1.0 + expf(-1.5957692 * (x + 0.044715 * x * x * x))); }
  return x / (1.0 + expFF(geluTanhArg(x)));
}
// Its derivative: s + 2 x s (1 - s) u', s = sigmoid(2u) = (1 + tanh u) / 2, with s and 1 - s each from its
// own exponential (no cancellation).
fn geluTanhGrad(g: f32, x: f32) -> f32 {
  if (isInf(x)) { return nanf(); }
  if (absf(x) > 1e10) { return select(g * copySign(0.0, x), g, x > 0.0); }
  let t = geluTanhArg(x);
  let s = 1.0 / (1.0 + expFF(t));
  let r = 1.0 / (1.0 + expFF(-t));
  return g * (s + 2.0 * x * s * r * 0.7978846 * (1.0 + 0.134145 * x * x));
}`,
};
