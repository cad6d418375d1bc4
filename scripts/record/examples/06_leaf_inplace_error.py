import torch
from _js import log

a = torch.ones((1,))
log(a, a._version)
a.add_(torch.ones((1,)))
log(a, a._version)

w = torch.tensor([1.0], requires_grad=True)
try:
    w.add_(1)
except RuntimeError as e:
    log(str(e))
