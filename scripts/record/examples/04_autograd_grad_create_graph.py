import torch
from _js import log

x = torch.tensor([3.0], requires_grad=True)
y = torch.pow(x, 2)
grad_1 = torch.autograd.grad(y, x, create_graph=True)
log(grad_1[0])
grad_2 = torch.autograd.grad(grad_1[0], x)
log(grad_2[0])
