/**
 * Custom autograd Functions (torch.autograd.Function): each scenario is
 * scripts/record/autograd_extend.py's, written in Kindling, and records what
 * PyTorch 1.13 recorded (test/helpers/scenarios.ts). Functions written with
 * differentiable ops pass gradcheck and gradgradcheck.
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { expectScenarioAsync, type Recorder, recordedScenarios, recorder } from "../../helpers/scenarios.js";
import { onDevice, type TestDevice } from "./device.js";

type Ctx = torch.autograd.FunctionCtx;
const leaf = (values: number[]) => torch.tensor(values, { requiresGrad: true });
const nextNames = (t: Tensor) => t.gradFn?.nextFunctions.map(([n, i]) => [n?.name ?? null, i]);
const ctxOf = (t: Tensor) => t.gradFn as Ctx;

class MulConstant extends torch.autograd.Function {
  static override forward(ctx: Ctx, x: Tensor, k: number): Tensor {
    ctx.k = k;
    ctx.saveForBackward(x);
    return x.mul(k);
  }
  static override backward(ctx: Ctx, g: Tensor): [Tensor, null] {
    return [g.mul(ctx.k), null];
  }
}

class Id extends torch.autograd.Function {
  static override forward(_ctx: Ctx, x: Tensor): Tensor {
    return x;
  }
  static override backward(_ctx: Ctx, g: Tensor): Tensor {
    return g;
  }
}

class ViewOut extends torch.autograd.Function {
  static override forward(_ctx: Ctx, x: Tensor): Tensor {
    return x.narrow(0, 0, 1);
  }
  static override backward(_ctx: Ctx, g: Tensor): Tensor {
    return torch.cat([g, torch.zeros(1)]);
  }
}

class Dirty extends torch.autograd.Function {
  static override forward(ctx: Ctx, x: Tensor): Tensor {
    x.mul_(2);
    ctx.markDirty(x);
    return x;
  }
  static override backward(_ctx: Ctx, g: Tensor): Tensor {
    return g.mul(2);
  }
}

class Saves extends torch.autograd.Function {
  static override forward(ctx: Ctx, x: Tensor): Tensor {
    ctx.saveForBackward(x);
    return x.mul(2);
  }
  static override backward(ctx: Ctx, g: Tensor): Tensor {
    const [x] = ctx.savedTensors as [Tensor];
    return g.mul(x);
  }
}

class SavesOutput extends torch.autograd.Function {
  static override forward(ctx: Ctx, x: Tensor): Tensor {
    const y = x.mul(2);
    ctx.saveForBackward(y);
    return y;
  }
  static override backward(ctx: Ctx, g: Tensor): Tensor {
    const [y] = ctx.savedTensors as [Tensor];
    return g.mul(y);
  }
}

class Cube extends torch.autograd.Function {
  static override forward(ctx: Ctx, x: Tensor): Tensor {
    ctx.saveForBackward(x);
    return x.pow(3);
  }
  static override backward(ctx: Ctx, g: Tensor): Tensor {
    const [x] = ctx.savedTensors as [Tensor];
    return g.mul(3).mul(x.pow(2));
  }
}

class CubeOnce extends torch.autograd.Function {
  static override forward(ctx: Ctx, x: Tensor): Tensor {
    ctx.saveForBackward(x);
    return x.pow(3);
  }
  static override backward = torch.autograd.function.onceDifferentiable((ctx: Ctx, g: Tensor) => {
    const [x] = ctx.savedTensors as [Tensor];
    return g.mul(3).mul(x.pow(2));
  });
}

/** Each scenario, as scripts/record/autograd_extend.py runs it. */
const scenarios: Record<string, (rec: Recorder) => void | Promise<void>> = {
  fn_mul_constant(rec) {
    const x = leaf([1, 2]);
    const y = MulConstant.apply(x, 3);
    rec(y, y.gradFn, nextNames(y), ctxOf(y).savedTensors, ctxOf(y).needsInputGrad, ctxOf(y).k);
    y.sum().backward();
    rec(x.grad);
    rec.run(() => ctxOf(y).savedTensors);
  },

  fn_retain_graph_saved(rec) {
    const x = leaf([1, 2]);
    const y = MulConstant.apply(x, 2);
    y.sum().backward(null, { retainGraph: true });
    rec(ctxOf(y).savedTensors);
    y.sum().backward();
    rec(x.grad);
  },

  fn_input_returned(rec) {
    const x = leaf([1, 2]);
    const y = Id.apply(x);
    rec(y === x, y._base === x, y.isLeaf, y);
    const y2 = torch.noGrad(() => Id.apply(x));
    rec(y2 === x, y2._base === x, y2.requiresGrad);
    const z = torch.tensor([1, 2]);
    const y3 = Id.apply(z);
    rec(y3 === z, y3._base === z, y3.requiresGrad);
    y.sum().backward();
    rec(x.grad);
  },

  fn_view_output_inplace(rec) {
    const x = leaf([1, 2]);
    const y = Id.apply(x.clone());
    rec.run(() => y.mul_(2));
    let b = x.clone();
    const y2 = Id.apply(b);
    b.add_(1);
    rec.run(() => y2.gradFn);
    b = x.clone();
    const z = Id.apply(b).narrow(0, 0, 1);
    rec.run(() => z.mul_(2));
  },

  fn_view_of_input(rec) {
    const x = leaf([1, 2]);
    const u = x.clone();
    const y = ViewOut.apply(u);
    rec(y, y._base === u);
    rec.run(() => y.mul_(2));
    y.sum().backward();
    rec(x.grad);
  },

  fn_backward_errors(rec) {
    const x = leaf([1, 2]);
    const fn = (backward: (g: Tensor) => unknown, twoArgs = true) =>
      class extends torch.autograd.Function {
        static override forward(_ctx: Ctx, x: Tensor, k = 2): Tensor {
          return x.mul(twoArgs ? k : 2);
        }
        static override backward(_ctx: Ctx, g: Tensor): unknown {
          return backward(g);
        }
      };
    const named = <C extends object>(name: string, c: C): C => Object.defineProperty(c, "name", { value: name });
    const Bad = named(
      "Bad",
      fn((g) => g),
    );
    rec.run(() => Bad.apply(x, 2).sum().backward());
    const Bad2 = named(
      "Bad2",
      fn((g) => [g, g]),
    );
    rec.run(() => Bad2.apply(x, 2).sum().backward());
    const Bad3 = named(
      "Bad3",
      fn((g) => [g, null, null]),
    );
    rec.run(() => Bad3.apply(x, 2).sum().backward());
    rec(x.grad);
    class Bad4 extends torch.autograd.Function {
      static override forward(_ctx: Ctx, x: Tensor): Tensor {
        return x.mul(2);
      }
      static override backward(): Tensor {
        return torch.ones(3);
      }
    }
    rec.run(() => Bad4.apply(x).sum().backward());
    class Bad6 extends torch.autograd.Function {
      static override forward(_ctx: Ctx, x: Tensor): Tensor {
        return x.mul(2);
      }
      static override backward(): number {
        return 3;
      }
    }
    rec.run(() => Bad6.apply(x).sum().backward());
    class NoBwd extends torch.autograd.Function {
      static override forward(_ctx: Ctx, x: Tensor): Tensor {
        return x.mul(2);
      }
    }
    rec.run(() => NoBwd.apply(x).sum().backward());
    class NoFwd extends torch.autograd.Function {}
    rec.run(() => NoFwd.apply(x));
  },

  fn_gradient_reduced_and_cast(rec) {
    const x = leaf([1, 2]);
    class Wide extends torch.autograd.Function {
      static override forward(_ctx: Ctx, x: Tensor): Tensor {
        return x.mul(2);
      }
      static override backward(_ctx: Ctx, g: Tensor): Tensor {
        return g.expand(3, 2).double();
      }
    }
    Wide.apply(x).sum().backward();
    rec(x.grad);
  },

  fn_multiple_outputs(rec) {
    const x = leaf([1, 2]);
    class Two extends torch.autograd.Function {
      static override forward(_ctx: Ctx, x: Tensor) {
        return [x.mul(2), x.mul(3), "s", 4] as const;
      }
      static override backward(_ctx: Ctx, g1: Tensor, g2: Tensor, g3: null, g4: null): Tensor {
        rec(g1, g2, g3, g4);
        return g1.add(g2);
      }
    }
    const [a, b, s, n] = Two.apply(x);
    rec(a, b, s, n, a.gradFn === b.gradFn, a._outputNr, b._outputNr);
    a.sum().backward();
    rec(x.grad);
  },

  fn_materialize_grads(rec) {
    const x = leaf([1, 2]);
    class TwoNM extends torch.autograd.Function {
      static override forward(ctx: Ctx, x: Tensor): [Tensor, Tensor] {
        ctx.setMaterializeGrads(false);
        return [x.mul(2), x.mul(3)];
      }
      static override backward(_ctx: Ctx, g1: Tensor | null, g2: Tensor | null): Tensor | null {
        rec(g1, g2);
        return g1 ?? g2;
      }
    }
    const [a, b] = TwoNM.apply(x);
    a.sum().backward();
    b.sum().backward();
    rec(x.grad);
  },

  fn_same_output_twice(rec) {
    const x = leaf([1, 2]);
    class Same extends torch.autograd.Function {
      static override forward(_ctx: Ctx, x: Tensor): [Tensor, Tensor] {
        const y = x.mul(2);
        return [y, y];
      }
      static override backward(_ctx: Ctx, g1: Tensor, g2: Tensor): Tensor {
        rec(g1, g2);
        return g1.add(g2);
      }
    }
    const [a, b] = Same.apply(x);
    rec(a === b);
    a.sum().add(b.sum().mul(10)).backward();
    rec(x.grad);
  },

  fn_non_differentiable(rec) {
    const x = leaf([1, 2]);
    class ND extends torch.autograd.Function {
      static override forward(ctx: Ctx, x: Tensor): [Tensor, Tensor] {
        const y = x.mul(2);
        const z = x.mul(3);
        ctx.markNonDifferentiable(z);
        return [y, z];
      }
      static override backward(_ctx: Ctx, g1: Tensor, g2: Tensor): Tensor {
        rec(g1, g2);
        return g1;
      }
    }
    const [a, b] = ND.apply(x);
    rec(a.requiresGrad, b.requiresGrad, b.isLeaf);
    a.sum().backward();
    rec(x.grad);
    class NDI extends torch.autograd.Function {
      static override forward(ctx: Ctx, x: Tensor): Tensor {
        ctx.markNonDifferentiable(x);
        return x;
      }
      static override backward(_ctx: Ctx, g: Tensor): Tensor {
        return g;
      }
    }
    const r = NDI.apply(x);
    rec(r === x, r.requiresGrad, r._base === x);
    class Ints extends torch.autograd.Function {
      static override forward(_ctx: Ctx, x: Tensor): [Tensor, Tensor] {
        return [x.mul(2), x.long()];
      }
      static override backward(_ctx: Ctx, g: Tensor, h: Tensor): Tensor {
        rec(h);
        return g;
      }
    }
    const [i, j] = Ints.apply(x);
    rec(i.requiresGrad, j.requiresGrad);
    i.sum().backward();
    rec(x.grad);
  },

  fn_mark_dirty(rec) {
    const x = leaf([1, 2]);
    const u = x.clone();
    const v = Dirty.apply(u);
    rec(v === u, u.gradFn, u._storage.version, nextNames(u));
    v.sum().backward();
    rec(x.grad);
    rec.run(() => Dirty.apply(leaf([1, 2])));
    const plain = torch.tensor([1, 2]);
    rec(Dirty.apply(plain), plain.gradFn);
    class NotReturned extends torch.autograd.Function {
      static override forward(ctx: Ctx, x: Tensor): Tensor {
        x.mul_(2);
        ctx.markDirty(x);
        return x.mul(1);
      }
      static override backward(_ctx: Ctx, g: Tensor): Tensor {
        return g;
      }
    }
    rec.run(() => NotReturned.apply(x.clone()));
  },

  fn_mark_dirty_view(rec) {
    const x = leaf([1, 2]);
    const base = x.clone();
    const view = base.narrow(0, 0, 1);
    const r = Dirty.apply(view);
    rec(r.gradFn, base.gradFn, base);
    base.sum().backward();
    rec(x.grad);
    class DirtyTwo extends torch.autograd.Function {
      static override forward(ctx: Ctx, x: Tensor): [Tensor, Tensor] {
        x.mul_(2);
        ctx.markDirty(x);
        return [x, x.mul(2)];
      }
      static override backward(_ctx: Ctx, g: Tensor): Tensor {
        return g.mul(2);
      }
    }
    rec.run(() => DirtyTwo.apply(x.clone().narrow(0, 1, 1)));
  },

  fn_saved_versions(rec) {
    const x = leaf([1, 2]);
    const u = x.clone();
    const y = Saves.apply(u);
    u.add_(1);
    rec.run(() => y.sum().backward());
    const y2 = SavesOutput.apply(x);
    y2.mul_(3);
    rec.run(() => y2.sum().backward());
    const l2 = leaf([1, 2]);
    const y3 = Saves.apply(l2);
    torch.noGrad(() => l2.add_(1));
    rec.run(() => y3.sum().backward());
    const y4 = Saves.apply(x);
    rec(ctxOf(y4).savedTensors[0] === x);
    class SaveBad extends torch.autograd.Function {
      static override forward(ctx: Ctx, x: Tensor): Tensor {
        ctx.saveForBackward(x, 3 as unknown as Tensor);
        return x;
      }
      static override backward(_ctx: Ctx, g: Tensor): Tensor {
        return g;
      }
    }
    rec.run(() => SaveBad.apply(x));
    class SaveNone extends torch.autograd.Function {
      static override forward(ctx: Ctx, x: Tensor, k: number): Tensor {
        ctx.saveForBackward(null, x);
        rec(ctx.needsInputGrad, ctx.savedTensors);
        return x.mul(k);
      }
      static override backward(ctx: Ctx, g: Tensor): [Tensor, null] {
        const [a, b] = ctx.savedTensors as [null, Tensor];
        rec(a, b);
        return [g.mul(b), null];
      }
    }
    SaveNone.apply(x, 2).sum().backward();
    rec(x.grad);
  },

  fn_double_backward(rec) {
    const x = leaf([1, 2]);
    const [g] = torch.autograd.grad(Cube.apply(x).sum(), [x], { createGraph: true });
    rec(g);
    rec(torch.autograd.grad(g.sum(), [x]));
  },

  fn_once_differentiable(rec) {
    const x = leaf([1, 2]);
    const y = CubeOnce.apply(x);
    const [g] = torch.autograd.grad(y.mul(y).sum(), [x], { createGraph: true });
    rec(g, nextNames(g));
    rec.run(() => g.sum().backward());
    rec.run(() => torch.autograd.grad(g.sum(), [x]));
    const [g1] = torch.autograd.grad(CubeOnce.apply(x).sum(), [x], { createGraph: true });
    rec(g1);
  },

  fn_grad_mode_inside(rec) {
    const x = leaf([1, 2]);
    class Modes extends torch.autograd.Function {
      static override forward(_ctx: Ctx, x: Tensor): Tensor {
        rec(torch.isGradEnabled(), x.mul(2).requiresGrad);
        return x.mul(2);
      }
      static override backward(_ctx: Ctx, g: Tensor): Tensor {
        rec(torch.isGradEnabled());
        return g;
      }
    }
    Modes.apply(x).sum().backward();
    torch.autograd.grad(Modes.apply(x).sum(), [x], { createGraph: true });
    const y = torch.noGrad(() => Modes.apply(x));
    rec(y.requiresGrad, y.gradFn);
  },

  fn_hooks_and_retain_grad(rec) {
    const x = leaf([1, 2]);
    const w = torch.ones(2);
    class M extends torch.autograd.Function {
      static override forward(_ctx: Ctx, x: Tensor, w: Tensor): Tensor {
        return x.mul(w);
      }
      static override backward(ctx: Ctx, g: Tensor): [Tensor, Tensor] {
        rec(ctx.needsInputGrad);
        return [g, g.mul(100)];
      }
    }
    const y = M.apply(x, w);
    y.registerHook((g) => g.mul(10));
    y.retainGrad();
    y.sum().backward();
    rec(x.grad, y.grad);
  },
};

/** Custom autograd Functions, on `device`. */
export function functionTests(device: TestDevice): void {
  const { values, item, cpuOnly } = onDevice(device);
  describe("custom Function: PyTorch's recorded scenarios", () => {
    it("has every recorded scenario written here", async () => {
      expect(Object.keys(scenarios).sort()).toEqual(recordedScenarios("fn_").sort());
    });
    const castsToDouble = cpuOnly("float64: the scenario's backward returns a double gradient; the device has none");
    for (const [name, run] of Object.entries(scenarios)) {
      (name === "fn_gradient_reduced_and_cast" ? castsToDouble : it)(name, async () => {
        const rec = recorder();
        await run(rec);
        await expectScenarioAsync(name, rec);
      });
    }
  });

  describe("custom Function: checks", () => {
    const gradcheckOnly = cpuOnly("float64 and synchronous reads: gradcheck's finite differences; the device has neither");

    gradcheckOnly("passes gradcheck and gradgradcheck when backward is written with differentiable ops", () => {
      const x = torch.tensor([0.5, -1.5, 2], { dtype: "float64", requiresGrad: true });
      expect(torch.autograd.gradcheck((t) => Cube.apply(t), [x])).toBe(true);
      expect(torch.autograd.gradgradcheck((t) => Cube.apply(t), [x])).toBe(true);
      const k = torch.tensor([2, 3], { dtype: "float64", requiresGrad: true });
      expect(torch.autograd.gradgradcheck((t) => MulConstant.apply(t, 1.5).mul(t), [k])).toBe(true);
    });

    gradcheckOnly("gradcheck finds a wrong backward", () => {
      class Wrong extends torch.autograd.Function {
        static override forward(_ctx: Ctx, x: Tensor): Tensor {
          return x.exp();
        }
        static override backward(_ctx: Ctx, g: Tensor): Tensor {
          return g;
        }
      }
      const x = torch.tensor([0.5, 1], { dtype: "float64", requiresGrad: true });
      expect(() => torch.autograd.gradcheck((t) => Wrong.apply(t), [x])).toThrow(/Jacobian mismatch/);
    });

    it("a dirty view that is not the first input gets its gradient through CopySlices", async () => {
      // PyTorch 1.13 fails here with an internal assert; Kindling routes the view's gradient to its index.
      class ScaleInto extends torch.autograd.Function {
        static override forward(ctx: Ctx, w: Tensor, x: Tensor): Tensor {
          x.mul_(w);
          ctx.markDirty(x);
          ctx.saveForBackward(w);
          return x;
        }
        static override backward(ctx: Ctx, g: Tensor): [null, Tensor] {
          const [w] = ctx.savedTensors as [Tensor];
          return [null, g.mul(w)];
        }
      }
      const x = leaf([1, 2]);
      const b = x.clone();
      ScaleInto.apply(torch.tensor([3]), b.narrow(0, 1, 1));
      expect(b.gradFn?.name).toBe("CopySlices");
      expect(await values(b.detach())).toEqual([1, 6]);
      b.sum().backward();
      expect(await values(x.grad)).toEqual([1, 3]);
    });

    it("a view of a leaf requiring grad may not be marked dirty", async () => {
      const x = leaf([1, 2]);
      expect(() => Dirty.apply(x.narrow(0, 0, 1))).toThrow(
        "a view of a leaf Variable that requires grad is being used in an in-place operation.",
      );
    });

    it("refuses an instance, a non-static forward, and non-tensors given to markDirty", async () => {
      expect(() => new MulConstant()).toThrow(torch.AutogradError);
      expect(() => new MulConstant()).toThrow("call MulConstant.apply(...args) instead of creating an instance");
      class Legacy extends torch.autograd.Function {
        forward(_ctx: Ctx, x: Tensor): Tensor {
          return x;
        }
      }
      expect(() => Legacy.apply(leaf([1]))).toThrow("Legacy autograd function with non-static forward method is deprecated");
      class MarksNumber extends torch.autograd.Function {
        static override forward(ctx: Ctx, x: Tensor): Tensor {
          ctx.markDirty(2 as unknown as Tensor);
          return x;
        }
      }
      expect(() => MarksNumber.apply(leaf([1]))).toThrow("mark_dirty only accepts tensors, but argument 0 is of type int");
    });

    it("does not let the engine reuse gradient buffers the user's backward keeps", async () => {
      const kept: Tensor[] = [];
      class Keeps extends torch.autograd.Function {
        static override forward(_ctx: Ctx, x: Tensor): Tensor {
          return x.mul(2);
        }
        static override backward(_ctx: Ctx, g: Tensor): Tensor {
          const out = g.mul(2);
          kept.push(g, out);
          return out;
        }
      }
      const x = torch.ones(5000, { requiresGrad: true });
      Keeps.apply(x.mul(1)).mul(3).sum().backward();
      Keeps.apply(x.mul(1)).mul(5).sum().backward();
      expect(await Promise.all(kept.map((t) => item(t.sum())))).toEqual([15000, 30000, 25000, 50000]);
      expect(await item(x.grad?.sum())).toBe(80000);
    });
  });
}
