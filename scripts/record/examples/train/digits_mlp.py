"""PyTorch twin of examples/train/digits_mlp.ts: the same MLP, data split, seeds and training loop.

  /usr/bin/python3 scripts/record/examples/train/digits_mlp.py [--epochs N] [--out DIR]

If DIR/digits_mlp.safetensors exists (the weights Kindling's example saved), it also loads them into
this PyTorch model and prints their test accuracy, which checks the file against PyTorch.
"""
import argparse
import pathlib
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from digits import DEFAULT_OUT, digits_split, evaluate

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
from safetensors_fixture import deserialize  # noqa: E402  (a numpy reader of the format)

SEED = 1


def make_model():
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT)
    args = parser.parse_args()

    train, test = digits_split([64], SEED)
    torch.manual_seed(SEED)
    model = make_model()
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(train, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(SEED))
    print(f"digits: {len(train)} training and {len(test)} test images\n{model}")

    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        total, count = 0.0, 0
        for x, y in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item()
            count += 1
        test_loss, accuracy = evaluate(model, test, loss_fn)
        width = len(str(args.epochs))
        print(f"epoch {epoch:>{width}}/{args.epochs} loss {total / count:.4f} | test loss {test_loss:.4f}, accuracy {accuracy * 100:.2f} %")
    seconds = time.perf_counter() - start
    print(f"test accuracy {accuracy * 100:.2f} % after {args.epochs} epochs ({seconds:.1f} s)")

    kindling_weights = args.out / "digits_mlp.safetensors"
    if kindling_weights.exists():
        _, tensors = deserialize(kindling_weights.read_bytes())
        state = {name: torch.from_numpy(np.frombuffer(raw, dtype="<f4").reshape(shape).copy()) for name, dtype, shape, raw in tensors}
        kindling_model = make_model()
        kindling_model.load_state_dict(state)
        print(f"Kindling's weights ({kindling_weights}) in PyTorch: test accuracy {evaluate(kindling_model, test)[1] * 100:.2f} %")


if __name__ == "__main__":
    main()
