import torch
from _js import log


def graph():
    w = torch.tensor([1.0], requires_grad=True)
    x = torch.tensor([2.0], requires_grad=True)
    y = torch.mul(torch.add(w, x), torch.add(w, 1))
    return w, y


w, y = graph()
y.backward()
try:
    y.backward()
except RuntimeError as e:
    log("second backward:", str(e).split(" (or")[0])

w, y = graph()
y.backward(retain_graph=True)
log(w.grad)
y.backward()
log(w.grad)
