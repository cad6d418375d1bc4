/**
 * A Web Worker running Kindling, as a page that must stay responsive runs it
 * (test/browser/worker.test.ts): in a cross-origin isolated page, a worker's
 * thread may block, so the kernel thread pool starts there.
 */
import * as torch from "kindling";

const post = (m: unknown) => (globalThis as unknown as { postMessage(m: unknown): void }).postMessage(m);

(globalThis as unknown as { onmessage: (e: { data: { threads: number } }) => void }).onmessage = async (e) => {
  try {
    torch.setNumThreads(e.data.threads);
    const started = await torch.ready();
    torch.manualSeed(0);
    const a = torch.randn(256, 512);
    const b = torch.randn(512, 384);
    const c = a.matmul(b); // split across the kernel threads
    torch.setBackend("js");
    const ref = a.matmul(b);
    torch.setBackend("wasm");
    const x = torch.randn(100_000, { requiresGrad: true });
    x.sin().mul(x.exp()).sum().backward();
    const grad = x.grad as torch.Tensor;
    const expected = x.cos().mul(x.exp()).add(x.sin().mul(x.exp()));
    post({
      isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated,
      started,
      threads: torch.getNumThreads(),
      matmulError: c.sub(ref).abs().max().item(),
      gradError: grad.sub(expected).abs().max().item(),
    });
  } catch (err) {
    post({ error: String(err) });
  }
};
