/** PyTorch's `torch.autograd`: backward passes, gradients, gradient checks, custom Functions and `functional` (`torch.autograd.*`). */

export { detectAnomaly, isAnomalyCheckNanEnabled, isAnomalyEnabled, setDetectAnomaly } from "./anomaly.js";
export { backward, grad } from "./api.js";
export * as forwardAd from "./forward_ad_namespace.js";
export { AutogradFunction as Function, type DropFirst, type FunctionClass, FunctionCtx } from "./function.js";
export * as function from "./function_namespace.js";
export * as functional from "./functional.js";
export { gradcheck, gradgradcheck } from "./gradcheck.js";
export * as graph from "./graph_namespace.js";
