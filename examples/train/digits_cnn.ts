// A small convolutional network on the digits data set, each digit a 1x8x8 image: two 3x3
// convolutions (16 then 32 channels) with ReLU and 2x2 max pooling (8x8 -> 4x4 -> 2x2), then a linear
// layer from the 32*2*2 features to the 10 class scores. Cross entropy, Adam, mini-batches of 64, on
// the same seeded 80/20 split as the MLP. Shows a progress bar and draws the loss curves.
//
//   npx tsx examples/train/digits_cnn.ts [--epochs N] [--out DIR]
//
// The PyTorch twin is scripts/record/examples/train/digits_cnn.py.
import { join } from "node:path";
import * as torch from "kindling";
import { isMain, outDir, parseTrainArgs, type TrainOptions } from "./cli.js";
import { digitsSplit, epochProgress, evaluate, percent, writeLossCurves } from "./digits.js";
import type { Point } from "./plot.js";

const nn = torch.nn;
/** Seeds the split, the initial weights and the order of the batches. */
export const SEED = 1;

/** Conv(1->16) ReLU MaxPool, Conv(16->32) ReLU MaxPool, Flatten, Linear(128 -> 10). */
export function makeModel(): torch.nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 16, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(16, 32, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(32 * 2 * 2, 10),
  );
}

export interface DigitsCnnResult {
  /** The mean training loss of every epoch. */
  epochLosses: number[];
  /** The test accuracy after every epoch. */
  testAccuracies: number[];
  /** The final test accuracy (fraction correct). */
  testAccuracy: number;
  /** Training time in seconds (the per-epoch test evaluations included). */
  seconds: number;
  svgPath: string;
}

export function main(options: TrainOptions = {}): DigitsCnnResult {
  const epochs = options.epochs ?? 20;
  const quiet = options.quiet ?? false;
  const log = quiet ? () => {} : console.log;
  const dir = outDir(options);

  const { train, test } = digitsSplit([1, 8, 8], SEED);
  torch.manualSeed(SEED);
  const model = makeModel();
  const lossFn = new nn.CrossEntropyLoss();
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: 2e-3 });
  const loader = new torch.utils.data.DataLoader(train, { batchSize: 64, shuffle: true, generator: new torch.Generator(SEED) });
  log(`digits: ${train.length} training and ${test.length} test images of 1x8x8\n${model}`);

  const batchLosses: Point[] = [];
  const testLosses: Point[] = [];
  const epochLosses: number[] = [];
  const testAccuracies: number[] = [];
  const start = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const progress = epochProgress(epoch, epochs, loader.length, quiet);
    let batch = 0;
    for (const [x, y] of loader) {
      optimizer.zeroGrad();
      const loss = lossFn.call(model.call(x), y);
      loss.backward();
      optimizer.step();
      const value = loss.item();
      progress.tick(value);
      batchLosses.push([epoch - 1 + ++batch / loader.length, value]);
    }
    const t = evaluate(model, test, lossFn);
    epochLosses.push(progress.done(`| test loss ${t.loss.toFixed(4)}, accuracy ${percent(t.accuracy)}`));
    testLosses.push([epoch, t.loss]);
    testAccuracies.push(t.accuracy);
  }
  const seconds = (performance.now() - start) / 1000;
  const testAccuracy = testAccuracies[testAccuracies.length - 1] as number;
  log(`test accuracy ${percent(testAccuracy)} after ${epochs} epochs (${seconds.toFixed(1)} s)`);

  const svgPath = join(dir, "digits_cnn_loss.svg");
  writeLossCurves(svgPath, `Digits CNN: test accuracy ${percent(testAccuracy)}`, batchLosses, testLosses, epochs);
  log(`wrote ${svgPath}`);
  return { epochLosses, testAccuracies, testAccuracy, seconds, svgPath };
}

if (isMain(import.meta.url)) {
  main(parseTrainArgs("usage: npx tsx examples/train/digits_cnn.ts [--epochs N] [--out DIR]"));
}
