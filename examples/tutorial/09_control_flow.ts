// The graph is built as the code runs: loops and branches depend on the data.

import type { Tensor } from "kindling";
import * as torch from "kindling";

function f(a: Tensor): Tensor {
  let b = a.mul(2);
  while (b.norm().item() < 1000) b = b.mul(2);
  return b.sum().item() > 0 ? b : b.mul(100);
}

for (const v of [0.5, -0.3, 1.2345]) {
  const a = torch.tensor(v, { requiresGrad: true });
  const d = f(a);
  d.backward();
  // f(a) = k * a for a k that depends on a, so df/da = f(a) / a.
  console.log(d, a.grad, a.grad?.eq(d.div(a)));
}
