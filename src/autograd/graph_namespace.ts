/** PyTorch's `torch.autograd.graph`: graph nodes and saved-tensor hooks. */

export { Node } from "./node.js";
export { type PackHook, savedTensorsHooks, type UnpackHook } from "./saved_hooks.js";
