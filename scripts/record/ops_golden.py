"""Records PyTorch's results for the op samples of test/ops/samples/*.json.

Run with Debian's PyTorch (torch 1.13):
    /usr/bin/python3 scripts/record/ops_golden.py [FAMILY ...]
For each family (default: all), reads test/ops/samples/FAMILY.json and writes
test/fixtures/golden/FAMILY.json in the conformance format
(test/conformance/FORMAT.md): for each sample, the op's output, the
first-order gradients of the floating inputs for a random output weight
(autograd.grad with create_graph) and, where those depend on the inputs,
the second-order gradients of sum(d_input * v_input).
"""
import json
import math
import random
import re

import torch
import torch.nn.functional as F

import torch2_compat  # noqa: F401,E402 - PyTorch 2.x functions composed in 1.13 (F.scaled_dot_product_attention)

SPEC = re.compile(r"^([dpuqcsib])\[([0-9,]*)\](?::(-?\d+):(-?\d+))?(\^T|\^S)?$")
rng = random.Random(1234)


def enc(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
    return v


def tensor_json(t, requires_grad=None):
    if t._is_zerotensor():
        # A lazily allocated zero gradient: recorded as ordinary zeros (FORMAT.md).
        t = torch.zeros(t.shape, dtype=t.dtype)
    out = {
        "dtype": str(t.dtype).replace("torch.", ""),
        "shape": list(t.shape),
        "data": [enc(v) for v in t.detach().reshape(-1).tolist()],
    }
    if requires_grad is not None:
        out["requires_grad"] = requires_grad
    return out


def draw(kind, n, lo, hi):
    vals = set()
    out = []
    while len(out) < n:
        if kind in "dcs":
            v = round(rng.uniform(-2, 2), 4)
            ok = abs(v) >= 0.1
        elif kind == "p":
            v = round(rng.uniform(0.2, 2), 4)
            ok = True
        elif kind == "u":
            v = round(rng.uniform(-0.9, 0.9), 4)
            ok = abs(v) >= 0.05
        elif kind == "q":
            v = round(rng.uniform(0.05, 0.95), 4)
            ok = True
        elif kind == "i":
            v = rng.randrange(lo, hi)
            ok = True
        else:
            v = rng.random() < 0.5
            ok = True
        # Distinct float values keep max/min and sorting away from ties.
        if ok and (kind in "ib" or v not in vals):
            vals.add(v)
            out.append(v)
    return out


def make_input(spec):
    m = SPEC.match(spec)
    if not m:
        raise ValueError("bad spec " + spec)
    kind, dims, lo, hi, transposed = m.groups()
    shape = [int(s) for s in dims.split(",") if s]
    n = 1
    for s in shape:
        n *= s
    vals = draw(kind, n, int(lo or 0), int(hi or 2))
    dtype = {"d": torch.float64, "p": torch.float64, "u": torch.float64, "q": torch.float64, "c": torch.float64,
             "s": torch.float32, "i": torch.int64, "b": torch.bool}[kind]
    t = torch.tensor(vals, dtype=dtype).reshape(shape)
    if transposed == "^S":
        # Sorted along the last dim (searchsorted's sequences); drawn as any other input.
        return t.sort(-1).values, kind in "dpuqs", False
    return t, kind in "dpuqs", transposed is not None


def call(op, args, kwargs):
    if op.startswith("F."):
        return getattr(F, op[2:])(*args, **kwargs)
    if op.startswith("."):
        name = op[1:]
        if name == "__getitem__":
            return args[0][args[1]]
        if name == "__setitem__":
            args[0][args[1]] = args[2]
            return None
        return getattr(args[0], name)(*args[1:], **kwargs)
    return getattr(torch, op)(*args, **kwargs)


def python_index(a):
    if isinstance(a, dict) and "slice" in a:
        return slice(*a["slice"])
    if isinstance(a, dict) and "none" in a:
        return None
    if isinstance(a, dict) and "ellipsis" in a:
        return Ellipsis
    if isinstance(a, dict) and "float" in a:
        return float(a["float"])
    if isinstance(a, list):
        return [python_index(x) for x in a]
    return a


def make_args(op, sample_args, inputs, steps, env, diff):
    """Turns a sample's argument specs into corpus args and PyTorch values; fills inputs/steps/env/diff."""

    def arg(a, name):
        if isinstance(a, str) and SPEC.match(a):
            t, grad, transposed = make_input(a)
            inputs[name] = tensor_json(t, grad)
            leaf = t.clone().requires_grad_(grad)
            env[name] = leaf
            if grad:
                diff.append(name)
            if transposed:
                steps.append({"out": name + "t", "op": ".t", "args": [{"ref": name}]})
                env[name + "t"] = leaf.t()
                return {"ref": name + "t"}, env[name + "t"]
            return {"ref": name}, leaf
        if op in (".__getitem__", ".__setitem__") and name == "a1" and isinstance(a, list):
            # A tuple index: its items may be slices, None, Ellipsis, ints or tensors.
            pairs = [arg(x, "%s_%d" % (name, k)) for k, x in enumerate(a)]
            return [p[0] for p in pairs], tuple(p[1] for p in pairs)
        if isinstance(a, list) and a and all(isinstance(x, str) for x in a):
            pairs = [arg(x, "%s_%d" % (name, k)) for k, x in enumerate(a)]
            return [p[0] for p in pairs], [p[1] for p in pairs]
        return a, python_index(a)

    if not sample_args:
        return [], []
    jargs, targs = zip(*[arg(a, "a%d" % k) for k, a in enumerate(sample_args)])
    return list(jargs), list(targs)


def record(op, i, sample):
    inputs, steps, env, diff = {}, [], {}, []
    jargs, targs = make_args(op, sample["args"], inputs, steps, env, diff)
    inplace = op == ".__setitem__" or (op.endswith("_") and not op.endswith("__"))
    if inplace and isinstance(jargs[0], dict) and "ref" in jargs[0]:
        # An in-place op works on a non-leaf copy of its first input, so the
        # gradient flows back through the rebased history to the leaf.
        src = jargs[0]["ref"]
        steps.append({"out": src + "c", "op": ".clone", "args": [{"ref": src}]})
        env[src + "c"] = targs[0].clone()
        jargs[0], targs[0] = {"ref": src + "c"}, env[src + "c"]
    kwargs = sample.get("kwargs", {})
    tkwargs = {k: (float(v) if v in ("inf", "-inf") else v) for k, v in kwargs.items()}
    result = call(op, list(targs), tkwargs)
    if op == ".__setitem__":
        result = targs[0]
    # Ops with several outputs (max with dim, split, ...) name them out0, out1, ...
    outs = list(result) if isinstance(result, (tuple, list)) else [result]
    names = ["out"] if len(outs) == 1 and not isinstance(result, (tuple, list)) else ["out%d" % k for k in range(len(outs))]
    steps.append({"out": names[0] if names == ["out"] else names, "op": op, "args": list(jargs), "kwargs": kwargs})
    values, meta, grads = {}, {}, {}
    for name, o in zip(names, outs):
        values[name] = tensor_json(o)
        meta[name] = {"requires_grad": o.requires_grad, "is_leaf": o.is_leaf,
                      "grad_fn": type(o.grad_fn).__name__ if o.grad_fn is not None else None}
    tags = ["op:" + op, "golden"]
    live_outs = [(n, o) for n, o in zip(names, outs) if o.requires_grad and o.dtype in (torch.float32, torch.float64)]
    if live_outs and diff:
        gs = []
        for n, o in live_outs:
            g = torch.tensor(draw("d", o.numel(), 0, 0), dtype=o.dtype).reshape(o.shape)
            inputs["grad_" + n] = tensor_json(g, False)
            gs.append(g)
        leaves = [env[n] for n in diff]
        ds = torch.autograd.grad([o for _, o in live_outs], leaves, gs, create_graph=True, allow_unused=True)
        steps.append({"out": ["d_" + n for n in diff], "op": "autograd.grad",
                      "args": [[{"ref": n} for n, _ in live_outs], [{"ref": n} for n in diff]],
                      "kwargs": {"grad_outputs": [{"ref": "grad_" + n} for n, _ in live_outs], "create_graph": True, "allow_unused": True}})
        for n, d in zip(diff, ds):
            values["d_" + n] = tensor_json(d) if d is not None else None
            if d is not None:
                meta["d_" + n] = {"requires_grad": d.requires_grad,
                                  "grad_fn": type(d.grad_fn).__name__ if d.grad_fn is not None else None}
        live = [(n, d) for n, d in zip(diff, ds) if d is not None and d.requires_grad]
        if live:
            tags.append("double-backward")
            total = None
            for n, d in live:
                v = torch.tensor(draw("d", d.numel(), 0, 0), dtype=d.dtype).reshape(d.shape)
                inputs["v_" + n] = tensor_json(v, False)
                steps.append({"out": "gv_" + n, "op": "mul", "args": [{"ref": "d_" + n}, {"ref": "v_" + n}]})
                steps.append({"out": "s_" + n, "op": "sum", "args": [{"ref": "gv_" + n}]})
                s = (d * v).sum()
                if total is None:
                    total, total_name = s, "s_" + n
                else:
                    steps.append({"out": "t_" + n, "op": "add", "args": [{"ref": total_name}, {"ref": "s_" + n}]})
                    total, total_name = total + s, "t_" + n
            steps.append({"op": ".backward", "args": [{"ref": total_name}]})
            total.backward()
        for n in diff:
            leaf = env[n]
            grads[n] = tensor_json(leaf.grad) if leaf.grad is not None else None
    else:
        tags.append("forward-only")
    single = any(t.dtype == torch.float32 for t in list(env.values()) + outs if isinstance(t, torch.Tensor))
    tol = {"rtol": 1e-5, "atol": 1e-6} if single else {"rtol": 1e-7, "atol": 1e-10}
    return {"id": "%s/%d" % (op, i), "tags": tags, "inputs": inputs, "steps": steps,
            "expect": {"values": values, "grads": grads, "meta": meta}, "tol": tol}


def main():
    import glob
    import os
    import sys
    families = sys.argv[1:] or sorted(os.path.basename(f)[:-5] for f in glob.glob("test/ops/samples/*.json"))
    for family in families:
        global rng
        rng = random.Random("kindling/" + family)
        samples = json.load(open("test/ops/samples/%s.json" % family))["ops"]
        cases = []
        for op, lst in samples.items():
            for i, s in enumerate(lst):
                cases.append(record(op, i, s))
        with open("test/fixtures/golden/%s.json" % family, "w") as f:
            f.write('{\n"format": "autograd-conformance/1",\n"reference": "torch %s",\n' % torch.__version__)
            f.write('"generator": "scripts/record/ops_golden.py %s",\n"cases": [\n' % family)
            f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in cases))
            f.write("\n]\n}\n")
        print(family, len(cases), "cases")


if __name__ == "__main__":
    main()
