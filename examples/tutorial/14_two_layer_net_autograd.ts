// The same network, with autograd computing the gradients and SGD updates under noGrad.
import * as torch from "kindling";

torch.manualSeed(0);
const [N, Din, H, Dout] = [64, 1000, 100, 10];

const x = torch.randn(N, Din);
const y = torch.randn(N, Dout);
const w1 = torch.randn(Din, H, { requiresGrad: true });
const w2 = torch.randn(H, Dout, { requiresGrad: true });

const learningRate = 1e-6;
for (let t = 0; t < 500; t++) {
  const yPred = x.mm(w1).clamp({ min: 0 }).mm(w2);
  const loss = yPred.sub(y).pow(2).sum();
  if (t % 100 === 99) console.log(t, loss.item());

  loss.backward();

  // Update the weights in place without recording; then reset their gradients.
  torch.noGrad(() => {
    const [g1, g2] = [w1.grad as torch.Tensor, w2.grad as torch.Tensor];
    w1.sub_(g1.mul(learningRate));
    w2.sub_(g2.mul(learningRate));
    g1.zero_();
    g2.zero_();
  });
}
