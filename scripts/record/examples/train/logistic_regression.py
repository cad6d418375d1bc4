"""PyTorch twin of examples/train/logistic_regression.ts: the same data, model, seed and loop.

  /usr/bin/python3 scripts/record/examples/train/logistic_regression.py [--epochs MAX_STEPS]
"""
import argparse

import torch
from torch import nn


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=1000)
    args = parser.parse_args()

    torch.manual_seed(8)
    n = 100
    x = torch.cat([torch.randn(n, 2) + 1.7, torch.randn(n, 2) - 1.7])
    y = torch.cat([torch.ones(n, 1), torch.zeros(n, 1)])

    linear = nn.Linear(2, 1)
    model = nn.Sequential(linear, nn.Sigmoid())
    loss_fn = nn.BCELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    accuracy, step = 0.0, 0
    while accuracy <= 0.99 and step < args.epochs:
        step += 1
        optimizer.zero_grad()
        prob = model(x)
        loss = loss_fn(prob, y)
        loss.backward()
        optimizer.step()
        accuracy = (prob > 0.5).float().eq(y).sum().item() / (2 * n)
        if step % 5 == 0 or accuracy > 0.99:
            print(f"step {step:>4}  loss {loss.item():.4f}  accuracy {accuracy:.3f}")
    if accuracy <= 0.99:
        print(f"stopped after {step} steps, accuracy {accuracy:.3f}")
    (w1, w2), b = linear.weight[0].tolist(), linear.bias.item()
    print(f"decision boundary: {w1:.4f} x + {w2:.4f} y + {b:.4f} = 0")


if __name__ == "__main__":
    main()
