"""The digits data and helpers shared by the PyTorch twins of examples/train/digits_*.ts."""
import gzip
import pathlib

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset, random_split

ROOT = pathlib.Path(__file__).resolve().parents[4]
DIGITS_CSV = ROOT / "examples" / "data" / "digits.csv.gz"
DEFAULT_OUT = ROOT / "examples" / "out"


def load_digits():
    """images [1797, 64] float32 with the raw pixel values 0..16, labels [1797] int64."""
    with gzip.open(DIGITS_CSV, "rt") as f:
        a = np.loadtxt(f, delimiter=",", dtype=np.float32)
    return torch.from_numpy(a[:, :64]), torch.from_numpy(a[:, 64]).long()


def digits_split(image_shape, seed):
    """(image, label) pairs, pixels divided by 16, split 80/20 by random_split with a seeded generator."""
    images, labels = load_digits()
    dataset = TensorDataset(images.div(16).view(-1, *image_shape), labels)
    return random_split(dataset, [0.8, 0.2], generator=torch.Generator().manual_seed(seed))


def evaluate(model, dataset, loss_fn=torch.nn.CrossEntropyLoss()):
    """(mean loss, accuracy) on a dataset, in eval mode and without a graph."""
    was_training = model.training
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for x, y in DataLoader(dataset, batch_size=512):
            logits = model(x)
            loss += loss_fn(logits, y).item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
    model.train(was_training)
    return loss / len(dataset), correct / len(dataset)
