"""The training loop and sampler of the character-level language models: the PyTorch twin of
examples/train/lm.ts (same data, seeds, batches, optimiser and sampling)."""
import argparse
import json
import pathlib
import time

import torch

from chars import VOCAB, char_data, decode, evaluate_stream, random_batch


# What the two language models share (examples/train/lm.ts's LM_DEFAULTS).
DEFAULTS = {"seed": 1, "sample_seed": 2, "context": 32, "batch": 32, "steps": 2000, "eval_every": 100, "eval_batches": 8,
            "samples": 12}


def lm_loss(model, x, y):
    return torch.nn.functional.cross_entropy(model(x).reshape(-1, len(VOCAB)), y.reshape(-1))


def train_lm(config, make_model, steps=None, quiet=False):
    steps = steps or config["steps"]
    log = (lambda *a: None) if quiet else print
    train, val, words = char_data(config["seed"])
    torch.manual_seed(config["seed"])
    model = make_model()
    count = sum(p.numel() for p in model.parameters())
    log(f"{config['name']}: {words} words, {train.shape[0]} training characters; {count} parameters\n{model}")
    optimizer = torch.optim.AdamW(model.parameters(), lr=config["lr"])

    def validate():
        return evaluate_stream(val, config["batch"], config["context"], config["eval_batches"], lambda x, y: lm_loss(model, x, y))

    losses, val_losses = [], [[0, validate()]]
    start = time.perf_counter()
    width = len(str(steps))
    done = 0
    while done < steps:
        chunk = min(config["eval_every"], steps - done)
        chunk_losses = []
        for _ in range(chunk):
            x, y = random_batch(train, config["batch"], config["context"])
            optimizer.zero_grad()
            loss = lm_loss(model, x, y)
            loss.backward()
            optimizer.step()
            chunk_losses.append(loss.item())
        losses += chunk_losses
        done += chunk
        val_losses.append([done, validate()])
        log(f"steps {done:>{width}}/{steps} loss {sum(chunk_losses) / chunk:.4f} | validation loss {val_losses[-1][1]:.4f}")
    seconds = time.perf_counter() - start
    log(f"trained {steps} steps in {seconds:.1f} s ({1000 * seconds / steps:.1f} ms/step)")
    samples = sample(model, config)
    log(f"sampled with torch.manual_seed({config['sample_seed']}): {' '.join(samples)}")
    return {"losses": losses, "val_losses": val_losses, "samples": samples, "seconds": seconds}


@torch.no_grad()
def sample(model, config):
    model.eval()
    torch.manual_seed(config["sample_seed"])
    codes, words, begin = [0], [], 1
    while len(words) < config["samples"]:
        x = torch.tensor([codes[-config["context"]:]], dtype=torch.int64)
        logits = model(x)[:, -1]
        nxt = torch.multinomial(torch.softmax(logits, -1), 1).item()
        codes.append(nxt)
        if nxt == 0:
            words.append(decode(codes[begin:-1]))
            begin = len(codes)
    model.train()
    return words


def cli(config, make_model, description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--steps", type=int, default=config["steps"])
    parser.add_argument("--json", type=pathlib.Path, help="also write the losses and samples to this file (test/fixtures/lm_twins/)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    result = train_lm(config, make_model, args.steps)
    if args.json:
        recorded = {k: v for k, v in result.items() if k != "seconds"}  # the rest is deterministic
        args.json.write_text(json.dumps({"torch": torch.__version__, "steps": args.steps, **recorded}) + "\n")
