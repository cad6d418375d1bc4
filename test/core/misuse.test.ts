/**
 * Mistakes only JavaScript allows (an options object where PyTorch takes a
 * positional argument, null or a string among sizes) and allocations the
 * runtime cannot make: each gets a Kindling error that names the op and the
 * argument and says what to write instead, never a JavaScript engine error.
 */

import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { thrown } from "../helpers/thrown.js";

type Call = (x: torch.Tensor) => unknown;
const opts = (o: object) => o as unknown as number;

describe("an options object where dim is positional", () => {
  const x = torch.ones(2, 3);
  const cases: [string, Call, string][] = [
    [
      "softmax",
      (t) => torch.softmax(t, opts({ dim: -1 })),
      "softmax(): dim must be an integer; got an object — pass dim positionally: softmax(x, -1)",
    ],
    [
      "logSoftmax",
      (t) => t.logSoftmax(opts({ dim: 1 })),
      "log_softmax(): dim must be an integer; got an object — pass dim positionally: logSoftmax(x, 1)",
    ],
    [
      "cat",
      (t) => torch.cat([t, t], opts({ dim: 1 })),
      "cat(): dim must be an integer; got an object — pass dim positionally: cat(tensors, 1)",
    ],
    [
      "sum",
      (t) => t.sum(opts({ dim: 1 })),
      "sum(): dim must be an integer or an array of integers; got an object — pass dim positionally: sum(x, 1)",
    ],
    ["sum with keepdim", (t) => t.sum(opts({ dim: 0, keepdim: true })), "pass dim positionally: sum(x, 0, { keepdim: true })"],
    ["mean", (t) => t.mean(opts({ dim: [0, 1] })), "pass dim positionally: mean(x, [0,1])"],
    ["argmax", (t) => t.argmax(opts({ dim: 1 })), "argmax(): dim must be an integer; got an object — pass dim positionally: argmax(x, 1)"],
    ["max", (t) => t.max(opts({ dim: 1 })), "max(): dim must be an integer; got an object — pass dim positionally: max(x, 1)"],
    ["cumsum", (t) => t.cumsum(opts({ dim: 0 })), "pass dim positionally: cumsum(x, 0)"],
    ["unsqueeze", (t) => t.unsqueeze(opts({ dim: 0 })), "pass dim positionally: unsqueeze(x, 0)"],
    [
      "split",
      (t) => t.split(1, opts({ dim: 1 })),
      "split(): dim must be an integer; got an object — pass dim (1) positionally, not in an options object",
    ],
    [
      "transpose",
      (t) => t.transpose(opts({ dim0: 0, dim1: 1 }), 1),
      "transpose(): dim must be an integer; got an object — pass dims positionally",
    ],
  ];
  it.each(cases)("%s", (_, call, message) => {
    const e = thrown(() => call(x));
    expect(e).toBeInstanceOf(torch.ArgumentError);
    expect(e.message).toContain(message);
  });

  it("names non-integer dims", () => {
    expect(thrown(() => x.sum(1.5)).message).toBe("sum(): dim must be an integer; got a number (1.5)");
    expect(thrown(() => x.sum(opts("1" as unknown as object))).message).toBe(
      'sum(): dim must be an integer or an array of integers; got a string ("1")',
    );
    expect(thrown(() => x.softmax(Number.NaN))).toBeInstanceOf(torch.ArgumentError);
  });

  it("takes one integer where a list of dims goes, as PyTorch's IntArrayRef does (x.flip(0))", () => {
    const v = torch.tensor([1, 2, 3]);
    expect(Array.from(v.flip(0).toTypedArray())).toEqual([3, 2, 1]);
    expect(Array.from(x.flip(-1).toTypedArray())).toEqual(Array.from(x.flip([1]).toTypedArray()));
    expect(thrown(() => v.flip(0.5)).message).toBe("flip(): dim must be an integer or an array of integers; got a number (0.5)");
  });

  it("keeps PyTorch's IndexError for integer dims out of range, also for size() and stride()", () => {
    const e = thrown(() => x.size(5));
    expect(e).toBeInstanceOf(torch.IndexError);
    expect(e.message).toContain("Dimension out of range (expected to be in range of [-2, 1], but got 5)");
    expect(thrown(() => x.stride(-3))).toBeInstanceOf(torch.IndexError);
    expect(thrown(() => torch.tensor(1).size(0)).message).toContain("Dimension specified as 0 but tensor has no dimensions");
  });
});

describe("sizes that are not arrays of integers", () => {
  const x = torch.ones(2, 3);
  const bad = (v: unknown) => v as number;
  const cases: [string, () => unknown, string][] = [
    [
      "view with an object",
      () => x.view(bad({ shape: [3, 2] })),
      "view(): argument 'size' must be tuple of SymInts, but found element of type dict at pos 1",
    ],
    [
      "view with null",
      () => x.view([3, bad(null)]),
      "view(): argument 'size' must be tuple of SymInts, but found element of type NoneType at pos 2 (got [3, null]",
    ],
    [
      "reshape with NaN",
      () => x.reshape(3, Number.NaN),
      "reshape(): argument 'size' must be tuple of SymInts, but found element of type float at pos 2 (got [3, NaN]",
    ],
    [
      "expand with 2.5",
      () => torch.ones(1).expand(2.5),
      "expand(): argument 'size' must be tuple of SymInts, but found element of type float at pos 1 (got [2.5]",
    ],
    [
      "repeat with a string",
      () => x.repeat(bad("2"), 1),
      "repeat(): argument 'repeats' must be tuple of SymInts, but found element of type str at pos 1",
    ],
    [
      "permute with an object",
      () => x.permute(bad({ dims: [1, 0] })),
      "permute(): argument 'dims' must be tuple of SymInts, but found element of type dict at pos 1",
    ],
  ];
  it.each(cases)("%s", (_, call, message) => {
    const e = thrown(call);
    expect(e).toBeInstanceOf(torch.ArgumentError);
    expect(e.message).toContain(message);
  });

  it("gives PyTorch's messages for negative sizes", () => {
    expect(thrown(() => x.repeat(-1, 1)).message).toContain("Trying to create tensor with negative dimension -1: [-1, 1]");
    expect(thrown(() => torch.ones(3).expand(-2, 3)).message).toContain(
      "The expanded size of the tensor (-2) isn't allowed in a leading, non-existing dimension 0",
    );
    expect(thrown(() => x.expand(2, -2)).message).toContain("The expanded size of the tensor (-2) must match the existing size (3)");
    expect(thrown(() => x.view(2, -2)).message).toContain("invalid shape dimension -2");
  });
});

describe("allocations too large for the runtime", () => {
  it("raise PyTorch's allocator message with the bytes, dtype and shape", () => {
    const e = thrown(() => torch.zeros(1e6, 1e6));
    expect(e).toBeInstanceOf(torch.OutOfMemoryError);
    expect(e.message).toContain(
      "zeros(): DefaultCPUAllocator: can't allocate memory: you tried to allocate 4000000000000 bytes (a float32 tensor of shape [1000000, 1000000]",
    );
    expect(thrown(() => torch.arange(1e12)).message).toContain(
      "arange(): DefaultCPUAllocator: can't allocate memory: you tried to allocate 8000000000000 bytes (an int64 tensor",
    );
    expect(thrown(() => torch.randn(1e6, 1e6)).message).toMatch(/^randn\(\): DefaultCPUAllocator/);
  });

  it("also for results a kernel writes whole (made without zero-filling)", () => {
    const e = thrown(() => torch.ones(1, 1, { dtype: "float64" }).expand(300000, 300000).contiguous());
    expect(e).toBeInstanceOf(torch.OutOfMemoryError);
    expect(e.message).toContain("you tried to allocate 720000000000 bytes (a float64 tensor of shape [300000, 300000]");
    // The op whose forward could not allocate its result is named first.
    expect(e.message).toMatch(/^clone\(\): DefaultCPUAllocator: can't allocate memory/);
    expect(thrown(() => torch.ones(300000, 1).matmul(torch.ones(1, 300000))).message).toMatch(/^mm\(\): DefaultCPUAllocator/);
  });
});

describe("PyTorch's positional forms", () => {
  it("clamp takes its bounds positionally, as PyTorch, or as options", () => {
    const x = torch.tensor([-2, 0.5, 3]);
    expect(x.clamp(0, 1).tolist()).toEqual([0, 0.5, 1]);
    expect(torch.clamp(x, 0, 1).tolist()).toEqual([0, 0.5, 1]);
    expect(x.clamp(null, 1).tolist()).toEqual([-2, 0.5, 1]);
    expect(x.clamp(0).tolist()).toEqual([0, 0.5, 3]);
    expect(x.clamp({ max: 0 }).tolist()).toEqual([-2, 0, 0]);
    const y = x.clone();
    y.clamp_(-1, 1);
    expect(y.tolist()).toEqual([-1, 0.5, 1]);
    expect(thrown(() => x.clamp()).message).toContain("At least one of 'min' or 'max' must not be None");
    expect(thrown(() => x.clamp({ min: 0 }, 1)).message).toContain("give the bounds either positionally");
    expect(thrown(() => x.clamp("0" as never)).message).toContain("clamp(): argument 'min' must be a number or null, got a string");
  });
});
