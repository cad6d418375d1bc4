/**
 * Misuse of the autograd API gets PyTorch 1.13's errors (recorded there),
 * and mistakes only JavaScript allows get errors that say what to fix.
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { thrown } from "../../helpers/thrown.js";
import { onDevice, type TestDevice } from "./device.js";

const BACKWARD_TWICE = "Trying to backward through the graph a second time";

/** Misuse of the autograd API, on `device`. */
export function misuseTests(device: TestDevice): void {
  const { values, cpuOnly } = onDevice(device);
  describe("assigning .grad", () => {
    it("refuses another size, another dtype, the tensor itself and non-tensors, with PyTorch's messages", async () => {
      const x = torch.ones(3, { requiresGrad: true });
      const set = (v: unknown) => () => {
        x.grad = v as Tensor;
      };
      expect(set(torch.zeros(4))).toThrow(torch.ShapeError);
      expect(set(torch.zeros(4))).toThrow("assigned grad has data of a different size");
      expect(set(torch.zeros([3, 1]))).toThrow("assigned grad has data of a different size");
      // float64 made on the CPU (the device has none): the dtype is checked before the device.
      expect(set(torch.zeros(3, { dtype: "float64", device: "cpu" }))).toThrow(torch.DTypeError);
      expect(set(torch.zeros(3, { dtype: "float64", device: "cpu" }))).toThrow("assigned grad has data of a different type");
      // The dtype is checked first, as in PyTorch.
      expect(set(torch.zeros(4, { dtype: "float64", device: "cpu" }))).toThrow("assigned grad has data of a different type");
      expect(set(x)).toThrow(torch.AutogradError);
      expect(set(x)).toThrow("can't assign Variable as its own grad");
      expect(set(5)).toThrow(torch.ArgumentError);
      expect(set(5)).toThrow("assigned grad expected to be a Tensor or None but got grad of type int");
      expect(set([1, 2, 3])).toThrow("got grad of type list (.grad takes a Tensor or null, got an array)");
      expect(x.grad).toBeNull();
    });

    it("accepts a tensor of the same size and dtype (a view of x too), null and undefined", async () => {
      const x = torch.ones(3, { requiresGrad: true });
      x.grad = x.detach();
      expect(await values(x.grad)).toEqual([1, 1, 1]);
      x.grad = null;
      expect(x.grad).toBeNull();
      x.grad = torch.zeros(1).expand(3);
      x.grad = undefined as unknown as null;
      expect(x.grad).toBeNull();
    });
  });

  describe("backward and autograd.grad given what is not a tensor", () => {
    const y = () => torch.ones(3, { requiresGrad: true }).mul(2);

    it("tensor.backward(array or number): PyTorch's TypeError, and how to wrap it", async () => {
      const err = thrown(() => y().backward([1, 1, 1] as unknown as Tensor));
      expect(err).toBeInstanceOf(torch.ArgumentError);
      expect(err.message).toBe(
        "backward(): gradients can be either Tensors or None, but got list (gradient must be a Tensor or null, got an array — wrap it: torch.tensor([1, 1, 1]))",
      );
      expect(
        thrown(() =>
          y()
            .sum()
            .backward(1 as unknown as Tensor),
        ).message,
      ).toContain(
        "gradients can be either Tensors or None, but got int (gradient must be a Tensor or null, got a number (1) — wrap it: torch.tensor(1))",
      );
    });

    it("tensor.backward(options): options one argument too early, and where they go", async () => {
      const err = thrown(() =>
        y()
          .sum()
          .backward({ createGraph: true } as unknown as Tensor),
      );
      expect(err).toBeInstanceOf(torch.ArgumentError);
      expect(err.message).toBe(
        "backward(): gradients can be either Tensors or None, but got dict (gradient must be a Tensor or null, got an object — that looks like options ({ createGraph }): they go in the argument after this one, with null here)",
      );
    });

    it("autograd.backward and autograd.grad name the argument and the position", async () => {
      const t = y().sum();
      expect(thrown(() => torch.autograd.backward([t], [1 as unknown as Tensor])).message).toContain(
        "backward(): gradients can be either Tensors or None, but got int (gradTensors[0] must be a Tensor or null",
      );
      expect(thrown(() => torch.autograd.backward([5 as unknown as Tensor])).message).toBe(
        "backward(): tensors[0] must be a Tensor, got a number (5) — wrap it: torch.tensor(5)",
      );
      const x = torch.ones(3, { requiresGrad: true });
      const s = x.mul(2).sum();
      expect(thrown(() => torch.autograd.grad([s], [5 as unknown as Tensor])).message).toContain(
        "grad(): all inputs have to be Tensors, but got int (inputs[0] must be a Tensor",
      );
      expect(thrown(() => torch.autograd.grad("s" as unknown as Tensor, [x])).message).toContain(
        'grad(): outputs must be a Tensor, got a string ("s")',
      );
      expect(thrown(() => torch.autograd.grad([s], [x], { gradOutputs: [[1]] as unknown as Tensor[] })).message).toContain(
        "grad(): gradients can be either Tensors or None, but got list (gradOutputs[0] must be a Tensor or null",
      );
      // Nothing ran: the graph is intact.
      expect(await values(torch.autograd.grad([s], [x])[0])).toEqual([2, 2, 2]);
    });

    it("options of the wrong type or name", async () => {
      const opt = (o: unknown) => () =>
        y()
          .sum()
          .backward(null, o as torch.BackwardOptions);
      expect(opt({ retainGraph: "yes" })).toThrow(`backward(): option 'retainGraph' must be a boolean, got a string ("yes")`);
      expect(opt({ retain_graph: true })).toThrow(
        "backward() got an unexpected keyword argument 'retain_graph' (did you mean 'retainGraph'?); backward takes { retainGraph, createGraph, inputs }",
      );
      expect(opt(true)).toThrow(
        "backward(): expected an options object { retainGraph, createGraph, inputs }, got a boolean (true) — keyword arguments go in an options object: { retainGraph: true }",
      );
      expect(opt({ inputs: [] })).toThrow("'inputs' argument to backward() cannot be empty.");
      expect(opt({ inputs: [5] })).toThrow("all inputs have to be Tensors, but got int");
      const x = torch.ones(3, { requiresGrad: true });
      expect(() => torch.autograd.grad([x.sum()], [x], { allowUnused: 1 } as unknown as torch.GradOptions)).toThrow(
        "grad(): option 'allowUnused' must be a boolean, got a number (1)",
      );
      expect(() => torch.autograd.grad([x.sum()], [])).toThrow("grad requires non-empty inputs.");
    });
  });

  describe("in-place leakyRelu with a negative slope", () => {
    const MESSAGE =
      "In-place leakyReLu backward calculation is triggered with a negative slope which is not supported. This is caused by calling in-place forward function with a negative slope, please call out-of-place version instead.";

    it("records LeakyReluBackward1 and raises PyTorch's error in backward (not in forward)", async () => {
      const a = torch.tensor([-1, 2, -3], { requiresGrad: true });
      const b = a.clone();
      torch.F.leakyRelu_(b, -0.5);
      expect(await values(b)).toEqual([0.5, 2, 1.5]);
      expect(String(b.gradFn)).toBe("<LeakyReluBackward1>");
      const err = thrown(() => b.sum().backward());
      expect(err).toBeInstanceOf(torch.AutogradError);
      expect(err.message).toContain(MESSAGE);
      // The same through F.leakyRelu(x, slope, { inplace: true }), nn.LeakyReLU(slope, true), and on a view.
      const c = a.clone();
      torch.F.leakyRelu(c, -0.1, { inplace: true });
      expect(() => c.sum().backward()).toThrow(MESSAGE);
      const d = a.clone();
      new torch.nn.LeakyReLU(-0.2, true).forward(d);
      expect(() => d.sum().backward()).toThrow(MESSAGE);
      const e = a.clone();
      torch.F.leakyRelu_(e.narrow(0, 1, 2), -0.5);
      expect(() => e.sum().backward()).toThrow(MESSAGE);
    });

    it("a slope >= 0 gives PyTorch's gradients, computed from the result", async () => {
      // d/dx leaky(x) = 1 for x > 0, slope otherwise: [slope, 1, slope].
      const a = torch.tensor([-1, 2, -3], { requiresGrad: true });
      for (const slope of [0.5, 0, -0]) {
        a.grad = null;
        const b = a.clone();
        torch.F.leakyRelu_(b, slope);
        b.sum().backward();
        const grad = a.grad as Tensor | null;
        expect(await values(grad)).toEqual([slope, 1, slope]);
      }
      const b = a.clone();
      torch.F.leakyRelu_(b, 0.5);
      const [g] = torch.autograd.grad([b.sum()], [a], { createGraph: true });
      expect(String(g.gradFn)).toBe("<LeakyReluBackwardBackward0>");
    });

    it("is allowed when nothing requires grad", async () => {
      const x = torch.tensor([-1, 2]);
      torch.F.leakyRelu_(x, -0.5);
      expect(await values(x)).toEqual([0.5, 2]);
    });
  });

  describe("a second backward through index and index_put_ nodes", () => {
    const idx = () => torch.tensor([0, 2], { dtype: "int64" });

    it("raises PyTorch's error, as every node that saves tensors does", async () => {
      const x = torch.randn([3, 4], { requiresGrad: true });
      const y = x.index(idx()).sum();
      y.backward();
      expect(() => y.backward()).toThrow(torch.AutogradError);
      expect(() => y.backward()).toThrow(BACKWARD_TWICE);

      const cases: (() => Tensor)[] = [
        () => x.clone().indexPut_([idx()], torch.ones(4)),
        () => x.clone().indexPut_([idx()], torch.ones(4), { accumulate: true }),
        () => {
          const b = x.clone();
          b.select(0, 0).indexPut_([idx()], torch.ones(2));
          return b;
        },
      ];
      for (const make of cases) {
        const z = make().sum();
        z.backward();
        expect(() => z.backward()).toThrow(BACKWARD_TWICE);
      }
    });

    cpuOnly("selecting with a boolean mask reads the mask on the CPU (docs/webgpu.md)")("also through a boolean mask", () => {
      const x = torch.randn([3, 4], { requiresGrad: true });
      const z = x.index(":", torch.tensor([true, false, true, false])).sum();
      z.backward();
      expect(() => z.backward()).toThrow(BACKWARD_TWICE);
    });

    it("works again with retainGraph, and basic indexing keeps no indices", async () => {
      const x = torch.ones([3, 4], { requiresGrad: true });
      const y = x.index(idx()).sum();
      y.backward(null, { retainGraph: true });
      y.backward();
      expect((await values(x.grad))?.slice(0, 4)).toEqual([2, 2, 2, 2]);
      // x[1] is a select view: PyTorch's SelectBackward0 saves nothing, so a second pass runs.
      const z = x.index(1).sum();
      z.backward();
      z.backward();
    });
  });
}
