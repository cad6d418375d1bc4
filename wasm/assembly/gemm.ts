// Blocked, packed single-precision matrix product: C = A·B (+ C when beta is 1).
//
// Layout of the work (GotoBLAS/BLIS style, tuned by measurement on Node 20 /
// V8 11.3, see wasm/bench.ts):
//   for each NC-wide column block of B and C
//     for each KC-deep slice of K: pack B[kc x nc] into NR-wide panels (stays in L2)
//       for each MR-row panel of A: pack A[mr x kc] into an L1-resident panel
//         for each NR-wide panel of B: the MR x NR register tile
// A's panel is stored pre-broadcast (every element splatted to a v128) so the
// micro-kernel reads plain 16-byte vectors with folded address offsets: V8
// compiles `v128.load32_splat` with an extra address computation per load and
// this layout measured ~7% faster. The register tile is 4 x 8 (8 f32x4
// accumulators): TurboFan hoists all of an iteration's loads to its top, so
// 8 accumulators + 2 B + 4 A vectors + 1 temporary exactly fill the 15 xmm
// registers V8 allocates on x64; 5 x 8 and 6 x 8 tiles spilled (-40%), and
// so did k-unrolled loops.
//
// All pointers are byte addresses in linear memory; strides are in elements
// and may be any value (including 0 or negative), so A and B can each be
// row-major, column-major (transposed) or any strided view.

/** Rows of the register tile. */
export const GEMM_MR: i32 = 4;
/** Columns of the register tile (two f32x4 vectors). */
export const GEMM_NR: i32 = 8;
/** Depth of a packed slice of K. */
export const GEMM_KC: i32 = 256;
/** Width of a packed block of B (a multiple of GEMM_NR). */
export const GEMM_NC: i32 = 512;

const MR = GEMM_MR;
const NR = GEMM_NR;
const KC = GEMM_KC;
const NC = GEMM_NC;

/** Bytes of per-thread scratch that `sgemm` needs (packed B block, packed A panel, edge tile). */
export function gemmScratchBytes(): i32 {
  return KC * NC * 4 + MR * KC * 16 + MR * NR * 4 + 64;
}

// c + a * b, fused when the module is built with relaxed SIMD.
// @ts-ignore: decorator
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// Stores (or adds into) one row of two vectors.
// @ts-ignore: decorator
@inline
function storeRow(p: usize, v0: v128, v1: v128, acc: i32): void {
  if (acc) {
    v0 = f32x4.add(v0, v128.load(p));
    v1 = f32x4.add(v1, v128.load(p, 16));
  }
  v128.store(p, v0);
  v128.store(p, v1, 16);
}

/**
 * The 4 x 8 register tile: C[0:4, 0:8] (+)= sum over k of pa[k] (x) pb[k].
 * `pa` holds 4 splatted vectors per k, `pb` 8 floats per k; `ldc` is in bytes.
 */
function kernel(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, acc: i32): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  // A plain counted loop, not unrolled: binaryen interleaves unrolled steps
  // and TurboFan then spills (measured 20-40% slower).
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const a0 = v128.load(pa);
    c00 = madd(a0, b0, c00);
    c01 = madd(a0, b1, c01);
    const a1 = v128.load(pa, 16);
    c10 = madd(a1, b0, c10);
    c11 = madd(a1, b1, c11);
    const a2 = v128.load(pa, 32);
    c20 = madd(a2, b0, c20);
    c21 = madd(a2, b1, c21);
    const a3 = v128.load(pa, 48);
    c30 = madd(a3, b0, c30);
    c31 = madd(a3, b1, c31);
    pa += 64;
    pb += 32;
  }
  storeRow(c, c00, c01, acc);
  c += ldc;
  storeRow(c, c10, c11, acc);
  c += ldc;
  storeRow(c, c20, c21, acc);
  c += ldc;
  storeRow(c, c30, c31, acc);
}

/** Packs rows [0, mr) x k [0, kc) of A (byte strides) into a splatted panel of MR rows, zero rows past mr. */
function packA(a: usize, rs: usize, cs: usize, mr: i32, kc: i32, dst: usize): void {
  for (let r = 0; r < mr; r++) {
    let src = a + <usize>r * rs;
    let d = dst + <usize>(r << 4);
    for (let k = 0; k < kc; k++) {
      v128.store(d, v128.load32_splat(src));
      src += cs;
      d += MR * 16;
    }
  }
  const zero = f32x4.splat(0);
  for (let r = mr; r < MR; r++) {
    let d = dst + <usize>(r << 4);
    for (let k = 0; k < kc; k++) {
      v128.store(d, zero);
      d += MR * 16;
    }
  }
}

// Transposes the 4 x 4 block v0..v3 and stores its rows `stride` bytes apart.
// @ts-ignore: decorator
@inline
function transposeStore(d: usize, stride: usize, v0: v128, v1: v128, v2: v128, v3: v128): void {
  const t0 = v128.shuffle<i32>(v0, v1, 0, 4, 1, 5);
  const t1 = v128.shuffle<i32>(v0, v1, 2, 6, 3, 7);
  const t2 = v128.shuffle<i32>(v2, v3, 0, 4, 1, 5);
  const t3 = v128.shuffle<i32>(v2, v3, 2, 6, 3, 7);
  v128.store(d, v128.shuffle<i64>(t0, t2, 0, 2));
  v128.store(d + stride, v128.shuffle<i64>(t0, t2, 1, 3));
  v128.store(d + 2 * stride, v128.shuffle<i64>(t1, t3, 0, 2));
  v128.store(d + 3 * stride, v128.shuffle<i64>(t1, t3, 1, 3));
}

/**
 * Packs k [0, kc) x columns [0, nc) of B (byte strides) into NR-wide panels,
 * k-major inside a panel: dst[j / NR][k][j % NR], zero-padded past nc.
 */
function packB(b: usize, rs: usize, cs: usize, kc: i32, nc: i32, dst: usize): void {
  let j = 0;
  if (cs == 4) {
    // Row-major B: each k is 8 contiguous floats.
    for (; j + NR <= nc; j += NR) {
      let src = b + <usize>j * 4;
      let d = dst + <usize>j * <usize>kc * 4;
      for (let k = 0; k < kc; k++) {
        v128.store(d, v128.load(src));
        v128.store(d, v128.load(src, 16), 16);
        src += rs;
        d += NR * 4;
      }
    }
  } else if (rs == 4) {
    // Column-major B (a transposed operand): columns are contiguous in k.
    for (; j + NR <= nc; j += NR) {
      const p0 = b + <usize>j * cs;
      const p1 = p0 + cs;
      const p2 = p1 + cs;
      const p3 = p2 + cs;
      const p4 = p3 + cs;
      const p5 = p4 + cs;
      const p6 = p5 + cs;
      const p7 = p6 + cs;
      let d = dst + <usize>j * <usize>kc * 4;
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const o = <usize>k * 4;
        transposeStore(d, NR * 4, v128.load(p0 + o), v128.load(p1 + o), v128.load(p2 + o), v128.load(p3 + o));
        transposeStore(d + 16, NR * 4, v128.load(p4 + o), v128.load(p5 + o), v128.load(p6 + o), v128.load(p7 + o));
        d += 4 * NR * 4;
      }
      for (; k < kc; k++) {
        const o = <usize>k * 4;
        store<f32>(d, load<f32>(p0 + o));
        store<f32>(d, load<f32>(p1 + o), 4);
        store<f32>(d, load<f32>(p2 + o), 8);
        store<f32>(d, load<f32>(p3 + o), 12);
        store<f32>(d, load<f32>(p4 + o), 16);
        store<f32>(d, load<f32>(p5 + o), 20);
        store<f32>(d, load<f32>(p6 + o), 24);
        store<f32>(d, load<f32>(p7 + o), 28);
        d += NR * 4;
      }
    }
  }
  // Any other strides, and the last partial panel.
  for (; j < nc; j += NR) {
    const w = min(NR, nc - j);
    let d = dst + <usize>j * <usize>kc * 4;
    let row = b + <usize>j * cs;
    for (let k = 0; k < kc; k++) {
      let src = row;
      for (let jj = 0; jj < w; jj++) {
        store<f32>(d + <usize>(jj << 2), load<f32>(src));
        src += cs;
      }
      for (let jj = w; jj < NR; jj++) store<f32>(d + <usize>(jj << 2), 0);
      row += rs;
      d += NR * 4;
    }
  }
}

/** Writes (or adds) the top-left mr x nr corner of an MR x NR tile into C. */
function mergeTile(tile: usize, c: usize, ldc: usize, mr: i32, nr: i32, acc: i32): void {
  for (let i = 0; i < mr; i++) {
    const t = tile + <usize>(i * NR * 4);
    const p = c + <usize>i * ldc;
    for (let j = 0; j < nr; j++) {
      const o = <usize>(j << 2);
      const v = load<f32>(t + o);
      store<f32>(p + o, acc ? load<f32>(p + o) + v : v);
    }
  }
}

/**
 * Products with fewer rows than the register tile (vector-matrix products, a
 * Linear layer on one sample): no packing, B streamed once per row of A.
 */
function sgemmFewRows(M: i32, N: i32, K: i32, a: usize, ars: usize, acs: usize, b: usize, brs: usize, bcs: usize, c: usize, ldc: usize, beta: i32): void {
  for (let i = 0; i < M; i++) {
    const arow = a + <usize>i * ars;
    const crow = c + <usize>i * ldc;
    if (bcs == 4) {
      // Row-major B: C[i, :] += A[i, k] B[k, :] for each k.
      if (beta == 0) memory.fill(crow, 0, <usize>N << 2);
      for (let k = 0; k < K; k++) {
        const s = load<f32>(arow + <usize>k * acs);
        const sv = f32x4.splat(s);
        const brow = b + <usize>k * brs;
        let j = 0;
        for (; j + 8 <= N; j += 8) {
          const o = <usize>j << 2;
          v128.store(crow + o, madd(sv, v128.load(brow + o), v128.load(crow + o)));
          v128.store(crow + o, madd(sv, v128.load(brow + o, 16), v128.load(crow + o, 16)), 16);
        }
        for (; j < N; j++) {
          const o = <usize>j << 2;
          store<f32>(crow + o, load<f32>(crow + o) + s * load<f32>(brow + o));
        }
      }
    } else {
      // Otherwise one dot product per element of C, vectorised when both run along k contiguously.
      for (let j = 0; j < N; j++) {
        const bcol = b + <usize>j * bcs;
        let sum: f32 = 0;
        let k = 0;
        if (brs == 4 && acs == 4) {
          let v0 = f32x4.splat(0);
          let v1 = f32x4.splat(0);
          for (; k + 8 <= K; k += 8) {
            const o = <usize>k << 2;
            v0 = madd(v128.load(arow + o), v128.load(bcol + o), v0);
            v1 = madd(v128.load(arow + o, 16), v128.load(bcol + o, 16), v1);
          }
          const v = f32x4.add(v0, v1);
          sum = f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
        }
        for (; k < K; k++) sum += load<f32>(arow + <usize>k * acs) * load<f32>(bcol + <usize>k * brs);
        const p = crow + (<usize>j << 2);
        store<f32>(p, beta == 0 ? sum : load<f32>(p) + sum);
      }
    }
  }
}

/**
 * C[M x N] = A[M x K]·B[K x N] (+ C when beta != 0). `a`, `b`, `c` are byte
 * addresses of element [0][0]; A[i][k] is at a + 4 (i ars + k acs), B[k][j] at
 * b + 4 (k brs + j bcs), C[i][j] at c + 4 (i ldc + j). `scratch` holds
 * gemmScratchBytes() bytes owned by the calling thread.
 */
export function sgemm(
  M: i32,
  N: i32,
  K: i32,
  a: usize,
  ars: i32,
  acs: i32,
  b: usize,
  brs: i32,
  bcs: i32,
  c: usize,
  ldc: i32,
  beta: i32,
  scratch: usize,
): void {
  if (M <= 0 || N <= 0) return;
  const ldcB = <usize>ldc << 2;
  if (K <= 0) {
    if (beta == 0) for (let i = 0; i < M; i++) memory.fill(c + <usize>i * ldcB, 0, <usize>N << 2);
    return;
  }
  const arsB = <usize>ars << 2;
  const acsB = <usize>acs << 2;
  const brsB = <usize>brs << 2;
  const bcsB = <usize>bcs << 2;
  if (M < MR) {
    sgemmFewRows(M, N, K, a, arsB, acsB, b, brsB, bcsB, c, ldcB, beta);
    return;
  }
  const base = (scratch + 63) & ~(<usize>63);
  const pb = base;
  const pa = pb + <usize>(KC * NC * 4);
  const tile = pa + <usize>(MR * KC * 16);
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      packB(b + <usize>pc * brsB + <usize>jc * bcsB, brsB, bcsB, kc, nc, pb);
      const acc = pc > 0 || beta != 0 ? 1 : 0;
      for (let ir = 0; ir < M; ir += MR) {
        const mr = min(MR, M - ir);
        packA(a + <usize>ir * arsB + <usize>pc * acsB, arsB, acsB, mr, kc, pa);
        const crow = c + <usize>ir * ldcB + (<usize>jc << 2);
        for (let jr = 0; jr < nc; jr += NR) {
          const bp = pb + <usize>jr * <usize>kc * 4;
          const cp = crow + (<usize>jr << 2);
          if (mr == MR && jr + NR <= nc) {
            kernel(kc, pa, bp, cp, ldcB, acc);
          } else {
            kernel(kc, pa, bp, tile, NR * 4, 0);
            mergeTile(tile, cp, ldcB, mr, min(NR, nc - jr), acc);
          }
        }
      }
    }
  }
}

/**
 * `count` products sharing shapes and strides; `table` holds one
 * (a, b, c) triple of u32 byte addresses per product.
 */
export function sgemmBatch(
  count: i32,
  table: usize,
  M: i32,
  N: i32,
  K: i32,
  ars: i32,
  acs: i32,
  brs: i32,
  bcs: i32,
  ldc: i32,
  beta: i32,
  scratch: usize,
): void {
  for (let i = 0; i < count; i++) {
    const t = table + <usize>(i * 12);
    sgemm(M, N, K, load<u32>(t), ars, acs, load<u32>(t, 4), brs, bcs, load<u32>(t, 8), ldc, beta, scratch);
  }
}
