// Command-line plumbing shared by the training examples: `--epochs N`, `--out DIR`, and "run main()
// when this file is the program" (so a test can import a script's main() without running it).
import { mkdirSync, realpathSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

/** The options every training script takes. */
export interface TrainOptions {
  /** Epochs to train (for the full-batch logistic regression: the cap on steps). */
  epochs?: number;
  /** Optimisation steps to take (the language models, which draw random batches rather than epochs). */
  steps?: number;
  /** Where the pictures and weights go (default examples/out/, which git ignores). */
  out?: string;
  /** Print nothing (for tests). */
  quiet?: boolean;
}

/** examples/out/, wherever the program is run from. */
export const DEFAULT_OUT = fileURLToPath(new URL("../out/", import.meta.url));

/** The output directory of `options`, created if missing. */
export function outDir(options: TrainOptions): string {
  const dir = options.out ?? DEFAULT_OUT;
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Parses `--epochs N --out DIR --quiet` (and `--help`) from the command line. */
export function parseTrainArgs(usage: string, argv: string[] = process.argv.slice(2)): TrainOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      epochs: { type: "string" },
      steps: { type: "string" },
      out: { type: "string" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(
      `${usage}\n\noptions:\n  --epochs N   train for N epochs\n  --steps N    train for N steps (the language models)\n  --out DIR    output directory (default examples/out/)\n  --quiet      print nothing`,
    );
    process.exit(0);
  }
  const options: TrainOptions = {};
  if (values.epochs !== undefined) {
    const epochs = Number(values.epochs);
    if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`--epochs: expected a positive integer, got ${values.epochs}`);
    options.epochs = epochs;
  }
  if (values.steps !== undefined) {
    const steps = Number(values.steps);
    if (!Number.isInteger(steps) || steps < 1) throw new Error(`--steps: expected a positive integer, got ${values.steps}`);
    options.steps = steps;
  }
  if (values.out !== undefined) options.out = values.out;
  if (values.quiet) options.quiet = true;
  return options;
}

/** Whether the module with this `import.meta.url` is the program node was asked to run. */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === moduleUrl;
  } catch {
    return false;
  }
}
