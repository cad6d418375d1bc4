"""Records PyTorch's exceptions for bad arguments to nn, optim and data.

Run with Debian's PyTorch (torch 1.13):
    /usr/bin/python3 scripts/record/nn_errors.py
Writes test/fixtures/nn_errors.json: {case id: {"type", "message"}}, or
{"result": ...} where PyTorch accepts the call. test/nn/errors.test.ts (and
the optim and data tests) run the same misuse in Kindling and check that its
message contains PyTorch's, after the substitutions the test names (None ->
null, True -> true, <class 'int'> -> int: Python's words for JavaScript's).
"""
import json
import os
import sys
import warnings

# Some messages print a Python set ({'valid', 'same'}), whose order depends on string hashing: fix the seed.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, "PYTHONHASHSEED": "0"})
from collections import OrderedDict

import torch
import torch.nn as nn
from torch.optim import lr_scheduler as L
from torch.utils.data import DataLoader, Dataset, TensorDataset

warnings.filterwarnings("ignore")
CASES = OrderedDict()


def case(name):
    def register(f):
        CASES[name] = f
        return f

    return register


def m():
    return nn.Module()


def with_buffer():
    mod = nn.Module()
    mod.register_buffer("b", torch.ones(1))
    return mod


def assigned():
    mod = nn.Module()
    mod.p = nn.Parameter(torch.ones(1))
    mod.c = nn.ReLU()
    mod.register_buffer("bb", torch.ones(1))
    return mod


# ----- names ----------------------------------------------------------------------------
case("buffer_name_int")(lambda: m().register_buffer(5, torch.ones(1)))
case("buffer_name_float")(lambda: m().register_buffer(1.5, torch.ones(1)))
case("buffer_name_dot")(lambda: m().register_buffer("a.b", torch.ones(1)))
case("buffer_name_empty")(lambda: m().register_buffer("", torch.ones(1)))
case("buffer_clash_forward")(lambda: m().register_buffer("forward", torch.ones(1)))
case("buffer_clash_training")(lambda: m().register_buffer("training", torch.ones(1)))
case("buffer_value_int")(lambda: m().register_buffer("x", 5))
case("parameter_name_int")(lambda: m().register_parameter(5, None))
case("parameter_name_dot")(lambda: m().register_parameter("a.b", None))
case("parameter_name_empty")(lambda: m().register_parameter("", None))
case("parameter_clash_forward")(lambda: m().register_parameter("forward", None))
case("parameter_value_tensor")(lambda: m().register_parameter("p", torch.ones(1)))
case("parameter_over_buffer")(lambda: with_buffer().register_parameter("b", None))
case("module_name_int")(lambda: m().add_module(5, nn.ReLU()))
case("module_name_dot")(lambda: m().add_module("a.b", nn.ReLU()))
case("module_name_empty")(lambda: m().add_module("", nn.ReLU()))
case("module_clash_forward")(lambda: m().add_module("forward", nn.ReLU()))
case("module_over_buffer")(lambda: with_buffer().add_module("b", nn.ReLU()))
case("module_value_tensor")(lambda: m().add_module("x", torch.ones(1)))
case("module_value_int")(lambda: m().add_module("x", 3))


@case("assign_tensor_to_parameter")
def _():
    assigned().p = torch.ones(1)


@case("assign_int_to_module")
def _():
    assigned().c = 3


@case("assign_int_to_buffer")
def _():
    assigned().bb = 3


@case("assign_parameter_over_method")
def _():
    assigned().forward = nn.Parameter(torch.ones(1))


@case("assign_parameter_dotted")
def _():
    setattr(assigned(), "a.b", nn.Parameter(torch.ones(1)))


# ----- containers -----------------------------------------------------------------------
case("sequential_float_tensor")(lambda: nn.Sequential(nn.ReLU(), torch.ones(2)))
case("sequential_double_tensor")(lambda: nn.Sequential(torch.ones(2, dtype=torch.float64)))
case("sequential_long_tensor")(lambda: nn.Sequential(torch.ones(2, dtype=torch.int64)))
case("sequential_int")(lambda: nn.Sequential(3))
case("sequential_append_tensor")(lambda: nn.Sequential().append(torch.ones(1)))
case("sequential_index_3")(lambda: nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid())[3])
case("sequential_index_-4")(lambda: nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid())[-4])
case("sequential_insert_5")(lambda: nn.Sequential(nn.ReLU(), nn.Tanh()).insert(5, nn.ReLU()))
case("sequential_insert_-3")(lambda: nn.Sequential(nn.ReLU(), nn.Tanh()).insert(-3, nn.ReLU()))
case("modulelist_int")(lambda: nn.ModuleList(5))
case("modulelist_tensor_item")(lambda: nn.ModuleList([nn.ReLU(), torch.ones(1)]))
case("modulelist_extend_int")(lambda: nn.ModuleList().extend(5))
case("modulelist_append_tensor")(lambda: nn.ModuleList().append(torch.ones(1)))
case("modulelist_index_10")(lambda: nn.ModuleList([nn.ReLU()])[10])
case("moduledict_int")(lambda: nn.ModuleDict(5))
case("moduledict_tensor_value")(lambda: nn.ModuleDict({"a": torch.ones(1)}))
case("moduledict_key_train")(lambda: nn.ModuleDict({"train": nn.ReLU()}))
case("moduledict_pair_length")(lambda: nn.ModuleDict([("a", nn.ReLU(), 3)]))
case("moduledict_key_int")(lambda: nn.ModuleDict({5: nn.ReLU()}))

# ----- state dicts ------------------------------------------------------------------------
case("load_state_dict_none")(lambda: nn.Linear(3, 3).load_state_dict(None))
case("load_state_dict_not_tensor")(lambda: nn.Linear(3, 3).load_state_dict({"weight": 5, "bias": torch.zeros(3)}))
case("load_state_dict_list_value")(lambda: nn.Linear(3, 3).load_state_dict({"weight": [[1.0] * 3] * 3, "bias": torch.zeros(3)}))
case("load_state_dict_shape")(lambda: nn.Linear(3, 3).load_state_dict({"weight": torch.zeros(2, 3), "bias": torch.zeros(3)}))
case("load_state_dict_constructor_key")(
    lambda: nn.Linear(3, 3).load_state_dict({"weight": torch.zeros(2, 3), "constructor": torch.zeros(3)})
)
case("load_state_dict_all_kinds")(lambda: nn.Linear(3, 3).load_state_dict({"weight": 5, "constructor": torch.zeros(3)}))
case("load_state_dict_toString_missing")(
    lambda: nn.Sequential(OrderedDict([("toString", nn.Linear(1, 1))])).load_state_dict({"toString.weight": torch.zeros(1, 1)})
)


def shared():
    lin = nn.Linear(1, 1, bias=False)
    return nn.Sequential(lin, lin)


case("shared_module_missing")(lambda: shared().load_state_dict({"0.weight": torch.zeros(1, 1)}))


def names(pairs):
    return [n for n, _ in pairs]


def shared_tree():
    """a and c are one Linear; b shares a's weight; x and y are one parameter."""
    mod = nn.Module()
    mod.a = nn.Linear(1, 1)
    mod.b = nn.Linear(1, 1)
    mod.b.weight = mod.a.weight
    mod.c = mod.a
    p = nn.Parameter(torch.ones(1))
    mod.x = p
    mod.y = p
    mod.register_buffer("u", torch.zeros(1))
    mod.register_buffer("v", mod.u)
    return mod


case("shared_tree")(
    lambda: {
        "state_dict": list(shared_tree().state_dict()),
        "named_modules": names(shared_tree().named_modules()),
        "named_children": names(shared_tree().named_children()),
        "named_parameters": names(shared_tree().named_parameters()),
        "named_buffers": names(shared_tree().named_buffers()),
        "children": len(list(shared_tree().children())),
        "modules": len(list(shared_tree().modules())),
        "parameters": len(list(shared_tree().parameters())),
        "repr": repr(shared_tree()),
    }
)


def repeated_forward():
    lin = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        lin.weight.fill_(2)
    seq = nn.Sequential(lin, lin)
    return {"output": seq(torch.ones(1, 1)).item(), "len": len(seq), "children": len(list(seq.children())), "iter": len(list(seq))}


case("sequential_repeated")(repeated_forward)


def slicing():
    seq = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid(), nn.ELU())
    return {
        "1:": list(seq[1:]._modules),
        "1:3": list(seq[1:3]._modules),
        "-2:": list(seq[-2:]._modules),
        ":-1": list(seq[:-1]._modules),
        "5:": list(seq[5:]._modules),
        "-1": type(seq[-1]).__name__,
        "insert": [type(v).__name__ for v in nn.Sequential(nn.ReLU(), nn.Tanh()).insert(-1, nn.ELU())],
        "modulelist_1:": list(nn.ModuleList([nn.ReLU(), nn.Tanh(), nn.ELU()])[1:]._modules),
    }


case("slicing")(slicing)

# ----- init -------------------------------------------------------------------------------
case("gain_unknown")(lambda: nn.init.calculate_gain("constructor"))
case("gain_slope_str")(lambda: nn.init.calculate_gain("leaky_relu", "x"))
case("kaiming_mode")(lambda: nn.init.kaiming_uniform_(torch.empty(2, 2), mode="constructor"))
case("kaiming_nonlinearity")(lambda: nn.init.kaiming_uniform_(torch.empty(2, 2), nonlinearity="foo"))


# ----- module options -----------------------------------------------------------------------
case("conv_groups_0")(lambda: nn.Conv2d(1, 1, 3, groups=0))
case("conv_padding_string")(lambda: nn.Conv2d(1, 1, 3, padding="constructor"))
case("conv_same_strided")(lambda: nn.Conv2d(1, 1, 3, padding="same", stride=2))
case("linear_unknown_option")(lambda: nn.Linear(2, 3, Bias=False))


# ----- optimizers -------------------------------------------------------------------------
def p():
    return torch.zeros(2, requires_grad=True)


case("sgd_lr")(lambda: torch.optim.SGD([p()], lr=-0.1))
case("sgd_momentum")(lambda: torch.optim.SGD([p()], lr=0.1, momentum=-1))
case("sgd_weight_decay")(lambda: torch.optim.SGD([p()], lr=0.1, weight_decay=-1))
case("sgd_lr_before_empty")(lambda: torch.optim.SGD([], lr=-1))
case("sgd_empty")(lambda: torch.optim.SGD([], lr=0.1))
case("sgd_tensor")(lambda: torch.optim.SGD(p(), lr=0.1))
case("sgd_not_tensor")(lambda: torch.optim.SGD([p(), 3], lr=0.1))
case("sgd_group_then_tensor")(lambda: torch.optim.SGD([{"params": [p()]}, p()], lr=0.1))
case("sgd_unknown_option")(lambda: torch.optim.SGD([p()], lr=0.1, weightdecay=0.1))
case("adam_lr_nan")(lambda: torch.optim.Adam([p()], lr=float("nan")))
case("adam_eps")(lambda: torch.optim.Adam([p()], eps=-1))


@case("sgd_same_parameter_two_groups")
def _():
    x = p()
    torch.optim.SGD([{"params": [x]}, {"params": [x]}], lr=0.1)


@case("optimizer_load_group_count")
def _():
    torch.optim.SGD([p()], lr=0.1).load_state_dict({"state": {}, "param_groups": [{"params": [0]}, {"params": [1]}]})


@case("optimizer_load_group_size")
def _():
    torch.optim.SGD([p()], lr=0.1).load_state_dict(torch.optim.SGD([p(), p()], lr=0.1).state_dict())


# ----- schedulers -------------------------------------------------------------------------
def opt(groups=1):
    return torch.optim.SGD([{"params": [p()]} for _ in range(groups)], lr=1.0)


def stepped(make):
    o = opt()
    s = make(o)
    o.step()
    s.step()


case("steplr_zero_step")(lambda: stepped(lambda o: L.StepLR(o, 0)))
case("cosine_zero_tmax_step")(lambda: stepped(lambda o: L.CosineAnnealingLR(o, 0)))
case("multisteplr_int")(lambda: L.MultiStepLR(opt(), 3))
case("lambdalr_count")(lambda: L.LambdaLR(opt(2), [lambda e: 1.0]))
case("lambdalr_not_callable")(lambda: L.LambdaLR(opt(), 5))
case("plateau_factor")(lambda: L.ReduceLROnPlateau(opt(), factor=1.0))
case("plateau_mode")(lambda: L.ReduceLROnPlateau(opt(), mode="constructor"))
case("plateau_threshold_mode")(lambda: L.ReduceLROnPlateau(opt(), threshold_mode="toString"))
case("plateau_min_lrs")(lambda: L.ReduceLROnPlateau(opt(2), min_lr=[0.1]))
case("scheduler_not_optimizer")(lambda: L.StepLR(5, 1))


# ----- data -------------------------------------------------------------------------------
class Length(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i


ds = TensorDataset(torch.arange(5))
case("dataloader_batch_size_0")(lambda: DataLoader(ds, batch_size=0))
case("dataloader_batch_size_-1")(lambda: DataLoader(ds, batch_size=-1))
case("dataloader_batch_size_2.5")(lambda: DataLoader(ds, batch_size=2.5))
case("dataloader_batch_size_true")(lambda: DataLoader(ds, batch_size=True))
case("dataloader_negative_length")(lambda: len(DataLoader(Length(-1))))
case("dataloader_float_length")(lambda: len(DataLoader(Length(2.5))))
case("dataloader_shuffle_empty")(lambda: DataLoader([], shuffle=True))
case("dataloader_collate_not_callable")(lambda: list(DataLoader([1, 2], collate_fn=5)))
case("dataloader_unknown_option")(lambda: DataLoader([1], batchsize=2))
case("tensordataset_size_mismatch")(lambda: TensorDataset(torch.ones(3), torch.ones(4)))


def record(f):
    try:
        r = f()
        try:
            return {"result": json.loads(json.dumps(r))}
        except TypeError:
            return {"result": repr(r)}
    except Exception as e:  # noqa: BLE001 - every exception is what we record
        message = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
        return {"type": type(e).__name__, "message": message}


def main():
    out = OrderedDict((name, record(f)) for name, f in CASES.items())
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(root, "test", "fixtures", "nn_errors.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    print("wrote %d cases to %s" % (len(out), path))


if __name__ == "__main__":
    main()
