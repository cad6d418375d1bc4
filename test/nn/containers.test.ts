/**
 * Containers and shared submodules against PyTorch (results recorded by
 * scripts/record/nn_errors.py): Sequential slicing and indexing, ModuleList
 * insert/extend, ModuleDict, a module or parameter registered under two
 * names, and attribute assignment (PyTorch's __setattr__).
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { recordedResult } from "../helpers/pytorch_errors.js";

const { nn } = torch;
type Anything = Record<string, unknown>;

const names = (pairs: [string, unknown][]) => pairs.map(([n]) => n);
const kinds = (modules: Iterable<torch.nn.Module>) => [...modules].map((m) => m.constructor.name);
const keys = (m: torch.nn.Module) => [...m._modules.keys()];

describe("Sequential", () => {
  const four = () => new nn.Sequential(new nn.ReLU(), new nn.Tanh(), new nn.Sigmoid(), new nn.ELU());

  it("slices as PyTorch's seq[a:b], keeping the names", () => {
    const r = recordedResult<Record<string, unknown>>("slicing");
    const s = four();
    expect(keys(s.slice(1))).toEqual(r["1:"]);
    expect(keys(s.slice(1, 3))).toEqual(r["1:3"]);
    expect(keys(s.slice(-2))).toEqual(r["-2:"]);
    expect(keys(s.slice(0, -1))).toEqual(r[":-1"]);
    expect(keys(s.slice(5))).toEqual(r["5:"]);
    expect(s.slice(1)).toBeInstanceOf(nn.Sequential);
    expect(s.slice(1).at(0)).toBe(s.at(1));
    expect(s.at(-1).constructor.name).toBe(r["-1"]);
    expect(String(s.slice(2))).toBe("Sequential(\n  (2): Sigmoid()\n  (3): ELU(alpha=1.0)\n)");
    // the slice's state dict keeps PyTorch's keys
    const lin = new nn.Sequential(new nn.ReLU(), new nn.Linear(2, 2)).slice(1);
    expect(Object.keys(lin.stateDict())).toEqual(["1.weight", "1.bias"]);
    expect(() => s.slice(0.5)).toThrow(torch.ArgumentError);
  });

  it("insert, extend and append, returning the container", () => {
    const r = recordedResult<Record<string, unknown>>("slicing");
    const s = new nn.Sequential(new nn.ReLU(), new nn.Tanh());
    expect(s.insert(-1, new nn.ELU())).toBe(s);
    expect(kinds(s)).toEqual(r.insert);
    expect(keys(s)).toEqual(["0", "1", "2"]);
    expect(s.extend([new nn.Sigmoid()]).append(new nn.ReLU())).toBe(s);
    expect([s.length, kinds(s)]).toEqual([5, ["ReLU", "ELU", "Tanh", "Sigmoid", "ReLU"]]);
    expect((s as unknown as Anything)["2"]).toBe(s.at(2));
    // appending to a slice takes the next free name (PyTorch would reuse "2" and drop a module)
    const tail = new nn.Sequential(new nn.ReLU(), new nn.Tanh(), new nn.Sigmoid()).slice(1).append(new nn.ELU());
    expect([keys(tail), kinds(tail)]).toEqual([
      ["1", "2", "3"],
      ["Tanh", "Sigmoid", "ELU"],
    ]);
    expect(() => s.extend(5 as never)).toThrow("Sequential.extend should be called with an iterable, but got int");
    expect(() => s.extend([new nn.ReLU(), torch.ones(1) as never])).toThrow("torch.FloatTensor is not a Module subclass");
    expect(s.length).toBe(5); // a refused extend adds nothing
  });

  it("a module listed twice runs twice and is listed twice, as PyTorch", () => {
    const r = recordedResult<Record<string, number>>("sequential_repeated");
    const lin = new nn.Linear(1, 1, { bias: false });
    torch.noGrad(() => lin.weight.fill_(2));
    const seq = new nn.Sequential(lin, lin);
    expect(seq.call(torch.ones(1, 1)).item()).toBe(r.output);
    expect([seq.length, seq.children().length, [...seq].length]).toEqual([r.len, r.children, r.iter]);
    expect(seq.at(1)).toBe(lin);
  });

  it("takes named modules from a Map (PyTorch's OrderedDict form)", () => {
    const seq = new nn.Sequential(
      new Map<string, torch.nn.Module>([
        ["fc", new nn.Linear(2, 3)],
        ["act", new nn.ReLU()],
      ]),
    );
    expect(Object.keys(seq.stateDict())).toEqual(["fc.weight", "fc.bias"]);
    expect(seq.call(torch.ones(1, 2)).shape).toEqual([1, 3]);
    expect(() => new nn.Sequential(new Map([["x", 1 as never]]))).toThrow("int is not a Module subclass");
  });
});

describe("ModuleList and ModuleDict", () => {
  it("ModuleList: insert (Python list semantics within bounds), extend, slice renumbered, negative at", () => {
    const r = recordedResult<Record<string, unknown>>("slicing");
    const list = new nn.ModuleList([new nn.ReLU(), new nn.Tanh(), new nn.ELU()]);
    expect(keys(list.slice(1))).toEqual(r["modulelist_1:"]);
    list.insert(0, new nn.Sigmoid()).insert(-1, new nn.Identity()).insert(5, new nn.GELU());
    expect(kinds(list)).toEqual(["Sigmoid", "ReLU", "Tanh", "Identity", "ELU", "GELU"]);
    expect(keys(list)).toEqual(["0", "1", "2", "3", "4", "5"]);
    expect(list.at(-1).constructor.name).toBe("GELU");
    expect(() => list.insert(7, new nn.ReLU())).toThrow(torch.IndexError);
    expect(() => list.insert(0, torch.ones(1) as never)).toThrow("ModuleList.insert: torch.FloatTensor is not a Module subclass");
    expect(() => list.at(1.5)).toThrow(torch.ArgumentError);
  });

  it("ModuleDict: a Map, pairs, update, has, length; values list a shared module under each key", () => {
    const lin = new nn.Linear(1, 1);
    const d = new nn.ModuleDict(new Map([["a", lin]]));
    d.update([["b", lin]]);
    d.set("c", new nn.ReLU());
    expect([d.keys(), d.has("b"), d.has("toString"), d.length]).toEqual([["a", "b", "c"], true, false, 3]);
    expect(d.values().length).toBe(3);
    expect(d.children().length).toBe(2);
    expect(Object.keys(d.stateDict())).toEqual(["a.weight", "a.bias", "b.weight", "b.bias"]);
  });
});

describe("a module or parameter registered under two names", () => {
  /** PyTorch's shared_tree: a and c are one Linear; b shares a's weight; x and y are one parameter; v is u. */
  function sharedTree(): torch.nn.Module {
    const m = new nn.Module();
    const f = m as unknown as Anything;
    f.a = new nn.Linear(1, 1);
    f.b = new nn.Linear(1, 1);
    (f.b as Anything).weight = (f.a as torch.nn.Linear).weight;
    f.c = f.a;
    const p = new nn.Parameter(torch.ones(1));
    f.x = p;
    f.y = p;
    m.registerBuffer("u", torch.zeros(1));
    m.registerBuffer("v", f.u as Tensor);
    return m;
  }

  it("is in the state dict under every name; traversals list it once, as PyTorch", () => {
    const r = recordedResult<Record<string, unknown>>("shared_tree");
    const m = sharedTree();
    expect(Object.keys(m.stateDict())).toEqual(r.state_dict);
    expect(names(m.namedModules())).toEqual(r.named_modules);
    expect(names(m.namedChildren())).toEqual(r.named_children);
    expect(names(m.namedParameters())).toEqual(r.named_parameters);
    expect(names(m.namedBuffers())).toEqual(r.named_buffers);
    expect([m.children().length, m.modules().length, m.parameters().length]).toEqual([r.children, r.modules, r.parameters]);
    expect(String(m)).toBe(r.repr);
  });

  it("loads a state dict with PyTorch's keys (the last copy of a shared tensor wins)", () => {
    const m = sharedTree();
    const sd = m.stateDict();
    const state = Object.fromEntries(Object.entries(sd).map(([k, v], i) => [k, torch.fullLike(v, i)]));
    expect(m.loadStateDict(state)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const f = m as unknown as Record<string, torch.nn.Linear>;
    // keys: x y u v a.weight a.bias b.weight b.bias c.weight c.bias; a is c, b.weight is a.weight
    expect([(f.x as unknown as Tensor).item(), (f.u as unknown as Tensor).item()]).toEqual([1, 3]);
    expect([f.a?.weight.item(), f.a?.bias?.item(), f.b?.bias?.item()]).toEqual([8, 9, 7]);
    const missing = { ...state };
    delete missing["c.weight"];
    expect(() => m.loadStateDict(missing)).toThrow('Missing key(s) in state_dict: "c.weight". ');
  });

  it("an optimizer given the parameters gets each shared one once", () => {
    const m = sharedTree();
    const opt = new torch.optim.SGD(m.parameters(), { lr: 0.1 });
    expect(opt.paramGroups[0]?.params.length).toBe(4);
  });
});

describe("attribute assignment (PyTorch's __setattr__)", () => {
  it("null clears a registered submodule or parameter and keeps its place", () => {
    const lin = new nn.Linear(2, 2) as unknown as Anything;
    lin.bias = null;
    expect(Object.keys((lin as unknown as torch.nn.Module).stateDict())).toEqual(["weight"]);
    lin.bias = new nn.Parameter(torch.zeros(2));
    expect(Object.keys((lin as unknown as torch.nn.Module).stateDict())).toEqual(["weight", "bias"]);
    lin.weight = new nn.Parameter(torch.zeros(2, 2));
    expect(Object.keys((lin as unknown as torch.nn.Module).stateDict())).toEqual(["weight", "bias"]);
    const seq = new nn.Sequential(new nn.ReLU()) as unknown as Anything;
    seq["0"] = null;
    expect([...(seq as unknown as torch.nn.Module)._modules]).toEqual([["0", null]]);
    expect(() => (seq as unknown as torch.nn.Sequential).call(torch.ones(1))).toThrow("Sequential: module '0' is null");
  });

  it("a field declared without a value is filled by registration; one holding a value clashes", () => {
    class Scaled extends nn.Module {
      scale!: Tensor;
      constructor() {
        super();
        this.registerBuffer("scale", torch.full([1], 3));
      }
    }
    expect(new Scaled().scale.item()).toBe(3);
    class Clash extends nn.Module {
      scale = torch.ones(1);
      constructor() {
        super();
        this.registerBuffer("scale", this.scale);
      }
    }
    expect(() => new Clash()).toThrow("registerBuffer: attribute 'scale' already exists (it holds a value; declare the field without one");
  });

  it("a submodule named like a method is refused (it would hide the method)", () => {
    class Bad extends nn.Module {
      override train = new nn.Linear(1, 1) as unknown as never;
    }
    expect(() => new Bad()).toThrow("Bad: attribute 'train' already exists");
  });
});
