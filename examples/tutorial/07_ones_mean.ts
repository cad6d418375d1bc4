// x = ones(2, 2); out = mean(3 (x + 2)^2): d(out)/dx = 3/2 (x + 2) = 4.5.
import * as torch from "kindling";

const x = torch.ones(2, 2, { requiresGrad: true });
console.log(x);

const y = x.add(2);
console.log(y);
console.log(y.gradFn?.name);

const z = y.mul(y).mul(3);
const out = z.mean();
console.log(z, out);

out.backward();
console.log(x.grad);
