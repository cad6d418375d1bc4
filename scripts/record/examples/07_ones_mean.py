import torch
from _js import log

x = torch.ones(2, 2, requires_grad=True)
log(x)
y = x + 2
log(y)
log(y.grad_fn.name())
z = y * y * 3
out = z.mean()
log(z, out)
out.backward()
log(x.grad)
