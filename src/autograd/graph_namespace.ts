/** PyTorch's `torch.autograd.graph`: graph nodes, saved-tensor hooks, and drawing the graph (torchviz's make_dot). */

export { type DotOptions, type DotParams, toDot, toSvg } from "./draw.js";
export { Node } from "./node.js";
export { type PackHook, savedTensorsHooks, type UnpackHook } from "./saved_hooks.js";
