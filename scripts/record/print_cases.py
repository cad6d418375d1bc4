"""Records PyTorch's printed form of many tensors (test/fixtures/print.json).

Run with Debian's PyTorch: /usr/bin/python3 scripts/record/print_cases.py
Each case holds the tensor's dtype, shape and values (as the conformance
format writes them), whether it requires grad, optional print options, and
repr(tensor) as torch printed it.
"""
import json
import torch
from ops_golden import enc  # non-finite floats as the conformance format writes them

torch.manual_seed(0)


def case(t, requires_grad=False, opts=None):
    flat = t.detach().reshape(-1).tolist()
    if opts:
        torch.set_printoptions(**opts)
    x = t.clone().requires_grad_(requires_grad) if requires_grad else t
    r = repr(x)
    torch.set_printoptions(profile="default")
    return {
        "dtype": str(t.dtype).replace("torch.", ""),
        "shape": list(t.shape),
        "data": [enc(v) for v in flat],
        "requires_grad": requires_grad,
        "opts": opts or {},
        "repr": r,
    }


f32, f64 = torch.float32, torch.float64
cases = [
    case(torch.tensor([5.0])),
    case(torch.tensor(27.0)),
    case(torch.tensor(3.5), requires_grad=True),
    case(torch.ones(2, 2), requires_grad=True),
    case(torch.tensor([1.0, 2.5, -3.25])),
    case(torch.tensor([0.1, 0.2, 0.3])),
    case(torch.tensor([1e-5, 1.0])),
    case(torch.tensor([1e9, 1.0])),
    case(torch.tensor([12345.678, 0.001])),
    case(torch.tensor([100000.0, 2.0])),
    case(torch.tensor([1e8, 1.0])),
    case(torch.tensor([0.0, -0.0, 1.0])),
    case(torch.tensor([-0.0])),
    case(torch.tensor([float("nan"), 1.0, float("inf"), -float("inf")])),
    case(torch.tensor([float("nan"), 1.5])),
    case(torch.tensor([float("inf")])),
    case(torch.tensor([0.03125, 0.5, 2.5])),
    case(torch.tensor([0.00015, 0.5])),
    case(torch.tensor([1.0, 2.0], dtype=f64)),
    case(torch.tensor([1.123456789, 2.0], dtype=f64)),
    case(torch.tensor([1, 2, 3])),
    case(torch.tensor([1, -20, 300], dtype=torch.int32)),
    case(torch.tensor([True, False])),
    case(torch.tensor(True)),
    case(torch.tensor(7)),
    case(torch.tensor(7, dtype=torch.int32)),
    case(torch.zeros(0)),
    case(torch.zeros(0, 3)),
    case(torch.zeros(2, 0, dtype=f64)),
    case(torch.zeros(0, dtype=torch.int64)),
    case(torch.zeros(3, 4)),
    case(torch.randn(3, 4)),
    case(torch.randn(2, 3, 4)),
    case(torch.randn(2, 2, 2, 2)),
    case(torch.randn(30)),
    case(torch.randn(100)),
    case(torch.arange(50, dtype=f32) * 1000),
    case(torch.randn(2000)),
    case(torch.randn(40, 40)),
    case(torch.randn(11, 11, 11)),
    case(torch.arange(2000)),
    case(torch.randn(3, 4) * 1e-6),
    case(torch.randn(3, 4) * 1e6),
    case(torch.randn(5, 20)),
    case(torch.randn(4, 4, dtype=f64), requires_grad=True),
    case(torch.randn(64, 10), requires_grad=True),
    case(torch.tensor([1.0, 2.0]), opts={"precision": 2}),
    case(torch.tensor([1.23456, 2.0]), opts={"precision": 2}),
    case(torch.tensor([1.0, 2.5]), opts={"sci_mode": True}),
    case(torch.randn(10), opts={"linewidth": 40}),
    case(torch.arange(30), opts={"threshold": 10, "edgeitems": 2}),
    case(torch.tensor([123456789.0])),
    case(torch.tensor([0.5, 0.25, 0.125, 0.0625])),
    case(torch.tensor([-1.5, 1e-3])),
    case(torch.tensor([2.0 ** 40])),
    case(torch.tensor([1.0, 1001.0])),
    case(torch.tensor([1.0, 999.0])),
]

with open("test/fixtures/print.json", "w") as f:
    json.dump({"generator": "scripts/record/print_cases.py", "reference": "torch " + torch.__version__, "cases": cases}, f, indent=1)
print(len(cases), "cases")
