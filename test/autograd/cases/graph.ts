/**
 * torch.autograd.graph's saved-tensor hooks: the scenarios are
 * scripts/record/autograd_extend.py's, replayed against what PyTorch 1.13
 * recorded.
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { expectScenarioAsync, type Recorder, recordedScenarios, recorder } from "../../helpers/scenarios.js";
import { onDevice, settled, type TestDevice } from "./device.js";

const leaf = (values: number[]) => torch.tensor(values, { requiresGrad: true });
const hooks = torch.autograd.graph.savedTensorsHooks;

/** Lexicographic order of number lists (Python's sort of lists). */
function byValues(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

/** Saved-tensor hooks and drawing the graph, on `device`. */
export function graphTests(device: TestDevice): void {
  const { values } = onDevice(device);

  /**
   * Hooks that log what they pack and unpack: PyTorch's pack a tensor's values
   * as a list (tolist()); here a detached copy, whose values are read after.
   */
  function loggingHooks(log: [string, Promise<number[] | null>][]): [(t: Tensor) => Tensor, (p: Tensor) => Tensor] {
    return [
      (t) => {
        const p = t.detach().clone();
        log.push(["pack", values(p)]);
        return p;
      },
      (p) => {
        log.push(["unpack", values(p)]);
        return p;
      },
    ];
  }

  const scenarios: Record<string, (rec: Recorder) => void | Promise<void>> = {
    async hooks_pack_unpack(rec) {
      const x = leaf([1, 2]);
      const log: [string, Promise<number[] | null>][] = [];
      const y = hooks(...loggingHooks(log), () => x.sin().mul(x));
      rec(await settled(log));
      log.length = 0;
      y.sum().backward();
      const logged = (await settled(log)).map((e) => e[1] as number[]);
      rec(logged.sort(byValues), x.grad);
    },

    hooks_nesting_and_functions(rec) {
      const x = leaf([1, 2]);
      let log: string[] = [];
      const tag = (name: string) => (t: Tensor) => {
        log.push(name);
        return t;
      };
      hooks(
        tag("outer"),
        (t: Tensor) => t,
        () => {
          hooks(
            tag("inner"),
            (t: Tensor) => t,
            () => x.sin(),
          );
          x.cos();
        },
      );
      rec(log);
      log = [];
      class S extends torch.autograd.Function {
        static override forward(ctx: torch.autograd.FunctionCtx, x: Tensor): Tensor {
          ctx.saveForBackward(x);
          return x.mul(2);
        }
        static override backward(ctx: torch.autograd.FunctionCtx, g: Tensor): Tensor {
          const [x] = ctx.savedTensors as [Tensor];
          return g.mul(x);
        }
      }
      const [y, z] = hooks(tag("p"), tag("u"), () => [S.apply(x), x.exp()]);
      y?.sum().backward();
      z?.sum().backward(null, { retainGraph: true });
      z?.sum().backward();
      rec(log, x.grad);
    },

    hooks_semantics(rec) {
      const x = leaf([1, 2]);
      const same = (t: Tensor) => t;
      let c = x;
      const d = hooks(same, same, () => {
        c = x.mul(2);
        return c.sin();
      });
      c.add_(1);
      rec.run(() => d.sum().backward());
      x.grad = null;
      const badPack = (t: Tensor) => t.add_(1);
      // x * 2 is made outside the hooks: mul saves both its inputs, PyTorch's saves only what the needed gradients read.
      let x2 = x.mul(2);
      rec.run(() => hooks(badPack, same, () => x2.sin()));
      x2 = x.mul(2);
      const y = hooks(
        () => 3,
        (p: number) => p as unknown as Tensor,
        () => x2.sin(),
      );
      rec.run(() => y.sum().backward());
      const e = hooks(
        (t) => t.mul(2),
        (t: Tensor) => t.div(2),
        () => x.exp(),
      );
      e.sum().backward();
      rec(x.grad);
      const p = hooks(
        (t) => t.detach().clone(),
        same,
        () => x.pow(3),
      );
      const [g] = torch.autograd.grad(p.sum(), [x], { createGraph: true });
      rec(g, torch.autograd.grad(g.sum(), [x]));
    },
  };

  describe("saved-tensor hooks: PyTorch's recorded scenarios", () => {
    it("has every recorded scenario written here", async () => {
      expect(Object.keys(scenarios).sort()).toEqual(recordedScenarios("hooks_").sort());
    });
    for (const [name, run] of Object.entries(scenarios)) {
      it(name, async () => {
        const rec = recorder();
        await run(rec);
        await expectScenarioAsync(name, rec);
      });
    }

    it("gives back the hooks' result and unregisters them after, even when the function throws", async () => {
      const x = leaf([1, 2]);
      let packs = 0;
      const count = (t: Tensor) => {
        packs++;
        return t;
      };
      expect(() =>
        hooks(
          count,
          (t: Tensor) => t,
          () => {
            x.sin();
            throw new Error("inside");
          },
        ),
      ).toThrow("inside");
      x.sin();
      expect(packs).toBe(1);
      expect(() =>
        hooks(
          3 as never,
          (t: Tensor) => t,
          () => 0,
        ),
      ).toThrow("pack and unpack must be functions");
    });
  });

  describe("drawing the graph (toDot, toSvg)", () => {
    const { toDot, toSvg } = torch.autograd.graph;
    /** The node lines of a DOT text: label → fill colour (or "" for backward nodes). */
    const nodes = (dot: string) =>
      dot
        .split("\n")
        .map((l) => /^\t(n\d+) \[label="(.*?)"(?: fillcolor=(\w+))?\]$/.exec(l))
        .filter((m) => m !== null)
        .map((m) => [m[2], m[3] ?? ""]);
    const edges = (dot: string) => dot.split("\n").filter((l) => / -> /.test(l)).length;

    it("draws torchviz's picture of (x + w) * (w + 1): the output, backward nodes, named leaves", async () => {
      const w = leaf([1]);
      const x = leaf([2]);
      const y = x.add(w).mul(w.add(1));
      const dot = toDot(y, { params: { w, x } });
      expect(dot.startsWith('digraph {\n\tgraph [size="12,12"]\n\tnode [align=left fontname=monospace fontsize=10')).toBe(true);
      expect(nodes(dot).sort()).toEqual(
        [
          ["\\n (1)", "darkolivegreen1"],
          ["MulBackward0", ""],
          ["AddBackward0", ""],
          ["AddBackward0", ""],
          ["AccumulateGrad", ""],
          ["AccumulateGrad", ""],
          ["w\\n (1)", "lightblue"],
          ["x\\n (1)", "lightblue"],
        ].sort(),
      );
      // leaf -> AccumulateGrad (2), AccumulateGrad -> Add (3), Add -> Mul (2), Mul -> output (1)
      expect(edges(dot)).toBe(8);
    });

    it("shows saved tensors in orange with showSaved, names from a module's parameters, and views' bases dotted", async () => {
      torch.manualSeed(0);
      const lin = new torch.nn.Linear(3, 2);
      const out = lin.call(torch.ones(4, 3)).tanh();
      const dot = toDot(out, { params: lin.namedParameters(), showSaved: true });
      const labels = nodes(dot);
      expect(labels).toContainEqual(["weight\\n (2, 3)", "lightblue"]);
      // The bias is saved by addmm (drawn orange first) and is a leaf: its last declaration is blue.
      expect(labels.filter(([l]) => l === "bias\\n (2)").at(-1)).toEqual(["bias\\n (2)", "lightblue"]);
      expect(labels).toContainEqual(["other\\n (4, 3)", "orange"]);
      // tanh's saved result is the output itself: one green node, with an undirected edge to TanhBackward0.
      expect(labels.filter(([, c]) => c === "darkolivegreen1")).toEqual([["\\n (4, 2)", "darkolivegreen1"]]);
      expect(dot.match(/\[dir=none\]/g)?.length).toBe(4);
      const base = leaf([1, 2, 3]).mul(2);
      const view = base.narrow(0, 1, 2);
      const vdot = toDot(view);
      expect(nodes(vdot)).toContainEqual(["\\n (3)", "darkolivegreen3"]);
      expect(vdot).toContain("[style=dotted]");
    });

    it("draws several outputs, a 100,000-op chain, and refuses what is not a tensor", async () => {
      const x = leaf([1, 2]);
      const dot = toDot([x.sin(), x.cos()], { params: { x } });
      expect(nodes(dot).filter(([, c]) => c === "darkolivegreen1").length).toBe(2);
      let y = x;
      for (let i = 0; i < 100_000; i++) y = y.mul(1);
      expect(nodes(toDot(y)).length).toBe(100_003);
      expect(() => toDot(3 as never)).toThrow("toDot(): output 0 must be a Tensor");
      expect(() => toDot(x, { params: { x: 3 as never } })).toThrow("params['x'] must be a Tensor");
    });

    it("renders SVG with Graphviz", async () => {
      const w = leaf([1]);
      const svg = await toSvg(w.mul(2).sum(), { params: { w } });
      expect(svg).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*>SumBackward0<[\s\S]*>MulBackward0<[\s\S]*<\/svg>\s*$/);
    });
  });
}
