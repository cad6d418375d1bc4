// A non-scalar output needs `gradient`: the weights of its elements.
// loss = cat([y, y1]) with y = (x + w)(w + 1), y1 = (x + w) + (w + 1).
import * as torch from "kindling";

function run(weights: number[]) {
  const w = torch.tensor([1.0], { requiresGrad: true });
  const x = torch.tensor([2.0], { requiresGrad: true });
  const a = torch.add(w, x);
  const b = torch.add(w, 1);
  const y = torch.mul(a, b); // y = (x + w) * (w + 1), dy/dw = 5
  const y1 = torch.add(a, b); // y1 = (x + w) + (w + 1), dy1/dw = 2
  const loss = torch.cat([y, y1], 0);
  // The tutorial passes integers (PyTorch's int64); they are cast to the output's dtype.
  const gradTensors = torch.tensor(weights, { dtype: "int64" });
  loss.backward(gradTensors);
  console.log(loss);
  console.log(w.grad);
}

run([1, 1]); // 1 * 5 + 1 * 2 = 7
run([1, 2]); // 1 * 5 + 2 * 2 = 9
