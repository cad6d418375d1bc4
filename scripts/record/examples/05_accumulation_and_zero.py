import torch
from _js import log

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
for i in range(4):
    y = torch.mul(torch.add(w, x), torch.add(w, 1))
    y.backward()
    log(w.grad)

w2 = torch.tensor([1.0], requires_grad=True)
for i in range(4):
    y = torch.mul(torch.add(w2, x), torch.add(w2, 1))
    y.backward()
    log(w2.grad)
    w2.grad.zero_()
