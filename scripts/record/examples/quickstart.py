import torch
from _js import log

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
a = torch.add(w, x)
b = torch.add(w, 1)
y = torch.mul(a, b)
y.backward()
log(w.grad)
log(w.is_leaf, a.is_leaf, y.grad_fn.name())
log(a.grad)
t = torch.tensor(3.0, requires_grad=True)
g1, = torch.autograd.grad([t.pow(2)], [t], create_graph=True)
log(g1)
log(torch.autograd.grad([g1], [t])[0])
