/** PyTorch's `torch.utils`: `torch.utils.data` holds datasets and the DataLoader, `torch.utils.checkpoint` activation checkpointing. */
export * as checkpoint from "./autograd/checkpoint.js";
export * as data from "./data/index.js";
