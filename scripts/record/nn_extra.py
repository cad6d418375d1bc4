"""Records PyTorch's results for nn cases the sample table cannot express.

Run with Debian's PyTorch (torch 1.13):
    /usr/bin/python3 scripts/record/nn_extra.py
Writes test/fixtures/nn_extra.json: a corpus in the conformance format
(test/conformance/FORMAT.md) plus seeded dropout masks:
- batch_norm in eval mode (needs positive running variances: spec kind
  "r[..]", a positive constant), and in training mode with the running
  statistics' values after the in-place update;
- layer_norm / batch_norm with a bias but no weight, first order only
  (PyTorch 1.13's double backward fails there);
- max_pool2d with return_indices (two outputs);
- embedding with max_norm (the weight is renormalised in place);
- cross_entropy with class-probability targets, label smoothing and a target
  requiring grad (values only for its gradient's node, see the case's note);
- dropout masks for given seeds, shapes, p and dtypes.
"""
import json
import os
import random
import sys
import warnings

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ops_golden as g  # noqa: E402

warnings.filterwarnings("ignore")
g.rng = random.Random("kindling/nn_extra")

# Spec kind "r": a positive constant (running variances).
_make_input = g.make_input
g.SPEC = __import__("re").compile(r"^([dpuqcsibr])\[([0-9,]*)\](?::(-?\d+):(-?\d+))?(\^T)?$")


def make_input(spec):
    if spec.startswith("r["):
        t, _, transposed = _make_input("p" + spec[1:])
        return t, False, transposed
    return _make_input(spec)


g.make_input = make_input


def first_order(op, case_id, args, kwargs=None):
    """A case with the op's output and first-order gradients only (no create_graph)."""
    kwargs = kwargs or {}
    inputs, env, diff, jargs, targs = {}, {}, [], [], []
    for k, a in enumerate(args):
        if isinstance(a, str) and g.SPEC.match(a):
            t, grad, _ = g.make_input(a)
            name = "a%d" % k
            inputs[name] = g.tensor_json(t, grad)
            env[name] = t.clone().requires_grad_(grad)
            if grad:
                diff.append(name)
            jargs.append({"ref": name})
            targs.append(env[name])
        else:
            jargs.append(a)
            targs.append(a)
    out = g.call(op, targs, kwargs)
    grad_out = torch.tensor(g.draw("d", out.numel(), 0, 0), dtype=out.dtype).reshape(out.shape)
    inputs["grad_out"] = g.tensor_json(grad_out, False)
    ds = torch.autograd.grad([out], [env[n] for n in diff], [grad_out], allow_unused=True)
    steps = [
        {"out": "out", "op": op, "args": jargs, "kwargs": kwargs},
        {"out": ["d_" + n for n in diff], "op": "autograd.grad",
         "args": [[{"ref": "out"}], [{"ref": n} for n in diff]],
         "kwargs": {"grad_outputs": [{"ref": "grad_out"}], "allow_unused": True}},
    ]
    values = {"out": g.tensor_json(out)}
    values.update({"d_" + n: g.tensor_json(d) if d is not None else None for n, d in zip(diff, ds)})
    meta = {"out": {"requires_grad": out.requires_grad, "grad_fn": type(out.grad_fn).__name__}}
    return {"id": case_id, "tags": ["op:" + op, "first-order"], "inputs": inputs, "steps": steps,
            "expect": {"values": values, "meta": meta}, "tol": {"rtol": 1e-7, "atol": 1e-10}}


def golden(op, case_id, args, kwargs=None):
    """A case recorded as the sample table's goldens (values, first and second derivatives, node names)."""
    case = g.record(op, 0, {"args": args, "kwargs": kwargs or {}})
    case["id"] = case_id
    return case


def with_updated_inputs(case, op, names):
    """Adds the values some inputs have after the op (in-place updates), computed by replaying it."""
    env = {n: tensor_from_json(t) for n, t in case["inputs"].items()}
    step = case["steps"][[s["op"] for s in case["steps"]].index(op)]
    args = [env[a["ref"]] if isinstance(a, dict) and "ref" in a else a for a in step["args"]]
    with torch.no_grad():
        g.call(op, args, step.get("kwargs", {}))
    for n in names:
        case["expect"]["values"][n] = g.tensor_json(env[n])
    return case


def tensor_from_json(t):
    dtype = getattr(torch, t["dtype"])
    return torch.tensor([float(v) for v in t["data"]], dtype=dtype).reshape(t["shape"])


def max_pool_indices():
    x = torch.tensor(g.draw("d", 2 * 5 * 5, 0, 0), dtype=torch.float64).reshape(1, 2, 5, 5).requires_grad_()
    out, idx = F.max_pool2d(x, 3, stride=2, padding=1, return_indices=True)
    grad_out = torch.tensor(g.draw("d", out.numel(), 0, 0), dtype=torch.float64).reshape(out.shape)
    out.backward(grad_out)
    return {
        "id": "F.max_pool2d/return_indices", "tags": ["op:F.max_pool2d"],
        "inputs": {"x": g.tensor_json(x.detach(), True), "grad_out": g.tensor_json(grad_out, False)},
        "steps": [
            {"out": ["out", "idx"], "op": "F.max_pool2d", "args": [{"ref": "x"}, 3],
             "kwargs": {"stride": 2, "padding": 1, "return_indices": True}},
            {"op": ".backward", "args": [{"ref": "out"}], "kwargs": {"gradient": {"ref": "grad_out"}}},
        ],
        "expect": {"values": {"out": g.tensor_json(out), "idx": g.tensor_json(idx)}, "grads": {"x": g.tensor_json(x.grad)},
                   "meta": {"out": {"grad_fn": "MaxPool2DWithIndicesBackward0"}, "idx": {"requires_grad": False}}},
        "tol": {"rtol": 1e-7, "atol": 1e-10},
    }


def dropout_masks():
    out = []
    for seed, shape, p, dtype in [(0, [6], 0.5, "float32"), (3, [4, 5], 0.3, "float64"), (7, [3, 7], 0.8, "float32"),
                                  (11, [2, 2, 5], 0.1, "float64"), (1234, [40], 0.5, "float32")]:
        torch.manual_seed(seed)
        y = F.dropout(torch.ones(shape, dtype=getattr(torch, dtype)), p)
        out.append({"seed": seed, "shape": shape, "p": p, "dtype": dtype, "out": g.tensor_json(y)})
    return out


def main():
    cases = [
        golden("F.batch_norm", "F.batch_norm/eval", ["d[4,3]", "c[3]", "r[3]", "d[3]", "d[3]"]),
        golden("F.batch_norm", "F.batch_norm/eval-4d-no-affine", ["d[2,3,2,2]", "c[3]", "r[3]"], {"eps": 0.1}),
        golden("F.batch_norm", "F.batch_norm/eval-weight-only", ["d[3,2]", "c[2]", "r[2]", "d[2]", None]),
        with_updated_inputs(golden("F.batch_norm", "F.batch_norm/train-running-stats", ["d[5,3]", "c[3]", "r[3]", "d[3]", "d[3]"],
                                   {"training": True, "momentum": 0.3}), "F.batch_norm", ["a1", "a2"]),
        with_updated_inputs(golden("F.batch_norm", "F.batch_norm/train-running-stats-4d", ["d[2,2,3,2]", "c[2]", "r[2]"],
                                   {"training": True}), "F.batch_norm", ["a1", "a2"]),
        first_order("F.layer_norm", "F.layer_norm/bias-only", ["d[2,4]", [4], None, "d[4]"]),
        first_order("F.batch_norm", "F.batch_norm/bias-only", ["d[2,3,2]", None, None, None, "d[3]"], {"training": True}),
        max_pool_indices(),
        with_updated_inputs(golden("F.embedding", "F.embedding/max_norm", ["i[5]:0:4", "d[4,3]"], {"max_norm": 1.0}),
                            "F.embedding", ["a1"]),
        with_updated_inputs(golden("F.embedding", "F.embedding/max_norm-p1", ["i[3]:0:3", "d[3,2]"], {"max_norm": 1.5, "norm_type": 1.0}),
                            "F.embedding", ["a1"]),
    ]
    # A target that requires grad: its gradient passes through MulBackward1's backward (MulBackward0).
    cases.append(golden("F.cross_entropy", "F.cross_entropy/prob-target-label-smoothing", ["d[3,4]", "q[3,4]"], {"label_smoothing": 0.2}))
    with open("test/fixtures/nn_extra.json", "w") as f:
        f.write('{\n"format": "autograd-conformance/1",\n"reference": "torch %s",\n' % torch.__version__)
        f.write('"generator": "scripts/record/nn_extra.py",\n"dropout": %s,\n"cases": [\n' % json.dumps(dropout_masks()))
        f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in cases))
        f.write("\n]\n}\n")
    print(len(cases), "cases")


if __name__ == "__main__":
    main()
