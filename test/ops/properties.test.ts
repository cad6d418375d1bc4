/**
 * Property tests on random shapes: broadcasting, views, slicing and
 * advanced indexing against plain-array references.
 */

import fc from "fast-check";
import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const arange = (shape: number[]) => torch.arange(numel(shape), { dtype: "float64" }).reshape(shape);

/** Row-major multi-index of flat position `i`. */
function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    const s = shape[d] as number;
    idx[d] = i % s;
    i = Math.floor(i / s);
  }
  return idx;
}

function ravel(idx: readonly number[], shape: readonly number[]): number {
  let o = 0;
  for (let d = 0; d < shape.length; d++) o = o * (shape[d] as number) + (idx[d] as number);
  return o;
}

const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 });

describe("broadcasting", () => {
  it("a + b equals the elementwise sum over NumPy's broadcast shape", () => {
    // Shapes built to be compatible: b drops leading dims of a and sets some to 1.
    const arb = shapeArb.chain((a) =>
      fc.tuple(fc.constant(a), fc.integer({ min: 0, max: a.length }), fc.array(fc.boolean(), { minLength: a.length, maxLength: a.length })),
    );
    fc.assert(
      fc.property(arb, ([sa, drop, ones]) => {
        const sb = sa.slice(drop).map((s, i) => (ones[i + drop] ? 1 : s));
        const a = arange(sa);
        const b = arange(sb).mul(100);
        const c = a.add(b);
        expect(c.shape).toEqual(sa);
        const cd = c.toTypedArray();
        for (let i = 0; i < cd.length; i++) {
          const idx = unravel(i, sa);
          const ib = idx.slice(drop).map((v, k) => (sb[k] === 1 ? 0 : v));
          expect(cd[i]).toBe(ravel(idx, sa) + 100 * ravel(ib, sb));
        }
        // And the gradient sums back to each input's shape: d(sum(a+b))/db counts broadcast copies.
        const bg = arange(sb).requiresGrad_();
        a.add(bg).sum().backward();
        expect(Array.from(bg.grad?.toTypedArray() ?? [])).toEqual(new Array(numel(sb)).fill(numel(sa) / numel(sb)));
      }),
      { numRuns: 60 },
    );
  });

  it("incompatible shapes throw a ShapeError naming both shapes", () => {
    expect(() => torch.ones(4, 2).add(torch.ones(5, 2))).toThrow(/\[4, 2\] and \[5, 2\]/);
    expect(() => torch.ones(4, 2).add(torch.ones(5, 2))).toThrow(torch.ShapeError);
  });
});

describe("views", () => {
  const permArb = shapeArb.chain((s) =>
    fc.tuple(fc.constant(s), fc.shuffledSubarray([...s.keys()], { minLength: s.length, maxLength: s.length })),
  );

  it("permute moves elements as the reference transposition does, and shares storage", () => {
    fc.assert(
      fc.property(permArb, ([shape, perm]) => {
        const x = arange(shape);
        const p = x.permute(perm);
        expect(p.shape).toEqual(perm.map((d) => shape[d]));
        const pd = p.contiguous().toTypedArray();
        for (let i = 0; i < pd.length; i++) {
          const idx = unravel(i, p.shape);
          const src = new Array<number>(shape.length);
          perm.forEach((d, k) => {
            src[d] = idx[k] as number;
          });
          expect(pd[i]).toBe(ravel(src, shape));
        }
        p.add_(0);
        expect(x._version).toBe(1);
      }),
      { numRuns: 60 },
    );
  });

  it("view succeeds exactly when the layout allows, and equals reshape", () => {
    fc.assert(
      fc.property(permArb, ([shape, perm]) => {
        const p = arange(shape).permute(perm);
        const first = p.shape[0] ?? 1;
        // Flattening everything, or merging all but the first dim.
        for (const target of [[numel(shape)], [first, numel(shape) / first]]) {
          const r = p.reshape(target);
          expect(Array.from(r.toTypedArray())).toEqual(Array.from(p.contiguous().toTypedArray()));
          let viewed: Tensor | null = null;
          try {
            viewed = p.view(target);
          } catch (e) {
            expect(e).toBeInstanceOf(torch.ShapeError);
            expect(p.isContiguous()).toBe(false);
          }
          if (viewed !== null) {
            expect(viewed._storage).toBe(p._storage);
            expect(Array.from(viewed.toTypedArray())).toEqual(Array.from(r.toTypedArray()));
          }
        }
      }),
      { numRuns: 80 },
    );
  });
});

/** Python's slice.indices for a sequence of length n. */
function pySlice(n: number, start: number | null, stop: number | null, step: number): number[] {
  const norm = (v: number | null, dflt: number) => {
    if (v === null) return dflt;
    const w = v < 0 ? v + n : v;
    return Math.min(Math.max(w, 0), n);
  };
  const out: number[] = [];
  for (let i = norm(start, 0); i < norm(stop, n); i += step) out.push(i);
  return out;
}

describe("slicing and indexing", () => {
  const bound = fc.option(fc.integer({ min: -7, max: 7 }), { nil: null });

  it("basic slices pick Python's elements and the gradient lands on them", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), bound, bound, fc.integer({ min: 1, max: 3 }), (n, start, stop, step) => {
        const x = torch.arange(n, { dtype: "float64" }).requiresGrad_();
        const s = x.index(new torch.Slice(start, stop, step));
        const expected = pySlice(n, start, stop, step);
        expect(Array.from(s.toTypedArray())).toEqual(expected);
        s.sum().backward();
        const g = new Array(n).fill(0);
        for (const i of expected) g[i] = 1;
        expect(Array.from(x.grad?.toTypedArray() ?? [])).toEqual(g);
      }),
      { numRuns: 100 },
    );
  });

  it("integer-tensor indexing gathers rows, and repeated indices accumulate gradient", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.integer({ min: -5, max: 4 }), { maxLength: 6 }), (n, raw) => {
        const idx = raw.map((v) => ((v % n) + n) % n);
        const x = torch
          .arange(n * 2, { dtype: "float64" })
          .reshape(n, 2)
          .requiresGrad_();
        const r = x.index(torch.tensor(idx, { dtype: "int64" }));
        expect(r.shape).toEqual([idx.length, 2]);
        expect(Array.from(r.toTypedArray())).toEqual(idx.flatMap((i) => [2 * i, 2 * i + 1]));
        r.sum().backward();
        const counts = new Array(n).fill(0);
        for (const i of idx) counts[i] += 1;
        expect(Array.from(x.grad?.toTypedArray() ?? [])).toEqual(counts.flatMap((c) => [c, c]));
      }),
      { numRuns: 100 },
    );
  });

  it("bool masks select the true elements", () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 8 }), (mask) => {
        const x = torch.arange(mask.length, { dtype: "float64" });
        const r = x.index(torch.tensor(mask, { dtype: "bool" }));
        expect(Array.from(r.toTypedArray())).toEqual(mask.flatMap((m, i) => (m ? [i] : [])));
      }),
    );
  });
});
