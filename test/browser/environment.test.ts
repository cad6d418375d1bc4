/**
 * The browser project's page itself: Kindling runs there on the WebAssembly
 * backend, on the page's thread (a page's main thread cannot block, so no
 * kernel threads start), and says so.
 */

import * as torch from "kindling";
import { describe, expect, it } from "vitest";

describe("Kindling in a browser page", () => {
  it("runs on the WebAssembly backend, on the calling thread", async () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe("object");
    expect(torch.getBackend()).toBe("wasm");
    const a = torch.randn(200, 300);
    const b = torch.randn(300, 100);
    const c = a.matmul(b);
    torch.setBackend("js");
    const ref = a.matmul(b);
    torch.setBackend("wasm");
    expect(c.sub(ref).abs().max().item()).toBeLessThan(1e-3);
    expect(torch.getNumThreads()).toBe(1);
    expect(await torch.ready()).toBe(1);
  });

  it("shows tensors in devtools as PyTorch prints them (a custom formatter)", () => {
    const formatters = (globalThis as { devtoolsFormatters?: { header(v: unknown): unknown[] | null; hasBody(v: unknown): boolean }[] })
      .devtoolsFormatters;
    const f = formatters?.find((x) => x.header(torch.tensor([5])) !== null);
    expect(f?.header(torch.tensor([5]))).toEqual(["span", { style: "font-family: monospace; white-space: pre" }, "tensor([5.])"]);
    expect(f?.header({ not: "a tensor" })).toBeNull();
    expect(f?.hasBody(torch.tensor([5]))).toBe(false);
    expect(Object.prototype.toString.call(torch.tensor([5]))).toBe("[object Tensor]");
  });
});
