/**
 * Drawing the backward graph, in the style of torchviz's `make_dot`: the
 * outputs (green), the backward nodes by name, leaves (blue) feeding their
 * AccumulateGrad, views' bases (dark green, dotted edge) and, optionally, the
 * tensors each node saved for backward (orange; a saved tensor that is also a
 * leaf or an output is drawn once, in that role's colour, with an undirected
 * edge to the node that saved it). Saved inputs are labelled self, other,
 * input2, ... by position, saved outputs result, result1, ... `toDot` gives Graphviz DOT
 * text; `toSvg` renders it with @hpcc-js/wasm-graphviz (Graphviz compiled to
 * WebAssembly, in Node and browsers), loaded the first time it is needed.
 */

import { ArgumentError } from "../core/errors.js";
import { type OptionKeys, readOptions } from "../core/options.js";
import { Tensor } from "../tensor.js";
import { AccumulateGrad, type Node } from "./node.js";

/** Names for tensors in a drawing: a module's `namedParameters()`, a Map, or an object of name → tensor. */
export type DotParams = Iterable<readonly [string, Tensor]> | Readonly<Record<string, Tensor>>;

/** Options of `toDot` and `toSvg` (torchviz's `make_dot` arguments). */
export interface DotOptions {
  /** Names for leaves (and any other tensor drawn), e.g. `model.namedParameters()` or `{ w, x }`. */
  params?: DotParams;
  /** Also draw the tensors each node saved for backward (torchviz's show_saved). */
  showSaved?: boolean;
}

const DOT_KEYS: OptionKeys<DotOptions> = { params: true, showSaved: "boolean" };

/** torchviz's node attributes. */
const HEADER = [
  "digraph {",
  '\tgraph [size="12,12"]',
  "\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 shape=box style=filled]",
];

function quote(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

function namesOf(params: DotParams | undefined): Map<Tensor, string> {
  const names = new Map<Tensor, string>();
  if (params === undefined) return names;
  const entries: Iterable<readonly [string, unknown]> =
    Symbol.iterator in Object(params) ? (params as Iterable<readonly [string, Tensor]>) : Object.entries(params);
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor)) throw new ArgumentError(`toDot(): params['${name}'] must be a Tensor, got ${typeof t}`);
    names.set(t, name);
  }
  return names;
}

/**
 * The backward graph of `outputs` as Graphviz DOT text (torchviz's
 * `make_dot`): each output with its size, the backward nodes by name, every
 * leaf that requires grad (named from `params`) feeding its AccumulateGrad.
 *
 * @example
 * ```ts
 * const w = torch.tensor([1], { requiresGrad: true });
 * const x = torch.tensor([2], { requiresGrad: true });
 * const y = x.add(w).mul(w.add(1));
 * const dot = torch.autograd.graph.toDot(y, { params: { w, x } });
 * console.log(dot.split("\n").filter((l) => l.includes("label")).length); // 8
 * console.log(dot.includes('[label="MulBackward0"]')); // true
 * ```
 */
export function toDot(outputs: Tensor | readonly Tensor[], options?: DotOptions): string {
  const o = readOptions(options, "toDot", DOT_KEYS);
  const outs = Array.isArray(outputs) ? outputs : [outputs as Tensor];
  outs.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new ArgumentError(`toDot(): output ${i} must be a Tensor, got ${typeof t}`);
  });
  const names = namesOf(o.params);
  const ids = new Map<object, string>();
  const id = (o: object) => {
    let s = ids.get(o);
    if (s === undefined) {
      s = `n${ids.size}`;
      ids.set(o, s);
    }
    return s;
  };
  const lines = [...HEADER];
  const drawn = new Set<object>();
  const savedOnly = new Set<Tensor>();
  const label = (t: Tensor, name = names.get(t) ?? "") => `${name}\n (${t.shape.join(", ")})`;
  // A tensor drawn as saved (orange) and met later as a leaf or an output is declared again: the later declaration wins.
  const tensorNode = (t: Tensor, color: string, name?: string) => {
    const saved = color === "orange";
    if (drawn.has(t) && (saved || !savedOnly.has(t))) return;
    drawn.add(t);
    if (saved) savedOnly.add(t);
    else savedOnly.delete(t);
    lines.push(`\t${id(t)} [label=${quote(label(t, name))} fillcolor=${color}]`);
  };

  // Backward nodes, iteratively (a graph can be 100,000 nodes deep).
  const addNodes = (root: Node) => {
    const stack: Node[] = [root];
    while (stack.length > 0) {
      const fn = stack.pop() as Node;
      if (drawn.has(fn)) continue;
      drawn.add(fn);
      if (fn instanceof AccumulateGrad) {
        tensorNode(fn.variable, "lightblue");
        lines.push(`\t${id(fn.variable)} -> ${id(fn)}`);
      }
      lines.push(`\t${id(fn)} [label=${quote(fn.name)}]`);
      for (const e of fn._next) {
        if (e === null) continue;
        lines.push(`\t${id(e.node)} -> ${id(fn)}`);
        stack.push(e.node);
      }
      if (o.showSaved === true) {
        for (const [name, t] of fn._savedForDrawing()) {
          lines.push(`\t${id(t)} -> ${id(fn)} [dir=none]`);
          tensorNode(t, "orange", names.get(t) ?? name);
        }
      }
    }
  };

  const addBase = (t: Tensor, color: string) => {
    if (drawn.has(t)) return;
    tensorNode(t, color);
    const fn = t.gradFn;
    if (fn !== null) {
      addNodes(fn);
      lines.push(`\t${id(fn)} -> ${id(t)}`);
    }
    if (t._base !== null) {
      addBase(t._base, "darkolivegreen3");
      lines.push(`\t${id(t._base)} -> ${id(t)} [style=dotted]`);
    }
  };
  for (const t of outs) addBase(t, "darkolivegreen1");
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

interface GraphvizModule {
  Graphviz: { load(): Promise<{ dot(source: string): string }> };
}

let graphviz: Promise<{ dot(source: string): string }> | null = null;

/**
 * The backward graph of `outputs` as an SVG image (`toDot`'s drawing laid out
 * by Graphviz): a string to write to a file or put in a page.
 *
 * @example
 * ```ts
 * const w = torch.tensor([1], { requiresGrad: true });
 * const svg = await torch.autograd.graph.toSvg(w.mul(2).sum(), { params: { w } });
 * console.log(svg.includes("<svg") && svg.includes("MulBackward0")); // true
 * ```
 */
export async function toSvg(outputs: Tensor | readonly Tensor[], options?: DotOptions): Promise<string> {
  const dot = toDot(outputs, options);
  graphviz ??= (import("@hpcc-js/wasm-graphviz") as Promise<GraphvizModule>).then((m) => m.Graphviz.load());
  return (await graphviz).dot(dot);
}
