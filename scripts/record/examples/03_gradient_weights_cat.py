import torch
from _js import log


def run(weights):
    w = torch.tensor([1.0], requires_grad=True)
    x = torch.tensor([2.0], requires_grad=True)
    a = torch.add(w, x)
    b = torch.add(w, 1)
    y = torch.mul(a, b)
    y1 = torch.add(a, b)
    loss = torch.cat([y, y1], dim=0)
    grad_tensors = torch.tensor(weights)
    loss.backward(gradient=grad_tensors)
    log(loss)
    log(w.grad)


run([1, 1])
run([1, 2])
