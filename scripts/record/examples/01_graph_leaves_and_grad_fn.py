import torch
from _js import log

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
a = torch.add(w, x)
a.retain_grad()
b = torch.add(w, 1)
y = torch.mul(a, b)
y.backward()
log(w.grad)
log(x.grad)
log("is_leaf:", w.is_leaf, x.is_leaf, a.is_leaf, b.is_leaf, y.is_leaf)
log("gradient:", w.grad, x.grad, a.grad, b.grad, y.grad)
log("grad_fn:", w.grad_fn, x.grad_fn)
log("grad_fn:", a.grad_fn.name(), b.grad_fn.name(), y.grad_fn.name())
log("requires_grad:", a.requires_grad, b.requires_grad, y.requires_grad)
