// The training loop and sampler shared by the character-level language models (charlm.ts, a causal
// transformer, and charlm_lstm.ts, an LSTM). Its PyTorch twin is scripts/record/examples/train/lm.py.
//
// The model maps a batch of character codes [B, T] to next-character logits [B, T, V]. Training draws
// random windows of the word stream with the global generator, minimises the cross entropy with
// AdamW, and every `evalEvery` steps measures the validation loss on the same fixed windows. Then it
// writes the loss curves and samples words one character at a time with torch.multinomial.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as torch from "kindling";
import { save } from "kindling/node";
import { charData, decode, evaluateStream, randomBatch, VOCAB } from "./chars.js";
import { outDir, type TrainOptions } from "./cli.js";
import { lineChart, type Point } from "./plot.js";
import { progressBar } from "./progress.js";

export interface LmConfig {
  /** The name of the pictures' and weights' files, and of the model in what is printed. */
  name: string;
  /** Seeds the shuffle of the words, the initial weights and the batches. */
  seed: number;
  /** Seeds the sampling. */
  sampleSeed: number;
  context: number;
  batch: number;
  steps: number;
  lr: number;
  evalEvery: number;
  evalBatches: number;
  /** How many words to sample at the end. */
  samples: number;
}

export interface LmResult {
  /** The training loss of every step. */
  losses: number[];
  /** [step, validation loss] at step 0 and every `evalEvery` steps. */
  valLosses: Point[];
  /** The words sampled after training. */
  samples: string[];
  seconds: number;
  svgPath: string;
  weightsPath: string;
}

/** What the two language models share: seeds, context, batch, steps and the evaluation and sampling schedule. */
export const LM_DEFAULTS = {
  seed: 1,
  sampleSeed: 2,
  context: 32,
  batch: 32,
  steps: 2000,
  evalEvery: 100,
  evalBatches: 8,
  samples: 12,
} as const satisfies Omit<LmConfig, "name" | "lr">;

/** The cross entropy of next-character logits [B, T, V] against targets [B, T]. */
export function lmLoss(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor): torch.Tensor {
  const logits = model.call(x) as torch.Tensor;
  return torch.F.crossEntropy(logits.reshape(-1, VOCAB.length), y.reshape(-1));
}

/** Trains `makeModel()` (built right after seeding the global generator with `config.seed`) and samples from it. */
export function trainLm(config: LmConfig, makeModel: () => torch.nn.Module, options: TrainOptions = {}): LmResult {
  const steps = options.steps ?? config.steps;
  const log = options.quiet ? () => {} : console.log;
  const dir = outDir(options);
  const data = charData(config.seed);
  torch.manualSeed(config.seed);
  const model = makeModel();
  const parameters = model.parameters();
  const count = parameters.reduce((n, p) => n + p.numel(), 0);
  log(`${config.name}: ${data.words} words, ${data.train.shape[0]} training characters; ${count} parameters\n${model}`);
  const optimizer = new torch.optim.AdamW(parameters, { lr: config.lr });
  const validate = () => evaluateStream(data.val, config.batch, config.context, config.evalBatches, (x, y) => lmLoss(model, x, y));

  const losses: number[] = [];
  const valLosses: Point[] = [[0, validate()]];
  const start = performance.now();
  const width = String(steps).length;
  for (let done = 0; done < steps; ) {
    const chunk = Math.min(config.evalEvery, steps - done);
    const progress = progressBar(`steps ${String(done + chunk).padStart(width)}/${steps}`, chunk, options.quiet);
    for (let s = 0; s < chunk; s++) {
      const loss = torch.scope(() => {
        const [x, y] = randomBatch(data.train, config.batch, config.context);
        optimizer.zeroGrad();
        const l = lmLoss(model, x, y);
        l.backward();
        optimizer.step();
        return l.item();
      });
      losses.push(loss);
      progress.tick(loss);
    }
    done += chunk;
    valLosses.push([done, validate()]);
    progress.done(`| validation loss ${(valLosses[valLosses.length - 1] as Point)[1].toFixed(4)}`);
  }
  const seconds = (performance.now() - start) / 1000;
  log(`trained ${steps} steps in ${seconds.toFixed(1)} s (${((1000 * seconds) / steps).toFixed(1)} ms/step)`);

  const samples = sample(model, config);
  log(`sampled with torch.manualSeed(${config.sampleSeed}): ${samples.join(" ")}`);

  const svgPath = join(dir, `${config.name}_loss.svg`);
  writeFileSync(svgPath, lossChart(config.name, losses, valLosses));
  const weightsPath = join(dir, `${config.name}.safetensors`);
  save(model.stateDict(), weightsPath, { metadata: { format: "pt" } });
  log(`wrote ${svgPath} and ${weightsPath}`);
  return { losses, valLosses, samples, seconds, svgPath, weightsPath };
}

/**
 * Samples `config.samples` words: starting from "\n", it feeds the last `context` characters to the
 * model and draws the next one from the softmax of the last position's logits with torch.multinomial,
 * until as many "\n" as words were drawn.
 */
export function sample(model: torch.nn.Module, config: LmConfig): string[] {
  model.eval();
  torch.manualSeed(config.sampleSeed);
  const codes = [0];
  const words: string[] = [];
  let begin = 1;
  torch.noGrad(() => {
    while (words.length < config.samples) {
      const next = torch.scope(() => {
        const x = torch.tensor([codes.slice(-config.context)], { dtype: torch.int64 });
        const logits = (model.call(x) as torch.Tensor).select(1, -1);
        return torch.multinomial(torch.softmax(logits, -1), 1).item();
      });
      codes.push(next);
      if (next === 0) {
        words.push(decode(codes.slice(begin, -1)));
        begin = codes.length;
      }
    }
  });
  model.train();
  return words;
}

/** The loss curves as an SVG picture: the training loss of every step and the validation loss. */
function lossChart(name: string, losses: readonly number[], valLosses: readonly Point[]): string {
  const last = (valLosses[valLosses.length - 1] as Point)[1];
  return lineChart(
    [
      { label: "training loss (batch)", points: losses.map((l, i): Point => [i + 1, l]), width: 1 },
      { label: "validation loss", points: valLosses, width: 2.5 },
    ],
    {
      title: `${name}: validation loss ${last.toFixed(3)}`,
      xLabel: "step",
      yLabel: "cross entropy (nats per character)",
      xRange: [0, losses.length],
      yRange: [0, Math.max(...losses, ...valLosses.map((p) => p[1])) * 1.05],
    },
  );
}
