"""PyTorch twin of examples/train/charlm.ts: the same causal transformer, data, seeds and training loop.

  /usr/bin/python3 scripts/record/examples/train/charlm.py [--steps N] [--json OUT]
"""
import torch
from torch import nn

from chars import VOCAB
from lm import DEFAULTS, cli

CONFIG = {**DEFAULTS, "name": "charlm", "lr": 2e-3}
SIZES = {"d_model": 64, "heads": 4, "layers": 2, "feedforward": 256}


class CharTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        d = SIZES["d_model"]
        self.tokens = nn.Embedding(len(VOCAB), d)
        self.positions = nn.Embedding(CONFIG["context"], d)
        layer = nn.TransformerEncoderLayer(d, SIZES["heads"], dim_feedforward=SIZES["feedforward"], dropout=0.0,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, SIZES["layers"], norm=nn.LayerNorm(d))
        self.head = nn.Linear(d, len(VOCAB))

    def forward(self, codes):
        T = codes.shape[1]
        x = self.tokens(codes) + self.positions(torch.arange(T))
        mask = nn.Transformer.generate_square_subsequent_mask(T)
        return self.head(self.encoder(x, mask=mask))


if __name__ == "__main__":
    cli(CONFIG, CharTransformer, __doc__)
