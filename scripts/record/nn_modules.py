"""Records nn modules with PyTorch (test/fixtures/nn_modules.json).

Run: /usr/bin/python3 scripts/record/nn_modules.py
For each case: torch.manual_seed(0), build the module, record its printed
form, state_dict keys and the initial parameter values; then run it (in the
given mode) on a fixed input and record the output and the gradients of the
parameters and of the input for a fixed output weight. Losses get (input,
target) pairs.
"""
import json
import math

import torch
import torch.nn as nn
from ops_golden import tensor_json as tj  # the conformance format's tensors


def det(shape, scale=1.0, offset=0.0):
    """Deterministic input values: a smooth function of the index (no RNG)."""
    n = 1
    for s in shape:
        n *= s
    vals = [round(math.sin(1.3 * i + offset) * scale, 4) for i in range(n)]
    return torch.tensor(vals, dtype=torch.float32).reshape(shape)


CASES = [
    ("Linear", [3, 2], {}, [4, 3]),
    ("Linear", [3, 2], {"bias": False}, [5, 3]),
    ("Conv1d", [2, 3, 3], {"padding": 1}, [2, 2, 6]),
    ("Conv2d", [2, 4, 3], {"stride": 2, "padding": 1}, [2, 2, 5, 5]),
    ("Conv2d", [4, 4, [3, 2]], {"groups": 2, "dilation": [1, 2], "bias": False}, [1, 4, 6, 6]),
    ("Conv2d", [1, 2, 3], {"padding": "same"}, [1, 1, 4, 4]),
    ("MaxPool2d", [2], {}, [1, 2, 4, 4]),
    ("MaxPool2d", [3], {"stride": 1, "padding": 1}, [1, 1, 4, 5]),
    ("AvgPool2d", [2], {}, [1, 2, 4, 4]),
    ("AdaptiveAvgPool2d", [[2, 3]], {}, [1, 2, 5, 7]),
    ("Flatten", [], {}, [2, 3, 4]),
    ("Identity", [], {}, [3]),
    ("BatchNorm1d", [3], {}, [4, 3]),
    ("BatchNorm1d", [3], {"affine": False, "momentum": 0.5}, [4, 3, 2]),
    ("BatchNorm2d", [2], {}, [3, 2, 2, 2]),
    ("LayerNorm", [4], {}, [2, 4]),
    ("LayerNorm", [[2, 3]], {"eps": 1e-3, "elementwise_affine": False}, [2, 2, 3]),
    ("ReLU", [], {}, [5]),
    ("LeakyReLU", [0.2], {}, [5]),
    ("ELU", [], {}, [5]),
    ("GELU", [], {}, [5]),
    ("GELU", [], {"approximate": "tanh"}, [5]),
    ("SiLU", [], {}, [5]),
    ("Sigmoid", [], {}, [5]),
    ("Tanh", [], {}, [5]),
    ("Softmax", [1], {}, [2, 3]),
    ("LogSoftmax", [-1], {}, [2, 3]),
    ("Softplus", [], {}, [5]),
    ("Softplus", [], {"beta": 2, "threshold": 1.5}, [5]),
    ("Dropout", [0.3], {}, [5]),
]

LOSSES = [
    ("MSELoss", {}, [4, 3], "float"),
    ("MSELoss", {"reduction": "sum"}, [4, 3], "float"),
    ("L1Loss", {}, [4, 3], "float"),
    ("SmoothL1Loss", {"beta": 0.5}, [4, 3], "float"),
    ("BCELoss", {}, [4, 3], "prob"),
    ("BCEWithLogitsLoss", {"pos_weight": [1.0, 2.0, 0.5]}, [4, 3], "prob"),
    ("CrossEntropyLoss", {}, [4, 3], "class"),
    ("CrossEntropyLoss", {"weight": [1.0, 2.0, 0.5], "label_smoothing": 0.1}, [4, 3], "class"),
    ("CrossEntropyLoss", {"ignore_index": 1, "reduction": "sum"}, [4, 3], "class"),
    ("NLLLoss", {}, [4, 3], "class"),
]


def module_case(name, args, kwargs, in_shape, train=True):
    torch.manual_seed(0)
    m = getattr(nn, name)(*[tuple(a) if isinstance(a, list) else a for a in args],
                          **{k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()})
    m.train(train)
    init = {k: tj(v) for k, v in m.state_dict().items()}
    x = det(in_shape).requires_grad_()
    out = m(x)
    w = det(list(out.shape), 1.0, 0.7)
    (out * w).sum().backward()
    grads = {n: tj(p.grad) for n, p in m.named_parameters() if p.grad is not None}
    after = {k: tj(v) for k, v in m.state_dict().items()}
    return {"module": name, "args": args, "kwargs": kwargs, "train": train, "repr": repr(m), "init": init,
            "input": tj(x), "output": tj(out), "out_grad": tj(w), "input_grad": tj(x.grad), "param_grads": grads,
            "state_after": after}


def loss_case(name, kwargs, shape, kind):
    torch.manual_seed(0)
    kw = {k: torch.tensor(v) if isinstance(v, list) else v for k, v in kwargs.items()}
    m = getattr(nn, name)(**kw)
    x = det(shape, 1.5).requires_grad_()
    if kind == "class":
        target = torch.tensor([i % shape[1] for i in range(shape[0])], dtype=torch.int64)
    elif kind == "prob":
        target = (det(shape, 0.45, 2.0) + 0.5)
    else:
        target = det(shape, 1.0, 3.0)
    inp = torch.sigmoid(x) if name == "BCELoss" else (torch.log_softmax(x, -1) if name == "NLLLoss" else x)
    loss = m(inp, target)
    loss.backward(torch.ones_like(loss))
    return {"module": name, "args": [], "kwargs": kwargs, "loss": True, "repr": repr(m), "kind": kind,
            "input": tj(x), "target": tj(target), "output": tj(loss), "input_grad": tj(x.grad)}


cases = [module_case(*c) for c in CASES]
cases.append(module_case("BatchNorm1d", [3], {}, [4, 3], train=False))
cases.append(module_case("Dropout", [0.3], {}, [5], train=False))
cases += [loss_case(*c) for c in LOSSES]
json.dump({"generator": "scripts/record/nn_modules.py", "reference": "torch " + torch.__version__, "cases": cases},
          open("test/fixtures/nn_modules.json", "w"), indent=0)
print(len(cases), "cases")
