// The tutorial's two-layer network with hand-written backpropagation (no autograd):
// N = 64 samples, D_in = 1000 inputs, H = 100 hidden units, D_out = 10 outputs, 500 SGD steps.
import * as torch from "kindling";

torch.manualSeed(0);
const [N, Din, H, Dout] = [64, 1000, 100, 10];

const x = torch.randn(N, Din);
const y = torch.randn(N, Dout);
let w1 = torch.randn(Din, H);
let w2 = torch.randn(H, Dout);

const learningRate = 1e-6;
for (let t = 0; t < 500; t++) {
  // Forward pass: compute predicted y.
  const h = x.mm(w1);
  const hRelu = h.clamp({ min: 0 });
  const yPred = hRelu.mm(w2);

  // Compute and print loss.
  const loss = yPred.sub(y).pow(2).sum().item();
  if (t % 100 === 99) console.log(t, loss);

  // Backprop to compute gradients of w1 and w2 with respect to loss.
  const gradYPred = yPred.sub(y).mul(2.0);
  const gradW2 = hRelu.t().mm(gradYPred);
  const gradHRelu = gradYPred.mm(w2.t());
  const gradH = gradHRelu.clone();
  gradH.indexPut_([h.lt(0)], 0);
  const gradW1 = x.t().mm(gradH);

  // Update weights using gradient descent.
  w1 = w1.sub(gradW1.mul(learningRate));
  w2 = w2.sub(gradW2.mul(learningRate));
}
