/** torch.nn: modules, layers, losses, initialisation and the functional interface. */

export * as functional from "../functional.js";
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
export * as utils from "./utils.js";
