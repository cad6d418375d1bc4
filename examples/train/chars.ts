// The data of the character-level language models (charlm.ts, charlm_lstm.ts): English words from
// examples/data/words.txt.gz, shuffled with a seeded generator, joined one per line into a stream of
// characters, and cut into random windows. Its PyTorch twin is scripts/record/examples/train/chars.py,
// which makes the same stream and draws the same windows from the same seeds.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import * as torch from "kindling";

/** The vocabulary: the end of a word ("\n") and the 26 lowercase letters. */
export const VOCAB = "\nabcdefghijklmnopqrstuvwxyz";
export const WORDS = new URL("../data/words.txt.gz", import.meta.url);

/** The words of `path`, one per line. */
export function loadWords(path: string | URL = WORDS): string[] {
  return gunzipSync(readFileSync(path)).toString("utf8").trimEnd().split("\n");
}

/** The character codes of `text` as an int64 tensor. */
export function encode(text: string): torch.Tensor {
  const codes = Array.from(text, (ch) => {
    const code = VOCAB.indexOf(ch);
    if (code < 0) throw new Error(`encode: '${ch}' is not in the vocabulary`);
    return code;
  });
  return torch.tensor(codes, { dtype: torch.int64 });
}

/** The text of a sequence of character codes. */
export function decode(codes: readonly number[]): string {
  return codes.map((c) => VOCAB[c]).join("");
}

export interface CharData {
  /** The training stream: 90 % of the words, each followed by "\n". */
  train: torch.Tensor;
  /** The validation stream: the other 10 %. */
  val: torch.Tensor;
  words: number;
}

/** Shuffles the words with a generator seeded `seed` and splits them 90/10 into two character streams. */
export function charData(seed: number): CharData {
  const words = loadWords();
  const order = torch.randperm(words.length, { generator: new torch.Generator(seed) }).tolist() as number[];
  const shuffled = order.map((i) => words[i] as string);
  const cut = Math.floor(shuffled.length * 0.9);
  const stream = (ws: string[]) => encode(`${ws.join("\n")}\n`);
  return { train: stream(shuffled.slice(0, cut)), val: stream(shuffled.slice(cut)), words: words.length };
}

/** The windows of `data` starting at `starts`: inputs `data[s : s+context]` and targets one character later. */
export function windows(data: torch.Tensor, starts: torch.Tensor, context: number): [torch.Tensor, torch.Tensor] {
  const idx = starts.unsqueeze(1).add(torch.arange(context + 1));
  const chunk = data.index(idx);
  return [chunk.narrow(1, 0, context), chunk.narrow(1, 1, context)];
}

/** A batch of `batch` windows at random places of `data`, drawn with the global generator. */
export function randomBatch(data: torch.Tensor, batch: number, context: number): [torch.Tensor, torch.Tensor] {
  return windows(data, torch.randint(0, (data.shape[0] as number) - context, [batch]), context);
}

/**
 * The mean loss of `lossOf` over the first `batches` x `batch` evenly spaced windows of `data` (the same
 * windows every time, so evaluations compare), without gradients.
 */
export function evaluateStream(
  data: torch.Tensor,
  batch: number,
  context: number,
  batches: number,
  lossOf: (x: torch.Tensor, y: torch.Tensor) => torch.Tensor,
): number {
  const n = batch * batches;
  const step = Math.floor(((data.shape[0] as number) - context - 1) / n);
  return torch.noGrad(() => {
    let total = 0;
    for (let b = 0; b < batches; b++) {
      const starts = torch.arange(b * batch, (b + 1) * batch, { dtype: torch.int64 }).mul(step);
      const [x, y] = windows(data, starts, context);
      total += lossOf(x, y).item();
    }
    return total / batches;
  });
}
