/**
 * Float32 math for the WebGPU kernels, in WGSL: the exponential and
 * logarithm family, pow, fmod and floor division, integer division and
 * powers, and the float-float arithmetic they are built on; wgsl_special.ts
 * adds the trigonometric, hyperbolic, error and activation functions.
 *
 * The built-in functions are not accurate enough: WGSL lets exp/log be off
 * by 3 + 2|x| ulp and sin/cos by 2^-11 absolute, and SwiftShader's are (log
 * near 1: 10^5 ulp; sin near pi: 2.7 * 10^5 ulp; tanh near 0: 2,300 ulp).
 * These are within 1-3 ulp (test/browser/webgpu_pointwise.test.ts measures
 * them against the reference backend), built from +, -, *, / and sqrt,
 * which WGSL rounds correctly (SwiftShader: within 0.5 ulp), and bit
 * manipulation. Polynomials: Cephes' single-precision ones, Taylor series
 * on a reduced range, and minimax fits where noted.
 *
 * Where an intermediate must carry more than 24 bits (y log2(x) in pow, the
 * reduced argument of sin/cos, x / sqrt(2) in gelu, a + alpha b) it is a
 * float-float: a pair (hi, lo) with hi + lo the value, made exact by
 * Dekker's product and Knuth's sum. Those need each product and sum rounded
 * once, as WGSL has them; a compiler that fused a * b - p would only make
 * them exact sooner, but one that reassociates breaks them: SwiftShader
 * folds (x + c) - c to x when c is a constant, so the exact steps never
 * add a constant to a value and take it off again.
 *
 * GPUs flush subnormals (and may read a subnormal input as 0): a function
 * that tests a value's bits and computes with it reads it one way
 * (`flushf`). WGSL lets compilers assume no NaN, so NaN and infinities are
 * tested by their bits, never by `v != v`; shader constants that are
 * infinite or NaN do not compile, so they come from bits at run time.
 *
 * `withMath(code, extra)` prefixes `code` with the functions it calls.
 */

/** The WGSL literal of the float32 nearest `x`, written as its bits (an exact constant, whatever the compiler's rounding). */
export function f32Bits(x: number): string {
  return `bitcast<f32>(0x${(new Uint32Array(Float32Array.of(x).buffer)[0] as number).toString(16)}u)`;
}

const LN2 = f32Bits(Math.LN2);

/** Each function's WGSL, by name. */
const FUNCTIONS: Record<string, string> = {
  bits: `
var<private> NAN_BITS: u32 = 0x7fc00000u;
var<private> INF_BITS: u32 = 0x7f800000u;
fn nanf() -> f32 { return bitcast<f32>(NAN_BITS); }
fn inff() -> f32 { return bitcast<f32>(INF_BITS); }
fn isNan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }
fn isInf(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) == 0x7f800000u; }
fn isZero(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) == 0u; }
fn signBit(v: f32) -> bool { return (bitcast<u32>(v) >> 31u) != 0u; }
fn absf(v: f32) -> f32 { return bitcast<f32>(bitcast<u32>(v) & 0x7fffffffu); }
fn copySign(m: f32, s: f32) -> f32 { return bitcast<f32>((bitcast<u32>(m) & 0x7fffffffu) | (bitcast<u32>(s) & 0x80000000u)); }
// v with a subnormal flushed to a zero of its sign, as the arithmetic reads it: for functions that test bits
// and compute with the same value (a subnormal must not be "nonzero" to one and 0 to the other).
fn flushf(v: f32) -> f32 { return select(v, copySign(0.0, v), (bitcast<u32>(v) & 0x7f800000u) == 0u); }
// 2^n for n in [-126, 127], and x 2^n for n in [-252, 254] (two exact steps, so x 2^n may be normal when 2^n is not).
fn pow2i(n: i32) -> f32 { return bitcast<f32>(u32(n + 127) << 23u); }
fn scalef(x: f32, n: i32) -> f32 { let h = n / 2; return x * pow2i(h) * pow2i(n - h); }
// x = m 2^e, m in [0.5, 1), for finite x > 0 (a subnormal normalised from its bits): (m, e).
fn frexpPos(x: f32) -> vec2<f32> {
  var b = bitcast<u32>(x);
  var e = i32(b >> 23u) - 126;
  if ((b >> 23u) == 0u) { let s = countLeadingZeros(b) - 8u; b = b << s; e = -125 - i32(s); }
  return vec2<f32>(bitcast<f32>((b & 0x007fffffu) | 0x3f000000u), f32(e));
}`,

  twoProd: `
// a * b = p + e exactly (Dekker; Veltkamp's split into 12-bit halves), |a|, |b| < 2^100.
fn splitf(a: f32) -> vec2<f32> { let t = 4097.0 * a; let hi = t - (t - a); return vec2<f32>(hi, a - hi); }
fn twoProd(a: f32, b: f32) -> vec2<f32> {
  let p = a * b;
  let x = splitf(a);
  let y = splitf(b);
  return vec2<f32>(p, ((x.x * y.x - p) + x.x * y.y + x.y * y.x) + x.y * y.y);
}
// a + b = s + e exactly (Knuth).
fn twoSum(a: f32, b: f32) -> vec2<f32> { let s = a + b; let bb = s - a; return vec2<f32>(s, (a - (s - bb)) + (b - bb)); }
// (a.x + a.y)(b.x + b.y) as a float-float, relative error about 2^-44.
fn mulFF(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let p = twoProd(a.x, b.x);
  return twoSum(p.x, p.y + (a.x * b.y + a.y * b.x));
}`,

  expm1r: `
// e^r - 1 for |r| <= ln(2)/2, Taylor to r^8 (the rest is below 2^-30 relative).
fn expm1r(r: f32) -> f32 {
  let q = 0.5 + r * (1.6666667e-1 + r * (4.1666668e-2 + r * (8.3333338e-3 + r * (1.3888889e-3 + r * (1.9841270e-4 + r * 2.4801587e-5)))));
  return r + r * r * q;
}`,

  expf: `
// e^(a + b) = 2^n (1 + expm1r(r)), a + b = n ln2 + r (Cody and Waite's two-part ln2: a - n 0.693359375 is
// exact when a has few bits, as a float or as x^2 rounded to 1/64 has, so a + b is never rounded).
fn expSum(a: f32, b: f32) -> f32 {
  if (isNan(a + b)) { return a + b; }
  let x = a + b;
  if (x > 88.72284) { return inff(); }
  if (x < -104.0) { return 0.0; }
  let n = floor(x * 1.442695 + 0.5);
  let r = ((a - n * 0.693359375) + b) + n * 2.1219444e-4;
  return scalef(1.0 + expm1r(r), i32(n));
}
fn expf(x: f32) -> f32 { return expSum(x, 0.0); }`,

  expm1f: `
// e^x - 1: the series near 0; else 2^n expm1r(r) + (2^n - 1), whose second term is exact.
fn expm1f(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  if (x > 88.72284) { return inff(); }
  if (x < -17.5) { return -1.0; }
  if (absf(x) < 0.3465736) { return select(expm1r(x), x, isZero(x)); }
  let n = floor(x * 1.442695 + 0.5);
  let r = (x - n * 0.693359375) + n * 2.1219444e-4;
  let m = expm1r(r);
  if (n > 24.0) { return scalef(1.0 + m, i32(n)); }
  let t = pow2i(i32(n));
  return t * m + (t - 1.0);
}`,

  logCore: `
// log(1 + f) + e ln2 for f in [sqrt(1/2) - 1, sqrt(2) - 1] (Cephes' logf polynomial).
fn logCore(f: f32, e: f32) -> f32 {
  let z = f * f;
  var y = ((((((((7.0376836292e-2 * f - 1.1514610310e-1) * f + 1.1676998740e-1) * f - 1.2420140846e-1) * f + 1.4249322787e-1) * f - 1.6668057665e-1) * f + 2.0000714765e-1) * f - 2.4999993993e-1) * f + 3.3333331174e-1) * f * z;
  y = y - 2.12194440e-4 * e;
  y = y - 0.5 * z;
  return (f + y) + 0.693359375 * e;
}
// x > 0 finite as (f, e): x = (1 + f) 2^e, f in [sqrt(1/2) - 1, sqrt(2) - 1].
fn logReduce(x: f32) -> vec2<f32> {
  let me = frexpPos(x);
  if (me.x < 0.70710677) { return vec2<f32>(me.x + me.x - 1.0, me.y - 1.0); }
  return vec2<f32>(me.x - 1.0, me.y);
}
// Whether log(x) is not a finite number's: NaN, zeros, negative numbers (by the sign bit: a subnormal may
// compare as 0) and +inf; and log(x) for those.
fn logIsSpecial(x: f32) -> bool { return isNan(x) || isZero(x) || signBit(x) || isInf(x); }
fn logSpecial(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  if (isZero(x)) { return -inff(); }
  if (signBit(x)) { return nanf(); }
  return inff();
}`,

  logf: `
fn logf(x: f32) -> f32 {
  if (logIsSpecial(x)) { return logSpecial(x); }
  let fe = logReduce(x);
  return logCore(fe.x, fe.y);
}`,

  log2f: `
// Cephes' log2f: log(1 + f) log2(e) + e with log2(e) = 1 + 0.4427 (the 1 exact).
fn log2f(x: f32) -> f32 {
  if (logIsSpecial(x)) { return logSpecial(x); }
  let fe = logReduce(x);
  let f = fe.x;
  let z = f * f;
  var y = ((((((((7.0376836292e-2 * f - 1.1514610310e-1) * f + 1.1676998740e-1) * f - 1.2420140846e-1) * f + 1.4249322787e-1) * f - 1.6668057665e-1) * f + 2.0000714765e-1) * f - 2.4999993993e-1) * f + 3.3333331174e-1) * f * z;
  y = y - 0.5 * z;
  return (((y * 0.44269504 + f * 0.44269504) + y) + f) + fe.y;
}`,

  log1pf: `
// log(1 + x): the polynomial directly near 0; else 1 + x = 2^k (1 + g) with k from 1 + x rounded and
// g = (x + (1 - 2^k)) 2^-k rounded once (1 - 2^k is exact); past 2^24, log(x) is log(1 + x) in float32.
fn log1pf(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  if (x > -0.29289323 && x < 0.41421357) { return select(logCore(x, 0.0), x, isZero(x)); }
  if (x == -1.0) { return -inff(); }
  if (x < -1.0) { return nanf(); }
  if (x > 16777216.0) { return logf(x); }
  let k = logReduce(1.0 + x).y;
  let t = pow2i(i32(k));
  return logCore((x + (1.0 - t)) / t, k);
}`,

  log1pexpf: `
// log(1 + e^x) without overflow.
fn log1pexpf(x: f32) -> f32 {
  if (x > 0.0) { return x + log1pf(expf(-x)); }
  return log1pf(expf(x));
}`,

  powf: `
// log2(x) for finite x > 0 as a float-float, about 2^-30 relative: x = 2^e m, m in [sqrt(1/2), sqrt(2)),
// log(m) = 2 atanh(s), s = f / (2 + f), f = m - 1 (exact), s a float-float from one correction step.
fn log2FF(x: f32) -> vec2<f32> {
  var me = frexpPos(x);
  if (me.x < 0.70710677) { me = vec2<f32>(me.x * 2.0, me.y - 1.0); }
  let f = me.x - 1.0;
  let s = f / (2.0 + f);
  // The residual f - s (2 + f) = (f - 2s) - s f exactly: f and 2s, then f - 2s and s f, are within a factor 2.
  let sf = twoProd(s, f);
  let sl = (((f - 2.0 * s) - sf.x) - sf.y) / (2.0 + f);
  let s2 = s * s;
  let tail = s * s2 * (0.6666667 + s2 * (0.4 + s2 * (0.2857143 + s2 * (0.22222222 + s2 * 0.18181819))));
  let ln = twoSum(2.0 * s, 2.0 * sl + tail);
  let l2 = mulFF(ln, vec2<f32>(${f32Bits(Math.LOG2E)}, ${f32Bits(Math.LOG2E - Math.fround(Math.LOG2E))}));
  let r = twoSum(me.y, l2.x);
  return twoSum(r.x, r.y + l2.y);
}
// 2^(t.x + t.y) for |t.x| < 200.
fn exp2FF(t: vec2<f32>) -> f32 {
  if (t.x > 128.0) { return inff(); }
  if (t.x < -152.0) { return 0.0; }
  let n = floor(t.x + 0.5);
  let f = (t.x - n) + t.y;
  return scalef(1.0 + expm1r(f * ${LN2}), i32(n));
}
// |x|^n for an integer 0 < n <= 64 and x = xh + xl, by squaring in float-float.
fn powIntFF(xh: f32, xl: f32, n: u32) -> vec2<f32> {
  var r = vec2<f32>(1.0, 0.0);
  var b = vec2<f32>(absf(xh), select(xl, -xl, signBit(xh)));
  var k = n;
  loop {
    if ((k & 1u) == 1u) { r = mulFF(r, b); }
    k = k >> 1u;
    if (k == 0u) { break; }
    b = mulFF(b, b);
  }
  return r;
}
// x^y with x = xh + xl and y = yh + yl (a parameter's float64 value as a float-float; lo 0 for tensors),
// by JavaScript's rules for the special cases (Math.pow: 1^NaN is NaN). An integer exponent up to 64 in
// magnitude multiplies in float-float (x^3 is x*x*x rounded once); any other takes 2^(y log2|x|).
fn powFF(xh: f32, xl: f32, yh: f32, yl: f32) -> f32 {
  if (isNan(yh)) { return yh; }
  if (isZero(yh)) { return 1.0; }
  if (isNan(xh)) { return xh; }
  let ax = absf(xh);
  let integral = floor(yh) == yh && yl == 0.0;
  let odd = integral && absf(yh) < 16777216.0 && (i32(absf(yh)) & 1) == 1;
  var mag: f32;
  if (isInf(xh) || isZero(xh)) {
    mag = select(0.0, inff(), !signBit(yh) == isInf(xh));
  } else if (isInf(yh)) {
    if (ax == 1.0) { return nanf(); }
    return select(0.0, inff(), (ax > 1.0) == (yh > 0.0));
  } else if (signBit(xh) && !integral) {
    return nanf();
  } else {
    let l = log2FF(ax);
    // log2(xh + xl) = log2(xh) + xl / (xh ln 2) to first order (xl is 0 but for a float64 parameter).
    let lx = vec2<f32>(l.x, select(l.y + select(xl, -xl, signBit(xh)) / (ax * ${LN2}), l.y, isZero(xl)));
    let h = yh * lx.x;
    if (h > 200.0) { mag = inff(); }
    else if (h < -200.0) { mag = 0.0; }
    else if (isZero(h)) { mag = 1.0; }
    else if (integral && absf(yh) <= 64.0 && absf(h) < 100.0) {
      let p = powIntFF(xh, xl, u32(absf(yh)));
      if (yh > 0.0) { mag = p.x + p.y; }
      else { let q = 1.0 / p.x; let e = twoProd(q, p.x); mag = q + q * ((1.0 - e.x) - e.y - q * p.y); }
    } else {
      let t = twoProd(yh, lx.x);
      mag = exp2FF(twoSum(t.x, t.y + yh * lx.y + yl * lx.x));
    }
  }
  return select(mag, -mag, signBit(xh) && odd);
}
fn powf(x: f32, y: f32) -> f32 { return powFF(x, 0.0, y, 0.0); }`,

  fmodf: `
// The exact remainder x - trunc(x / y) y with x's sign (C's fmodf), by long division of the significands.
fn fmodf(x: f32, y: f32) -> f32 {
  if (isNan(x) || isNan(y) || isInf(x) || isZero(y)) { return nanf(); }
  if (isInf(y) || isZero(x)) { return x; }
  var ux = bitcast<u32>(x) & 0x7fffffffu;
  let uy = bitcast<u32>(y) & 0x7fffffffu;
  if (ux < uy) { return x; }
  var ex = i32(ux >> 23u);
  var ey = i32(uy >> 23u);
  var mx = (ux & 0x007fffffu) | 0x00800000u;
  var my = (uy & 0x007fffffu) | 0x00800000u;
  if (ex == 0) { let s = countLeadingZeros(ux) - 8u; mx = ux << s; ex = 1 - i32(s); }
  if (ey == 0) { let s = countLeadingZeros(uy) - 8u; my = uy << s; ey = 1 - i32(s); }
  for (; ex > ey; ex--) {
    if (mx >= my) { mx = mx - my; }
    mx = mx << 1u;
  }
  if (mx >= my) { mx = mx - my; }
  if (mx == 0u) { return copySign(0.0, x); }
  let s = countLeadingZeros(mx) - 8u;
  mx = mx << s;
  ex = ex - i32(s);
  var r: u32;
  if (ex > 0) { r = (mx & 0x007fffffu) | (u32(ex) << 23u); } else { r = mx >> u32(1 - ex); }
  return bitcast<f32>(r | (bitcast<u32>(x) & 0x80000000u));
}`,

  floorDivf: `
// Python's floor division as PyTorch's div_floor_floating: (x - fmod(x, y)) / y, stepped down when the
// remainder's sign differs from y's, then rounded to the nearest integer; a zero quotient takes x / y's sign.
fn floorDivf(x0: f32, y0: f32) -> f32 {
  let x = flushf(x0);
  let y = flushf(y0);
  if (isZero(y)) { return x / y; }
  let m = fmodf(x, y);
  var d = (x - m) / y;
  if (!isZero(m) && signBit(y) != signBit(m)) { d = d - 1.0; }
  if (isZero(d)) { return copySign(0.0, x / y); }
  let f = floor(d);
  return select(f, f + 1.0, d - f > 0.5);
}
// Python's remainder: fmod's, moved to y's sign; r + y at 2^64 scale where either is subnormal (exact: the
// arithmetic would read a subnormal as 0).
fn remainderf(x: f32, y: f32) -> f32 {
  let r = fmodf(x, y);
  if (isZero(r) || signBit(r) == signBit(y)) { return r; }
  if (absf(y) < 1.0 && ((bitcast<u32>(r) & 0x7f800000u) == 0u || (bitcast<u32>(y) & 0x7f800000u) == 0u)) {
    return (scaleUp64(r) + scaleUp64(y)) * ${f32Bits(2 ** -64)};
  }
  return r + y;
}
// v 2^64 exactly for |v| < 1, a subnormal v included (from its bits).
fn scaleUp64(v: f32) -> f32 {
  if ((bitcast<u32>(v) & 0x7f800000u) == 0u) { return copySign(f32(bitcast<u32>(v) & 0x007fffffu) * ${f32Bits(2 ** -85)}, v); }
  return v * ${f32Bits(2 ** 64)};
}`,

  ints: `
// Integer division and powers as the reference backend stores them in an int32: a zero divisor gives 0
// (its float quotient is inf or NaN), and the most negative number divided by -1 wraps.
fn divTrunci(a: i32, b: i32) -> i32 { if (b == 0) { return 0; } if (b == -1) { return -a; } return a / b; }
fn fmodi(a: i32, b: i32) -> i32 { if (b == 0 || b == -1) { return 0; } return a - (a / b) * b; }
fn floorDivi(a: i32, b: i32) -> i32 {
  let q = divTrunci(a, b);
  return select(q, q - 1, b != 0 && b != -1 && a - q * b != 0 && ((a - q * b < 0) != (b < 0)));
}
fn remainderi(a: i32, b: i32) -> i32 {
  let r = fmodi(a, b);
  return select(r, r + b, r != 0 && ((r < 0) != (b < 0)));
}
// a^b; a negative b gives 1/a^|b| truncated: 1 and -1 keep their powers, anything else 0.
fn powi(a: i32, b: i32) -> i32 {
  if (b < 0) { return select(select(0, 1, a == 1), select(1, -1, (b & 1) != 0), a == -1); }
  var r = 1;
  var x = a;
  var k = u32(b);
  loop {
    if ((k & 1u) == 1u) { r = r * x; }
    k = k >> 1u;
    if (k == 0u) { break; }
    x = x * x;
  }
  return r;
}
// A float as an int32 stores it (JavaScript's ToInt32): truncated, wrapped modulo 2^32, NaN and infinities 0.
fn f2i(v: f32) -> i32 {
  let b = bitcast<u32>(v);
  let e = (b >> 23u) & 0xffu;
  if (e == 0xffu || e < 127u) { return 0; }
  let m = (b & 0x007fffffu) | 0x00800000u;
  var u: u32;
  if (e >= 150u) { u = select(m << (e - 150u), 0u, e - 150u >= 32u); } else { u = m >> (150u - e); }
  let r = bitcast<i32>(u);
  return select(r, -r, (b >> 31u) != 0u);
}`,
};

/** The functions each entry of a library defines (an entry may define several). */
function defines(library: Readonly<Record<string, string>>): [string, string[]][] {
  return Object.entries(library).map(([k, code]) => [k, [...code.matchAll(/\bfn (\w+)\(/g)].map((m) => m[1] as string)]);
}

/**
 * `code` prefixed with the entries of this library and `extra` it calls,
 * and the entries those call (WGSL resolves functions in any order).
 */
export function withMath(code: string, extra: Readonly<Record<string, string>> = {}): string {
  const library: Record<string, string> = { ...FUNCTIONS, ...extra };
  const entries = defines(library);
  const included: string[] = [];
  const visit = (text: string) => {
    for (const [entry, names] of entries) {
      if (included.includes(entry)) continue;
      if (names.some((n) => new RegExp(`\\b${n}\\(`).test(text))) {
        included.push(entry);
        visit(library[entry] as string);
      }
    }
  };
  visit(code);
  return [...included.reverse().map((e) => library[e]), code].join("\n");
}
