/**
 * torch.nn.functional's vector helpers PyTorch composes from other ops (so
 * their graphs have those ops' nodes, as PyTorch's do): normalize,
 * cosine_similarity, and one_hot (integer, no gradient).
 */

import { notOnDevice } from "../../backend/buffer.js";
import { isFloating } from "../../core/dtype.js";
import { ArgumentError, DTypeError } from "../../core/errors.js";
import { readOptions } from "../../core/options.js";
import { broadcastShapes, shapesEqual } from "../../core/shape.js";
import type { Tensor } from "../../tensor.js";
import { arange } from "../creation.js";
import { expectTensor } from "../scalars.js";

/** Options of `F.normalize`. */
export interface NormalizeOptions {
  /** The norm's exponent (default 2). */
  p?: number;
  /** The dim normalized (default 1). */
  dim?: number;
  /** The smallest norm divided by (default 1e-12). */
  eps?: number;
}

/**
 * `input` divided by its p-norm over `dim` (at least `eps`), so slices have
 * norm 1 (PyTorch's `F.normalize`).
 *
 * @example
 * ```ts
 * console.log(torch.F.normalize(torch.tensor([[3, 4]]))); // tensor([[0.6000, 0.8000]])
 * ```
 */
export function normalize(input: Tensor, options?: NormalizeOptions): Tensor {
  const o = readOptions(options, "normalize", { p: "number", dim: "number", eps: "number" });
  const x = expectTensor(input, "normalize", "input");
  const denom = x
    .norm(o.p ?? 2, o.dim ?? 1, { keepdim: true })
    .clamp({ min: o.eps ?? 1e-12 })
    .expandAs(x);
  return x.div(denom);
}

/** Options of `F.cosineSimilarity`. */
export interface CosineSimilarityOptions {
  /** The dim of the vectors (default 1). */
  dim?: number;
  /** The smallest norm divided by (default 1e-8). */
  eps?: number;
}

/**
 * The cosine of the angle between `x1` and `x2`'s vectors along `dim`
 * (PyTorch's `F.cosine_similarity`; each norm is at least `eps`).
 *
 * @example
 * ```ts
 * console.log(torch.F.cosineSimilarity(torch.tensor([[1, 0], [1, 1]]), torch.tensor([[1, 0], [-1, 1]]))); // tensor([1., 0.])
 * ```
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, options?: CosineSimilarityOptions): Tensor {
  const o = readOptions(options, "cosine_similarity", { dim: "number", eps: "number" });
  const x = expectTensor(x1, "cosine_similarity", "x1");
  const y = expectTensor(x2, "cosine_similarity", "x2");
  // Broadcast first, as PyTorch's does (a broadcast input's gradient then comes back through the expand).
  const shape = broadcastShapes([x.shape, y.shape], "cosine_similarity");
  const a = shapesEqual(x.shape, shape) ? x : x.expand(shape);
  const b = shapesEqual(y.shape, shape) ? y : y.expand(shape);
  const dim = o.dim ?? 1;
  const eps = o.eps ?? 1e-8;
  const unit = (t: Tensor) => t.div(t.norm(2, dim, { keepdim: true }).clamp({ min: eps }));
  return unit(a).mul(unit(b)).sum(dim);
}

/**
 * Integer class labels as one-hot rows: a trailing dim of `numClasses`
 * (default: the largest label + 1) with a 1 at each label (PyTorch's
 * `F.one_hot`; int64).
 *
 * @example
 * ```ts
 * console.log(torch.F.oneHot(torch.tensor([0, 2], { dtype: "int64" }), 3)); // tensor([[1, 0, 0],\n        [0, 0, 1]])
 * ```
 */
export function oneHot(input: Tensor, numClasses = -1): Tensor {
  const x = expectTensor(input, "one_hot", "input");
  if (x.dtype !== "int64") throw new DTypeError(`one_hot is only applicable to index tensor (got ${x.dtype}; use an int64 tensor).`);
  if (isFloating(x.dtype)) throw new DTypeError("one_hot is only applicable to index tensor.");
  // A device's classes cannot be read here: with numClasses given they are unchecked, as PyTorch's CUDA kernel asserts on the device.
  if (x.device !== "cpu") {
    if (numClasses === -1) throw notOnDevice("one_hot() without num_classes", x.device);
    return x
      .unsqueeze(-1)
      .eq(arange(numClasses, { dtype: "int64", device: x.device }))
      .long();
  }
  if (x.numel() > 0 && x.min().item() < 0) throw new ArgumentError("Class values must be non-negative.");
  let n = numClasses;
  if (n === -1) {
    if (x.numel() === 0) throw new ArgumentError("Can not infer total number of classes from empty tensor.");
    n = x.max().item() + 1;
  } else if (x.numel() > 0 && x.max().item() >= n) {
    throw new ArgumentError("Class values must be smaller than num_classes.");
  }
  return x
    .unsqueeze(-1)
    .eq(arange(n, { dtype: "int64" }))
    .long();
}
