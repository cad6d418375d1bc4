// Logistic regression, the tutorial classic: two Gaussian clusters, a model sigmoid(Linear(2, 1)),
// binary cross entropy and SGD with momentum on the full batch, until the training accuracy exceeds
// 99 %. Then it draws the points and the learned decision boundary (w · x + b = 0) as an SVG picture.
//
//   npx tsx examples/train/logistic_regression.ts [--epochs MAX_STEPS] [--out DIR]
//
// The PyTorch twin is scripts/record/examples/train/logistic_regression.py.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as torch from "kindling";
import { isMain, outDir, parseTrainArgs, type TrainOptions } from "./cli.js";
import { COLORS, Plot, type Point } from "./plot.js";

export interface LogisticRegressionResult {
  /** Steps taken (full-batch updates). */
  steps: number;
  /** The loss at every step. */
  losses: number[];
  /** The training accuracy at the last step. */
  accuracy: number;
  /** The learned weight and bias: the decision boundary is weight[0] x + weight[1] y + bias = 0. */
  weight: [number, number];
  bias: number;
  /** The SVG picture written. */
  svgPath: string;
}

export function main(options: TrainOptions = {}): LogisticRegressionResult {
  const maxSteps = options.epochs ?? 1000;
  const log = options.quiet ? () => {} : console.log;

  // 100 points around (+1.7, +1.7) labelled 1 and 100 around (-1.7, -1.7) labelled 0, std 1.
  torch.manualSeed(8);
  const n = 100;
  const x = torch.cat([torch.randn(n, 2).add(1.7), torch.randn(n, 2).sub(1.7)]);
  const y = torch.cat([torch.ones(n, 1), torch.zeros(n, 1)]);

  const linear = new torch.nn.Linear(2, 1);
  const model = new torch.nn.Sequential(linear, new torch.nn.Sigmoid());
  const lossFn = new torch.nn.BCELoss();
  const optimizer = new torch.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });

  const losses: number[] = [];
  let accuracy = 0;
  let step = 0;
  while (accuracy <= 0.99 && step < maxSteps) {
    step++;
    optimizer.zeroGrad();
    const prob = model.call(x) as torch.Tensor;
    const loss = lossFn.call(prob, y);
    loss.backward();
    optimizer.step();

    losses.push(loss.item());
    accuracy = prob.gt(0.5).float().eq(y).sum().item() / (2 * n);
    if (step % 5 === 0 || accuracy > 0.99) {
      log(`step ${String(step).padStart(4)}  loss ${loss.item().toFixed(4)}  accuracy ${accuracy.toFixed(3)}`);
    }
  }
  if (accuracy <= 0.99) log(`stopped after ${step} steps, accuracy ${accuracy.toFixed(3)}`);

  const [w1, w2] = (linear.weight.tolist() as number[][])[0] as [number, number];
  const b = (linear.bias as torch.Tensor).item();
  log(`decision boundary: ${w1.toFixed(4)} x + ${w2.toFixed(4)} y + ${b.toFixed(4)} = 0`);

  // The picture: the points by class, and the boundary line across the plotted square.
  const points = x.tolist() as [number, number][];
  const lim = Math.ceil(Math.max(...points.flat().map(Math.abs))) + 0.5;
  const boundary: Point[] =
    Math.abs(w2) >= Math.abs(w1)
      ? [-lim, lim].map((u) => [u, -(w1 * u + b) / w2] as const)
      : [-lim, lim].map((v) => [-(w2 * v + b) / w1, v] as const);
  const plot = new Plot({
    title: `Logistic regression: ${step} steps, accuracy ${(accuracy * 100).toFixed(1)} %`,
    xLabel: "x1",
    yLabel: "x2",
    xRange: [-lim, lim],
    yRange: [-lim, lim],
    width: 560,
    height: 560,
  })
    .scatter(points.slice(n), { color: COLORS[0], label: "class 0" })
    .scatter(points.slice(0, n), { color: COLORS[1], label: "class 1" })
    .line(boundary, { color: "black", label: "decision boundary" });
  const svgPath = join(outDir(options), "logistic_regression.svg");
  writeFileSync(svgPath, plot.toSvg());
  log(`wrote ${svgPath}`);

  return { steps: step, losses, accuracy, weight: [w1, w2], bias: b, svgPath };
}

if (isMain(import.meta.url)) {
  main(parseTrainArgs("usage: npx tsx examples/train/logistic_regression.ts [--epochs MAX_STEPS] [--out DIR]"));
}
