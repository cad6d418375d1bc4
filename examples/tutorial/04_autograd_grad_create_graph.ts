// torch.autograd.grad with createGraph: the derivative is itself differentiable.
import * as torch from "kindling";

const x = torch.tensor([3.0], { requiresGrad: true });
const y = torch.pow(x, 2); // y = x^2

const [gradA] = torch.autograd.grad([y], [x], { createGraph: true }); // dy/dx = 2x = 6
console.log(gradA);

const [gradB] = torch.autograd.grad([gradA], [x]); // d2y/dx2 = 2
console.log(gradB);
