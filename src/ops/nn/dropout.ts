/**
 * dropout: a Bernoulli(1 - p) mask from the global generator (drawn as
 * PyTorch's CPU bernoulli_), scaled by 1 / (1 - p) and multiplied in, so
 * the node is MulBackward0 as in PyTorch.
 */

import { isFloating, scalarTypeName } from "../../core/dtype.js";
import { ArgumentError, DTypeError } from "../../core/errors.js";
import { type OptionKeys, readOptions } from "../../core/options.js";
import { defaultGenerator, defaultGeneratorOf } from "../../random.js";
import type { Tensor } from "../../tensor.js";
import { drawBelow } from "../draw.js";
import * as K from "../kernels.js";
import { expectTensor } from "../scalars.js";
import { kb } from "./common.js";

/**
 * The keep mask: 1 with probability q. On the CPU PyTorch's bernoulli_(q)
 * (element i is 1 when the i-th double-precision uniform of the generator is
 * < q); on a device from the device's own generator, drawn there.
 */
function bernoulliMask(shape: readonly number[], q: number, dtype: Tensor["dtype"], device: Tensor["device"]): Tensor {
  if (device !== "cpu") return drawBelow(shape, dtype, q, defaultGeneratorOf(device), device, "dropout");
  return K.fromHost(
    shape,
    dtype,
    (data) => {
      for (let i = 0; i < data.length; i++) data[i] = defaultGenerator.uniform53() < q ? 1 : 0;
    },
    "cpu",
  );
}

/** dropout's options. */
export interface DropoutOptions {
  /** The probability of zeroing an element (default 0.5). */
  p?: number;
  /** Apply dropout (default true); false returns `input`. */
  training?: boolean;
  /** Multiply `input` in place (default false). */
  inplace?: boolean;
}

const DROPOUT_KEYS: OptionKeys<DropoutOptions> = { p: "number", training: "boolean", inplace: "boolean" };

/**
 * Zeroes each element with probability `p` and scales the rest by 1 / (1 - p)
 * (training only; otherwise, or with p = 0, returns `input` itself). The
 * mask comes from the global generator, so `manualSeed` reproduces PyTorch's
 * (on a device, the device's generator draws it there).
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * console.log(torch.F.dropout(torch.ones(6), { p: 0.5 })); // tensor([0., 0., 2., 0., 0., 0.])
 * console.log(torch.F.dropout(torch.ones(2), { training: false })); // tensor([1., 1.])
 * ```
 */
export function dropout(input: Tensor, options?: DropoutOptions): Tensor {
  const o = readOptions(options, "dropout", DROPOUT_KEYS);
  const x = expectTensor(input, "dropout", "input");
  const p = o.p ?? 0.5;
  if (!(p >= 0 && p <= 1)) throw new ArgumentError(`dropout probability has to be between 0 and 1, but got ${p}`);
  if (p === 0 || o.training === false || x.numel() === 0) return x;
  if (!isFloating(x.dtype)) {
    throw new DTypeError(`dropout: result type Float can't be cast to the desired output type ${scalarTypeName(x.dtype)}`);
  }
  // p = 1 multiplies by a 0-d zero, as PyTorch; otherwise by the mask scaled by 1 / (1 - p).
  const noise = p === 1 ? K.scalar(0, x.dtype) : kb("div", bernoulliMask(x.shape, 1 - p, x.dtype, x.device), K.scalar(1 - p, x.dtype));
  return o.inplace ? x.mul_(noise) : x.mul(noise);
}
