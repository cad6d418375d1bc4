"""Records PyTorch's checksums of the benchmark workloads at tiny sizes (test/fixtures/bench_checksums.json).

Run: /usr/bin/python3 scripts/record/bench_checksums.py

The workloads are those of the peer scripts ../shared/bench/w*_torch.py (same data, seeds, warm-up
and update rules), run at the tiny sizes of TINY below; the counter-based hash generator of
../shared/bench/common.py is copied here, so neither this script nor the test needs ../shared.
Also records values of the generator itself for a few seeds: uniform as float64 (bit-exact in
JavaScript), randn / uniform_pm1 as float32, randint, and W2's and W6's derived data.
"""
import json
import os
import subprocess
import sys

# One thread everywhere, as the peer scripts' --threads 1: OpenBLAS reads these once, when it loads.
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(1)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "bench_checksums.json")

# The sizes the test runs: each workload in well under a second.
TINY = {
    "w1": {"iters": 3},
    "w2": {"iters": 5},
    "w3": {"steps": 50, "rounds": 1},
    "w4": {"sizes": [16, 33]},
    "w5": {"n": 1000, "runs": 1},
    "w6": {"steps": 2},
    "w7": {"steps": 2},
}

# ----- the generator (copied from ../shared/bench/common.py) --------------------

GOLDEN = 0x9E3779B9


def _hash32(x):
    x = x.astype(np.uint32)
    x ^= x >> np.uint32(16)
    x *= np.uint32(0x7FEB352D)
    x ^= x >> np.uint32(15)
    x *= np.uint32(0x846CA68B)
    x ^= x >> np.uint32(16)
    return x


def uniform(n, seed):
    key = np.uint32((seed * GOLDEN) & 0xFFFFFFFF)
    idx = np.arange(n, dtype=np.uint32) ^ key
    return (_hash32(idx).astype(np.float64) + 0.5) / 4294967296.0


def randn(shape, seed):
    n = int(np.prod(shape))
    u = uniform(2 * n, seed)
    z = np.sqrt(-2.0 * np.log(u[0::2])) * np.cos(2.0 * np.pi * u[1::2])
    return z.astype(np.float32).reshape(shape)


def uniform_pm1(shape, seed):
    n = int(np.prod(shape))
    return (uniform(n, seed) * 2.0 - 1.0).astype(np.float32).reshape(shape)


def randint(shape, high, seed):
    n = int(np.prod(shape))
    return np.floor(uniform(n, seed) * high).astype(np.int64).reshape(shape)


def logreg_data():
    z = randn((200, 2), 21).astype(np.float64)
    z[:100] += 1.7
    z[100:] -= 1.7
    x = z.astype(np.float32)
    y = np.concatenate([np.ones(100), np.zeros(100)]).astype(np.float32).reshape(200, 1)
    return x, y


def mlp_params():
    sizes = [784, 256, 128, 10]
    ps = []
    for l in range(3):
        fan_in, fan_out = sizes[l], sizes[l + 1]
        w = (randn((fan_in, fan_out), 61 + l).astype(np.float64) / np.sqrt(fan_in)).astype(np.float32)
        ps.append((w, np.zeros(fan_out, dtype=np.float32)))
    return ps


def floats(a):
    return [float(v) for v in np.asarray(a).reshape(-1)]


def generator_values():
    seeds = [0, 1, 21, 64, 123456789, 3000000000]
    pick = [0, 1, 2, 777, 4095]
    big = randn((4096,), 3)
    lx, _ = logreg_data()
    ps = mlp_params()
    return {
        "uniform": [{"seed": s, "n": 6, "values": floats(uniform(6, s))} for s in seeds],
        "randn": [{"seed": s, "n": 6, "values": floats(randn((6,), s))} for s in seeds],
        "uniform_pm1": [{"seed": s, "n": 6, "values": floats(uniform_pm1((6,), s))} for s in seeds],
        "randint": [{"seed": s, "n": 6, "high": 10, "values": [int(v) for v in randint((6,), 10, s)]} for s in seeds],
        "randn_4096_seed3": {"indices": pick, "values": [float(big[i]) for i in pick]},
        "logreg_x": {"indices": [0, 1, 199, 200, 399], "values": [float(lx.reshape(-1)[i]) for i in [0, 1, 199, 200, 399]]},
        "mlp_w": [{"layer": l, "indices": [0, 5, 999], "values": [float(ps[l][0].reshape(-1)[i]) for i in [0, 5, 999]]} for l in range(3)],
    }


# ----- the workloads (as ../shared/bench/w*_torch.py, without the timing) ----------


def w1(iters):
    N, D_in, H, D_out, lr = 64, 1000, 100, 10, 1e-6
    x = torch.from_numpy(randn((N, D_in), 1))
    y = torch.from_numpy(randn((N, D_out), 2))
    w1 = torch.from_numpy(randn((D_in, H), 3)).requires_grad_(True)
    w2 = torch.from_numpy(randn((H, D_out), 4)).requires_grad_(True)

    def step():
        loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            w1.sub_(lr * w1.grad)
            w2.sub_(lr * w2.grad)
            w1.grad.zero_()
            w2.grad.zero_()
        return loss

    first = step().item()
    for _ in range(4):
        step()
    for _ in range(iters):
        loss = step()
    return {"loss_first": first, "loss_final": loss.item(), "w1_sum": float(w1.double().sum())}


def w2(iters):
    lr = 0.01
    xn, yn = logreg_data()
    x, y = torch.from_numpy(xn), torch.from_numpy(yn)

    def train(n):
        w = torch.zeros(2, 1, requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        for _ in range(n):
            p = torch.sigmoid(x @ w + b)
            loss = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
            loss.backward()
            with torch.no_grad():
                w -= lr * w.grad
                b -= lr * b.grad
                w.grad.zero_()
                b.grad.zero_()
        return w, b, loss

    train(20)
    w, b, loss = train(iters)
    with torch.no_grad():
        acc = ((torch.sigmoid(x @ w + b) > 0.5).float() == y).float().mean().item()
    return {"loss_final": loss.item(), "w": w.detach().flatten().tolist(), "b": b.item()}, acc


def w3(steps, rounds):
    for _ in range(rounds + 1):
        x = torch.tensor(1.0, requires_grad=True)
        y = x
        for _ in range(steps):
            y = y * 1.0001 + x * 0.5
        y.backward()
    return {"y": y.item(), "x_grad": x.grad.item()}


def w4(sizes):
    out = {}
    for n in sizes:
        a = torch.from_numpy(uniform_pm1((n, n), 41))
        b = torch.from_numpy(uniform_pm1((n, n), 42))
        out[str(n)] = float(torch.mm(a, b).numpy().astype(np.float64).sum())
    return out


def w5(n, runs):
    x = torch.from_numpy(uniform_pm1((n,), 51)).requires_grad_(True)
    for _ in range(3 + runs):
        x.grad = None
        loss = (x.sin() * x.exp() + x * x).sum()
        loss.backward()
    return {"loss": loss.item(), "grad_sum": float(x.grad.double().sum())}


def w6(steps):
    B, lr = 128, 0.01
    X = torch.from_numpy(randn((B, 784), 60))
    Y = torch.from_numpy(randint((B,), 10, 64))

    def make_params():
        return [torch.from_numpy(a.copy()).requires_grad_(True) for wb in mlp_params() for a in wb]

    def forward(ps):
        W1, b1, W2, b2, W3, b3 = ps
        return torch.relu(torch.relu(X @ W1 + b1) @ W2 + b2) @ W3 + b3

    def train(ps, n):
        for _ in range(n):
            loss = F.cross_entropy(forward(ps), Y)
            loss.backward()
            with torch.no_grad():
                for p in ps:
                    p -= lr * p.grad
                    p.grad = None
        return loss

    train(make_params(), 5)
    ps = make_params()
    with torch.no_grad():
        first = F.cross_entropy(forward(ps), Y).item()
    loss = train(ps, steps)
    return {"loss_first": first, "loss_final": loss.item(), "W1_sum": float(ps[0].double().sum())}


def w7(steps):
    """W7 is Kindling's own workload: its PyTorch script is the project's bench/peers/w7_torch.py."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    line = subprocess.run([sys.executable, os.path.join(root, "bench", "peers", "w7_torch.py"), "--threads", "1", "--steps", str(steps)],
                          check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    return json.loads(line)["checksum"]


def main():
    w2_checksum, w2_acc = w2(**TINY["w2"])
    workloads = {
        "w1": {"options": TINY["w1"], "checksum": w1(**TINY["w1"])},
        "w2": {"options": TINY["w2"], "checksum": w2_checksum, "accuracy": w2_acc},
        "w3": {"options": TINY["w3"], "checksum": w3(**TINY["w3"])},
        "w4": {"options": TINY["w4"], "checksum": w4(**TINY["w4"])},
        "w5": {"options": TINY["w5"], "checksum": w5(**TINY["w5"])},
        "w6": {"options": TINY["w6"], "checksum": w6(**TINY["w6"])},
        "w7": {"options": TINY["w7"], "checksum": w7(**TINY["w7"])},
    }
    out = {"torch": torch.__version__, "generator": generator_values(), "workloads": workloads}
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
