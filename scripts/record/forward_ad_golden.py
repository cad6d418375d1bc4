"""Records PyTorch's forward-mode AD for every op sample of the golden corpus.

Run with Debian's PyTorch (torch 1.13), after ops_golden.py:
    /usr/bin/python3 scripts/record/forward_ad_golden.py
For each case of test/fixtures/golden/*.json with float64 inputs that
require grad, it replays the case's steps up to its op with those inputs
made dual (tangents drawn from a seeded generator, stored beside the
result; cases are keyed family:id, as ids repeat across families), and records the tangent of each floating output, or PyTorch's error
where its forward AD does not support the op. Writes
test/fixtures/forward_ad_golden.json; test/ops/forward_ad.test.ts compares.
"""
import glob
import json
import os
import random
import sys

import torch
import torch.autograd.forward_ad as fwAD

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ops_golden as g  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64, "int32": torch.int32, "bool": torch.bool}


def decode(v):
    if v == "nan":
        return float("nan")
    if v == "inf":
        return float("inf")
    if v == "-inf":
        return float("-inf")
    return v


def from_json(t):
    return torch.tensor([decode(v) for v in t["data"]], dtype=DTYPES[t["dtype"]]).reshape(t["shape"])


def resolve(a, env):
    if isinstance(a, list):
        return [resolve(x, env) for x in a]
    if isinstance(a, dict):
        if "ref" in a:
            return env[a["ref"]]
        return g.python_index(a)
    return a


def replay(case, tangents):
    """The case's op outputs, with the chosen inputs dual; None if nothing is dual."""
    op = next(t[3:] for t in case["tags"] if t.startswith("op:"))
    env = {}
    for name, t in case["inputs"].items():
        x = from_json(t)
        env[name] = fwAD.make_dual(x, tangents[name]) if name in tangents else x
    out = None
    for s in case["steps"]:
        args = [resolve(a, env) for a in s["args"]]
        if s["op"] == ".__getitem__" and isinstance(args[1], list):
            args[1] = tuple(args[1])
        if s["op"] == ".__setitem__" and isinstance(args[1], list):
            args[1] = tuple(args[1])
        kwargs = {k: (float(v) if v in ("inf", "-inf") else resolve(v, env)) for k, v in (s.get("kwargs") or {}).items()}
        r = g.call(s["op"], args, kwargs)
        if s["op"] == ".__setitem__":
            r = args[0]
        names = s.get("out")
        if isinstance(names, list):
            for n, v in zip(names, r):
                env[n] = v
        elif names is not None:
            env[names] = r
        if s["op"] == op:
            out = [env[n] for n in (names if isinstance(names, list) else [names])] if names is not None else [r]
            break
    return [o for o in out if isinstance(o, torch.Tensor) and o.is_floating_point()]


def main():
    results = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "test/fixtures/golden/*.json"))):
        family = os.path.basename(path)[:-5]
        for case in json.load(open(path))["cases"]:
            key = "%s:%s" % (family, case["id"])
            names = [n for n, t in case["inputs"].items()
                     if t.get("requires_grad") and t["dtype"] == "float64" and not n.startswith(("v_", "grad_"))]
            if not names:
                continue
            rng = random.Random("kindling/forward_ad/" + key)
            tangents = {}
            for n in names:
                shape = case["inputs"][n]["shape"]
                numel = 1
                for d in shape:
                    numel *= d
                tangents[n] = torch.tensor([round(rng.uniform(-1, 1), 3) for _ in range(numel)], dtype=torch.float64).reshape(shape)
            entry = {"tangents": {n: g.tensor_json(t, False) for n, t in tangents.items()}}
            try:
                with fwAD.dual_level():
                    outs = replay(case, tangents)
                    entry["outputs"] = [g.tensor_json(fwAD.unpack_dual(o).tangent) if fwAD.unpack_dual(o).tangent is not None else None
                                        for o in outs]
            except Exception as e:  # noqa: BLE001 - PyTorch's forward AD refusing an op is recorded
                entry["error"] = "%s: %s" % (type(e).__name__, str(e).split("\n")[0])
            results[key] = entry
    out = os.path.join(ROOT, "test/fixtures/forward_ad_golden.json")
    with open(out, "w") as f:
        json.dump(results, f, separators=(",", ":"))
        f.write("\n")
    errors = sum(1 for e in results.values() if "error" in e)
    print("wrote %d cases (%d refused by PyTorch) to %s" % (len(results), errors, os.path.relpath(out)))


if __name__ == "__main__":
    main()
