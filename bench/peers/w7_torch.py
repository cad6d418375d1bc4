"""W7 transformer training step, PyTorch: the character-level causal transformer of
examples/train/charlm.ts (its twin scripts/record/examples/train/charlm.py: vocabulary 27, context 32,
width 64, 4 heads, 2 pre-norm layers with GELU and feed-forward 256, a final LayerNorm and a linear
head), batch 32, cross entropy, AdamW lr 2e-3.

Data: torch.manual_seed(7); codes = randint(0, 27, (32, 33)): one fixed batch reused every step
(inputs codes[:, :32], targets codes[:, 1:]). Weights: torch.manual_seed(0), then the model is built
(PyTorch's initialisation, which Kindling reproduces). 5 warm-up steps on a throwaway model, then
STEPS timed steps from a fresh one. Each step: zero_grad, forward, loss.backward(), optimizer.step().
Keys: ms_per_step, total_s; checksum loss_first, loss_final, head_sum (the head's weight after).

This workload is Kindling's own (the peers' scripts of ../shared/bench stop at W6), so its PyTorch
script lives in the project. Usage: /usr/bin/python3 bench/peers/w7_torch.py [--threads N] [--steps 50]
"""
import json
import os
import pathlib
import platform
import sys
import time


def _arg(name, default):
    return sys.argv[sys.argv.index("--" + name) + 1] if "--" + name in sys.argv else default


THREADS = int(_arg("threads", "2"))
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = str(THREADS)  # read once, when the BLAS loads

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "scripts" / "record" / "examples" / "train"))
from charlm import CharTransformer  # noqa: E402

torch.set_num_threads(THREADS)
STEPS = int(_arg("steps", "50"))
B, T, V, LR = 32, 32, 27, 2e-3
torch.manual_seed(7)
CODES = torch.randint(0, V, (B, T + 1))
X, Y = CODES[:, :T], CODES[:, 1:]


def make():
    torch.manual_seed(0)
    model = CharTransformer()
    return model, torch.optim.AdamW(model.parameters(), lr=LR)


def loss_of(model):
    return F.cross_entropy(model(X).reshape(-1, V), Y.reshape(-1))


def train(model, optimizer, steps):
    loss = None
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_of(model)
        loss.backward()
        optimizer.step()
    return loss


train(*make(), 5)
model, optimizer = make()
with torch.no_grad():
    first = loss_of(model).item()
t0 = time.perf_counter()
final = train(model, optimizer, STEPS).item()
t = time.perf_counter() - t0
print(json.dumps({
    "workload": "w7", "lib": "torch", "version": torch.__version__, "threads": torch.get_num_threads(),
    "steps": STEPS, "total_s": t, "ms_per_step": 1e3 * t / STEPS, "python": platform.python_version(),
    "checksum": {"loss_first": first, "loss_final": final, "head_sum": float(model.head.weight.double().sum())},
}), flush=True)
