"""Records torch.optim trajectories and lr_scheduler sequences (test/fixtures/optim_trajectories.json).

Run: /usr/bin/python3 scripts/record/optim_trajectories.py

Optimizers: each case minimises a fixed float64 problem with two parameters,
    loss = sum((A @ p1 - b) ** 2) + sum(p2 ** 4),
for STEPS steps (zero_grad, backward, step), recording the parameters after
every step, the loss before every step, the state_dict after step MID and the
final state_dict. Schedulers: each case records get_last_lr() after
construction and after each of SCHED_STEPS scheduler steps (each preceded by
an optimizer step), plus the final scheduler state_dict.
"""
import json
import math

import torch

STEPS = 10
MID = 5
SCHED_STEPS = 30

A = [[1.0, -0.5, 0.3], [0.2, 1.5, -0.7], [-0.4, 0.6, 1.1], [0.9, -1.2, 0.5]]
B = [1.0, -2.0, 0.5, 0.3]
P1 = [0.5, -0.3, 0.8]
P2 = [[0.7, -1.1], [0.4, 0.9]]


def params():
    p1 = torch.tensor(P1, dtype=torch.float64, requires_grad=True)
    p2 = torch.tensor(P2, dtype=torch.float64, requires_grad=True)
    return [p1, p2]


def loss_fn(ps):
    a = torch.tensor(A, dtype=torch.float64)
    b = torch.tensor(B, dtype=torch.float64)
    p1, p2 = ps
    return ((a @ p1 - b) ** 2).sum() + (p2 ** 4).sum()


def enc_tensor(t):
    return {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape), "data": t.detach().reshape(-1).tolist()}


def enc_value(v):
    if isinstance(v, torch.Tensor):
        return enc_tensor(v)
    if isinstance(v, tuple):
        return list(v)
    if isinstance(v, float) and math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def enc_state_dict(sd):
    return {
        "state": {str(k): {name: enc_value(v) for name, v in s.items()} for k, s in sd["state"].items()},
        "param_groups": [{k: enc_value(v) for k, v in g.items()} for g in sd["param_groups"]],
    }


OPTIMIZERS = {
    "SGD": torch.optim.SGD,
    "Adam": torch.optim.Adam,
    "AdamW": torch.optim.AdamW,
    "RMSprop": torch.optim.RMSprop,
    "Adagrad": torch.optim.Adagrad,
}

# (optimizer, options, groups): groups lists per-group options with "params"
# as indices into [p1, p2]; None means a single group of both parameters.
OPT_CASES = [
    ("SGD", {"lr": 0.01}, None),
    ("SGD", {"lr": 0.01, "momentum": 0.9}, None),
    ("SGD", {"lr": 0.01, "momentum": 0.9, "dampening": 0.5}, None),
    ("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True}, None),
    ("SGD", {"lr": 0.01, "weight_decay": 0.1}, None),
    ("SGD", {"lr": 0.002, "momentum": 0.5, "weight_decay": 0.1, "maximize": True}, None),
    ("SGD", {"lr": 0.02, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05}, None),
    ("SGD", {"momentum": 0.9}, [{"params": [0], "lr": 0.01}, {"params": [1], "lr": 0.003, "momentum": 0.5}]),
    ("Adam", {}, None),
    ("Adam", {"lr": 0.05}, None),
    ("Adam", {"lr": 0.05, "amsgrad": True}, None),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1}, None),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True, "maximize": True}, None),
    ("Adam", {"lr": 0.02, "betas": [0.8, 0.95], "eps": 1e-6}, None),
    ("Adam", {"lr": 0.05}, [{"params": [0]}, {"params": [1], "lr": 0.01, "amsgrad": True}]),
    ("AdamW", {}, None),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1}, None),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}, None),
    ("AdamW", {"lr": 0.05, "maximize": True}, None),
    ("AdamW", {"lr": 0.05}, [{"params": [0], "weight_decay": 0.5}, {"params": [1], "lr": 0.02}]),
    ("RMSprop", {}, None),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9}, None),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}, None),
    ("RMSprop", {"lr": 0.01, "centered": True}, None),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.1}, None),
    ("RMSprop", {"lr": 0.005, "maximize": True, "eps": 1e-4}, None),
    ("RMSprop", {"lr": 0.01}, [{"params": [0], "centered": True}, {"params": [1], "lr": 0.002, "momentum": 0.8}]),
    ("Adagrad", {}, None),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1}, None),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5}, None),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1, "eps": 1e-6}, None),
    ("Adagrad", {"lr": 0.05, "maximize": True}, None),
    ("Adagrad", {"lr": 0.1}, [{"params": [0], "lr_decay": 0.2}, {"params": [1], "lr": 0.03}]),
]


def run_optimizer(name, options, groups):
    ps = params()
    if groups is None:
        arg = ps
    else:
        arg = [{**g, "params": [ps[i] for i in g["params"]]} for g in groups]
    opt = OPTIMIZERS[name](arg, **options)
    trajectory, losses, mid = [], [], None
    for step in range(1, STEPS + 1):
        opt.zero_grad()
        loss = loss_fn(ps)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        trajectory.append([p.detach().reshape(-1).tolist() for p in ps])
        if step == MID:
            mid = enc_state_dict(opt.state_dict())
    return {
        "optimizer": name,
        "options": options,
        "groups": groups,
        "losses": losses,
        "trajectory": trajectory,
        "mid_state_dict": mid,
        "state_dict": enc_state_dict(opt.state_dict()),
    }


S = torch.optim.lr_scheduler

# LambdaLR functions, named so that the TypeScript test can rebuild them.
LAMBDAS = {
    "pow095": lambda e: 0.95 ** e,
    "inv": lambda e: 1.0 / (1.0 + e),
    "warmup5": lambda e: min(1.0, (e + 1) / 5),
}

METRICS = [1.0, 0.9, 0.95, 0.95, 0.91, 0.9, 0.9, 0.89999, 0.92, 0.93, 0.8, 0.8, 0.85, 0.85, 0.85, 0.85,
           0.79, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.78, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]

# (scheduler, positional args, keyword options, group lrs, metrics-fed)
SCHED_CASES = [
    ("StepLR", [5], {"gamma": 0.5}, [0.1]),
    ("StepLR", [3], {}, [0.1, 0.02]),
    ("MultiStepLR", [[5, 12, 12, 20]], {"gamma": 0.3}, [0.1]),
    ("MultiStepLR", [[2, 9]], {}, [1.0, 0.5]),
    ("ExponentialLR", [0.9], {}, [0.1]),
    ("ExponentialLR", [0.75], {}, [0.2, 0.05]),
    ("CosineAnnealingLR", [10], {}, [0.1]),
    ("CosineAnnealingLR", [7], {"eta_min": 0.01}, [0.1, 0.05]),
    ("LambdaLR", ["pow095"], {}, [0.1]),
    ("LambdaLR", [["inv", "warmup5"]], {}, [0.1, 0.3]),
    ("ReduceLROnPlateau", [], {}, [0.1]),
    ("ReduceLROnPlateau", [], {"patience": 2}, [0.1, 0.01]),
    ("ReduceLROnPlateau", [], {"patience": 1, "factor": 0.5, "cooldown": 2, "min_lr": 0.02}, [0.1]),
    ("ReduceLROnPlateau", [], {"patience": 1, "threshold": 0.05, "threshold_mode": "abs", "min_lr": [0.03, 0.0]}, [0.1, 0.05]),
    ("ReduceLROnPlateau", [], {"mode": "max", "patience": 0, "factor": 0.7}, [0.1]),
    ("ReduceLROnPlateau", [], {"mode": "max", "patience": 1, "threshold": 0.01, "threshold_mode": "abs", "eps": 0.02}, [0.1]),
    # Resuming: the groups already have initial_lr (set here to their lr).
    ("StepLR", [3], {"gamma": 0.5, "last_epoch": 5}, [0.1]),
    ("CosineAnnealingLR", [10], {"last_epoch": 4}, [0.1, 0.05]),
    ("ExponentialLR", [0.5], {"last_epoch": 2}, [0.1]),
]


def sched_value(v):
    if isinstance(v, list):
        return [sched_value(x) for x in v]
    if isinstance(v, dict):
        return {str(k): sched_value(x) for k, x in v.items()}
    return enc_value(v)


def run_scheduler(name, args, kwargs, lrs):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([{"params": [p] if i == 0 else [torch.zeros(1, requires_grad=True)], "lr": lr}
                           for i, lr in enumerate(lrs)], lr=lrs[0])
    if "last_epoch" in kwargs:
        for g in opt.param_groups:
            g["initial_lr"] = g["lr"]
    call_args = list(args)
    if name == "LambdaLR":
        a = args[0]
        call_args[0] = [LAMBDAS[n] for n in a] if isinstance(a, list) else LAMBDAS[a]
    sched = getattr(S, name)(opt, *call_args, **kwargs)
    plateau = name == "ReduceLROnPlateau"
    seq = [] if plateau else [sched.get_last_lr()]
    for i in range(SCHED_STEPS):
        opt.step()
        if plateau:
            sched.step(METRICS[i])
        else:
            sched.step()
        seq.append(sched._last_lr if plateau else sched.get_last_lr())
    sd = {k: sched_value(v) for k, v in sched.state_dict().items()}
    return {"scheduler": name, "args": args, "options": kwargs, "lrs": lrs, "sequence": seq, "state_dict": sd}


def run_chained():
    """ExponentialLR(0.9) and StepLR(3, gamma=0.5) stepping the same optimizer: the chainable forms compose."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    scheds = [S.ExponentialLR(opt, 0.9), S.StepLR(opt, 3, gamma=0.5)]
    seq = [opt.param_groups[0]["lr"]]
    for _ in range(SCHED_STEPS):
        opt.step()
        for s in scheds:
            s.step()
        seq.append(opt.param_groups[0]["lr"])
    return seq


out = {
    "generator": "scripts/record/optim_trajectories.py",
    "reference": "torch " + torch.__version__,
    "problem": {"A": A, "b": B, "p1": P1, "p2": P2, "steps": STEPS, "mid": MID},
    "optimizers": [run_optimizer(*c) for c in OPT_CASES],
    "metrics": METRICS,
    "schedulers": [run_scheduler(*c) for c in SCHED_CASES],
    "chained": run_chained(),
}
with open("test/fixtures/optim_trajectories.json", "w") as f:
    json.dump(out, f, indent=1, allow_nan=False)
print(len(out["optimizers"]), "optimizer cases,", len(out["schedulers"]), "scheduler cases")
