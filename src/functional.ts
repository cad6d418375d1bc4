/**
 * torch.nn.functional (also exported as `torch.F`): activations, losses,
 * convolution, pooling and normalisation as functions.
 */

export { elu, gelu, leakyRelu, leakyRelu_, logSoftmax, logsigmoid, silu, softmax, softplus } from "./ops/activation.js";
export { linear } from "./ops/linalg.js";
export { type AttentionOptions, scaledDotProductAttention } from "./ops/nn/attention.js";
export type { Reduction, ReductionOptions } from "./ops/nn/common.js";
export { type ConvOptions, conv1d, conv2d } from "./ops/nn/conv.js";
export type { DropoutOptions } from "./ops/nn/dropout.js";
export type { EmbeddingOptions } from "./ops/nn/embedding.js";
export { type HuberOptions, huberLoss } from "./ops/nn/huber.js";
export { type KlDivOptions, type KlDivReduction, klDiv } from "./ops/nn/kl_div.js";
export type { BCEOptions, BCEWithLogitsOptions, SmoothL1Options } from "./ops/nn/loss.js";
export { binaryCrossEntropy, binaryCrossEntropyWithLogits, l1Loss, mseLoss, smoothL1Loss } from "./ops/nn/loss.js";
export { mish } from "./ops/nn/mish.js";
export type { CrossEntropyOptions, NllOptions } from "./ops/nn/nll.js";
export { crossEntropy, nllLoss } from "./ops/nn/nll.js";
export type { BatchNormOptions } from "./ops/nn/norm.js";
export { batchNorm, dropout, embedding, layerNorm } from "./ops/nn/norm.js";
export { type PadMode, type PadOptions, pad } from "./ops/nn/pad.js";
export type { AvgPool2dOptions, MaxPool2dOptions, Size2 } from "./ops/nn/pool.js";
export { adaptiveAvgPool2d, avgPool2d, maxPool2d } from "./ops/nn/pool.js";
export {
  type CosineSimilarityOptions,
  cosineSimilarity,
  type NormalizeOptions,
  normalize,
  oneHot,
} from "./ops/nn/similarity.js";
export { relu, relu_, sigmoid, tanh } from "./ops/pointwise.js";
