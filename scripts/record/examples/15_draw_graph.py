import torch
from _js import log

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
y = torch.mul(torch.add(x, w), torch.add(w, 1))
names = {id(w): "w", id(x): "x"}


def walk(fn, depth):
    leaf = f" of {names[id(fn.variable)]}" if hasattr(fn, "variable") else ""
    log(f"{'  ' * depth}{type(fn).__name__}{leaf}")
    for nxt, _ in fn.next_functions:
        if nxt is not None:
            walk(nxt, depth + 1)


walk(y.grad_fn, 0)
# torchviz.make_dot(y, params={"w": w, "x": x}) draws this graph (torchviz is not installed here).
