/** nn.utils.rnn: padding a list of variable-length sequences into one batch. */

import { isFloating } from "../core/dtype.js";
import { type OptionKeys, readOptions } from "../core/options.js";
import type { Tensor } from "../index.js";
import * as torch from "../index.js";
import { typeName } from "./checks.js";

/** padSequence's options. */
export interface PadSequenceOptions {
  /** Return [B, maxLen, ...] instead of [maxLen, B, ...] (default false). */
  batchFirst?: boolean;
  /** The value of the padding (default 0). */
  paddingValue?: number;
}

const PAD_KEYS: OptionKeys<PadSequenceOptions> = { batchFirst: "boolean", paddingValue: "number" };

/** The sequences of a list of tensors, or of a tensor's first dim (a tensor is an iterable of its rows in Python). */
function sequencesOf(sequences: readonly Tensor[] | Tensor): Tensor[] {
  if (sequences instanceof torch.Tensor) return sequences.unbind(0);
  if (!Array.isArray(sequences))
    throw new torch.ArgumentError(`padSequence: sequences must be an array of Tensors, got ${typeName(sequences)}`);
  sequences.forEach((s, i) => {
    if (!(s instanceof torch.Tensor)) throw new torch.ArgumentError(`padSequence: sequences[${i}] must be a Tensor, got ${typeName(s)}`);
  });
  if (sequences.length === 0) throw new torch.ArgumentError("padSequence: received an empty list of sequences");
  return [...sequences];
}

/**
 * `seq` broadcast to [its length, ...trailing] (PyTorch copies each sequence
 * into its slice of the output, broadcasting), with PyTorch's message when it
 * does not broadcast.
 */
function fitted(seq: Tensor, trailing: readonly number[]): Tensor {
  if (seq.ndim === 0) throw new torch.IndexError("padSequence: Dimension specified as 0 but tensor has no dimensions");
  const target = [seq.shape[0] as number, ...trailing];
  const offset = target.length - seq.ndim;
  for (let i = target.length - 1; i >= 0; i--) {
    const s = i - offset >= 0 ? (seq.shape[i - offset] as number) : 1;
    if (s !== target[i] && s !== 1) {
      throw new torch.ShapeError(
        `padSequence: The size of tensor a (${target[i]}) must match the size of tensor b (${s}) at non-singleton dimension ${i}`,
      );
    }
  }
  if (offset < 0)
    throw new torch.ShapeError(`padSequence: sequence of shape [${seq.shape.join(", ")}] does not fit [${target.join(", ")}]`);
  return seq.shape.join() === target.join() ? seq : seq.expand(target);
}

/**
 * Pads sequences of shapes [L_i, ...] with `paddingValue` to the longest
 * length and stacks them: [maxLen, B, ...], or [B, maxLen, ...] with
 * `batchFirst` (PyTorch's pad_sequence). The result has the first
 * sequence's dtype and is differentiable in every sequence.
 *
 * @example
 * ```ts
 * const a = torch.tensor([1, 2, 3]);
 * const b = torch.tensor([4]);
 * console.log(torch.nn.utils.rnn.padSequence([a, b], { batchFirst: true })); // tensor([[1., 2., 3.],\n        [4., 0., 0.]])
 * ```
 */
export function padSequence(sequences: readonly Tensor[] | Tensor, options?: PadSequenceOptions): Tensor {
  const o = readOptions(options, "padSequence", PAD_KEYS);
  const seqs = sequencesOf(sequences);
  const first = seqs[0] as Tensor;
  if (first.ndim === 0) throw new torch.IndexError("padSequence: Dimension specified as 0 but tensor has no dimensions");
  const dtype = first.dtype;
  const trailing = first.shape.slice(1);
  const maxLen = Math.max(...seqs.map((s) => (s.ndim === 0 ? 0 : (s.shape[0] as number))));
  const value = o.paddingValue ?? 0;
  const fill = isFloating(dtype) ? value : dtype === "bool" ? Number(value !== 0) : Math.trunc(value);
  const padded = seqs.map((s) => {
    const seq = fitted(s.dtype === dtype ? s : s.to(dtype), trailing);
    const len = seq.shape[0] as number;
    return len === maxLen ? seq : torch.cat([seq, torch.full([maxLen - len, ...trailing], fill, { dtype, device: seq.device })], 0);
  });
  return torch.stack(padded, o.batchFirst ? 0 : 1);
}
