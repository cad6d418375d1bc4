// A character-level language model: a small causal transformer (GPT-style: token and position
// embeddings, pre-norm transformer encoder layers under a causal mask, a final LayerNorm and a linear
// head) learns to spell English words one letter at a time from examples/data/words.txt.gz, then
// makes up new words with torch.multinomial. Shows a progress bar, draws the loss curves and saves the
// weights (safetensors, loadable by PyTorch).
//
//   npm run train:charlm [-- --steps N] [--out DIR]
//
// The PyTorch twin is scripts/record/examples/train/charlm.py: from the same seeds it builds the same
// initial weights, draws the same batches and prints the same losses.
import * as torch from "kindling";
import { VOCAB } from "./chars.js";
import { isMain, parseTrainArgs, type TrainOptions } from "./cli.js";
import { LM_DEFAULTS, type LmConfig, type LmResult, trainLm } from "./lm.js";

const nn = torch.nn;

export const CONFIG: LmConfig = { ...LM_DEFAULTS, name: "charlm", lr: 2e-3 };

/** The transformer's sizes: width, heads, layers and the feed-forward width. */
export const SIZES = { dModel: 64, heads: 4, layers: 2, feedforward: 256 };

/** Next-character logits [B, T, 27] from character codes [B, T], each position seeing only those before it. */
export class CharTransformer extends nn.Module {
  tokens = new nn.Embedding(VOCAB.length, SIZES.dModel);
  positions = new nn.Embedding(CONFIG.context, SIZES.dModel);
  encoder = new nn.TransformerEncoder(
    new nn.TransformerEncoderLayer(SIZES.dModel, SIZES.heads, {
      dimFeedforward: SIZES.feedforward,
      dropout: 0,
      activation: "gelu",
      batchFirst: true,
      normFirst: true,
    }),
    SIZES.layers,
    { norm: new nn.LayerNorm(SIZES.dModel) },
  );
  head = new nn.Linear(SIZES.dModel, VOCAB.length);

  override forward(codes: torch.Tensor): torch.Tensor {
    const T = codes.shape[1] as number;
    const x = this.tokens.call(codes).add(this.positions.call(torch.arange(T)));
    const mask = nn.Transformer.generateSquareSubsequentMask(T);
    return this.head.call(this.encoder.call(x, { mask }));
  }
}

export function main(options: TrainOptions = {}): LmResult {
  return trainLm(CONFIG, () => new CharTransformer(), options);
}

if (isMain(import.meta.url)) {
  main(parseTrainArgs("usage: npm run train:charlm -- [--steps N] [--out DIR]", process.argv.slice(2), "steps"));
}
