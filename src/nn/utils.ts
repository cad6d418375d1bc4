/** nn.utils: gradient clipping, parameters as one vector, and nn.utils.rnn. */

import { type OptionKeys, readOptions } from "../core/options.js";
import type { Tensor } from "../index.js";
import * as torch from "../index.js";
import { typeName } from "./checks.js";

export * as rnn from "./rnn_utils.js";

function grads(op: string, parameters: Tensor | Iterable<Tensor>): Tensor[] {
  const given: unknown = parameters;
  const isIterable = given !== null && given !== undefined && typeof (given as Iterable<unknown>)[Symbol.iterator] === "function";
  if (!(given instanceof torch.Tensor) && (!isIterable || typeof given === "string")) {
    throw new torch.ArgumentError(`${op}: parameters must be a Tensor or an iterable of Tensors, got ${typeName(given)}`);
  }
  const list: unknown[] = given instanceof torch.Tensor ? [given] : [...(given as Iterable<unknown>)];
  for (const p of list) {
    if (!(p instanceof torch.Tensor)) throw new torch.ArgumentError(`${op}: parameters must be Tensors, got ${typeName(p)}`);
  }
  return (list as Tensor[]).map((p) => p.grad).filter((g): g is Tensor => g !== null);
}

/** PyTorch's `float(norm_type)`: a number, or the string "inf". */
function toNorm(normType: unknown): number {
  if (typeof normType === "number") return normType;
  if (normType === "inf") return Number.POSITIVE_INFINITY;
  throw new torch.ArgumentError(`clipGradNorm_: normType must be a number or "inf", got ${typeName(normType)} ${JSON.stringify(normType)}`);
}

/** clipGradNorm_'s options. */
export interface ClipGradNormOptions {
  /** The p of the norm: a number, or "inf" for the largest magnitude (default 2). */
  normType?: number | "inf";
  /** Throw when the total norm is NaN or infinite (default false). */
  errorIfNonfinite?: boolean;
}

const CLIP_KEYS: OptionKeys<ClipGradNormOptions> = { normType: true, errorIfNonfinite: "boolean" };

/**
 * Scales the gradients in place so that their joint p-norm is at most
 * `maxNorm` (coefficient min(1, maxNorm / (norm + 1e-6)), as PyTorch), and
 * returns the norm before clipping.
 *
 * @example
 * ```ts
 * const p = torch.tensor([3, 4], { requiresGrad: true });
 * p.sum().mul(10).backward();
 * console.log(torch.nn.utils.clipGradNorm_([p], 1)); // tensor(14.1421)
 * console.log(p.grad); // tensor([0.7071, 0.7071])
 * ```
 */
export function clipGradNorm_(parameters: Tensor | Iterable<Tensor>, maxNorm: number, options?: ClipGradNormOptions): Tensor {
  const o = readOptions(options, "clipGradNorm_", CLIP_KEYS);
  const gs = grads("clipGradNorm_", parameters);
  const normType = toNorm(o.normType ?? 2);
  if (typeof maxNorm !== "number") throw new torch.ArgumentError(`clipGradNorm_: maxNorm must be a number, got ${typeName(maxNorm)}`);
  if (gs.length === 0) return torch.tensor(0);
  return torch.noGrad(() => {
    const total =
      normType === Number.POSITIVE_INFINITY
        ? torch.stack(gs.map((g) => g.abs().max())).max()
        : torch.norm(torch.stack(gs.map((g) => torch.norm(g, normType))), normType);
    // On a device the coefficient stays there, as PyTorch computes it (clamp(maxNorm / (total + 1e-6), max=1)): no read back.
    if (total.device !== "cpu" && !o.errorIfNonfinite) {
      const coef = total.add(1e-6).reciprocal().mul(maxNorm).clamp({ max: 1 });
      for (const g of gs) g.mul_(coef);
      return total;
    }
    const value = total.item();
    if (o.errorIfNonfinite && !Number.isFinite(value)) {
      throw new torch.ArgumentError(
        `The total norm of order ${normType} for gradients from \`parameters\` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set \`errorIfNonfinite: false\``,
      );
    }
    const coef = Math.min(maxNorm / (value + 1e-6), 1);
    for (const g of gs) g.mul_(coef);
    return total;
  });
}

/**
 * Clamps every gradient element to [-clipValue, clipValue] in place.
 *
 * @example
 * ```ts
 * const p = torch.tensor([1, 2], { requiresGrad: true });
 * p.mul(torch.tensor([-5, 0.5])).sum().backward();
 * torch.nn.utils.clipGradValue_([p], 1);
 * console.log(p.grad); // tensor([-1.0000,  0.5000])
 * ```
 */
export function clipGradValue_(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  torch.noGrad(() => {
    for (const g of grads("clipGradValue_", parameters)) g.clamp_({ min: -clipValue, max: clipValue });
  });
}

/** The tensors of an iterable of parameters, checked. */
function tensorsOf(op: string, parameters: Iterable<Tensor>): Tensor[] {
  const given: unknown = parameters;
  if (given === null || given === undefined || typeof (given as Iterable<unknown>)[Symbol.iterator] !== "function") {
    throw new torch.ArgumentError(`${op}: parameters must be an iterable of Tensors, got ${typeName(given)}`);
  }
  const list = given instanceof torch.Tensor ? given.unbind(0) : [...(given as Iterable<unknown>)];
  for (const p of list) {
    if (!(p instanceof torch.Tensor)) throw new torch.ArgumentError(`${op}: parameters must be Tensors, got ${typeName(p)}`);
  }
  return list as Tensor[];
}

/**
 * The parameters flattened and concatenated into one vector (PyTorch's
 * parameters_to_vector); differentiable.
 *
 * @example
 * ```ts
 * const fc = new torch.nn.Linear(2, 1);
 * torch.noGrad(() => { fc.weight.fill_(1); fc.bias?.fill_(2); });
 * console.log(torch.nn.utils.parametersToVector(fc.parameters())); // tensor([1., 1., 2.], grad_fn=<CatBackward0>)
 * ```
 */
export function parametersToVector(parameters: Iterable<Tensor>): Tensor {
  const ps = tensorsOf("parametersToVector", parameters);
  if (ps.length === 0) throw new torch.ArgumentError("parametersToVector: torch.cat(): expected a non-empty list of Tensors");
  return torch.cat(
    ps.map((p) => p.reshape(-1)),
    0,
  );
}

/**
 * Makes each parameter, in order, a view of the next numel elements of
 * `vec` (PyTorch's vector_to_parameters: it sets `param.data`, so the
 * parameters share `vec`'s memory); extra elements are ignored.
 *
 * @example
 * ```ts
 * const fc = new torch.nn.Linear(2, 1);
 * torch.nn.utils.vectorToParameters(torch.tensor([1, 2, 3]), fc.parameters());
 * console.log(fc.weight.data, fc.bias?.data); // tensor([[1., 2.]]) tensor([3.])
 * ```
 */
export function vectorToParameters(vec: Tensor, parameters: Iterable<Tensor>): void {
  if (!(vec instanceof torch.Tensor)) throw new torch.ArgumentError(`vectorToParameters: expected torch.Tensor, but got: ${typeName(vec)}`);
  let pointer = 0;
  for (const p of tensorsOf("vectorToParameters", parameters)) {
    const n = p.numel();
    const piece = vec.detach().narrow(0, pointer, Math.min(n, Math.max(0, (vec.shape[0] ?? 0) - pointer)));
    if (piece.numel() !== n) {
      throw new torch.ShapeError(`vectorToParameters: shape '[${p.shape.join(", ")}]' is invalid for input of size ${piece.numel()}`);
    }
    p.data = piece.view(p.shape);
    pointer += n;
  }
}
