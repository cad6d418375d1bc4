import torch
from _js import log

x = torch.arange(4.0)
log(x)
x.requires_grad_(True)
log(x.grad)
y = 2 * torch.dot(x, x)
log(y)
y.backward()
log(x.grad)
log(x.grad == 4 * x)
x.grad.zero_()
y = x.sum()
y.backward()
log(x.grad)
x.grad.zero_()
y = x * x
y.sum().backward()
log(x.grad)
x.grad.zero_()
y = x * x
u = y.detach()
z = u * x
z.sum().backward()
log(x.grad == u)
x.grad.zero_()
y.sum().backward()
log(x.grad == 2 * x)
