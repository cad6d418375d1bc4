/** PyTorch's `torch.autograd`: backward passes, gradients and gradient checks (`torch.autograd.*`). */

export { backward, grad } from "./api.js";
export { gradcheck, gradgradcheck } from "./gradcheck.js";
