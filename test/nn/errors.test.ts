/**
 * nn's checks of bad arguments against PyTorch's messages (recorded by
 * scripts/record/nn_errors.py): registration names and values, attribute
 * assignment, containers, loadStateDict and nn.init. Keys that name
 * Object.prototype members (`constructor`, `toString`, `__proto__`) are
 * ordinary keys of a state dict.
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { describe, expect, it } from "vitest";
import { expectPyTorchError } from "../helpers/pytorch_errors.js";

const { nn } = torch;

type Anything = Record<string, unknown>;
const module = () => new nn.Module();
const param = () => new nn.Parameter(torch.ones(1));
// biome-ignore lint/suspicious/noExplicitAny: deliberately wrong arguments
const bad = (v: unknown): any => v;

function withBuffer(): torch.nn.Module {
  const m = new nn.Module();
  m.registerBuffer("b", torch.ones(1));
  return m;
}

/** A module with a parameter p, a submodule c and a buffer bb, as fields (PyTorch's __setattr__). */
function assigned(): Anything {
  const m = new nn.Module() as unknown as Anything;
  m.p = param();
  m.c = new nn.ReLU();
  (m as unknown as torch.nn.Module).registerBuffer("bb", torch.ones(1));
  return m;
}

const three = () => new nn.Sequential(new nn.ReLU(), new nn.Tanh(), new nn.Sigmoid());

const CASES: Record<string, () => unknown> = {
  buffer_name_int: () => module().registerBuffer(bad(5), torch.ones(1)),
  buffer_name_float: () => module().registerBuffer(bad(1.5), torch.ones(1)),
  buffer_name_dot: () => module().registerBuffer("a.b", torch.ones(1)),
  buffer_name_empty: () => module().registerBuffer("", torch.ones(1)),
  buffer_clash_forward: () => module().registerBuffer("forward", torch.ones(1)),
  buffer_clash_training: () => module().registerBuffer("training", torch.ones(1)),
  buffer_value_int: () => module().registerBuffer("x", bad(5)),
  parameter_name_int: () => module().registerParameter(bad(5), null),
  parameter_name_dot: () => module().registerParameter("a.b", null),
  parameter_name_empty: () => module().registerParameter("", null),
  parameter_clash_forward: () => module().registerParameter("forward", null),
  parameter_value_tensor: () => module().registerParameter("p", bad(torch.ones(1))),
  parameter_over_buffer: () => withBuffer().registerParameter("b", null),
  module_name_int: () => module().registerModule(bad(5), new nn.ReLU()),
  module_name_dot: () => module().registerModule("a.b", new nn.ReLU()),
  module_name_empty: () => module().registerModule("", new nn.ReLU()),
  module_clash_forward: () => module().registerModule("forward", new nn.ReLU()),
  module_over_buffer: () => withBuffer().registerModule("b", new nn.ReLU()),
  module_value_tensor: () => module().registerModule("x", bad(torch.ones(1))),
  module_value_int: () => module().registerModule("x", bad(3)),
  assign_tensor_to_parameter: () => {
    assigned().p = torch.ones(1);
  },
  assign_int_to_module: () => {
    assigned().c = 3;
  },
  assign_int_to_buffer: () => {
    assigned().bb = 3;
  },
  assign_parameter_over_method: () => {
    assigned().forward = param();
  },
  assign_parameter_dotted: () => {
    assigned()["a.b"] = param();
  },
  sequential_float_tensor: () => new nn.Sequential(new nn.ReLU(), bad(torch.ones(2))),
  sequential_double_tensor: () => new nn.Sequential(bad(torch.ones([2], { dtype: "float64" }))),
  sequential_long_tensor: () => new nn.Sequential(bad(torch.ones([2], { dtype: "int64" }))),
  sequential_int: () => new nn.Sequential(bad(3)),
  sequential_append_tensor: () => new nn.Sequential().append(bad(torch.ones(1))),
  sequential_index_3: () => three().at(3),
  "sequential_index_-4": () => three().at(-4),
  sequential_insert_5: () => new nn.Sequential(new nn.ReLU(), new nn.Tanh()).insert(5, new nn.ReLU()),
  "sequential_insert_-3": () => new nn.Sequential(new nn.ReLU(), new nn.Tanh()).insert(-3, new nn.ReLU()),
  modulelist_int: () => new nn.ModuleList(bad(5)),
  modulelist_tensor_item: () => new nn.ModuleList([new nn.ReLU(), bad(torch.ones(1))]),
  modulelist_extend_int: () => new nn.ModuleList().extend(bad(5)),
  modulelist_append_tensor: () => new nn.ModuleList().append(bad(torch.ones(1))),
  modulelist_index_10: () => new nn.ModuleList([new nn.ReLU()]).at(10),
  moduledict_int: () => new nn.ModuleDict(bad(5)),
  moduledict_tensor_value: () => new nn.ModuleDict({ a: bad(torch.ones(1)) }),
  moduledict_key_train: () => new nn.ModuleDict({ train: new nn.ReLU() }),
  moduledict_pair_length: () => new nn.ModuleDict(bad([["a", new nn.ReLU(), 3]])),
  moduledict_key_int: () => new nn.ModuleDict(bad(new Map([[5, new nn.ReLU()]]))),
  load_state_dict_none: () => new nn.Linear(3, 3).loadStateDict(bad(null)),
  load_state_dict_not_tensor: () => new nn.Linear(3, 3).loadStateDict({ weight: bad(5), bias: torch.zeros(3) }),
  load_state_dict_list_value: () => new nn.Linear(3, 3).loadStateDict({ weight: bad([[1, 1, 1]]), bias: torch.zeros(3) }),
  load_state_dict_shape: () => new nn.Linear(3, 3).loadStateDict({ weight: torch.zeros(2, 3), bias: torch.zeros(3) }),
  load_state_dict_constructor_key: () => new nn.Linear(3, 3).loadStateDict({ weight: torch.zeros(2, 3), constructor: torch.zeros(3) }),
  load_state_dict_all_kinds: () => new nn.Linear(3, 3).loadStateDict({ weight: bad(5), constructor: torch.zeros(3) }),
  shared_module_missing: () => {
    const lin = new nn.Linear(1, 1, { bias: false });
    new nn.Sequential(lin, lin).loadStateDict({ "0.weight": torch.zeros(1, 1) });
  },
  gain_unknown: () => nn.init.calculateGain(bad("constructor")),
  gain_slope_str: () => nn.init.calculateGain("leaky_relu", bad("x")),
  kaiming_mode: () => nn.init.kaimingUniform_(torch.empty(2, 2), { mode: bad("constructor") }),
  kaiming_nonlinearity: () => nn.init.kaimingUniform_(torch.empty(2, 2), { nonlinearity: bad("foo") }),
  conv_groups_0: () => new nn.Conv2d(1, 1, 3, { groups: 0 }),
  conv_padding_string: () => new nn.Conv2d(1, 1, 3, { padding: bad("constructor") }),
  conv_same_strided: () => new nn.Conv2d(1, 1, 3, { padding: "same", stride: 2 }),
  linear_unknown_option: () => new nn.Linear(2, 3, bad({ Bias: false })),
};

describe("PyTorch's errors for bad nn arguments", () => {
  it.each(Object.keys(CASES))("%s", (id) => {
    expectPyTorchError(id, CASES[id] as () => unknown);
  });
});

describe("keys that name Object.prototype members", () => {
  it("a strict load reports an unexpected key named constructor, toString or __proto__", () => {
    const m = new nn.Linear(2, 1);
    const good = m.stateDict();
    for (const key of ["constructor", "toString", "hasOwnProperty", "__proto__", "valueOf"]) {
      const state = { ...good };
      Object.defineProperty(state, key, { value: torch.zeros(1), enumerable: true, configurable: true, writable: true });
      expect(() => m.loadStateDict(state), key).toThrow(`Unexpected key(s) in state_dict: "${key}". `);
      expect(m.loadStateDict(state, { strict: false }).unexpectedKeys).toEqual([key]);
    }
    // A key parsed from JSON is an own property even when it is "__proto__".
    const parsed = JSON.parse('{"__proto__": 1}') as Record<string, Tensor>;
    expect(() => m.loadStateDict({ ...good, ...parsed })).toThrow('Unexpected key(s) in state_dict: "__proto__". ');
  });

  it("a missing key named like an Object.prototype member is reported missing", () => {
    // Kindling refuses such names at registration (they name methods of every module);
    // this module gets one through the internal map, as a checkpoint of another framework could have.
    const m = new nn.Module();
    m._buffers.set("toString", torch.zeros(1));
    m._buffers.set("constructor", torch.zeros(1));
    expect(Object.keys(m.stateDict())).toEqual(["toString", "constructor"]);
    expect(() => m.loadStateDict({})).toThrow('Missing key(s) in state_dict: "toString", "constructor". ');
    expect(m.loadStateDict({}, { strict: false }).missingKeys).toEqual(["toString", "constructor"]);
    m.loadStateDict({ toString: torch.ones(1), constructor: torch.full([1], 2) });
    expect(m._buffers.get("constructor")?.item()).toBe(2);
  });

  it("a state dict without a prototype loads", () => {
    const m = new nn.Linear(2, 1);
    const state = Object.assign(Object.create(null) as Record<string, Tensor>, { weight: torch.ones(1, 2), bias: torch.zeros(1) });
    m.loadStateDict(state);
    expect(m.weight.tolist()).toEqual([[1, 1]]);
  });

  it("stateDict keeps a key named __proto__ as an own key", () => {
    const m = new nn.Module();
    m._parameters.set("__proto__", new nn.Parameter(torch.ones(1)));
    const sd = m.stateDict();
    expect(Object.getPrototypeOf(sd)).toBe(Object.prototype);
    expect(Object.keys(sd)).toEqual(["__proto__"]);
  });

  it("names that are members of every module are refused, with PyTorch's message", () => {
    for (const name of ["constructor", "toString", "hasOwnProperty", "__proto__", "parameters", "call"]) {
      expect(() => module().registerBuffer(name, torch.ones(1)), name).toThrow(`registerBuffer: attribute '${name}' already exists`);
      expect(() => module().registerModule(name, new nn.ReLU()), name).toThrow(torch.ArgumentError);
      expect(() => new nn.ModuleDict({ [name]: new nn.ReLU() }), name).toThrow(`attribute '${name}' already exists`);
    }
    expect(new nn.ModuleDict({ a: new nn.ReLU() }).get("constructor")).toBeUndefined();
  });
});

describe("loadStateDict's argument", () => {
  it("names what it got when it is not a plain object", () => {
    const m = new nn.Linear(2, 1);
    const sd = m.stateDict();
    const cases: [unknown, string][] = [
      [new Map(Object.entries(sd)), "got Map (pass a plain object: Object.fromEntries(map))."],
      [undefined, "got NoneType."],
      [[sd.weight, sd.bias], "got list."],
      [torch.ones(2), "got a Tensor (torch.FloatTensor)."],
      ["weights.safetensors", "got str."],
    ];
    for (const [arg, tail] of cases) {
      expect(() => m.loadStateDict(bad(arg))).toThrow(torch.ArgumentError);
      expect(() => m.loadStateDict(bad(arg))).toThrow(`loadStateDict: Expected state_dict to be dict-like, ${tail}`);
    }
  });

  it("size mismatches alone are a ShapeError; key and value problems an ArgumentError; nothing is copied on error", () => {
    const m = new nn.Linear(2, 1);
    const before = m.weight.tolist();
    expect(() => m.loadStateDict({ weight: torch.zeros(1, 3), bias: torch.zeros(1) })).toThrow(torch.ShapeError);
    expect(() => m.loadStateDict({ weight: torch.zeros(1, 3) })).toThrow(torch.ArgumentError);
    expect(() => m.loadStateDict({ weight: bad(null), bias: torch.ones(1) })).toThrow(torch.ArgumentError);
    // 0-d and 1-element 1-d differ in shape (PyTorch would index a 1-d checkpoint value into a 0-d parameter).
    const bn = new nn.BatchNorm1d(1);
    expect(() => bn.loadStateDict({ ...bn.stateDict(), num_batches_tracked: torch.tensor([3], { dtype: "int64" }) })).toThrow(
      "size mismatch for num_batches_tracked: copying a param with shape torch.Size([1]) from checkpoint, the shape in current model is torch.Size([]).",
    );
    expect(m.weight.tolist()).toEqual(before);
  });
});

describe("module options objects", () => {
  it("a misspelt or snake_case option is refused, naming the spelling it takes", () => {
    const cases: [() => unknown, string][] = [
      [
        () => new nn.BatchNorm1d(3, bad({ track_running_stats: false })),
        "BatchNorm1d() got an unexpected keyword argument 'track_running_stats' (did you mean 'trackRunningStats'?)",
      ],
      [() => new nn.CrossEntropyLoss(bad({ label_smoothing: 0.1 })), "(did you mean 'labelSmoothing'?)"],
      [() => new nn.Conv1d(1, 1, 3, bad({ padding_mode: "zeros" })), "Conv1d() got an unexpected keyword argument 'padding_mode'"],
      [() => new nn.Embedding(3, 2, bad({ padding_idx: 0 })), "(did you mean 'paddingIdx'?)"],
      [() => new nn.MaxPool2d(2, bad({ ceil_mode: true })), "(did you mean 'ceilMode'?)"],
    ];
    for (const [f, message] of cases) {
      expect(f).toThrow(torch.ArgumentError);
      expect(f).toThrow(message);
    }
  });

  it("clipGradNorm_ takes a number or 'inf' as normType (PyTorch: float(norm_type))", () => {
    const p = torch.tensor([3, 4], { requiresGrad: true });
    p.sum().backward();
    expect(nn.utils.clipGradNorm_([p], 10, { normType: "inf" }).item()).toBe(1);
    expect(() => nn.utils.clipGradNorm_([p], 1, { normType: bad("constructor") })).toThrow(
      'clipGradNorm_: normType must be a number or "inf", got str "constructor"',
    );
  });
});

describe("JavaScript misuse gets a KindlingError naming the argument", () => {
  it("null options mean the defaults, as in readOptions everywhere", () => {
    const m = module();
    m.registerBuffer("x", torch.ones(1), null as never);
    expect(Object.keys(m.stateDict())).toEqual(["x"]);
    const lin = new nn.Linear(2, 2);
    expect(lin.namedParameters(null as never).map(([name]) => name)).toEqual(["weight", "bias"]);
    expect(lin.loadStateDict(lin.stateDict(), null as never)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(nn.init.kaimingNormal_(torch.empty(2, 2), null as never).shape).toEqual([2, 2]);
  });

  it("a positional value where the options go, a missing function, a size that is not one", () => {
    const lin = () => new nn.Linear(2, 2);
    const cases: [() => unknown, string][] = [
      [
        () => module().registerBuffer("x", null, bad(false)),
        "registerBuffer(): expected an options object { persistent }, got a boolean (false) — keyword arguments go in an options object: { persistent: false }",
      ],
      [
        () => lin().loadStateDict(lin().stateDict(), bad(false)),
        "loadStateDict(): expected an options object { strict }, got a boolean (false)",
      ],
      [() => lin().namedParameters(bad(false)), "— keyword arguments go in an options object: { recurse: false }"],
      [() => lin().zeroGrad(bad({ set_to_none: true })), "(did you mean 'setToNone'?)"],
      [() => lin().apply(bad(undefined)), "apply: expected a function of a module, got NoneType"],
      [() => new nn.Conv2d(1, 1, 3, { padding: bad({ h: 1 }) }), "Conv2d: padding must be a number or an array of 2 numbers, got dict"],
      [() => new nn.Conv2d(1, 1, [3, 3, 3]), "Conv2d: kernel_size must be a number or an array of 2 numbers, got list"],
      [() => nn.utils.clipGradValue_(bad("x"), 1), "clipGradValue_: parameters must be a Tensor or an iterable of Tensors, got str"],
      [() => nn.utils.clipGradNorm_([bad(1)], 1), "clipGradNorm_: parameters must be Tensors, got int"],
      [
        () => nn.init.kaimingNormal_(torch.empty(2, 2), bad(0)),
        "kaimingNormal_(): expected an options object { a, mode, nonlinearity, generator }, got a number (0) — keyword arguments go in an options object: { a: 0 }",
      ],
    ];
    for (const [f, message] of cases) {
      expect(f).toThrow(torch.ArgumentError);
      expect(f).toThrow(message);
    }
  });
});
