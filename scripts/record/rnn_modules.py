"""Records the recurrent modules with PyTorch (test/fixtures/rnn_modules.json).

Run from the repository root: /usr/bin/python3 scripts/record/rnn_modules.py
For each case: torch.manual_seed(0), build the module, record its printed
form, state_dict keys and initial parameters; run it (in the given mode) on
a fixed input, with the initial states given or not, and record the output,
the final states, and the gradients of every parameter, of the input and of
the given initial states for a fixed weighting of the output and the final
states. Also pad_sequence cases, and a small LSTM's state dict written as
test/fixtures/safetensors/lstm.safetensors (with scripts/record/
safetensors_fixture.py's writer) with the output it gives.
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
from ops_golden import tensor_json  # the conformance format's tensors
from safetensors_fixture import serialize

torch.use_deterministic_algorithms(True)


def tj(t):
    """tensor_json, float32 values written in their shortest form (read back as float32, the same bits)."""
    out = tensor_json(t)
    if t.dtype == torch.float32:
        out["data"] = [float(np.format_float_positional(np.float32(v), unique=True)) if isinstance(v, float)
                       and math.isfinite(v) else v for v in out["data"]]
    return out


def det(shape, scale=1.0, offset=0.0, dtype=torch.float32):
    """Deterministic values: a smooth function of the index (no RNG)."""
    n = math.prod(shape)
    vals = [round(math.sin(1.3 * i + offset) * scale, 4) for i in range(n)]
    return torch.tensor(vals, dtype=dtype).reshape(shape)


# (module, args, kwargs, input shape, initial states given, training mode)
SEQUENCE = [
    ("LSTM", [3, 4], {}, [5, 2, 3], False, True),
    ("LSTM", [3, 4], {}, [5, 2, 3], True, True),
    ("LSTM", [3, 4], {"num_layers": 2, "batch_first": True}, [2, 5, 3], True, True),
    ("LSTM", [3, 4], {"bidirectional": True}, [4, 2, 3], True, True),
    ("LSTM", [3, 4], {"num_layers": 2, "bidirectional": True, "bias": False}, [4, 2, 3], False, True),
    ("LSTM", [3, 5], {"proj_size": 2}, [4, 2, 3], True, True),
    ("LSTM", [3, 5], {"proj_size": 2, "num_layers": 2, "bidirectional": True}, [3, 2, 3], True, True),
    ("LSTM", [3, 4], {}, [5, 3], True, True),
    ("LSTM", [3, 4], {"batch_first": True, "num_layers": 2}, [5, 3], False, True),
    ("LSTM", [3, 4], {"num_layers": 2, "dropout": 0.5}, [4, 2, 3], True, True),
    ("LSTM", [3, 4], {"num_layers": 2, "dropout": 0.5}, [4, 2, 3], True, False),
    ("LSTM", [2, 3], {"dtype": "float64"}, [3, 2, 2], True, True),
    ("GRU", [3, 4], {}, [5, 2, 3], False, True),
    ("GRU", [3, 4], {"num_layers": 2, "batch_first": True}, [2, 5, 3], True, True),
    ("GRU", [3, 4], {"bidirectional": True, "bias": False}, [4, 2, 3], True, True),
    ("GRU", [3, 4], {"num_layers": 2, "bidirectional": True}, [4, 2, 3], True, True),
    ("GRU", [3, 4], {}, [5, 3], True, True),
    ("RNN", [3, 4], {}, [5, 2, 3], False, True),
    ("RNN", [3, 4], {"nonlinearity": "relu", "num_layers": 2, "bidirectional": True}, [4, 2, 3], True, True),
    ("RNN", [3, 4], {"bias": False, "batch_first": True}, [5, 3], True, True),
    ("RNN", [3, 4], {"batch_first": True}, [2, 5, 3], True, True),
]

# (module, args, kwargs, input shape, initial states given)
CELLS = [
    ("RNNCell", [3, 4], {}, [2, 3], True),
    ("RNNCell", [3, 4], {"nonlinearity": "relu", "bias": False}, [2, 3], False),
    ("RNNCell", [3, 4], {}, [3], True),
    ("LSTMCell", [3, 4], {}, [2, 3], True),
    ("LSTMCell", [3, 4], {}, [2, 3], False),
    ("LSTMCell", [3, 4], {"bias": False}, [3], True),
    ("GRUCell", [3, 4], {}, [2, 3], True),
    ("GRUCell", [3, 4], {"bias": False}, [2, 3], False),
    ("GRUCell", [3, 4], {}, [3], True),
]


def kw(kwargs):
    return {k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}


def state_shapes(m, x):
    """The initial states' shapes for input x (h, and c for an LSTM)."""
    batched = x.dim() == 3
    batch = (x.shape[0] if m.batch_first else x.shape[1]) if batched else None
    d = 2 if m.bidirectional else 1
    h = [m.num_layers * d] + ([batch] if batched else []) + [m.proj_size or m.hidden_size]
    c = [m.num_layers * d] + ([batch] if batched else []) + [m.hidden_size]
    return [h, c] if isinstance(m, nn.LSTM) else [h]


def cell_state_shapes(m, x):
    shape = list(x.shape[:-1]) + [m.hidden_size]
    return [shape, shape] if isinstance(m, nn.LSTMCell) else [shape]


def run(m, x, states, given):
    """The module's outputs as a flat list: [output, h, (c)] for sequences, [h, (c)] for cells."""
    if isinstance(m, (nn.RNN, nn.LSTM, nn.GRU)):
        hx = (tuple(states) if isinstance(m, nn.LSTM) else states[0]) if given else None
        out, h = m(x, hx)
        return [out] + (list(h) if isinstance(m, nn.LSTM) else [h])
    hx = (tuple(states) if isinstance(m, nn.LSTMCell) else states[0]) if given else None
    r = m(x, hx)
    return list(r) if isinstance(m, nn.LSTMCell) else [r]


def case(name, args, kwargs, in_shape, given, train=True):
    torch.manual_seed(0)
    m = getattr(nn, name)(*args, **kw(kwargs))
    m.train(train)
    dtype = m.weight_ih_l0.dtype if hasattr(m, "weight_ih_l0") else m.weight_ih.dtype
    init = {k: tj(v) for k, v in m.state_dict().items()}
    x = det(in_shape, dtype=dtype).requires_grad_()
    shapes = state_shapes(m, x) if hasattr(m, "num_layers") else cell_state_shapes(m, x)
    states = [det(s, 0.5, 1.1 + k, dtype=dtype).requires_grad_() for k, s in enumerate(shapes)]
    outs = run(m, x, states, given)
    weights = [det(list(o.shape), 1.0, 0.7 + k, dtype=dtype) for k, o in enumerate(outs)]
    sum((o * w).sum() for o, w in zip(outs, weights)).backward()
    grads = {n: tj(p.grad) for n, p in m.named_parameters()}
    out = {"module": name, "args": args, "kwargs": kwargs, "train": train, "repr": repr(m), "init": init,
           "input": tj(x), "outputs": [tj(o) for o in outs], "out_weights": [tj(w) for w in weights],
           "input_grad": tj(x.grad), "param_grads": grads}
    if given:
        out["states"] = [tj(s) for s in states]
        out["state_grads"] = [tj(s.grad) for s in states]
    return out


def pad_case(shapes, kwargs):
    seqs = [det(s, 1.0, 0.3 * i).requires_grad_() for i, s in enumerate(shapes)]
    out = nn.utils.rnn.pad_sequence(seqs, **kwargs)
    w = det(list(out.shape), 1.0, 0.9)
    (out * w).sum().backward()
    return {"kwargs": kwargs, "sequences": [tj(s) for s in seqs], "output": tj(out), "out_weight": tj(w),
            "grads": [tj(s.grad) for s in seqs]}


def safetensors_case():
    """A 2-layer LSTM's state dict (seed 1) saved as safetensors, and its output for a fixed input and states."""
    torch.manual_seed(1)
    m = nn.LSTM(3, 4, num_layers=2, batch_first=True)
    tensors = [(k, "F32", list(v.shape), v.detach().numpy().astype("<f4").tobytes()) for k, v in m.state_dict().items()]
    path = os.path.join("test", "fixtures", "safetensors", "lstm.safetensors")
    with open(path, "wb") as f:
        f.write(serialize(tensors, {"format": "pt", "source": "scripts/record/rnn_modules.py"}))
    x = det([2, 3, 3])
    h0, c0 = det([2, 2, 4], 0.5, 1.1), det([2, 2, 4], 0.5, 2.1)
    with torch.no_grad():
        out, (h, c) = m(x, (h0, c0))
    return {"file": "lstm.safetensors", "repr": repr(m), "keys": list(m.state_dict().keys()), "input": tj(x),
            "states": [tj(h0), tj(c0)], "outputs": [tj(out), tj(h), tj(c)]}


cases = [case(*c) for c in SEQUENCE] + [case(*c) for c in CELLS]
pads = [
    pad_case([[3, 2], [1, 2], [2, 2]], {}),
    pad_case([[3, 2], [1, 2], [2, 2]], {"batch_first": True, "padding_value": -1.5}),
    pad_case([[2], [4]], {"batch_first": True}),
]
doc = {"generator": "scripts/record/rnn_modules.py", "reference": "torch " + torch.__version__, "cases": cases,
       "pad_sequence": pads, "safetensors": safetensors_case()}
with open("test/fixtures/rnn_modules.json", "w") as f:
    # One line per case: compact, and a re-recording diffs case by case.
    f.write("{\n")
    for i, (k, v) in enumerate(doc.items()):
        sep = "," if i < len(doc) - 1 else ""
        if isinstance(v, list):
            items = ",\n".join(json.dumps(c, separators=(",", ":")) for c in v)
            f.write("%s: [\n%s\n]%s\n" % (json.dumps(k), items, sep))
        else:
            f.write("%s: %s%s\n" % (json.dumps(k), json.dumps(v, separators=(",", ":")), sep))
    f.write("}\n")
print(len(cases), "cases,", len(pads), "pad_sequence cases")
