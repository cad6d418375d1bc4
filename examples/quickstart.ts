// Kindling in a few lines: a graph, its gradients, and a second derivative.
import * as torch from "kindling";

const w = torch.tensor([1.0], { requiresGrad: true });
const x = torch.tensor([2.0], { requiresGrad: true });
const a = torch.add(w, x);
const b = torch.add(w, 1);
const y = torch.mul(a, b);
y.backward();
console.log(w.grad); //                              tensor([5.])
console.log(w.isLeaf, a.isLeaf, y.gradFn?.name); //  true false MulBackward0
console.log(a.grad); //                              null (non-leaf; retainGrad() keeps it)

const t = torch.tensor(3.0, { requiresGrad: true });
const [g1] = torch.autograd.grad([t.pow(2)], [t], { createGraph: true });
console.log(g1); //                                  tensor(6., grad_fn=<MulBackward0>)
console.log(torch.autograd.grad([g1], [t])[0]); //   tensor(2.)
