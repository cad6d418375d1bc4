"""PyTorch twin of examples/train/digits_cnn.ts: the same CNN, data split, seeds and training loop.

  /usr/bin/python3 scripts/record/examples/train/digits_cnn.py [--epochs N]
"""
import argparse
import time

import torch
from torch import nn
from torch.utils.data import DataLoader

from digits import digits_split, evaluate

SEED = 1


def make_model():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 2 * 2, 10),
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()

    train, test = digits_split([1, 8, 8], SEED)
    torch.manual_seed(SEED)
    model = make_model()
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    loader = DataLoader(train, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(SEED))
    print(f"digits: {len(train)} training and {len(test)} test images of 1x8x8\n{model}")

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


if __name__ == "__main__":
    main()
