/** The demo page: the autograd playground, and the digits MLP trained in a Web Worker with a live loss plot. */
import * as torch from "kindling";
import uPlot from "uplot";
import { DEFAULT_PROGRAM, runProgram } from "./playground.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

$("env").textContent = `backend ${torch.getBackend()}, ${
  crossOriginIsolated ? "cross-origin isolated: the worker gets kernel threads" : "not cross-origin isolated: one thread"
}`;

// ----- playground ---------------------------------------------------------------------
const code = $<HTMLTextAreaElement>("code");
code.value = DEFAULT_PROGRAM;

function run(): void {
  const body = $("tensors").querySelector("tbody") as HTMLTableSectionElement;
  body.replaceChildren();
  $("run-error").textContent = "";
  try {
    const { rows, graph } = runProgram(code.value);
    for (const r of rows) {
      const tr = document.createElement("tr");
      tr.dataset.name = r.name;
      for (const text of [r.name, r.value, r.grad, r.gradFn]) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.append(td);
      }
      body.append(tr);
    }
    $("graph").textContent = graph;
  } catch (e) {
    $("run-error").textContent = String(e);
    $("graph").textContent = "";
  }
}
$("run").addEventListener("click", run);
run();

// ----- training in a worker -------------------------------------------------------------
const steps: number[] = [];
const losses: number[] = [];
const plot = new uPlot(
  {
    title: "training loss (batches of 64)",
    width: Math.min(900, document.body.clientWidth),
    height: 300,
    scales: { x: { time: false } },
    axes: [{ label: "step" }, { label: "loss" }],
    series: [{ label: "step" }, { label: "loss", stroke: "#d2691e", width: 2 }],
  },
  [steps, losses],
  $("chart"),
);

const params = new URLSearchParams(location.search);
const epochs = Number(params.get("epochs") ?? 20);
const deviceSelect = $<HTMLSelectElement>("device");
deviceSelect.value = params.get("device") === "webgpu" ? "webgpu" : "cpu";
/** ms per step measured on each device (the last epoch of the last run there). */
const speed: Record<string, number> = {};

$("train").addEventListener("click", () => {
  ($("train") as HTMLButtonElement).disabled = true;
  steps.length = 0;
  losses.length = 0;
  const worker = new Worker(new URL("./train.worker.js", import.meta.url), { type: "module" });
  $("status").textContent = "starting…";
  worker.onmessage = (e: MessageEvent) => {
    const m = e.data;
    if (m.kind === "device") {
      $("status").dataset.device = m.device;
      $("threads").textContent =
        m.device === "webgpu"
          ? " on the GPU (WebGPU)"
          : ` on ${m.threads} kernel thread${m.threads === 1 ? "" : "s"}${m.fallback ? " (this browser has no WebGPU adapter: the CPU instead)" : ""}`;
    }
    else if (m.kind === "loss") {
      steps.push(m.step);
      losses.push(m.loss);
      plot.setData([steps, losses]);
      $("status").textContent = `epoch ${m.epoch}/${epochs}, step ${m.step}, loss ${m.loss.toFixed(4)}`;
    } else if (m.kind === "epoch") {
      $("status").dataset.accuracy = String(m.accuracy);
      $("status").textContent = `epoch ${m.epoch}/${epochs}: test accuracy ${(100 * m.accuracy).toFixed(2)} %`;
      speed[$("status").dataset.device ?? "cpu"] = m.msPerStep;
      $("speed").textContent = Object.entries(speed)
        .map(([d, ms]) => `${d === "webgpu" ? "WebGPU" : "CPU"}: ${ms.toFixed(2)} ms per step`)
        .join(", ");
    } else if (m.kind === "done") {
      $("status").textContent += " (done)";
      $("status").dataset.done = "true";
      worker.terminate();
      ($("train") as HTMLButtonElement).disabled = false;
    } else if (m.kind === "error") {
      $("status").textContent = `error: ${m.message}`;
      worker.terminate();
    }
  };
  worker.postMessage({ epochs, dataUrl: new URL("data/digits.csv.gz", location.href).href, device: deviceSelect.value });
});
