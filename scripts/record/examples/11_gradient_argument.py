import torch
from _js import log


def make(a, b, c):
    a = torch.tensor(a, requires_grad=True)
    b = torch.tensor(b, requires_grad=True)
    c = torch.tensor(c, requires_grad=True)
    y = 3 * a + 2 * b * b + torch.log(c)
    return a, b, c, y


a, b, c, y = make([1.0, 2.0, 3.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0])
y.backward(torch.tensor([0.1, 1.0, 0.0001]), retain_graph=True)
log(y)
log(a.grad, b.grad, c.grad)

a = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(1.0, requires_grad=True)
c = torch.tensor(1.0, requires_grad=True)
y = 3 * a + 2 * b * b + torch.log(c)
for g in [0.1, 1.0, 0.0001]:
    y.backward(torch.tensor(g), retain_graph=True)
log(a.grad, b.grad, c.grad)

a, b, c, y = make([1.0], [1.0], [1.0])
y.backward(torch.tensor([1.0]))
try:
    y.backward(torch.tensor([1.0]))
except RuntimeError as e:
    log(str(e).split(" (or")[0])

a, b, c, y = make([1.0], [1.0], [1.0])
try:
    y.backward(torch.tensor([0.1, 1.0, 0.0001]))
except RuntimeError as e:
    log(str(e))
