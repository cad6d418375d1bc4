/** PyTorch's `torch.autograd.forward_ad`: dual levels, dual tensors and their tangents. */

export { dualLevel, enterDualLevel, exitDualLevel, makeDual, type UnpackedDual, unpackDual } from "./forward_ad.js";
