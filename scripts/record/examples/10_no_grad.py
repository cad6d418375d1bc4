import torch
from _js import log

x = torch.tensor([0.1165, 0.9598, 0.118], requires_grad=True)
y = torch.tensor([0.8928, 0.9334, 0.2851], requires_grad=True)
log((x + y * 2).requires_grad)
with torch.no_grad():
    r = x + y * 2
    log(r, r.requires_grad)
log((x + y * 2).requires_grad)
