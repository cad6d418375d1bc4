/**
 * The digits MLP trained on the WebGPU device (SwiftShader's adapter in CI)
 * and on the CPU with the same seeds, split and batches (demo/digits.ts, what
 * the demo's worker runs): the GPU must reach the CPU's test accuracy within
 * 0.5 %. The whole step (forward, backward, Adam) stays on the device.
 */
import * as torch from "kindling";
import { expect, it } from "vitest";
import { commands } from "vitest/browser";
import { parseDigits, trainDigits } from "../../demo/digits.js";

/** The data set's gzipped bytes, read by the test runner (base64 over its command channel). */
async function digits(): Promise<{ images: torch.Tensor; labels: torch.Tensor }> {
  const base64 = await commands.readFile("examples/data/digits.csv.gz", "base64");
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return parseDigits(new Blob([bytes]).stream());
}

const EPOCHS = 8;

it("trains the digits MLP on the GPU to the CPU's accuracy", async () => {
  expect(await torch.webgpu.init()).toBe(true);
  const data = await digits();
  const ms: Record<string, number> = {};
  const cpu = await trainDigits(data, EPOCHS, "cpu", {
    onEpoch: (_, __, m) => {
      ms.cpu = m;
    },
  });
  let losses = 0;
  const gpu = await trainDigits(data, EPOCHS, "webgpu", {
    onLoss: (_, __, loss) => {
      expect(Number.isFinite(loss)).toBe(true);
      losses++;
    },
    onEpoch: (_, __, m) => {
      ms.webgpu = m;
    },
  });
  console.info(
    `digits MLP, ${EPOCHS} epochs: test accuracy cpu ${cpu}, webgpu ${gpu}; ms per step cpu ${ms.cpu?.toFixed(2)}, webgpu ${ms.webgpu?.toFixed(2)} (SwiftShader: correctness only)`,
  );
  expect(losses).toBeGreaterThan(0);
  expect(cpu).toBeGreaterThan(0.9);
  expect(Math.abs(gpu - cpu)).toBeLessThanOrEqual(0.005);
});
