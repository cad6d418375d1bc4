"""PyTorch twin of examples/train/charlm_lstm.ts: the same LSTM language model, data, seeds and
training loop.

  /usr/bin/python3 scripts/record/examples/train/charlm_lstm.py [--steps N] [--json OUT]
"""
from torch import nn

from chars import VOCAB
from lm import DEFAULTS, cli

CONFIG = {**DEFAULTS, "name": "charlm_lstm", "lr": 5e-3}
SIZES = {"embedding": 32, "hidden": 128}


class CharLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.tokens = nn.Embedding(len(VOCAB), SIZES["embedding"])
        self.lstm = nn.LSTM(SIZES["embedding"], SIZES["hidden"], batch_first=True)
        self.head = nn.Linear(SIZES["hidden"], len(VOCAB))

    def forward(self, codes):
        output, _ = self.lstm(self.tokens(codes))
        return self.head(output)


if __name__ == "__main__":
    cli(CONFIG, CharLSTM, __doc__)
