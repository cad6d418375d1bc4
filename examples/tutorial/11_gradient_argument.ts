// y = 3a + 2b^2 + log(c): the `gradient` argument weights each element of y.
import * as torch from "kindling";

function make(a: number[], b: number[], c: number[]) {
  const ta = torch.tensor(a, { requiresGrad: true });
  const tb = torch.tensor(b, { requiresGrad: true });
  const tc = torch.tensor(c, { requiresGrad: true });
  const y = ta.mul(3).add(tb.mul(2).mul(tb)).add(tc.log());
  return { a: ta, b: tb, c: tc, y };
}

// Vector y with weights: a.grad = 3 g, b.grad = 4 b g, c.grad = g / c.
{
  const { a, b, c, y } = make([1, 2, 3], [3, 4, 5], [6, 7, 8]);
  y.backward(torch.tensor([0.1, 1.0, 0.0001]), { retainGraph: true });
  console.log(y);
  console.log(a.grad, b.grad, c.grad);
}

// Scalar y, three backward passes with scalar weights 0.1, 1 and 0.0001: the gradients add up.
{
  const a = torch.tensor(1.0, { requiresGrad: true });
  const b = torch.tensor(1.0, { requiresGrad: true });
  const c = torch.tensor(1.0, { requiresGrad: true });
  const y = a.mul(3).add(b.mul(2).mul(b)).add(c.log());
  for (const g of [0.1, 1.0, 0.0001]) y.backward(torch.tensor(g), { retainGraph: true });
  console.log(a.grad, b.grad, c.grad);
}

// Without retainGraph the second backward fails.
{
  const { y } = make([1], [1], [1]);
  y.backward(torch.tensor([1.0]));
  try {
    y.backward(torch.tensor([1.0]));
  } catch (e) {
    console.log((e as Error).message.split(" (or")[0]);
  }
}

// A gradient of the wrong shape is rejected.
{
  const { y } = make([1], [1], [1]);
  try {
    y.backward(torch.tensor([0.1, 1.0, 0.0001]));
  } catch (e) {
    console.log((e as Error).message);
  }
}
