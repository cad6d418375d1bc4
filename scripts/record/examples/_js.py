"""Helpers for the PyTorch twins of the examples: print as the TypeScript examples do.

Tensors print exactly as PyTorch prints them; Python's True/False/None are
spelled as JavaScript prints them (true/false/null) and grad_fn objects by name.
"""
import builtins
import torch


def js(v):
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    return v


def log(*args):
    builtins.print(*[js(a) for a in args])
