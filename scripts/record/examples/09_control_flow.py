import torch
from _js import log


def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


for v in [0.5, -0.3, 1.2345]:
    a = torch.tensor(v, requires_grad=True)
    d = f(a)
    d.backward()
    log(d, a.grad, a.grad == d / a)
