// The digits data set (examples/data/digits.csv.gz: 1797 handwritten digits, 8x8 pixels valued 0..16,
// see examples/data/README.md), loaded with Node's zlib and a small CSV parse, and the helpers the MLP
// and the CNN share: a seeded 80/20 split, test accuracy, the per-epoch progress bar and the loss curves.
import { readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import * as torch from "kindling";
import { lineChart, type Point } from "./plot.js";
import { type Progress, progressBar } from "./progress.js";

export const DIGITS_CSV = new URL("../data/digits.csv.gz", import.meta.url);

/** The whole data set: `images` [1797, 64] float32 with the raw pixel values 0..16, `labels` [1797] int64. */
export function loadDigits(path: string | URL = DIGITS_CSV): { images: torch.Tensor; labels: torch.Tensor } {
  const rows = gunzipSync(readFileSync(path)).toString("utf8").trim().split("\n");
  const pixels = new Float32Array(rows.length * 64);
  const labels: number[] = [];
  rows.forEach((row, i) => {
    const values = row.split(",").map(Number);
    if (values.length !== 65 || values.some(Number.isNaN)) throw new Error(`${path}: line ${i + 1} is not 64 pixels and a label`);
    pixels.set(values.slice(0, 64), i * 64);
    labels.push(values[64] as number);
  });
  return { images: torch.tensor(pixels).view(rows.length, 64), labels: torch.tensor(labels, { dtype: "int64" }) };
}

export type Sample = [torch.Tensor, torch.Tensor];

/**
 * The digits as a dataset of (image, label) pairs, pixels scaled to [0, 1] (divided by 16), each image
 * shaped `imageShape` ([64] for an MLP, [1, 8, 8] for a CNN), split 80/20 into train and test sets
 * by `randomSplit` with a generator seeded by `seed` (the same split as PyTorch's with the same seed).
 */
export function digitsSplit(
  imageShape: number[],
  seed: number,
): { train: torch.utils.data.Subset<Sample>; test: torch.utils.data.Subset<Sample> } {
  const { images, labels } = loadDigits();
  const x = images.div(16).view(-1, ...imageShape);
  const dataset = new torch.utils.data.TensorDataset<Sample>(x, labels);
  const [train, test] = torch.utils.data.randomSplit(dataset, [0.8, 0.2], { generator: new torch.Generator(seed) });
  return { train: train as torch.utils.data.Subset<Sample>, test: test as torch.utils.data.Subset<Sample> };
}

/** Mean loss and accuracy (fraction correct) of `model` on a dataset, in eval mode and without recording a graph. */
export function evaluate(
  model: torch.nn.Module,
  dataset: torch.utils.data.DatasetLike<Sample>,
  lossFn: torch.nn.Module = new torch.nn.CrossEntropyLoss(),
): { loss: number; accuracy: number } {
  const wasTraining = model.training;
  model.eval();
  let loss = 0;
  let correct = 0;
  torch.noGrad(() => {
    for (const [x, y] of new torch.utils.data.DataLoader(dataset, { batchSize: 512 })) {
      const logits = model.call(x) as torch.Tensor;
      loss += (lossFn.call(logits, y) as torch.Tensor).item() * (y.shape[0] as number);
      correct += logits.argmax(1).eq(y).sum().item();
    }
  });
  model.train(wasTraining);
  return { loss: loss / dataset.length, accuracy: correct / dataset.length };
}

/** A progress bar for one epoch of `batches` batches (see progressBar), labelled `epoch  3/30`. */
export function epochProgress(epoch: number, epochs: number, batches: number, quiet = false): Progress {
  const width = String(epochs).length;
  return progressBar(`epoch ${String(epoch).padStart(width)}/${epochs}`, batches, quiet);
}

/** An accuracy as a percentage with two decimals: 97.21 %. */
export const percent = (a: number) => `${(a * 100).toFixed(2)} %`;

/** Writes the loss curves as an SVG picture: the training loss of every batch and the test loss of every epoch. */
export function writeLossCurves(
  path: string,
  title: string,
  batchLosses: readonly Point[],
  testLosses: readonly Point[],
  epochs: number,
): void {
  writeFileSync(
    path,
    lineChart(
      [
        { label: "training loss (batch)", points: batchLosses, width: 1.2 },
        { label: "test loss (epoch)", points: testLosses, width: 2.5 },
      ],
      {
        title,
        xLabel: "epoch",
        yLabel: "cross entropy",
        xRange: [0, epochs],
        yRange: [0, Math.max(...batchLosses.map((p) => p[1])) * 1.05],
      },
    ),
  );
}
