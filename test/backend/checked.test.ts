/**
 * The contracts of the backend boundary (src/backend/checked.ts) and the
 * debug mode's bounds-guarded views (src/backend/guarded.ts): a kernel
 * called with operands that do not fit raises Kindling's internal error
 * instead of reading or writing outside them, whichever op made the call.
 */

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Tensor } from "kindling";
import * as torch from "kindling";
import { afterEach, describe, expect, it } from "vitest";
import { ALL_METHODS, INDEX_METHODS, isInternalError } from "../../src/backend/checked.js";
import { guardView } from "../../src/backend/guarded.js";
import { _debugBounds, _setDebugBounds, backend } from "../../src/backend/index.js";
import { refBackend } from "../../src/backend/ref/index.js";
import type { Strided } from "../../src/backend/types.js";
import { wasmBackend } from "../../src/backend/wasm/index.js";

const initialBackend = torch.getBackend();
const initialDebug = _debugBounds();
afterEach(() => {
  torch.setBackend(initialBackend);
  _setDebugBounds(initialDebug);
});

const backends = ["js", ...(torch.getBackend() === "wasm" || tryWasm() ? ["wasm"] : [])];
function tryWasm(): boolean {
  try {
    torch.setBackend("wasm");
    torch.setBackend(initialBackend);
    return true;
  } catch {
    return false;
  }
}

/** A float64 view over `data` (default: contiguous from 0). */
function f64(data: number[], shape: number[], strides?: number[], offset = 0): Strided {
  const s = strides ?? shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  return { data: Float64Array.from(data), dtype: "float64", shape, strides: s, offset };
}

function i64(data: number[], shape: number[]): Strided {
  return { ...f64(data, shape), dtype: "int64" };
}

/** The internal error `fn` raises (fails if it raises none, or another error). */
function internal(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    expect(isInternalError(e), String(e)).toBe(true);
    expect(e).toBeInstanceOf(torch.KindlingError);
    return (e as Error).message;
  }
  throw new Error("expected an internal error");
}

describe("the contract table", () => {
  it("has a contract for every backend method", () => {
    const methods = Object.keys(refBackend).filter((k) => typeof (refBackend as unknown as Record<string, unknown>)[k] === "function");
    expect([...ALL_METHODS].sort()).toEqual(methods.sort());
  });

  it.each(backends)("leaves the non-index methods of %s unwrapped outside the debug mode (no cost per call)", (name) => {
    _setDebugBounds(false);
    torch.setBackend(name);
    const raw = (name === "js" ? refBackend : wasmBackend) as unknown as Record<string, unknown>;
    const b = backend() as unknown as Record<string, unknown>;
    for (const m of ALL_METHODS) {
      if (INDEX_METHODS.includes(m)) expect(b[m]).not.toBe(raw[m]);
      else expect(b[m]).toBe(raw[m]);
    }
  });
});

describe.each(backends)("index kernels on %s refuse operands that do not fit (always on)", (name) => {
  it("scatter: a src smaller than the index", () => {
    torch.setBackend(name);
    _setDebugBounds(false);
    const out = f64(new Array(12).fill(0), [3, 4]);
    const index = i64([0, 1, 2, 0, 1, 2, 0, 1, 2], [3, 3]);
    const src = f64([1, 2, 3, 4], [2, 2]);
    const msg = internal(() => backend().scatter(out, 1, index, src, "assign"));
    expect(msg).toBe(
      "Kindling internal error in backend.scatter(): index [3, 3] is larger than src [2, 2] at dimension 0. " +
        "This is a bug in Kindling, not in your program: please report it with the code that raised it.",
    );
    expect([...out.data]).toEqual(new Array(12).fill(0));
  });

  it("scatter and gather: an index value outside the indexed dim", () => {
    torch.setBackend(name);
    const x = f64([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(internal(() => backend().gather(x, 1, i64([0, 3], [2, 1]), f64([0, 0], [2, 1])))).toContain(
      "backend.gather(): index holds 3, outside [0, 3): it would reach past dimension 1 of x [2, 3] (size 3)",
    );
    expect(internal(() => backend().scatter(x, 0, i64([-1], [1, 1]), f64([9], [1, 1]), "add"))).toContain("index holds -1, outside [0, 2)");
    expect(internal(() => backend().gather(x, 1, i64([0.5], [1, 1]), f64([0], [1, 1])))).toContain("index holds 0.5");
  });

  it("indexAdd: a source whose other dims do not match", () => {
    torch.setBackend(name);
    const out = f64(new Array(8).fill(0), [4, 2]);
    const msg = internal(() => backend().indexAdd(out, 0, i64([0, 1], [2]), f64([1, 2, 3, 4, 5, 6], [2, 3])));
    expect(msg).toContain("backend.indexAdd(): src has shape [2, 3], expected [2, 2]");
    expect([...out.data]).toEqual(new Array(8).fill(0));
  });

  it("indexSelect: an index past the end; a view outside its buffer", () => {
    torch.setBackend(name);
    const x = f64([1, 2, 3, 4], [2, 2]);
    expect(internal(() => backend().indexSelect(x, 0, i64([2], [1]), f64([0, 0], [1, 2])))).toContain("index holds 2, outside [0, 2)");
    // A [3, 2] view of a 4-element buffer.
    const big = f64([1, 2, 3, 4], [3, 2], [2, 1]);
    expect(internal(() => backend().indexSelect(big, 0, i64([0], [1]), f64([0, 0], [1, 2])))).toContain(
      "x (shape [3, 2], strides [2, 1], offset 0, buffer of 4) reaches elements 0..5, outside its buffer",
    );
  });

  it("take and putAdd: flat indices past the operand (-1 allowed)", () => {
    torch.setBackend(name);
    const x = f64([1, 2, 3], [3]);
    const out = f64([0, 0], [2]);
    backend().take(x, Int32Array.from([2, -1]), out, 7);
    expect([...out.data]).toEqual([3, 7]);
    expect(internal(() => backend().take(x, Int32Array.from([3, 0]), out, 0))).toContain("index[0] is 3, outside [-1, 3)");
    expect(internal(() => backend().putAdd(x, Int32Array.from([0, -2]), f64([1, 1], [2])))).toContain("index[1] is -2");
    expect(internal(() => backend().putAdd(x, Int32Array.from([0]), f64([1, 1], [2])))).toContain("src [2] has 2 values, index has 1");
  });
});

describe("without the contracts the same calls read outside their operands", () => {
  it("scatter reads past src into the rest of its buffer", () => {
    // src is a [2, 2] view at the start of a buffer whose other elements belong to someone else.
    const src: Strided = {
      data: Float64Array.from([1, 2, 3, 4, 99, 99, 99, 99, 99]),
      dtype: "float64",
      shape: [2, 2],
      strides: [2, 1],
      offset: 0,
    };
    const out = f64(new Array(12).fill(0), [3, 4]);
    refBackend.scatter(out, 1, i64([0, 1, 2, 0, 1, 2, 0, 1, 2], [3, 3]), src, "assign");
    // index[i][j] reads src at i * 2 + j: (0, 2) aliases src[1][0], (1, 2) and row 2 reach elements 4..6, not src's.
    expect([...out.data]).toEqual([1, 2, 3, 0, 3, 4, 99, 0, 99, 99, 99, 0]);
  });
});

describe("the bounds guard (debug mode)", () => {
  it("catches a kernel reading outside a view, whatever its contract said", () => {
    const src: Strided = {
      data: Float64Array.from([1, 2, 3, 4, 99, 99, 99, 99, 99]),
      dtype: "float64",
      shape: [2, 2],
      strides: [2, 1],
      offset: 0,
    };
    const out = f64(new Array(12).fill(0), [3, 4]);
    const index = i64([0, 1, 2, 0, 1, 2, 0, 1, 2], [3, 3]);
    const g = (n: string, s: Strided, w = false) => guardView("scatter", n, s, w);
    const msg = internal(() => refBackend.scatter(g("out", out, true), 1, g("index", index), g("src", src), "assign"));
    expect(msg).toContain("the kernel read element 4 of src (shape [2, 2], strides [2, 1], offset 0, buffer of 9), outside the view");
  });

  it("catches writes into an input, .buffer and unchecked methods", () => {
    const x = f64([1, 2, 3], [3]);
    const gx = guardView("test", "x", x, false);
    expect(internal(() => (gx.data as Float64Array).fill(0, 0, 1))).toContain(
      "the kernel wrote element 0 of x, an operand it must only read",
    );
    expect(internal(() => gx.data.buffer)).toContain("took x.buffer");
    expect(internal(() => gx.data.slice(0))).toContain("called x.slice()");
    const strided = guardView("test", "y", f64([1, 2, 3, 4], [2], [2], 0), true);
    expect(strided.data[2]).toBe(3);
    expect(internal(() => strided.data[1])).toContain("read element 1 of y");
    expect(internal(() => strided.data.subarray(0, 2))).toContain("read element 1 of y");
    expect(internal(() => strided.data[-1])).toContain("read element -1");
    expect(ArrayBuffer.isView(strided.data)).toBe(false);
  });

  it("lets no reference kernel read an element of an empty view", () => {
    // A broadcast operand of an empty result: shape [0] over a 1-element buffer (stride 0).
    const one: Strided = { data: Float64Array.from([5]), dtype: "float64", shape: [0], strides: [0], offset: 0 };
    const empty = (): Strided => f64([], [0]);
    const g = (n: string, s: Strided, w = false) => guardView("test", n, s, w);
    refBackend.binary("mul", g("a", empty()), g("b", one), g("out", empty(), true));
    refBackend.binary("add", g("a", one), g("b", empty()), g("out", empty(), true));
    refBackend.where(
      g("cond", { ...one, dtype: "bool", data: Uint8Array.from([1]) }),
      g("a", one),
      g("b", empty()),
      g("out", empty(), true),
    );
    refBackend.unary("exp", g("x", one), g("out", empty(), true));
    refBackend.copy(g("src", one), g("dst", empty(), true));
    const sum = f64([7], [1]);
    refBackend.reduce("sum", g("x", empty()), [0], g("out", sum, true));
    expect([...sum.data]).toEqual([0]);
  });

  it("catches a wrong call given straight to the backend", () => {
    torch.setBackend("js");
    _setDebugBounds(true);
    const out = f64(new Array(12).fill(0), [3, 4]);
    const msg = internal(() => backend().scatter(out, 1, i64([0, 1, 2, 0, 1, 2, 0, 1, 2], [3, 3]), f64([1, 2, 3, 4], [2, 2]), "assign"));
    expect(msg).toContain("index [3, 3] is larger than src [2, 2] at dimension 0");
    // Every method is checked in the debug mode, not only the index ones.
    expect(internal(() => backend().binary("add", f64([1, 2], [2]), f64([1, 2, 3], [3]), f64([0, 0], [2])))).toContain(
      "backend.binary(): b has shape [3] but out has shape [2]",
    );
    expect(internal(() => backend().reduce("sum", f64([1, 2], [2]), [0], f64([0, 0], [2])))).toContain("out has shape [2], expected [1]");
    expect(internal(() => backend().matmul(f64([1, 2], [1, 2]), f64([1, 2], [1, 2]), f64([0], [1, 1])))).toContain(
      "b has shape [1, 2], expected [2, 1]",
    );
  });

  /** Ops over every kernel: views, broadcasts, float32 where (its bit-select fast path), reductions, indexing, conv, backward. */
  function workload(): number[][] {
    torch.manualSeed(3);
    const x = torch.randn([3, 4, 5], { requiresGrad: true });
    const w = torch.randn([5, 2], { dtype: "float32" });
    const a = torch.randn([4, 5], { dtype: "float32" });
    const idx = torch.tensor(
      [
        [0, 2],
        [1, 1],
        [3, 0],
      ],
      { dtype: "int64" },
    );
    const parts: Tensor[] = [
      x.transpose(0, 2).sum(1),
      x.cumsum(2).amax(1),
      x.softmax(-1).flip([0]).logsumexp(2),
      torch.where(a.gt(0), a, a.mul(-2)),
      a.matmul(w),
      x.float().matmul(w).relu(),
      x.gather(2, idx.unsqueeze(0).expand([3, 3, 2])),
      x.indexSelect(1, torch.tensor([3, 0], { dtype: "int64" })),
      x.index(torch.tensor([2, 0], { dtype: "int64" }), ":", 1),
      torch.F.conv2d(x.unsqueeze(0), torch.randn([2, 3, 2, 2])),
      torch.F.maxPool2d(x.unsqueeze(0), 2),
      x.argmax(1).double(),
      torch.tensor(5).cumsum(0),
    ];
    const loss = parts
      .filter((p) => p.requiresGrad)
      .map((p) => p.double().sum())
      .reduce((s, p) => s.add(p));
    const [g] = torch.autograd.grad([loss], [x]);
    return [...parts, g as Tensor].map((t) => [...t.toTypedArray()].map(Number));
  }

  it("passes every kernel of a workload and gives the same values", () => {
    torch.setBackend("js");
    _setDebugBounds(false);
    const plain = workload();
    _setDebugBounds(true);
    expect(workload()).toEqual(plain);
  });

  it("cumsum and cumprod of a 0-d tensor scan its one element", () => {
    for (const name of backends) {
      torch.setBackend(name);
      expect(torch.tensor(5).cumsum(0).item()).toBe(5);
      expect(torch.tensor(3).cumprod(0).item()).toBe(3);
    }
  });

  it("is turned on by KINDLING_DEBUG_BOUNDS=1", () => {
    const root = fileURLToPath(new URL("../..", import.meta.url));
    const code = `import { _debugBounds } from "./src/backend/index.ts"; console.log(_debugBounds());`;
    const run = (value: string) =>
      spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
        cwd: root,
        encoding: "utf8",
        timeout: 60_000,
        env: { ...process.env, KINDLING_DEBUG_BOUNDS: value },
      }).stdout.trim();
    expect(run("1")).toBe("true");
    expect(run("0")).toBe("false");
  });
});
