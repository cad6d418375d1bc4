/**
 * torch.nn.functional (also exported as `torch.F`): activations, losses,
 * convolution, pooling and normalisation as functions.
 */

export { elu, gelu, leakyRelu, logSoftmax, logsigmoid, silu, softmax, softplus } from "./ops/activation.js";
export { linear } from "./ops/linalg.js";
export { relu, relu_, sigmoid, tanh } from "./ops/pointwise.js";
