"""Records PyTorch's creation functions (test/fixtures/creation.json).

Run: /usr/bin/python3 scripts/record/creation.py
Each case: the call (as Kindling's test spells it) and the tensor PyTorch returned.
"""
import json
import torch
from ops_golden import tensor_json as tj  # the conformance format's tensors


cases = []


def rec(name, t, seed=None):
    cases.append({"call": name, "seed": seed, "result": tj(t)})


rec("zeros(2, 3)", torch.zeros(2, 3))
rec("ones([2], int32)", torch.ones(2, dtype=torch.int32))
rec("full([2, 2], 7)", torch.full((2, 2), 7.0))
rec("full([3], true)", torch.full((3,), True))
rec("arange(5)", torch.arange(5))
rec("arange(1, 4)", torch.arange(1, 4))
rec("arange(0, 1, 0.1)", torch.arange(0, 1, 0.1))
rec("arange(10, 0, -3)", torch.arange(10, 0, -3))
rec("arange(0.5, 3)", torch.arange(0.5, 3))
rec("linspace(0, 1, 5)", torch.linspace(0, 1, 5))
rec("linspace(-3, 7, 11)", torch.linspace(-3, 7, 11))
rec("linspace(0, 1, 7)", torch.linspace(0, 1, 7))
rec("linspace(0, 1, 7, float64)", torch.linspace(0, 1, 7, dtype=torch.float64))
rec("eye(3)", torch.eye(3))
rec("eye(2, 3)", torch.eye(2, 3))
for seed in [0, 42]:
    torch.manual_seed(seed)
    rec("rand(7)", torch.rand(7), seed)
    torch.manual_seed(seed)
    rec("rand(3, 4, float64)", torch.rand(3, 4, dtype=torch.float64), seed)
    torch.manual_seed(seed)
    rec("randn(5)", torch.randn(5), seed)
    torch.manual_seed(seed)
    rec("randn(20, float64)", torch.randn(20, dtype=torch.float64), seed)
    torch.manual_seed(seed)
    rec("randn(37)", torch.randn(37), seed)
    torch.manual_seed(seed)
    rec("randint(0, 10, [8])", torch.randint(0, 10, (8,)), seed)
    torch.manual_seed(seed)
    rec("randint(-3, 3, [2, 3])", torch.randint(-3, 3, (2, 3)), seed)
    torch.manual_seed(seed)
    rec("randperm(10)", torch.randperm(10), seed)
    torch.manual_seed(seed)
    a = torch.randn(3)
    b = torch.rand(2)
    c = torch.randn(1)
    rec("randn(3); rand(2); randn(1)", torch.cat([a, b, c]), seed)

json.dump({"generator": "scripts/record/creation.py", "reference": "torch " + torch.__version__, "cases": cases},
          open("test/fixtures/creation.json", "w"), indent=1)
print(len(cases), "cases")
