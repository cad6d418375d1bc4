// In-place operations: fine on plain tensors, forbidden on leaves that require grad.
import * as torch from "kindling";

const a = torch.ones([1]);
console.log(a, a._version);
a.add_(torch.ones([1]));
console.log(a, a._version);

const w = torch.tensor([1.0], { requiresGrad: true });
try {
  w.add_(1);
} catch (e) {
  console.log((e as Error).message);
}
