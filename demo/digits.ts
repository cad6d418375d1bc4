/**
 * The digits MLP of the demo (examples/train/digits_mlp.ts's model, data
 * split and seeds), on either device: the CPU (WebAssembly) or the GPU
 * (WebGPU). The worker trains with it; the browser tests train with it on
 * both devices and compare.
 */
import * as torch from "kindling";

type Sample = [torch.Tensor, torch.Tensor];

/** The digits CSV (gzipped, 1797 rows of 64 pixels 0..16 and a label), fetched from `url`. */
export async function loadDigits(url: string): Promise<{ images: torch.Tensor; labels: torch.Tensor }> {
  const res = await fetch(url);
  if (!res.ok || res.body === null) throw new Error(`${url}: HTTP ${res.status}`);
  return parseDigits(res.body);
}

/** The digits from the gzipped CSV's bytes. */
export async function parseDigits(gzipped: NonNullable<Response["body"]>): Promise<{ images: torch.Tensor; labels: torch.Tensor }> {
  const text = await new Response(gzipped.pipeThrough(new DecompressionStream("gzip"))).text();
  const rows = text.trim().split("\n");
  const pixels = new Float32Array(rows.length * 64);
  const labels: number[] = [];
  rows.forEach((row, i) => {
    const v = row.split(",").map(Number);
    pixels.set(v.slice(0, 64), i * 64);
    labels.push(v[64] as number);
  });
  return { images: torch.tensor(pixels).view(rows.length, 64), labels: torch.tensor(labels, { dtype: "int64" }) };
}

export interface TrainReport {
  /** Called every `every` steps with the batch loss (reading it back from the GPU costs a round trip, so not every step). */
  onLoss?(step: number, epoch: number, loss: number): void;
  /** Called after every epoch with the test accuracy and the mean milliseconds per training step. */
  onEpoch?(epoch: number, accuracy: number, msPerStep: number): void | Promise<void>;
  every?: number;
}

/** Trains the MLP on `device` for `epochs` epochs (Adam, lr 1e-3, batches of 64); resolves to the final test accuracy. */
export async function trainDigits(
  data: { images: torch.Tensor; labels: torch.Tensor },
  epochs: number,
  device: torch.Device,
  report: TrainReport = {},
): Promise<number> {
  const dataset = new torch.utils.data.TensorDataset<Sample>(data.images.div(16), data.labels);
  const [trainSet, testSet] = torch.utils.data.randomSplit(dataset, [0.8, 0.2], { generator: new torch.Generator(1) }) as [
    torch.utils.data.Subset<Sample>,
    torch.utils.data.Subset<Sample>,
  ];
  torch.manualSeed(1);
  const nn = torch.nn;
  const model = new nn.Sequential(new nn.Linear(64, 128), new nn.ReLU(), new nn.Linear(128, 10)).to(device);
  const lossFn = new nn.CrossEntropyLoss();
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: 1e-3 });
  const loader = new torch.utils.data.DataLoader(trainSet, { batchSize: 64, shuffle: true, generator: new torch.Generator(1) });
  const testLoader = new torch.utils.data.DataLoader(testSet, { batchSize: 512 });
  const every = report.every ?? 5;
  let step = 0;
  let accuracy = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    const start = performance.now();
    for (const [x, y] of loader) {
      const loss = torch.scope(() => {
        optimizer.zeroGrad();
        const l = lossFn.call(model.call(x.to(device)), y.to(device));
        l.backward();
        optimizer.step();
        return l;
      });
      step++;
      if (step % every === 0 && report.onLoss !== undefined) report.onLoss(step, epoch, await loss.itemAsync());
    }
    await torch.webgpu.synchronize();
    const msPerStep = (performance.now() - start) / loader.length;
    model.eval();
    let correct = 0;
    let total = 0;
    for (const [x, y] of testLoader) {
      const hits = torch.noGrad(() => model.call(x.to(device)).argmax(1).eq(y.to(device)).sum());
      correct += await hits.itemAsync();
      total += y.shape[0] as number;
    }
    accuracy = correct / total;
    await report.onEpoch?.(epoch, accuracy, msPerStep);
  }
  return accuracy;
}
