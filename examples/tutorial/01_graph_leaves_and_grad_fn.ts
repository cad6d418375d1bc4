// The graph y = (x + w) * (w + 1): gradients, leaves, grad_fn names and retainGrad.
// PyTorch: w = torch.tensor([1.0], requires_grad=True); x = torch.tensor([2.0], requires_grad=True)
import * as torch from "kindling";

const w = torch.tensor([1.0], { requiresGrad: true });
const x = torch.tensor([2.0], { requiresGrad: true });

const a = torch.add(w, x);
a.retainGrad();
const b = torch.add(w, 1);
const y = torch.mul(a, b);

y.backward();
console.log(w.grad); // dy/dw = (w + 1) + (x + w) = 5
console.log(x.grad); // dy/dx = w + 1 = 2

console.log("is_leaf:", w.isLeaf, x.isLeaf, a.isLeaf, b.isLeaf, y.isLeaf);
console.log("gradient:", w.grad, x.grad, a.grad, b.grad, y.grad);
console.log("grad_fn:", w.gradFn, x.gradFn);
console.log("grad_fn:", a.gradFn?.name, b.gradFn?.name, y.gradFn?.name);
console.log("requires_grad:", a.requiresGrad, b.requiresGrad, y.requiresGrad);
