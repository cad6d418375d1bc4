/**
 * The browser demo (`npm run demo`, scripts/demo.ts) in headless Chromium,
 * driven by Playwright: the playground shows the tutorial graph's values,
 * gradients and graph, and reruns an edited program; the digits MLP trains
 * in a Web Worker on kernel threads and reaches a test accuracy. The page's
 * screenshot is saved as out/demo-test/demo.png.
 */

import { existsSync, mkdirSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type Browser, chromium } from "playwright";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDemo, serveDemo } from "../../scripts/demo.js";

const CHROMIUM = process.env.KINDLING_CHROMIUM ?? "/usr/bin/chromium";
const SHOTS = join(new URL("../..", import.meta.url).pathname, "out", "demo-test");

let server: Server;
let browser: Browser;
let url = "";

describe.skipIf(!existsSync(CHROMIUM))("the browser demo", () => {
  beforeAll(async () => {
    await buildDemo();
    server = await serveDemo(0);
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    // --enable-unsafe-webgpu: WebGPU on Linux (SwiftShader's adapter where there is no GPU), for the device switch.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--enable-unsafe-webgpu"] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it("runs the playground and trains the digits MLP in a worker", async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${url}?epochs=4`);

    // The playground's default program: y = (x + w) * (w + 1) at x = 2, w = 1.
    const cell = (name: string, col: number) => page.locator(`#tensors tr[data-name="${name}"] td`).nth(col).textContent();
    expect(await cell("y", 1)).toBe("tensor([6.], grad_fn=<MulBackward0>)");
    expect(await cell("w", 2)).toBe("tensor([5.])");
    expect(await cell("x", 2)).toBe("tensor([2.])");
    expect(await cell("a", 3)).toBe("AddBackward0");
    const graph = await page.locator("#graph").textContent();
    expect(graph).toContain("y = MulBackward0");
    expect(graph).toContain("AccumulateGrad (w)");
    expect(await page.locator("#env").textContent()).toContain("cross-origin isolated");

    // An edited program.
    await page.fill("#code", "const t = torch.tensor(3, { requiresGrad: true });\nconst y = t.pow(2);\ny.backward();\nreturn { t, y };");
    await page.click("#run");
    expect(await cell("t", 2)).toBe("tensor(6.)");
    expect(await cell("y", 3)).toBe("PowBackward0");

    // Training in the worker: threads reported, loss plotted, accuracy after 4 epochs.
    await page.click("#train");
    await page.waitForSelector('#status[data-done="true"]', { timeout: 120_000 });
    expect(await page.locator("#threads").textContent()).toMatch(/on \d+ kernel threads?/);
    const accuracy = Number(await page.locator("#status").getAttribute("data-accuracy"));
    expect(accuracy).toBeGreaterThan(0.85);
    expect(await page.locator("#chart canvas").count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);

    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, "demo.png"), fullPage: true });
  }, 180_000);

  it("trains the digits MLP on the GPU with the device switch, showing ms per step", async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${url}?epochs=3`);
    await page.selectOption("#device", "webgpu");
    await page.click("#train");
    await page.waitForSelector('#status[data-done="true"]', { timeout: 120_000 });
    expect(await page.locator("#status").getAttribute("data-device")).toBe("webgpu");
    expect(await page.locator("#threads").textContent()).toBe(" on the GPU (WebGPU)");
    expect(Number(await page.locator("#status").getAttribute("data-accuracy"))).toBeGreaterThan(0.8);
    expect(await page.locator("#speed").textContent()).toMatch(/^WebGPU: \d+\.\d\d ms per step$/);
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(SHOTS, "demo-webgpu.png"), fullPage: true });
  }, 180_000);
});
