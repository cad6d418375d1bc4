/** PyTorch's `torch.utils`: `torch.utils.data` holds datasets and the DataLoader. */
export * as data from "./data/index.js";
