"""The data of the character-level language models, as examples/train/chars.ts makes it.

English words from examples/data/words.txt.gz, shuffled with a seeded generator, joined one per line
into a stream of characters, split 90/10, and cut into windows.
"""
import gzip
import pathlib

import torch

VOCAB = "\nabcdefghijklmnopqrstuvwxyz"
WORDS = pathlib.Path(__file__).resolve().parents[4] / "examples" / "data" / "words.txt.gz"


def load_words(path=WORDS):
    return gzip.open(path, "rt", encoding="utf8").read().rstrip().split("\n")


def encode(text):
    return torch.tensor([VOCAB.index(ch) for ch in text], dtype=torch.int64)


def decode(codes):
    return "".join(VOCAB[c] for c in codes)


def char_data(seed):
    words = load_words()
    order = torch.randperm(len(words), generator=torch.Generator().manual_seed(seed)).tolist()
    shuffled = [words[i] for i in order]
    cut = int(len(shuffled) * 0.9)
    stream = lambda ws: encode("\n".join(ws) + "\n")  # noqa: E731
    return stream(shuffled[:cut]), stream(shuffled[cut:]), len(words)


def windows(data, starts, context):
    chunk = data[starts.unsqueeze(1) + torch.arange(context + 1)]
    return chunk[:, :context], chunk[:, 1:]


def random_batch(data, batch, context):
    return windows(data, torch.randint(0, data.shape[0] - context, (batch,)), context)


@torch.no_grad()
def evaluate_stream(data, batch, context, batches, loss_of):
    n = batch * batches
    step = (data.shape[0] - context - 1) // n
    total = 0.0
    for b in range(batches):
        starts = torch.arange(b * batch, (b + 1) * batch, dtype=torch.int64) * step
        total += loss_of(*windows(data, starts, context)).item()
    return total / batches
