/**
 * Trains the digits MLP (examples/train/digits_mlp.ts) in a Web Worker on
 * the device the page chose (the CPU through WebAssembly, or the GPU
 * through WebGPU) and reports to the page: the device and threads, the
 * loss every few batches, the test accuracy and ms per step after every epoch.
 */
import * as torch from "kindling";
import { loadDigits, trainDigits } from "./digits.js";

const post = (m: unknown) => (globalThis as unknown as { postMessage(m: unknown): void }).postMessage(m);

async function train(epochs: number, dataUrl: string, asked: torch.Device): Promise<void> {
  const threads = await torch.ready();
  // The GPU where the browser offers one; the CPU otherwise (said on the page).
  const device: torch.Device = asked === "webgpu" && (await torch.webgpu.init()) ? "webgpu" : "cpu";
  post({ kind: "device", device, threads, fallback: device !== asked });
  const data = await loadDigits(dataUrl);
  await trainDigits(data, epochs, device, {
    onLoss: (step, epoch, loss) => post({ kind: "loss", step, epoch, loss }),
    // Let the page's messages through between epochs.
    onEpoch: async (epoch, accuracy, msPerStep) => {
      post({ kind: "epoch", epoch, accuracy, msPerStep });
      await new Promise((r) => setTimeout(r, 0));
    },
  });
  post({ kind: "done" });
}

(globalThis as unknown as { onmessage: (e: { data: { epochs: number; dataUrl: string; device: torch.Device } }) => void }).onmessage = (
  e,
) => {
  train(e.data.epochs, e.data.dataUrl, e.data.device ?? "cpu").catch((err: unknown) => post({ kind: "error", message: String(err) }));
};
