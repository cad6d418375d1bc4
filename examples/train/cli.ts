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

/**
 * Parses `--epochs N` (or, for the language models, which draw random batches, `--steps N`),
 * `--out DIR`, `--quiet` and `--help` from the command line.
 */
export function parseTrainArgs(usage: string, argv: string[] = process.argv.slice(2), unit: "epochs" | "steps" = "epochs"): TrainOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        [unit]: { type: "string" },
        out: { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (e) {
    // An unknown or malformed option: say which, and how to call the script.
    console.error(`${(e as Error).message}\n${usage} (--help lists the options)`);
    process.exit(2);
  }
  if (values.help) {
    const what = unit === "epochs" ? "--epochs N   train for N epochs" : "--steps N    train for N steps (one random batch each)";
    console.log(`${usage}\n\noptions:\n  ${what}\n  --out DIR    output directory (default examples/out/)\n  --quiet      print nothing`);
    process.exit(0);
  }
  const options: TrainOptions = {};
  const count = values[unit];
  if (typeof count === "string") {
    const n = Number(count);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${unit}: expected a positive integer, got ${count}`);
    options[unit] = n;
  }
  if (typeof values.out === "string") options.out = values.out;
  if (values.quiet === true) options.quiet = true;
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
