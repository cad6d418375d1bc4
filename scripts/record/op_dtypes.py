"""Records which dtypes each sampled op's forward accepts in PyTorch (test/fixtures/op_dtypes.json).

Run: /usr/bin/python3 scripts/record/op_dtypes.py
The probe is the one tools/opsdoc.ts runs on Kindling: the op's first golden
case (test/fixtures/golden/*.json) with its floating inputs converted to each
dtype (index inputs stay int64), without grad.
"""
import glob
import json
import math

import torch
import torch.nn.functional as F

import torch2_compat  # noqa: F401,E402 - PyTorch 2.x functions composed in 1.13 (F.scaled_dot_product_attention)

DTYPES = {"float32": torch.float32, "float64": torch.float64, "int32": torch.int32, "int64": torch.int64, "bool": torch.bool}


def dec(v):
    if v == "nan":
        return math.nan
    if v == "inf":
        return math.inf
    if v == "-inf":
        return -math.inf
    return v


def call(op, args, kwargs):
    if op.startswith("F."):
        return getattr(F, op[2:])(*args, **kwargs)
    if op.startswith("."):
        if op == ".__getitem__":
            return args[0][args[1]]
        if op == ".__setitem__":
            args[0][args[1]] = args[2]
            return args[0]
        return getattr(args[0], op[1:])(*args[1:], **kwargs)
    return getattr(torch, op)(*args, **kwargs)


def runs_with(case, dtype):
    env = {}
    for name, t in case["inputs"].items():
        x = torch.tensor([dec(v) for v in t["data"]], dtype=DTYPES[t["dtype"]]).reshape(t["shape"])
        env[name] = x.to(DTYPES[dtype]) if t["dtype"] in ("float32", "float64") else x

    def res(a, getitem=False):
        if isinstance(a, list):
            vals = [res(x) for x in a]
            return tuple(vals) if getitem else vals
        if isinstance(a, dict):
            if "ref" in a:
                return env[a["ref"]]
            if "slice" in a:
                return slice(*a["slice"])
            if "none" in a:
                return None
            if "ellipsis" in a:
                return Ellipsis
        return a

    try:
        with torch.no_grad():
            for step in case["steps"]:
                if step["op"] == "autograd.grad":
                    break
                gi = step["op"] in (".__getitem__", ".__setitem__")
                args = [res(a, gi and k == 1) for k, a in enumerate(step["args"])]
                kwargs = {k: (float(v) if v in ("inf", "-inf") else res(v)) for k, v in step.get("kwargs", {}).items()}
                out = call(step["op"], args, kwargs)
                names = step.get("out", [])
                names = [names] if isinstance(names, str) else names
                for i, n in enumerate(names):
                    env[n] = out[i] if isinstance(out, (tuple, list)) else out
        return True
    except Exception:
        return False


table = {}
for f in sorted(glob.glob("test/fixtures/golden/*.json")):
    for case in json.load(open(f))["cases"]:
        op = case["id"].rsplit("/", 1)[0]
        if op not in table:
            table[op] = [d for d in DTYPES if runs_with(case, d)]

json.dump({"generator": "scripts/record/op_dtypes.py", "reference": "torch " + torch.__version__, "ops": table},
          open("test/fixtures/op_dtypes.json", "w"), indent=1)
print(len(table), "ops")
