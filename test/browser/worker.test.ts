/**
 * Kindling in a Web Worker of a cross-origin isolated page (the browser
 * project serves its pages with COOP/COEP headers): the kernel thread pool
 * starts, `torch.ready()` resolves once it is up, and the results match the
 * reference backend's.
 */

import { describe, expect, it } from "vitest";

interface Report {
  isolated?: boolean;
  started?: number;
  threads?: number;
  matmulError?: number;
  gradError?: number;
  error?: string;
}

interface WorkerLike {
  onmessage: ((e: { data: Report }) => void) | null;
  onerror: ((e: unknown) => void) | null;
  postMessage(m: unknown): void;
  terminate(): void;
}

function runWorker(threads: number): Promise<Report> {
  const W = (globalThis as unknown as { Worker: new (url: URL, opts: { type: string }) => WorkerLike }).Worker;
  const worker = new W(new URL("./kernel_worker.ts", import.meta.url), { type: "module" });
  return new Promise<Report>((resolve, reject) => {
    worker.onmessage = (e) => {
      worker.terminate();
      resolve(e.data);
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(`worker failed: ${String((e as { message?: string }).message ?? e)}`));
    };
    worker.postMessage({ threads });
  });
}

describe("Kindling in a Web Worker", () => {
  it("starts the kernel threads in a cross-origin isolated page and computes what the reference backend does", async () => {
    expect((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated).toBe(true);
    const r = await runWorker(2);
    expect(r.error).toBeUndefined();
    expect(r.isolated).toBe(true);
    expect(r.started).toBe(2);
    expect(r.threads).toBe(2);
    expect(r.matmulError).toBeLessThan(1e-3);
    expect(r.gradError).toBeLessThan(1e-4);
  });

  it("with one thread asked for, runs on the worker's own thread", async () => {
    const r = await runWorker(1);
    expect(r.error).toBeUndefined();
    expect(r.started).toBe(1);
    expect(r.threads).toBe(1);
  });
});
