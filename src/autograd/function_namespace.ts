/** PyTorch's `torch.autograd.function`: helpers for custom Functions. */

export { FunctionCtx, onceDifferentiable } from "./function.js";
