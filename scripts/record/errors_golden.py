"""Records what PyTorch does with the bad inputs of test/ops/errors/*.json.

Run with Debian's PyTorch (torch 1.13):
    /usr/bin/python3 scripts/record/errors_golden.py [FAMILY ...]
Each family file lists calls by op (the sample spelling of
test/ops/samples: "d[3,4]" a float64 input, "i[2]:0:5" int64 values in
[0, 5), {"float": "nan"} a non-finite number) with a "why". For each call
this writes one case of test/fixtures/errors/FAMILY.json in the
conformance format: when PyTorch raises, `expect.error` holds the Python
exception's type and its message (the first line, or the sample's
"fragment" of it when the rest names PyTorch internals); when PyTorch
accepts the call, `expect.values` holds its result, which Kindling must
then give too.
"""
import glob
import json
import os
import random
import sys

import torch

import ops_golden as G


def python_kwargs(kwargs):
    out = {}
    for k, v in kwargs.items():
        if k == "dtype" and isinstance(v, str):
            out[k] = getattr(torch, v)
        else:
            out[k] = G.python_index(v)
    return out


def record(family, op, i, sample):
    inputs, steps, env = {}, [], {}
    jargs, targs = G.make_args(op, sample["args"], inputs, steps, env, [])
    kwargs = sample.get("kwargs", {})
    case = {"id": "errors/%s/%s/%d" % (family, op, i), "tags": ["op:" + op, "bad-input"], "about": sample["why"],
            "inputs": inputs}
    step = {"out": "out", "op": op, "args": jargs, "kwargs": kwargs}
    try:
        result = G.call(op, targs, python_kwargs(kwargs))
    except Exception as e:  # noqa: BLE001 - any exception PyTorch raises is the recorded answer
        message = str(e).split("\n")[0].rstrip()
        fragment = sample.get("fragment")
        if fragment is not None:
            if fragment not in message:
                raise SystemExit("%s: fragment %r not in PyTorch's message %r" % (case["id"], fragment, message))
            message = fragment
        steps.append(step)
        case["tags"].append("error")
        case.update(steps=steps, expect={"error": {"step": len(steps) - 1, "kind": "bad-input",
                                                   "type": type(e).__name__, "message": message}})
        return case
    if sample.get("fragment") is not None:
        raise SystemExit("%s: PyTorch accepted the call, but the sample expects %r" % (case["id"], sample["fragment"]))
    if op.startswith(".") and op.endswith("_") and not op.endswith("__"):
        result = targs[0]  # an in-place op: its first argument is the result
        step.pop("out")
        steps.append(step)
        name = jargs[0]["ref"]
    else:
        steps.append(step)
        name = "out"
    if isinstance(result, (tuple, list)):
        raise SystemExit("%s: several outputs are not supported here" % case["id"])
    case["tags"].append("accepted")
    case.update(steps=steps, expect={"values": {name: G.tensor_json(result)}}, tol={"rtol": 1e-6, "atol": 1e-7})
    return case


def main():
    families = sys.argv[1:] or sorted(os.path.basename(f)[:-5] for f in glob.glob("test/ops/errors/*.json"))
    for family in families:
        G.rng = random.Random("kindling-errors/" + family)
        samples = json.load(open("test/ops/errors/%s.json" % family))["ops"]
        cases = [record(family, op, i, s) for op, lst in samples.items() for i, s in enumerate(lst)]
        with open("test/fixtures/errors/%s.json" % family, "w") as f:
            f.write('{\n"format": "autograd-conformance/1",\n"reference": "torch %s",\n' % torch.__version__)
            f.write('"generator": "scripts/record/errors_golden.py %s",\n"cases": [\n' % family)
            f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in cases))
            f.write("\n]\n}\n")
        print(family, len(cases), "cases,", sum("error" in c["tags"] for c in cases), "errors")


if __name__ == "__main__":
    main()
