// Gradients accumulate across backward calls until they are zeroed.
import * as torch from "kindling";

const w = torch.tensor([1.0], { requiresGrad: true });
const x = torch.tensor([2.0], { requiresGrad: true });

for (let i = 0; i < 4; i++) {
  const y = torch.mul(torch.add(w, x), torch.add(w, 1));
  y.backward();
  console.log(w.grad);
}

const w2 = torch.tensor([1.0], { requiresGrad: true });
for (let i = 0; i < 4; i++) {
  const y = torch.mul(torch.add(w2, x), torch.add(w2, 1));
  y.backward();
  console.log(w2.grad);
  w2.grad?.zero_();
}
