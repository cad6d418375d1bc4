// Inside noGrad, results do not require grad (PyTorch's `with torch.no_grad():`).
import * as torch from "kindling";

const x = torch.tensor([0.1165, 0.9598, 0.118], { requiresGrad: true });
const y = torch.tensor([0.8928, 0.9334, 0.2851], { requiresGrad: true });

console.log(x.add(y.mul(2)).requiresGrad);
torch.noGrad(() => {
  const r = x.add(y.mul(2));
  console.log(r, r.requiresGrad);
});
console.log(x.add(y.mul(2)).requiresGrad);
