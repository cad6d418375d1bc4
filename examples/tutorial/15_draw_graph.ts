// The graph of y = (x + w) * (w + 1), walked node by node and drawn: the picture
// (examples/out/graph.svg, and docs/images/autograd_graph.svg in the README) is
// torch.autograd.graph.toSvg's, in the style of PyTorch's torchviz.make_dot.
// PyTorch: walk y.grad_fn.next_functions; torchviz.make_dot(y, params={"w": w, "x": x}).
import { mkdirSync, writeFileSync } from "node:fs";
import * as torch from "kindling";

const w = torch.tensor([1.0], { requiresGrad: true });
const x = torch.tensor([2.0], { requiresGrad: true });
const y = torch.mul(torch.add(x, w), torch.add(w, 1));
const names = new Map([
  [w, "w"],
  [x, "x"],
]);

function walk(fn: torch.autograd.graph.Node, depth: number): void {
  const leaf = fn instanceof torch.AccumulateGrad ? ` of ${names.get(fn.variable)}` : "";
  console.log(`${"  ".repeat(depth)}${fn.name}${leaf}`);
  for (const [next] of fn.nextFunctions) if (next !== null) walk(next, depth + 1);
}
walk(y.gradFn as torch.autograd.graph.Node, 0);

mkdirSync("examples/out", { recursive: true });
writeFileSync("examples/out/graph.svg", await torch.autograd.graph.toSvg(y, { params: { w, x } }));
