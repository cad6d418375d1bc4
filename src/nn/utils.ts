/** nn.utils: gradient clipping. */

import type { Tensor } from "../index.js";
import * as torch from "../index.js";

function grads(parameters: Tensor | Iterable<Tensor>): Tensor[] {
  const list = parameters instanceof torch.Tensor ? [parameters] : [...parameters];
  return list.map((p) => p.grad).filter((g): g is Tensor => g !== null);
}

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
export function clipGradNorm_(
  parameters: Tensor | Iterable<Tensor>,
  maxNorm: number,
  options: { normType?: number; errorIfNonfinite?: boolean } = {},
): Tensor {
  const gs = grads(parameters);
  const normType = options.normType ?? 2;
  if (gs.length === 0) return torch.tensor(0);
  return torch.noGrad(() => {
    const total =
      normType === Number.POSITIVE_INFINITY
        ? torch.stack(gs.map((g) => g.abs().max())).max()
        : torch.norm(torch.stack(gs.map((g) => torch.norm(g, normType))), normType);
    const value = total.item();
    if (options.errorIfNonfinite && !Number.isFinite(value)) {
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
    for (const g of grads(parameters)) g.clamp_({ min: -clipValue, max: clipValue });
  });
}
