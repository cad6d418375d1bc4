/** torch.nn: the functional interface (modules, layers and losses come with the nn issue). */

export * as functional from "../functional.js";
