/** torch.nn: modules, layers, losses, initialisation and the functional interface. */

export * as functional from "../functional.js";
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
  ModuleDict,
  ModuleList,
  ReLU,
  Sequential,
  Sigmoid,
  SiLU,
  Softmax,
  Softplus,
  Tanh,
} from "./layers.js";
export { type IncompatibleKeys, Module, Parameter, type StateDict } from "./module.js";
export * as utils from "./utils.js";
