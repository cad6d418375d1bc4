/**
 * Trains the digits MLP (examples/train/digits_mlp.ts) in a Web Worker and
 * reports to the page: the threads the kernels use, the loss every few
 * batches, the test accuracy after every epoch.
 */
import * as torch from "kindling";

type Sample = [torch.Tensor, torch.Tensor];

const post = (m: unknown) => (globalThis as unknown as { postMessage(m: unknown): void }).postMessage(m);

/** The digits CSV (gzipped, 1797 rows of 64 pixels 0..16 and a label), as the page's server sends it. */
async function loadDigits(url: string): Promise<{ images: torch.Tensor; labels: torch.Tensor }> {
  const res = await fetch(url);
  if (!res.ok || res.body === null) throw new Error(`${url}: HTTP ${res.status}`);
  const text = await new Response(res.body.pipeThrough(new DecompressionStream("gzip"))).text();
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

async function train(epochs: number, dataUrl: string): Promise<void> {
  post({ kind: "threads", threads: await torch.ready() });
  const { images, labels } = await loadDigits(dataUrl);
  const dataset = new torch.utils.data.TensorDataset<Sample>(images.div(16), labels);
  const [trainSet, testSet] = torch.utils.data.randomSplit(dataset, [0.8, 0.2], { generator: new torch.Generator(1) }) as [
    torch.utils.data.Subset<Sample>,
    torch.utils.data.Subset<Sample>,
  ];
  torch.manualSeed(1);
  const nn = torch.nn;
  const model = new nn.Sequential(new nn.Linear(64, 128), new nn.ReLU(), new nn.Linear(128, 10));
  const lossFn = new nn.CrossEntropyLoss();
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: 1e-3 });
  const loader = new torch.utils.data.DataLoader(trainSet, { batchSize: 64, shuffle: true, generator: new torch.Generator(1) });
  const testLoader = new torch.utils.data.DataLoader(testSet, { batchSize: 512 });
  let step = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    for (const [x, y] of loader) {
      const loss = torch.scope(() => {
        optimizer.zeroGrad();
        const l = lossFn.call(model.call(x), y);
        l.backward();
        optimizer.step();
        return l.item();
      });
      step++;
      if (step % 5 === 0) post({ kind: "loss", step, epoch, loss });
    }
    model.eval();
    let correct = 0;
    let total = 0;
    torch.noGrad(() => {
      for (const [x, y] of testLoader) {
        correct += model.call(x).argmax(1).eq(y).sum().item();
        total += y.shape[0] as number;
      }
    });
    post({ kind: "epoch", epoch, accuracy: correct / total });
    // Let the page's messages through between epochs.
    await new Promise((r) => setTimeout(r, 0));
  }
  post({ kind: "done" });
}

(globalThis as unknown as { onmessage: (e: { data: { epochs: number; dataUrl: string } }) => void }).onmessage = (e) => {
  train(e.data.epochs, e.data.dataUrl).catch((err: unknown) => post({ kind: "error", message: String(err) }));
};
