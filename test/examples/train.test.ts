/**
 * The training examples (examples/train/): each is run (mostly shortened) through the main() it exports,
 * checking that the loss falls, the accuracy reaches what the run can reach, the pictures are
 * well-formed SVG holding the expected marks, and the saved weights reload. Two are also run as
 * programs, as a user would, to check the command line and the plain progress lines of a non-terminal.
 */

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "kindling/node";
import { afterAll, describe, expect, it } from "vitest";
import { main as charlm } from "../../examples/train/charlm.js";
import { main as charlmLstm } from "../../examples/train/charlm_lstm.js";
import { digitsSplit, evaluate } from "../../examples/train/digits.js";
import { main as digitsCnn } from "../../examples/train/digits_cnn.js";
import { main as digitsMlp, SEED as MLP_SEED, makeModel as makeMlp } from "../../examples/train/digits_mlp.js";
import type { LmResult } from "../../examples/train/lm.js";
import { main as logisticRegression } from "../../examples/train/logistic_regression.js";
import { ticks } from "../../examples/train/plot.js";
import { readJson } from "../helpers/fixtures.js";

const root = new URL("../..", import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), "kindling-train-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Checks that `text` is one well-formed <svg> element (tags balanced and properly nested) and counts its elements by name. */
function svgElements(text: string): Map<string, number> {
  expect(text.startsWith("<svg ")).toBe(true);
  expect(text.trimEnd().endsWith("</svg>")).toBe(true);
  const counts = new Map<string, number>();
  const open: string[] = [];
  for (const [tag, close, name, selfClosing] of text.matchAll(/<(\/?)([a-zA-Z]+)\b[^>]*?(\/?)>/g)) {
    if (close) {
      expect(open.pop(), tag).toBe(name);
    } else {
      counts.set(name as string, (counts.get(name as string) ?? 0) + 1);
      if (!selfClosing) open.push(name as string);
    }
  }
  expect(open).toEqual([]);
  // Every attribute value is quoted and no stray markup is left.
  expect(text.replace(/<[^<>]*>/g, "")).not.toMatch(/[<>]/);
  expect(text).not.toMatch(/NaN|Infinity|undefined/);
  return counts;
}

function run(script: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", `examples/train/${script}`, ...args], { cwd: root, encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout.trimEnd().split("\n");
}

describe("plot", () => {
  it("puts round ticks inside the range", () => {
    expect(ticks(-5.5, 5.5).map((t) => t.label)).toEqual(["-4", "-2", "0", "2", "4"]);
    expect(ticks(0, 2.4).map((t) => t.label)).toEqual(["0.0", "0.5", "1.0", "1.5", "2.0"]);
    expect(ticks(0, 30).map((t) => t.value)).toEqual([0, 5, 10, 15, 20, 25, 30]);
  });
});

describe("training examples", () => {
  it("logistic regression separates the two clusters and draws them with the boundary", () => {
    const r = logisticRegression({ out, quiet: true });
    expect(r.accuracy).toBeGreaterThan(0.99);
    expect(r.steps).toBeLessThan(200);
    expect(r.losses).toHaveLength(r.steps);
    expect(r.losses[r.losses.length - 1]).toBeLessThan((r.losses[0] as number) / 3);
    // The boundary w . x + b = 0 separates the cluster centres (1.7, 1.7) and (-1.7, -1.7).
    const side = (x: number) => r.weight[0] * x + r.weight[1] * x + r.bias;
    expect(side(1.7)).toBeGreaterThan(0);
    expect(side(-1.7)).toBeLessThan(0);
    const svg = svgElements(readFileSync(r.svgPath, "utf8"));
    expect(svg.get("circle")).toBe(200);
    expect(svg.get("path")).toBe(1);
  });

  it("the MLP reaches 96 % test accuracy on the digits, and its saved weights reload", () => {
    const r = digitsMlp({ out, quiet: true });
    expect(r.epochLosses).toHaveLength(30);
    expect(r.epochLosses[29]).toBeLessThan((r.epochLosses[0] as number) / 10);
    expect(r.testAccuracy).toBeGreaterThanOrEqual(0.96);
    expect(r.reloadedAccuracy).toBe(r.testAccuracy);

    const state = load(r.weightsPath);
    expect(Object.fromEntries(Object.entries(state).map(([k, v]) => [k, v.shape]))).toEqual({
      "0.weight": [128, 64],
      "0.bias": [128],
      "2.weight": [10, 128],
      "2.bias": [10],
    });
    const model = makeMlp();
    expect(model.loadStateDict(state)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(evaluate(model, digitsSplit([64], MLP_SEED).test).accuracy).toBe(r.testAccuracy);

    const svg = svgElements(readFileSync(r.svgPath, "utf8"));
    expect(svg.get("path")).toBe(2);
    expect(svg.get("circle")).toBeUndefined();
  });

  it("the CNN learns in a shortened run", () => {
    const r = digitsCnn({ epochs: 3, out, quiet: true });
    expect(r.epochLosses).toHaveLength(3);
    expect(r.epochLosses[2]).toBeLessThan((r.epochLosses[0] as number) * 0.75);
    expect(r.testAccuracy).toBeGreaterThan(0.85);
    expect(svgElements(readFileSync(r.svgPath, "utf8")).get("path")).toBe(2);
  });
});

/** What the PyTorch twin printed for the same shortened run (scripts/record/examples/train/lm.py --json). */
interface LmTwin {
  steps: number;
  losses: number[];
  val_losses: [number, number][];
  samples: string[];
}

/** A language model's shortened run against its PyTorch twin's: every step's loss, the validation losses, the sampled words. */
function expectLikeTwin(r: LmResult, twin: LmTwin): void {
  expect(r.losses).toHaveLength(twin.steps);
  r.losses.forEach((loss, i) => {
    expect(loss, `loss of step ${i + 1}`).toBeCloseTo(twin.losses[i] as number, 4);
  });
  expect(r.valLosses.map(([step]) => step)).toEqual(twin.val_losses.map(([step]) => step));
  r.valLosses.forEach(([step, loss], i) => {
    expect(loss, `validation loss at step ${step}`).toBeCloseTo((twin.val_losses[i] as [number, number])[1], 4);
  });
  expect(r.samples).toEqual(twin.samples);
  const svg = svgElements(readFileSync(r.svgPath, "utf8"));
  expect(svg.get("path")).toBe(2);
  expect(Object.keys(load(r.weightsPath)).length).toBeGreaterThan(4);
}

describe("character-level language models, shortened, against their PyTorch twins", () => {
  it("the causal transformer (charlm.ts) takes PyTorch's steps and samples PyTorch's words", () => {
    const twin = readJson<LmTwin>("fixtures/lm_twins/charlm.json");
    expectLikeTwin(charlm({ steps: twin.steps, out, quiet: true }), twin);
  });

  it("the LSTM (charlm_lstm.ts) takes PyTorch's steps and samples PyTorch's words", () => {
    const twin = readJson<LmTwin>("fixtures/lm_twins/charlm_lstm.json");
    expectLikeTwin(charlmLstm({ steps: twin.steps, out, quiet: true }), twin);
  });
});

describe("training examples as programs", () => {
  it("the language models take --steps, and refuse --epochs with their usage", () => {
    expect(run("charlm.ts", "--help").join("\n")).toContain("--steps N    train for N steps");
    const r = spawnSync(process.execPath, ["--import", "tsx", "examples/train/charlm_lstm.ts", "--epochs", "3"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("Unknown option '--epochs'");
    expect(r.stderr).toContain("usage: npm run train:charlm-lstm -- [--steps N] [--out DIR]");
  });

  it("logistic_regression.ts takes --epochs as its cap on steps and --out", () => {
    const dir = join(out, "cli-lr");
    const lines = run("logistic_regression.ts", "--epochs", "10", "--out", dir);
    expect(lines[0]).toMatch(/^step {4}5 {2}loss 0\.\d{4} {2}accuracy 0\.\d{3}$/);
    expect(lines).toContain("stopped after 10 steps, accuracy 0.885");
    expect(existsSync(join(dir, "logistic_regression.svg"))).toBe(true);
  });

  it("digits_mlp.ts prints plain progress lines when stdout is not a terminal", () => {
    const dir = join(out, "cli-mlp");
    const lines = run("digits_mlp.ts", "--epochs", "1", "--out", dir);
    expect(lines).toContainEqual(expect.stringMatching(/^epoch 1\/1 loss \d\.\d{4} \| test loss \d\.\d{4}, accuracy \d+\.\d\d %$/));
    expect(lines.join("\n")).not.toContain("\u001b["); // no terminal escape codes
    expect(lines).toContainEqual(expect.stringMatching(/reloaded into a fresh model: test accuracy/));
    expect(existsSync(join(dir, "digits_mlp.safetensors"))).toBe(true);
    expect(existsSync(join(dir, "digits_mlp_loss.svg"))).toBe(true);
  });
});
