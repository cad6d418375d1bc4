/**
 * The browser benchmark's page (bench/browser.ts bundles it and drives it in
 * headless Chromium): W1, W4 and W6 with the definitions and data of
 * bench/w1.ts, w4.ts and w6.ts, on either device. On "webgpu" the inputs are
 * moved there first, the clock is read after `torch.webgpu.synchronize()`
 * (the GPU runs asynchronously), and the checksums are read back with
 * `itemAsync()`. The CPU runs on the page's thread (one kernel thread).
 */
import * as torch from "kindling";
import { mlpParams, randint, randn, uniformPm1 } from "../data.js";

type Tensor = torch.Tensor;
type Result = Record<string, unknown>;

const f32 = (data: Float32Array, shape: number[], device: torch.Device): Tensor => torch.tensor(data).view(shape).to(device);

/** Sum of all elements (float32 on the GPU, float64 on the CPU). */
async function sum(t: Tensor): Promise<number> {
  return (t.device === "cpu" ? t.double() : t).sum().itemAsync();
}

/** The clock after every kernel recorded so far has run. */
async function clock(): Promise<number> {
  await torch.webgpu.synchronize();
  return performance.now();
}

function grad(t: Tensor): Tensor {
  if (t.grad === null) throw new Error("expected a gradient");
  return t.grad;
}

/** W1: the tutorial's two-layer net (N 64, D_in 1000, H 100, D_out 10, lr 1e-6), 5 warm-up iterations. */
async function w1(device: torch.Device, iters: number): Promise<Result> {
  const x = f32(randn(64 * 1000, 1), [64, 1000], device);
  const y = f32(randn(64 * 10, 2), [64, 10], device);
  const a = f32(randn(1000 * 100, 3), [1000, 100], device).requiresGrad_(true);
  const b = f32(randn(100 * 10, 4), [100, 10], device).requiresGrad_(true);
  const iteration = (): Tensor =>
    torch.scope(() => {
      const loss = x.mm(a).clamp({ min: 0 }).mm(b).sub(y).pow(2).sum();
      loss.backward();
      torch.noGrad(() => {
        a.sub_(grad(a).mul(1e-6));
        b.sub_(grad(b).mul(1e-6));
        grad(a).zero_();
        grad(b).zero_();
      });
      return loss;
    });
  const first = await iteration().itemAsync();
  for (let i = 0; i < 4; i++) iteration();
  const t0 = await clock();
  let loss = iteration();
  for (let i = 1; i < iters; i++) loss = iteration();
  const t = (await clock()) - t0;
  return { ms_per_iter: t / iters, checksum: { loss_first: first, loss_final: await loss.itemAsync(), w1_sum: await sum(a) } };
}

/** W4: square float32 matrix products, best of several calls per size. */
async function w4(device: torch.Device, sizes: number[]): Promise<Result> {
  const out: Record<string, { gflops: number; best_ms: number; checksum: number }> = {};
  for (const n of sizes) {
    const a = f32(uniformPm1(n * n, 41), [n, n], device);
    const b = f32(uniformPm1(n * n, 42), [n, n], device);
    let c = torch.mm(a, b);
    await clock();
    let best = Number.POSITIVE_INFINITY;
    for (let r = 0; r < 5; r++) {
      const t0 = await clock();
      c = torch.mm(a, b);
      best = Math.min(best, (await clock()) - t0);
    }
    out[String(n)] = { gflops: (2 * n ** 3) / (best / 1e3) / 1e9, best_ms: best, checksum: await sum(c) };
  }
  return { sizes: out };
}

/** W6: MLP 784-256-128-10 training (batch 128, SGD 0.01), 5 warm-up steps on a throwaway copy. */
async function w6(device: torch.Device, steps: number): Promise<Result> {
  const x = f32(randn(128 * 784, 60), [128, 784], device);
  const labels = torch.tensor(randint(128, 10, 64), { dtype: "int64" }).to(device);
  const params = () =>
    mlpParams().flatMap(({ w, b, shape }) => [f32(w, shape, device).requiresGrad_(true), f32(b, [shape[1]], device).requiresGrad_(true)]);
  const forward = (p: Tensor[]): Tensor => {
    const [w1, b1, w2, b2, w3, b3] = p as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
    return torch
      .relu(torch.relu(x.matmul(w1).add(b1)).matmul(w2).add(b2))
      .matmul(w3)
      .add(b3);
  };
  const train = (p: Tensor[], n: number): Tensor => {
    let loss = torch.tensor(Number.NaN);
    for (let s = 0; s < n; s++) {
      loss = torch.scope(() => {
        const l = torch.F.crossEntropy(forward(p), labels);
        l.backward();
        torch.noGrad(() => {
          for (const q of p) {
            q.sub_(grad(q).mul(0.01));
            q.grad = null;
          }
        });
        return l;
      });
    }
    return loss;
  };
  train(params(), 5);
  const p = params();
  const first = await torch.noGrad(() => torch.F.crossEntropy(forward(p), labels)).itemAsync();
  const t0 = await clock();
  const loss = train(p, steps);
  const t = (await clock()) - t0;
  return { ms_per_step: t / steps, checksum: { loss_first: first, loss_final: await loss.itemAsync(), W1_sum: await sum(p[0] as Tensor) } };
}

/** Runs one workload on one device (what bench/browser.ts calls in the page). */
async function runBench(
  workload: string,
  device: torch.Device,
  options: { iters?: number; steps?: number; sizes?: number[] },
): Promise<Result> {
  if (device === "webgpu" && !(await torch.webgpu.init())) throw new Error("this browser has no WebGPU adapter");
  const run =
    workload === "w1"
      ? w1(device, options.iters ?? 100)
      : workload === "w4"
        ? w4(device, options.sizes ?? [128, 256, 512, 1024])
        : workload === "w6"
          ? w6(device, options.steps ?? 100)
          : Promise.reject(new Error(`the browser benchmark runs w1, w4 and w6, not ${workload}`));
  return { workload, device, backend: device === "cpu" ? torch.getBackend() : "webgpu", ...(await run) };
}

(globalThis as { runBench?: typeof runBench }).runBench = runBench;
