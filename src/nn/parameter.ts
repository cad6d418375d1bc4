/** nn.Parameter: the tensors a module's `parameters()` finds. */

// Parameter extends the class at module evaluation time, before the package
// entry (which re-exports nn) has finished evaluating: import it from its module.
import { keep } from "../autograd/scope.js";
import { Tensor } from "../tensor.js";

/**
 * A tensor that is a module's parameter: a leaf that requires grad (unless
 * asked not to) and that `Module.parameters()` finds. It shares the storage
 * of the tensor it is made from.
 *
 * @example
 * ```ts
 * const p = new torch.nn.Parameter(torch.ones(2));
 * console.log(p.requiresGrad, p.isLeaf); // true true
 * ```
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    super(data._storage, data.shape, data._strides, data._offset, data.dtype);
    this.requiresGrad = requiresGrad;
    // A parameter outlives any torch.scope it is made in.
    keep(this);
  }

  /** PyTorch's printed form: `Parameter containing:` then the tensor. */
  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}
