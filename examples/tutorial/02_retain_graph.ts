// Backward twice: without retainGraph the second call fails; with it, gradients add up.
import * as torch from "kindling";

function graph() {
  const w = torch.tensor([1.0], { requiresGrad: true });
  const x = torch.tensor([2.0], { requiresGrad: true });
  const y = torch.mul(torch.add(w, x), torch.add(w, 1));
  return { w, y };
}

{
  const { y } = graph();
  y.backward();
  try {
    y.backward();
  } catch (e) {
    console.log("second backward:", (e as Error).message.split(" (or")[0]);
  }
}

{
  const { w, y } = graph();
  y.backward(null, { retainGraph: true });
  console.log(w.grad);
  y.backward();
  console.log(w.grad);
}
