// A character-level language model with an LSTM: embeddings of the characters, one LSTM layer and a
// linear head learn to spell English words one letter at a time from examples/data/words.txt.gz (the
// same data and training loop as charlm.ts's transformer), then make up new words with
// torch.multinomial.
//
//   npm run train:charlm-lstm [-- --steps N] [--out DIR]
//
// The PyTorch twin is scripts/record/examples/train/charlm_lstm.py: from the same seeds it builds the
// same initial weights, draws the same batches and prints the same losses.
import * as torch from "kindling";
import { VOCAB } from "./chars.js";
import { isMain, parseTrainArgs, type TrainOptions } from "./cli.js";
import { LM_DEFAULTS, type LmConfig, type LmResult, trainLm } from "./lm.js";

const nn = torch.nn;

export const CONFIG: LmConfig = { ...LM_DEFAULTS, name: "charlm_lstm", lr: 5e-3 };

export const SIZES = { embedding: 32, hidden: 128 };

/** Next-character logits [B, T, 27] from character codes [B, T]. */
export class CharLSTM extends nn.Module {
  tokens = new nn.Embedding(VOCAB.length, SIZES.embedding);
  lstm = new nn.LSTM(SIZES.embedding, SIZES.hidden, { batchFirst: true });
  head = new nn.Linear(SIZES.hidden, VOCAB.length);

  override forward(codes: torch.Tensor): torch.Tensor {
    const [output] = this.lstm.call(this.tokens.call(codes));
    return this.head.call(output);
  }
}

export function main(options: TrainOptions = {}): LmResult {
  return trainLm(CONFIG, () => new CharLSTM(), options);
}

if (isMain(import.meta.url)) {
  main(parseTrainArgs("usage: npm run train:charlm-lstm -- [--steps N] [--out DIR]", process.argv.slice(2), "steps"));
}
