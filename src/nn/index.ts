/** torch.nn: modules, layers, losses, initialisation and the functional interface. */

export * as functional from "../functional.js";
export {
  MultiheadAttention,
  type MultiheadAttentionCallOptions,
  type MultiheadAttentionOptions,
  NonDynamicallyQuantizableLinear,
} from "./attention.js";
export { ModuleDict, ModuleList, Sequential } from "./containers.js";
export {
  AdaptiveAvgPool2d,
  AvgPool2d,
  type AvgPoolModuleOptions,
  Conv1d,
  Conv2d,
  type ConvModuleOptions,
  MaxPool2d,
  type MaxPoolModuleOptions,
  type Size,
} from "./conv.js";
export * as init from "./init.js";
export {
  ELU,
  Flatten,
  GELU,
  Identity,
  LeakyReLU,
  Linear,
  type LinearOptions,
  LogSoftmax,
  Mish,
  ReLU,
  Sigmoid,
  SiLU,
  Softmax,
  Softplus,
  Tanh,
} from "./layers.js";
export {
  BCELoss,
  BCEWithLogitsLoss,
  CrossEntropyLoss,
  L1Loss,
  MSELoss,
  NLLLoss,
  type NllLossOptions,
  type Reduction,
  type ReductionOptions,
  SmoothL1Loss,
} from "./loss.js";
export {
  type ForwardHook,
  type ForwardPreHook,
  type IncompatibleKeys,
  Module,
  Parameter,
  type RecurseOptions,
  type StateDict,
} from "./module.js";
export {
  BatchNorm1d,
  BatchNorm2d,
  type BatchNormOptions,
  Dropout,
  Embedding,
  type EmbeddingModuleOptions,
  LayerNorm,
  type LayerNormOptions,
} from "./normalization.js";
export { GRU, LSTM, type LSTMOptions, RNN, type RNNBaseOptions, type RNNOptions } from "./rnn.js";
export { type ElmanCellOptions, GRUCell, LSTMCell, RNNCell, type RNNCellOptions, type RNNMode } from "./rnn_cells.js";
export {
  type Activation,
  type DecoderCallOptions,
  type EncoderCallOptions,
  type EncoderLayerCallOptions,
  TransformerDecoder,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerEncoderLayer,
  type TransformerEncoderOptions,
  type TransformerLayerOptions,
} from "./transformer.js";
export { Transformer, type TransformerCallOptions, type TransformerOptions } from "./transformer_model.js";
export * as utils from "./utils.js";
