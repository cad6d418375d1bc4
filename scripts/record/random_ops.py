"""Records PyTorch's seeded draws of the sampling ops for test/ops/padding.test.ts.

Run with Debian's PyTorch (torch 1.13, CPU, no MKL):
    /usr/bin/python3 scripts/record/random_ops.py
Writes test/fixtures/random_ops.json: for each case, a seed, the steps
(ops of torch.multinomial, bernoulli, bernoulli_, normal, normal_, uniform_,
rand, and F.scaled_dot_product_attention with dropout, composed as
scripts/record/torch2_compat.py does) run one after the other on the same
generator, and each step's result.
"""
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch2_compat  # noqa: E402

DT = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64, "bool": torch.bool}


def enc(t):
    def v(x):
        if isinstance(x, float) and math.isnan(x):
            return "nan"
        return x
    return {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape), "data": [v(x) for x in t.reshape(-1).tolist()]}


def dec(j):
    return torch.tensor(j["data"], dtype=DT[j["dtype"]]).reshape(j["shape"])


def run(step, gen):
    op = step["op"]
    g = {"generator": gen} if gen is not None else {}
    if op == "multinomial":
        return torch.multinomial(dec(step["p"]), step["n"], step.get("replacement", False), **g)
    if op == "bernoulli":
        return torch.bernoulli(dec(step["p"]), **g)
    if op == "bernoulli_p":
        return torch.bernoulli(torch.empty(step["shape"], dtype=DT[step["dtype"]]), step["p"], **g)
    if op == "bernoulli_":
        p = dec(step["p"]) if isinstance(step["p"], dict) else step["p"]
        return torch.zeros(step["shape"], dtype=DT[step["dtype"]]).bernoulli_(p, **g)
    if op == "normal":
        mean = dec(step["mean"]) if isinstance(step["mean"], dict) else step["mean"]
        std = dec(step["std"]) if isinstance(step["std"], dict) else step["std"]
        if "size" in step:
            return torch.normal(mean, std, step["size"], dtype=DT[step["dtype"]], **g)
        return torch.normal(mean, std, **g)
    if op == "normal_":
        return torch.empty(step["shape"], dtype=DT[step["dtype"]]).normal_(step["mean"], step["std"], **g)
    if op == "uniform_":
        return torch.empty(step["shape"], dtype=DT[step["dtype"]]).uniform_(step["from"], step["to"], **g)
    if op == "rand":
        return torch.rand(step["shape"], dtype=DT[step["dtype"]], **g)
    if op == "sdpa":
        q, k, v = dec(step["q"]), dec(step["k"]), dec(step["v"])
        return torch2_compat.scaled_dot_product_attention(q, k, v, dropout_p=step["dropout_p"], is_causal=step.get("is_causal", False))
    raise ValueError(op)


def t(data, dtype="float64", shape=None):
    x = torch.tensor(data, dtype=DT[dtype])
    return enc(x if shape is None else x.reshape(shape))


def grid(n, m, seed, dtype="float64", zeros=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, m, generator=g, dtype=torch.float64)
    if zeros:
        x[:, :zeros] = 0
    return enc(x.to(DT[dtype]))


CASES = [
    ("multinomial without replacement", 0, [{"op": "multinomial", "p": t([0.1, 0.2, 0.3, 0.4]), "n": 3}]),
    ("multinomial one sample, float32", 1, [{"op": "multinomial", "p": t([0.1, 0.2, 0.3, 0.4], "float32"), "n": 1}]),
    ("multinomial one sample with replacement (the cumulative path in 1.13)", 1,
     [{"op": "multinomial", "p": t([0.1, 0.2, 0.3, 0.4], "float32"), "n": 1, "replacement": True}]),
    ("multinomial with replacement, float64", 3, [{"op": "multinomial", "p": t([0.1, 0.2, 0.3, 0.4]), "n": 20, "replacement": True}]),
    ("multinomial with replacement, float32 unnormalised", 4,
     [{"op": "multinomial", "p": t([3, 0, 1.5, 0.25, 7], "float32"), "n": 25, "replacement": True}]),
    ("multinomial 2-d without replacement", 5, [{"op": "multinomial", "p": grid(4, 9, 1), "n": 5}]),
    ("multinomial 2-d float32 without replacement, zero weights", 6,
     [{"op": "multinomial", "p": grid(3, 40, 2, "float32", zeros=10), "n": 30}]),
    ("multinomial 2-d with replacement", 7, [{"op": "multinomial", "p": grid(3, 50, 3, "float32"), "n": 12, "replacement": True}]),
    ("multinomial, then rand: the draws each consumes", 8,
     [{"op": "multinomial", "p": grid(2, 5, 4), "n": 2}, {"op": "rand", "shape": [3], "dtype": "float32"},
      {"op": "multinomial", "p": grid(2, 5, 4), "n": 4, "replacement": True}, {"op": "rand", "shape": [2], "dtype": "float64"}]),
    ("multinomial with a generator", None, [{"op": "multinomial", "p": t([1, 2, 3, 4, 5, 6], "float32"), "n": 6}]),
    ("bernoulli of float64 probabilities", 10, [{"op": "bernoulli", "p": grid(3, 7, 5)}]),
    ("bernoulli of float32 probabilities", 11, [{"op": "bernoulli", "p": grid(5, 6, 6, "float32")}]),
    ("bernoulli with a number p", 12, [{"op": "bernoulli_p", "shape": [10], "dtype": "float32", "p": 0.3}]),
    ("bernoulli_ with a number", 13, [{"op": "bernoulli_", "shape": [4, 5], "dtype": "float32", "p": 0.7},
                                     {"op": "bernoulli_", "shape": [6], "dtype": "int64", "p": 0.5}]),
    ("bernoulli_ with a broadcast float32 tensor", 14,
     [{"op": "bernoulli_", "shape": [3, 4], "dtype": "float64", "p": t([0.1, 0.5, 0.9, 0.3], "float32")}]),
    ("normal with tensor mean and std", 15,
     [{"op": "normal", "mean": t([0, 1, 2]), "std": t([[1], [2]])}]),
    ("normal with a tensor mean, float32, 20 elements (vectorised path)", 16,
     [{"op": "normal", "mean": t([float(i) for i in range(20)], "float32"), "std": 0.5}]),
    ("normal with a tensor std, float64, 20 elements", 17,
     [{"op": "normal", "mean": 3.0, "std": t([0.1 * i for i in range(20)])}]),
    ("normal with numbers and a size", 18, [{"op": "normal", "mean": -1.0, "std": 2.0, "size": [2, 3], "dtype": "float64"}]),
    ("normal_ and uniform_", 19, [{"op": "normal_", "shape": [5], "dtype": "float64", "mean": 1, "std": 0.5},
                                  {"op": "uniform_", "shape": [40], "dtype": "float32", "from": -2, "to": 3},
                                  {"op": "uniform_", "shape": [3], "dtype": "float64", "from": 0.5, "to": 1.5}]),
    ("scaled_dot_product_attention with dropout", 20,
     [{"op": "sdpa", "q": grid(3, 4, 7), "k": grid(5, 4, 8), "v": grid(5, 2, 9), "dropout_p": 0.4},
      {"op": "sdpa", "q": grid(4, 2, 10), "k": grid(4, 2, 11), "v": grid(4, 3, 12), "dropout_p": 0.25, "is_causal": True}]),
]


def main():
    out = []
    for name, seed, steps in CASES:
        gen = None
        if seed is None:
            gen = torch.Generator().manual_seed(1234)
        else:
            torch.manual_seed(seed)
        results = [enc(run(s, gen)) for s in steps]
        out.append({"name": name, "seed": seed, "generatorSeed": 1234 if seed is None else None, "steps": steps, "results": results})
    with open("test/fixtures/random_ops.json", "w") as f:
        f.write('{\n"reference": "torch %s",\n"generator": "scripts/record/random_ops.py",\n"cases": [\n' % torch.__version__)
        f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in out))
        f.write("\n]\n}\n")
    print(len(out), "cases")


if __name__ == "__main__":
    main()
