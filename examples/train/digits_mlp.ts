// A multilayer perceptron on the digits data set (8x8 handwritten digits): 64 pixels -> 128 ReLU
// units -> 10 class scores, cross entropy, Adam, mini-batches of 64 from a shuffling DataLoader, on a
// seeded 80/20 train/test split. Shows a progress bar with the running loss, draws the loss curves,
// saves the trained weights as safetensors and reloads them into a fresh model.
//
//   npx tsx examples/train/digits_mlp.ts [--epochs N] [--out DIR]
//
// The PyTorch twin is scripts/record/examples/train/digits_mlp.py: with the same seeds it makes the
// same split, the same initial weights and the same batches.
import { join } from "node:path";
import * as torch from "kindling";
import { load, save } from "kindling/node";
import { isMain, outDir, parseTrainArgs, type TrainOptions } from "./cli.js";
import { digitsSplit, epochProgress, evaluate, percent, writeLossCurves } from "./digits.js";
import type { Point } from "./plot.js";

const nn = torch.nn;
/** Seeds the split, the initial weights and the order of the batches. */
export const SEED = 1;

/** The network: 64 pixels -> 128 hidden units (ReLU) -> 10 class scores (logits). */
export function makeModel(): torch.nn.Sequential {
  return new nn.Sequential(new nn.Linear(64, 128), new nn.ReLU(), new nn.Linear(128, 10));
}

export interface DigitsResult {
  /** The mean training loss of every epoch. */
  epochLosses: number[];
  /** The test accuracy after every epoch. */
  testAccuracies: number[];
  /** The final test accuracy (fraction correct). */
  testAccuracy: number;
  /** The test accuracy of a fresh model loaded from the saved weights. */
  reloadedAccuracy: number;
  /** Training time in seconds (the per-epoch test evaluations included). */
  seconds: number;
  svgPath: string;
  weightsPath: string;
}

export function main(options: TrainOptions = {}): DigitsResult {
  const epochs = options.epochs ?? 30;
  const quiet = options.quiet ?? false;
  const log = quiet ? () => {} : console.log;
  const dir = outDir(options);

  // The data: pixels scaled to [0, 1], split 80/20 with a seeded generator. The seed also fixes the
  // initial weights and the order of the batches.
  const { train, test } = digitsSplit([64], SEED);
  torch.manualSeed(SEED);
  const model = makeModel();
  const lossFn = new nn.CrossEntropyLoss();
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: 1e-3 });
  const loader = new torch.utils.data.DataLoader(train, { batchSize: 64, shuffle: true, generator: new torch.Generator(SEED) });
  log(`digits: ${train.length} training and ${test.length} test images\n${model}`);

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

  // Save the weights, and load them into a fresh model, as a user would to reuse the trained network.
  const weightsPath = join(dir, "digits_mlp.safetensors");
  save(model.stateDict(), weightsPath, { metadata: { format: "pt" } });
  const reloaded = makeModel();
  reloaded.loadStateDict(load(weightsPath));
  const reloadedAccuracy = evaluate(reloaded, test).accuracy;
  log(`saved ${weightsPath}; reloaded into a fresh model: test accuracy ${percent(reloadedAccuracy)}`);

  const svgPath = join(dir, "digits_mlp_loss.svg");
  writeLossCurves(svgPath, `Digits MLP 64-128-10: test accuracy ${percent(testAccuracy)}`, batchLosses, testLosses, epochs);
  log(`wrote ${svgPath}`);
  return { epochLosses, testAccuracies, testAccuracy, reloadedAccuracy, seconds, svgPath, weightsPath };
}

if (isMain(import.meta.url)) {
  main(parseTrainArgs("usage: npx tsx examples/train/digits_mlp.ts [--epochs N] [--out DIR]"));
}
