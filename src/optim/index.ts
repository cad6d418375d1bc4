/**
 * torch.optim: optimizers (SGD, Adam, AdamW, RMSprop, Adagrad) and, as
 * `torch.optim.lr_scheduler`, the learning-rate schedulers. Updates follow
 * PyTorch 1.13's single-tensor implementations; state dicts have PyTorch's
 * layout with its snake_case keys.
 */

export * from "./adagrad.js";
export * from "./adam.js";
export * from "./lr_scheduler.js";
export * as lr_scheduler from "./lr_scheduler.js";
export * from "./optimizer.js";
export * from "./rmsprop.js";
export * from "./sgd.js";
