"""Records torch.add's result dtype for operand pairs (test/fixtures/promotion.json).

Run: /usr/bin/python3 scripts/record/promotion.py
Operands: tensors with dims, 0-d tensors and Python scalars of each kind.
"""
import json
import torch

dtypes = [torch.bool, torch.int32, torch.int64, torch.float32, torch.float64]


def operands():
    for dt in dtypes:
        name = str(dt).replace("torch.", "")
        yield {"kind": "tensor", "dtype": name}, torch.ones(2, dtype=dt)
        yield {"kind": "0d", "dtype": name}, torch.ones((), dtype=dt)
    yield {"kind": "scalar", "value": True}, True
    yield {"kind": "scalar", "value": 2}, 2
    yield {"kind": "scalar", "value": 2.5}, 2.5


cases = []
for a_desc, a in operands():
    if a_desc["kind"] == "scalar":
        continue
    for b_desc, b in operands():
        if a.dtype == torch.bool and b_desc.get("dtype") == "bool" and False:
            continue
        r = torch.add(a, b)
        cases.append({"a": a_desc, "b": b_desc, "result": str(r.dtype).replace("torch.", "")})

json.dump({"generator": "scripts/record/promotion.py", "reference": "torch " + torch.__version__, "cases": cases},
          open("test/fixtures/promotion.json", "w"), indent=1)
print(len(cases), "cases")
