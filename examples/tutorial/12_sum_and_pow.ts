// z = sum(x + y) gives ones; z = x^2 + y^3 with gradient onesLike gives 2x and 3y^2.
import * as torch from "kindling";

const x = torch.tensor(
  [
    [0.1165, 0.9598],
    [0.118, 0.6236],
  ],
  { requiresGrad: true },
);
const y = torch.tensor(
  [
    [0.8928, 0.9334],
    [0.2851, 0.2027],
  ],
  { requiresGrad: true },
);

const s = torch.sum(x.add(y));
s.backward();
console.log(s);
console.log(x.grad, y.grad);

x.grad = null;
y.grad = null;
const z = x.pow(2).add(y.pow(3));
z.backward(torch.onesLike(x));
console.log(z);
console.log(x.grad);
console.log(y.grad);
