// Dive into Deep Learning's autograd section: y = 2 x.x, sum, x * x, and detach.
import * as torch from "kindling";

const x = torch.arange(4.0, { dtype: "float32" });
console.log(x);
x.requiresGrad_(true);
console.log(x.grad);

let y = torch.dot(x, x).mul(2);
console.log(y);
y.backward();
console.log(x.grad);
console.log(x.grad?.eq(x.mul(4)));

x.grad?.zero_();
y = x.sum();
y.backward();
console.log(x.grad);

// A non-scalar y: backward of y.sum() gives the sum of the per-element gradients.
x.grad?.zero_();
y = x.mul(x);
y.sum().backward();
console.log(x.grad);

// detach: u holds y's values but is cut from the graph, so z = u * x has dz/dx = u.
x.grad?.zero_();
y = x.mul(x);
const u = y.detach();
const z = u.mul(x);
z.sum().backward();
console.log(x.grad?.eq(u));

x.grad?.zero_();
y.sum().backward();
console.log(x.grad?.eq(x.mul(2)));
