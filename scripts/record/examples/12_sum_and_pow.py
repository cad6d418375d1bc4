import torch
from _js import log

x = torch.tensor([[0.1165, 0.9598], [0.118, 0.6236]], requires_grad=True)
y = torch.tensor([[0.8928, 0.9334], [0.2851, 0.2027]], requires_grad=True)
s = torch.sum(x + y)
s.backward()
log(s)
log(x.grad, y.grad)
x.grad = None
y.grad = None
z = x ** 2 + y ** 3
z.backward(torch.ones_like(x))
log(z)
log(x.grad)
log(y.grad)
