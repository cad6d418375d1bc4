/**
 * The mask ops on the WebGPU device, whose masks and indices are not read
 * on the CPU: masked_scatter, index_put with a boolean mask (`x[mask] = v`),
 * index_fill's value gradient, and embedding's maxNorm and scaleGradByFreq.
 * Each runs on the device and on the CPU from the same data, non-contiguous
 * and broadcast operands included, and the results and gradients agree; a
 * count that does not fit raises the CPU's error at the next read.
 */

import * as torch from "kindling";
import { beforeAll, describe, expect, it } from "vitest";

beforeAll(async () => {
  expect(await torch.webgpu.init()).toBe(true);
});

type Device = "cpu" | "webgpu";

/** Deterministic values in [-2, 2) for `n` elements. */
const values = (n: number, seed: number): number[] => Array.from({ length: n }, (_, i) => (((i * 37 + seed * 11) % 41) - 20) / 10);

/** A float32 leaf requiring grad of `shape` on `device`. */
const leaf = (shape: number[], seed: number, device: Device): torch.Tensor =>
  torch
    .tensor(
      values(
        shape.reduce((a, b) => a * b, 1),
        seed,
      ),
      { device, requiresGrad: true },
    )
    .reshape(shape)
    .detach()
    .requiresGrad_();

const boolTensor = (data: boolean[], shape: number[], device: Device): torch.Tensor =>
  torch.tensor(data, { dtype: "bool", device }).reshape(shape);

/** `a`'s values (read from the device) equal `b`'s within float32 rounding. */
async function expectClose(a: torch.Tensor, b: torch.Tensor, tol = 1e-5): Promise<void> {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = [await a.toTypedArrayAsync(), await b.toTypedArrayAsync()];
  for (let i = 0; i < x.length; i++) {
    const [u, v] = [x[i] as number, y[i] as number];
    expect(Math.abs(u - v), `element ${i}: ${u} vs ${v}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(v)));
  }
}

/**
 * Runs `f` on leaves made by `make` on each device, backpropagates the same
 * gradient and compares the outputs, the leaves' gradients and the grad_fn names.
 */
async function sameOnBoth(make: (device: Device) => torch.Tensor[], f: (...xs: torch.Tensor[]) => torch.Tensor): Promise<void> {
  const [cpu, gpu] = [make("cpu"), make("webgpu")];
  const [yc, yg] = [f(...cpu), f(...gpu)];
  expect(yg.device).toBe("webgpu");
  expect(yg.gradFn?.name).toBe(yc.gradFn?.name);
  await expectClose(yg, yc);
  const g = values(yc.numel(), 7);
  yc.backward(torch.tensor(g).reshape(yc.shape));
  yg.backward(torch.tensor(g, { device: "webgpu" }).reshape(yc.shape));
  for (let i = 0; i < cpu.length; i++) {
    const [c, d] = [cpu[i] as torch.Tensor, gpu[i] as torch.Tensor];
    if (c.grad === null) expect(d.grad, `input ${i}`).toBeNull();
    else await expectClose(d.grad as torch.Tensor, c.grad);
  }
}

describe("masked_scatter on the webgpu device", () => {
  const mask12 = [true, false, true, true, false, false, true, false, true, true, false, true];

  it("fills the true places in order, for non-contiguous self and source, with the CPU's gradients", async () => {
    await sameOnBoth(
      (d) => [leaf([4, 3], 1, d), boolTensor(mask12, [3, 4], d), leaf([3, 3], 2, d)],
      (x, m, s) => torch.maskedScatter((x as torch.Tensor).t(), m as torch.Tensor, (s as torch.Tensor).t()),
    );
  });

  it("broadcasts the mask (and self) as the CPU does, in place too", async () => {
    const rows = [false, true, true, false];
    await sameOnBoth(
      (d) => [leaf([3, 4], 3, d), boolTensor(rows, [4], d), leaf([15], 4, d)],
      (x, m, s) => torch.maskedScatter(x as torch.Tensor, m as torch.Tensor, s as torch.Tensor),
    );
    await sameOnBoth(
      (d) => [leaf([4], 5, d), boolTensor([true, false, false, true, true, true, false, true], [2, 1, 4], d), leaf([3, 3], 6, d)],
      (x, m, s) => torch.maskedScatter(x as torch.Tensor, m as torch.Tensor, s as torch.Tensor),
    );
    await sameOnBoth(
      (d) => [leaf([3, 4], 7, d), boolTensor(rows, [4], d), leaf([6], 8, d)],
      (x, m, s) => (x as torch.Tensor).mul(1).maskedScatter_(m as torch.Tensor, s as torch.Tensor),
    );
  });

  it("takes nothing from an empty source when the mask is all false", async () => {
    const x = torch.tensor([1, 2, 3], { device: "webgpu" });
    const out = torch.maskedScatter(x, torch.zeros(3, { dtype: "bool", device: "webgpu" }), torch.zeros(0, { device: "webgpu" }));
    expect(await out.tolistAsync()).toEqual([1, 2, 3]);
  });

  it("raises the CPU's error at the next read when the mask has more true elements than source", async () => {
    const mask = [true, true, false, true, true];
    const cpu = () => torch.maskedScatter(torch.zeros(5), torch.tensor(mask, { dtype: "bool" }), torch.ones(3));
    expect(cpu).toThrow(torch.ShapeError);
    expect(cpu).toThrow("masked_scatter: Number of elements of source < number of ones in mask (3 < 4)");
    const x = torch.zeros(5, { device: "webgpu" });
    const out = torch.maskedScatter(x, torch.tensor(mask, { dtype: "bool", device: "webgpu" }), torch.ones(3, { device: "webgpu" }));
    await expect(out.tolistAsync()).rejects.toThrow(torch.ShapeError);
    // The record is cleared by the read that raised it.
    expect(await out.sum().itemAsync()).toBeTypeOf("number");
    x.maskedScatter_(torch.ones(5, { dtype: "bool", device: "webgpu" }), torch.ones(0, { device: "webgpu" }));
    await expect(x.tolistAsync()).rejects.toThrow("masked_scatter_: Number of elements of source < number of ones in mask (0 < 5)");
    const empty = torch.zeros(0, { device: "webgpu" });
    expect(await torch.maskedScatter(empty, torch.ones(0, { dtype: "bool", device: "webgpu" }), empty).tolistAsync()).toEqual([]);
  });
});

describe("index_put with a boolean mask on the webgpu device", () => {
  const mask = [true, false, true, true];

  it("writes a number, a 0-d or one-element tensor (accumulating too), with the CPU's gradients", async () => {
    await sameOnBoth(
      (d) => [leaf([4, 3], 1, d), boolTensor(mask, [4], d)],
      (x, m) => (x as torch.Tensor).mul(1).indexPut_([m as torch.Tensor], 2.5),
    );
    for (const accumulate of [false, true]) {
      await sameOnBoth(
        (d) => [leaf([3, 4], 2, d), boolTensor(mask, [4], d), leaf([], 3, d)],
        (x, m, v) =>
          (x as torch.Tensor)
            .t()
            .mul(1)
            .indexPut_([m as torch.Tensor], v as torch.Tensor, { accumulate }),
      );
      await sameOnBoth(
        (d) => [leaf([4, 3], 4, d), boolTensor(mask, [4], d), leaf([1, 1, 3], 5, d)],
        (x, m, v) => (x as torch.Tensor).mul(1).indexPut_([m as torch.Tensor], v as torch.Tensor, { accumulate }),
      );
    }
  });

  it("writes a value with one slice per true element in order, under slices and for a 2-d mask", async () => {
    for (const accumulate of [false, true]) {
      // x[:, mask] = v with v [count, 2]: the indexed shape is [3, count, 2].
      await sameOnBoth(
        (d) => [leaf([3, 4, 2], 6, d), boolTensor(mask, [4], d), leaf([3, 2], 7, d)],
        (x, m, v) => (x as torch.Tensor).mul(1).indexPut_([":", m as torch.Tensor], v as torch.Tensor, { accumulate }),
      );
      // x[1:, mask2d] = v with v [count]: the indexed shape is [1, count].
      await sameOnBoth(
        (d) => [leaf([2, 3, 2], 8, d), boolTensor([true, false, false, true, true, true], [3, 2], d), leaf([4], 9, d)],
        (x, m, v) => (x as torch.Tensor).mul(1).indexPut_(["1:", m as torch.Tensor], v as torch.Tensor, { accumulate }),
      );
    }
    await sameOnBoth(
      (d) => [leaf([4, 3], 10, d), boolTensor(mask, [4], d), leaf([3, 1], 11, d)],
      (x, m, v) => (x as torch.Tensor).mul(1).indexPut_([m as torch.Tensor], v as torch.Tensor),
    );
  });

  it("raises the CPU's error at the next read when the count does not fit the value", async () => {
    const call = (device: Device, n: number) =>
      torch.zeros(4, 3, { device }).indexPut_([torch.tensor(mask, { dtype: "bool", device })], torch.ones(n, 3, { device }));
    const message = "index_put_: shape mismatch: value tensor of shape [2, 3] cannot be broadcast to indexing result of shape [3, 3]";
    expect(() => call("cpu", 2)).toThrow(message);
    await expect(call("webgpu", 2).tolistAsync()).rejects.toThrow(message);
    await expect(call("webgpu", 4).tolistAsync()).rejects.toThrow(
      "value tensor of shape [4, 3] cannot be broadcast to indexing result of shape [3, 3]",
    );
    expect(await call("webgpu", 3).tolistAsync()).toEqual(await call("cpu", 3).tolistAsync());
    // A value that cannot fit whatever the count raises at once, the count printed as n.
    const bad = () =>
      torch
        .zeros(4, 3, { device: "webgpu" })
        .indexPut_([torch.tensor(mask, { dtype: "bool", device: "webgpu" })], torch.ones(3, 2, { device: "webgpu" }));
    expect(bad).toThrow(torch.ShapeError);
    expect(bad).toThrow("index_put_: shape mismatch: value tensor of shape [3, 2] cannot be broadcast to indexing result of shape [n, 3]");
  });

  it("takes an empty mask, whose count is known", async () => {
    const call = (device: Device, n: number) =>
      torch.zeros(0, 3, { device }).indexPut_([torch.zeros(0, { dtype: "bool", device })], torch.ones(n, 3, { device }));
    expect(await call("webgpu", 0).tolistAsync()).toEqual([]);
    for (const d of ["cpu", "webgpu"] as const) {
      expect(() => call(d, 2), d).toThrow(
        "index_put_: shape mismatch: value tensor of shape [2, 3] cannot be broadcast to indexing result of shape [0, 3]",
      );
    }
  });

  it("keeps the mask's shape error, and reading x[mask] names the ways out", () => {
    const x = torch.zeros(4, 3, { device: "webgpu" });
    const wrong = torch.ones(3, { dtype: "bool", device: "webgpu" });
    expect(() => x.indexPut_([wrong], 1)).toThrow(
      "The shape of the mask [3] at index 0 does not match the shape of the indexed tensor [4, 3] at index 0",
    );
    const read = () => x.index(torch.ones(4, { dtype: "bool", device: "webgpu" }));
    expect(read).toThrow(torch.DeviceError);
    expect(read).toThrow(/not currently implemented for the webgpu device.*await x\.cpuAsync\(\).*torch\.where\(mask, x, 0\)/);
  });
});

describe("index_fill's value gradient on the webgpu device", () => {
  it("sums the gradient over the filled slices, each once, as the CPU", async () => {
    const index = [2, 0, -1, 0];
    for (const dim of [0, 1]) {
      await sameOnBoth(
        (d) => [leaf([3, 3], 1, d), torch.tensor(index, { dtype: "int64", device: d }), leaf([], 2, d)],
        (x, i, v) => torch.indexFill((x as torch.Tensor).t(), dim, i as torch.Tensor, v as torch.Tensor),
      );
    }
    await sameOnBoth(
      (d) => [leaf([], 3, d), torch.tensor([0, -1], { dtype: "int64", device: d }), leaf([], 4, d)],
      (x, i, v) => torch.indexFill(x as torch.Tensor, 0, i as torch.Tensor, v as torch.Tensor),
    );
  });
});

describe("embedding's maxNorm and scaleGradByFreq on the webgpu device", () => {
  const index = (d: Device) =>
    torch.tensor(
      [
        [3, 1, 3],
        [0, 3, 1],
      ],
      { dtype: "int64", device: d },
    );

  it("divides each row's gradient by its count in the batch (with padding, int32 indices, a transposed weight)", async () => {
    await sameOnBoth(
      (d) => [leaf([5, 3], 1, d)],
      (w) => torch.F.embedding(index(w.device as Device), w as torch.Tensor, { scaleGradByFreq: true }),
    );
    await sameOnBoth(
      (d) => [leaf([3, 5], 2, d)],
      (w) => torch.F.embedding(index(w.device as Device).to("int32"), (w as torch.Tensor).t(), { scaleGradByFreq: true, paddingIdx: 1 }),
    );
  });

  it("gives second derivatives through the scaled backward", async () => {
    const grads = await Promise.all(
      (["cpu", "webgpu"] as const).map(async (d) => {
        const w = leaf([5, 3], 3, d);
        const y = torch.F.embedding(index(d), w, { scaleGradByFreq: true });
        const g = torch.tensor(values(18, 4), { device: d, requiresGrad: true }).reshape([2, 3, 3]);
        const [gw] = torch.autograd.grad([y], [w], { gradOutputs: [g], createGraph: true });
        const [gg] = torch.autograd.grad([(gw as torch.Tensor).pow(2).sum()], [g]);
        return gg as torch.Tensor;
      }),
    );
    await expectClose(grads[1] as torch.Tensor, grads[0] as torch.Tensor);
  });

  it("renorms each looked-up row once in place, repeated rows included, as the CPU", async () => {
    for (const [maxNorm, normType] of [
      [1, 2],
      [1.5, 1],
      [0.5, 3],
    ] as const) {
      const [wc, wg] = [leaf([5, 3], 5, "cpu"), leaf([5, 3], 5, "webgpu")];
      const yc = torch.F.embedding(index("cpu"), wc, { maxNorm, normType });
      const yg = torch.F.embedding(index("webgpu"), wg, { maxNorm, normType });
      await expectClose(yg, yc);
      await expectClose(wg, wc);
      // Row 2 is not looked up, row 4 neither: both keep their values.
      expect(await wg.index(2).tolistAsync()).toEqual(await leaf([5, 3], 5, "cpu").index(2).tolistAsync());
      expect(wg.requiresGrad && wg.isLeaf).toBe(true);
      yc.sum().backward();
      yg.sum().backward();
      await expectClose(wg.grad as torch.Tensor, wc.grad as torch.Tensor);
    }
  });
});
