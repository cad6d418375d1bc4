"""Records attention and Transformer modules with PyTorch (test/fixtures/transformer_modules.json).

Run: /usr/bin/python3 scripts/record/transformer_modules.py
For each case: torch.manual_seed(0), build the module (nn.MultiheadAttention,
nn.TransformerEncoderLayer, ...), record its printed form, state_dict keys and
initial values; then call it (eval mode, or train mode with dropout 0) on
deterministic inputs with the case's masks and record the output, the
attention weights (MultiheadAttention) and the gradients of every parameter
and input for fixed weightings of the outputs. Also: nn.Embedding with
padding_idx, nn.Mish, PyTorch's messages for bad MultiheadAttention and
Transformer arguments, and a TransformerEncoderLayer's state dict written as
test/fixtures/safetensors/transformer_encoder_layer.safetensors with an input
and PyTorch's output for it (test/fixtures/safetensors/transformer_encoder_layer.json).
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn
from ops_golden import tensor_json as tj  # the conformance format's tensors

sys.path.insert(0, os.path.dirname(__file__))
from safetensors_fixture import serialize  # noqa: E402  (an independent safetensors writer)

NEG = float("-inf")


def det(shape, scale=1.0, offset=0.0):
    """Deterministic input values: a smooth function of the index (no RNG)."""
    n = math.prod(shape)
    vals = [round(math.sin(1.3 * i + offset) * scale, 4) for i in range(n)]
    return torch.tensor(vals, dtype=torch.float32).reshape(shape)


def causal(n, kind="float"):
    m = torch.triu(torch.full((n, n), NEG), diagonal=1)
    return m if kind == "float" else m.isinf()


def kpm(rows, kind="bool"):
    """A key padding mask: rows of 0/1 (1 = padding); float masks add -inf or a finite penalty."""
    t = torch.tensor(rows, dtype=torch.bool)
    if kind == "bool":
        return t
    return torch.zeros(t.shape).masked_fill(t, -2.5 if kind == "float" else NEG)


def mask_json(m):
    return None if m is None else tj(m)


# ----- the cases ----------------------------------------------------------------------------
# inputs: {name: shape}; "same" lists names that are the same tensor as another (self-attention: q = k = v).

def mha_cases():
    b3 = torch.tensor([[[False, True, False], [False, False, True], [False, False, False]]] * 4)
    f3u = det([2, 3, 3], 2.0, 1.0)
    return [
        dict(name="self-attention", args=[4, 2], kwargs={}, q=[3, 2, 4], kv="self"),
        dict(name="batch_first, bool causal mask and key padding", args=[4, 2], kwargs={"batch_first": True},
             q=[2, 3, 4], kv="self", call={"attn_mask": causal(3, "bool"), "key_padding_mask": kpm([[0, 0, 1], [0, 0, 0]])}),
        dict(name="cross-attention, float mask, weights per head", args=[6, 3], kwargs={}, q=[2, 2, 6], kv=([4, 2, 6], [4, 2, 6]),
             call={"attn_mask": det([2, 4], 0.5), "average_attn_weights": False}),
        dict(name="kdim and vdim, float key padding", args=[4, 2], kwargs={"kdim": 3, "vdim": 5}, q=[3, 2, 4], kv=([4, 2, 3], [4, 2, 5]),
             call={"key_padding_mask": kpm([[0, 1, 0, 0], [0, 0, 0, 1]], "float")}),
        dict(name="3-d bool mask, no weights", args=[4, 2], kwargs={}, q=[3, 2, 4], kv="self",
             call={"attn_mask": b3, "need_weights": False}),
        dict(name="unbatched, 3-d float mask", args=[4, 2], kwargs={}, q=[3, 4], kv="self", call={"attn_mask": f3u}),
        dict(name="unbatched, key padding", args=[4, 2], kwargs={"batch_first": True}, q=[3, 4], kv=([5, 4], [5, 4]),
             call={"key_padding_mask": torch.tensor([False, True, False, False, True])}),
        dict(name="bias_kv, zero_attn, no bias, masks", args=[4, 2],
             kwargs={"bias": False, "add_bias_kv": True, "add_zero_attn": True}, q=[3, 2, 4], kv="self",
             call={"attn_mask": causal(3), "key_padding_mask": kpm([[0, 0, 1], [1, 0, 0]])}),
        dict(name="encoder-decoder (key is value), batch_first", args=[4, 2], kwargs={"batch_first": True}, q=[2, 3, 4],
             kv="memory", mem=[2, 5, 4], call={"key_padding_mask": kpm([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]])}),
        dict(name="bool mask with float key padding", args=[4, 2], kwargs={}, q=[3, 2, 4], kv="self",
             call={"attn_mask": causal(3, "bool"), "key_padding_mask": kpm([[0, 0, 1], [0, 1, 0]], "float")}),
        dict(name="dropout in eval mode", args=[4, 4], kwargs={"dropout": 0.3}, q=[3, 2, 4], kv="self", train=False),
        dict(name="float64", args=[4, 2], kwargs={"dtype": "float64"}, q=[3, 2, 4], kv="self", dtype="float64"),
    ]


LAYER_CASES = [
    dict(name="encoder layer, defaults, eval", module="TransformerEncoderLayer", args=[4, 2], kwargs={"dim_feedforward": 8},
         train=False, src=[3, 2, 4]),
    dict(name="encoder layer, batch_first, norm_first, gelu, masks", module="TransformerEncoderLayer", args=[4, 2],
         kwargs={"dim_feedforward": 8, "dropout": 0.0, "activation": "gelu", "batch_first": True, "norm_first": True},
         train=True, src=[2, 3, 4], call={"src_mask": causal(3), "src_key_padding_mask": kpm([[0, 0, 1], [0, 0, 0]])}),
    dict(name="encoder layer, GELU module activation, unbatched", module="TransformerEncoderLayer", args=[6, 3],
         kwargs={"dim_feedforward": 5, "activation": {"module": "GELU", "approximate": "tanh"}, "layer_norm_eps": 1e-3},
         train=False, src=[4, 6], call={"src_mask": causal(4, "bool")}),
    dict(name="encoder, 2 layers and a norm, causal", module="TransformerEncoder",
         layer={"args": [4, 2], "kwargs": {"dim_feedforward": 8, "batch_first": True}}, num_layers=2, norm=True,
         train=False, src=[2, 5, 4], call={"mask": causal(5)}),
    dict(name="encoder, 3 norm_first layers, key padding", module="TransformerEncoder",
         layer={"args": [4, 2], "kwargs": {"dim_feedforward": 6, "dropout": 0.0, "norm_first": True}}, num_layers=3, norm=False,
         train=True, src=[3, 2, 4], call={"src_key_padding_mask": kpm([[0, 0, 1], [0, 0, 0]])}),
    dict(name="decoder layer, masks", module="TransformerDecoderLayer", args=[4, 2], kwargs={"dim_feedforward": 8},
         train=False, tgt=[3, 2, 4], memory=[5, 2, 4],
         call={"tgt_mask": causal(3), "memory_key_padding_mask": kpm([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]])}),
    dict(name="decoder layer, batch_first, norm_first, gelu", module="TransformerDecoderLayer", args=[4, 2],
         kwargs={"dim_feedforward": 8, "dropout": 0.0, "activation": "gelu", "batch_first": True, "norm_first": True},
         train=True, tgt=[2, 3, 4], memory=[2, 4, 4],
         call={"memory_mask": torch.tensor([[False, True, False, False]] * 3), "tgt_key_padding_mask": kpm([[0, 0, 1], [0, 0, 0]])}),
    dict(name="decoder, 2 layers and a norm", module="TransformerDecoder",
         layer={"args": [4, 2], "kwargs": {"dim_feedforward": 8}}, num_layers=2, norm=True,
         train=False, tgt=[3, 2, 4], memory=[4, 2, 4], call={"tgt_mask": causal(3)}),
    dict(name="transformer, 1+1 layers", module="Transformer",
         kwargs={"d_model": 4, "nhead": 2, "num_encoder_layers": 1, "num_decoder_layers": 1, "dim_feedforward": 8},
         train=False, src=[5, 2, 4], tgt=[3, 2, 4], call={"tgt_mask": causal(3)}),
    dict(name="transformer, batch_first, norm_first, gelu, padding", module="Transformer",
         kwargs={"d_model": 6, "nhead": 3, "num_encoder_layers": 2, "num_decoder_layers": 2, "dim_feedforward": 7,
                 "dropout": 0.0, "activation": "gelu", "batch_first": True, "norm_first": True},
         train=True, src=[2, 4, 6], tgt=[2, 3, 6],
         call={"tgt_mask": causal(3), "src_key_padding_mask": kpm([[0, 0, 0, 1], [0, 0, 0, 0]]),
               "memory_key_padding_mask": kpm([[0, 0, 0, 1], [0, 0, 0, 0]])}),
]


def activation_of(a):
    if isinstance(a, dict):
        kw = {k: v for k, v in a.items() if k != "module"}
        return getattr(nn, a["module"])(**kw)
    return a


def build(c):
    kw = {k: (activation_of(v) if k == "activation" else v) for k, v in c.get("kwargs", {}).items()}
    if c["module"] in ("TransformerEncoder", "TransformerDecoder"):
        layer_cls = nn.TransformerEncoderLayer if c["module"] == "TransformerEncoder" else nn.TransformerDecoderLayer
        layer = layer_cls(*c["layer"]["args"], **c["layer"]["kwargs"])
        norm = nn.LayerNorm(c["layer"]["args"][0]) if c["norm"] else None
        return getattr(nn, c["module"])(layer, c["num_layers"], norm)
    return getattr(nn, c["module"])(*c.get("args", []), **kw)


def grads_of(m, inputs):
    params = {n: tj(p.grad) for n, p in m.named_parameters() if p.grad is not None}
    return params, {n: tj(t.grad) for n, t in inputs.items()}


def mha_case(c):
    torch.manual_seed(0)
    kwargs = dict(c["kwargs"])
    dtype = getattr(torch, kwargs.pop("dtype")) if "dtype" in kwargs else torch.float32
    m = nn.MultiheadAttention(*c["args"], **kwargs, dtype=dtype)
    m.train(c.get("train", True))
    init = {k: tj(v) for k, v in m.state_dict().items()}
    q = det(c["q"]).to(dtype).requires_grad_()
    inputs = {"query": q}
    if c["kv"] == "self":
        k = v = q
    elif c["kv"] == "memory":
        k = v = det(c["mem"], 1.0, 0.3).to(dtype).requires_grad_()
        inputs["memory"] = k
    else:
        k = det(c["kv"][0], 1.0, 0.3).to(dtype).requires_grad_()
        v = det(c["kv"][1], 1.0, 0.6).to(dtype).requires_grad_()
        inputs.update(key=k, value=v)
    call = c.get("call", {})
    out, weights = m(q, k, v, **call)
    w_out = det(list(out.shape), 1.0, 0.7).to(dtype)
    loss = (out * w_out).sum()
    w_weights = None
    if weights is not None:
        w_weights = det(list(weights.shape), 1.0, 1.9).to(dtype)
        loss = loss + (weights * w_weights).sum()
    loss.backward()
    params, input_grads = grads_of(m, inputs)
    return {"kind": "MultiheadAttention", "name": c["name"], "args": c["args"], "kwargs": c["kwargs"],
            "train": c.get("train", True), "repr": repr(m), "init": init, "kv": c["kv"],
            "inputs": {n: tj(t) for n, t in inputs.items()},
            "call": {k: (mask_json(v) if isinstance(v, torch.Tensor) else v) for k, v in call.items()},
            "output": tj(out), "weights": None if weights is None else tj(weights), "out_grad": tj(w_out),
            "weights_grad": None if w_weights is None else tj(w_weights), "param_grads": params, "input_grads": input_grads}


def layer_case(c):
    torch.manual_seed(0)
    m = build(c)
    m.train(c["train"])
    init = {k: tj(v) for k, v in m.state_dict().items()}
    names = [n for n in ("src", "tgt", "memory") if n in c]
    inputs = {n: det(c[n], 1.5, 0.4 * i).requires_grad_() for i, n in enumerate(names)}
    call = c.get("call", {})
    out = m(*inputs.values(), **call)
    w_out = det(list(out.shape), 1.0, 0.7)
    (out * w_out).sum().backward()
    params, input_grads = grads_of(m, inputs)
    spec = {k: v for k, v in c.items() if k not in ("call", "src", "tgt", "memory")}
    return {"kind": c["module"], **spec, "repr": repr(m), "init": init, "inputs": {n: tj(t) for n, t in inputs.items()},
            "call": {k: mask_json(v) for k, v in call.items()}, "output": tj(out), "out_grad": tj(w_out),
            "param_grads": params, "input_grads": input_grads}


def simple_case(name, module, in_tensor, **extra):
    torch.manual_seed(0)
    init = {k: tj(v) for k, v in module.state_dict().items()}
    x = in_tensor.requires_grad_() if in_tensor.is_floating_point() else in_tensor
    out = module(x)
    w_out = det(list(out.shape), 1.0, 0.7)
    (out * w_out).sum().backward()
    params = {n: tj(p.grad) for n, p in module.named_parameters() if p.grad is not None}
    return {"kind": name, **extra, "repr": repr(module), "init": init, "inputs": {"input": tj(x)}, "output": tj(out),
            "out_grad": tj(w_out), "param_grads": params,
            "input_grads": {"input": tj(x.grad)} if x.is_floating_point() else {}}


def embedding_cases():
    out = []
    for args, kwargs in (([5, 3], {"padding_idx": 1}), ([6, 2], {"padding_idx": -2})):
        torch.manual_seed(0)
        m = nn.Embedding(*args, **kwargs)
        idx = torch.tensor([[0, 1, 2], [1, 4, args[0] + kwargs["padding_idx"] if kwargs["padding_idx"] < 0 else 3]])
        out.append(simple_case("Embedding", m, idx, args=args, kwargs=kwargs))
    return out


def mish_case():
    torch.manual_seed(0)
    return simple_case("Mish", nn.Mish(), det([2, 5], 3.0), args=[], kwargs={})


# ----- PyTorch's messages -------------------------------------------------------------------

def message(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 (recording whatever PyTorch raises)
        return {"type": type(e).__name__, "message": str(e)}
    return {"accepted": True}


def error_cases():
    torch.manual_seed(0)
    m = nn.MultiheadAttention(4, 2)
    sep = nn.MultiheadAttention(4, 2, kdim=3, vdim=5)
    x = torch.zeros(3, 2, 4)
    calls = {
        "embed_dim not divisible by num_heads": lambda: nn.MultiheadAttention(5, 2),
        "int key_padding_mask": lambda: m(x, x, x, key_padding_mask=torch.zeros(2, 3, dtype=torch.int64)),
        "4-d query": lambda: m(torch.zeros(1, 3, 2, 4), x, x),
        "batched query, 2-d key": lambda: m(x, torch.zeros(3, 4), x),
        "unbatched query, 3-d value": lambda: m(torch.zeros(3, 4), torch.zeros(3, 4), x),
        "batched query, 1-d key_padding_mask": lambda: m(x, x, x, key_padding_mask=torch.zeros(3, dtype=torch.bool)),
        "unbatched query, 2-d key_padding_mask": lambda: m(x[:, 0], x[:, 0], x[:, 0], key_padding_mask=torch.zeros(1, 3, dtype=torch.bool)),
        "1-d attn_mask": lambda: m(x, x, x, attn_mask=torch.zeros(3)),
        "4-d attn_mask": lambda: m(x, x, x, attn_mask=torch.zeros(1, 4, 3, 3)),
        "unbatched, 3-d attn_mask of the wrong shape": lambda: m(x[:, 0], x[:, 0], x[:, 0], attn_mask=torch.zeros(4, 3, 3)),
        "wrong embedding dim": lambda: m(torch.zeros(3, 2, 3), torch.zeros(3, 2, 3), torch.zeros(3, 2, 3)),
        "int attn_mask": lambda: m(x, x, x, attn_mask=torch.zeros(3, 3, dtype=torch.int64)),
        "2-d attn_mask of the wrong shape": lambda: m(x, x, x, attn_mask=torch.zeros(3, 4)),
        "3-d attn_mask of the wrong shape": lambda: m(x, x, x, attn_mask=torch.zeros(2, 3, 3)),
        "key_padding_mask of the wrong shape": lambda: m(x, x, x, key_padding_mask=torch.zeros(2, 4, dtype=torch.bool)),
        "key and value shapes differ": lambda: m(x, x, torch.zeros(4, 2, 4)),
        "kdim/vdim: key and value lengths differ": lambda: sep(x, torch.zeros(3, 2, 3), torch.zeros(4, 2, 5)),
        "unknown activation": lambda: nn.TransformerEncoderLayer(4, 2, activation="tanh"),
        "encoder layer, int key padding mask": lambda: nn.TransformerEncoderLayer(4, 2)(x, src_key_padding_mask=torch.zeros(2, 3, dtype=torch.int64)),
        "transformer, batch sizes differ": lambda: nn.Transformer(4, 2, 1, 1, 8)(x, torch.zeros(3, 3, 4)),
        "transformer, feature size not d_model": lambda: nn.Transformer(4, 2, 1, 1, 8)(torch.zeros(3, 2, 5), torch.zeros(3, 2, 5)),
    }
    return {name: message(fn) for name, fn in calls.items()}


# ----- a state dict as safetensors ----------------------------------------------------------

def safetensors_fixture():
    torch.manual_seed(7)
    m = nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, batch_first=True).eval()
    tensors = [(k, "F32", list(v.shape), v.detach().contiguous().numpy().astype("<f4").tobytes()) for k, v in m.state_dict().items()]
    out_dir = os.path.join("test", "fixtures", "safetensors")
    with open(os.path.join(out_dir, "transformer_encoder_layer.safetensors"), "wb") as f:
        f.write(serialize(tensors, {"format": "pt"}))
    src = det([2, 3, 4], 1.5, 0.2)
    mask = causal(3)
    with torch.no_grad():
        out = m(src, src_mask=mask)
    json.dump({"generator": "scripts/record/transformer_modules.py", "reference": "torch " + torch.__version__,
               "module": {"args": [4, 2], "kwargs": {"dim_feedforward": 8, "batch_first": True}},
               "keys": list(m.state_dict().keys()), "input": tj(src), "src_mask": tj(mask), "output": tj(out)},
              open(os.path.join(out_dir, "transformer_encoder_layer.json"), "w"), indent=0)


cases = [mha_case(c) for c in mha_cases()] + [layer_case(c) for c in LAYER_CASES] + embedding_cases() + [mish_case()]
json.dump({"generator": "scripts/record/transformer_modules.py", "reference": "torch " + torch.__version__,
           "square_subsequent_mask": tj(nn.Transformer.generate_square_subsequent_mask(4)),
           "cases": cases, "errors": error_cases()},
          open("test/fixtures/transformer_modules.json", "w"), indent=0)
safetensors_fixture()
print(len(cases), "cases")
