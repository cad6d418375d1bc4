/** torch.utils.data: datasets, samplers folded into DataLoader, and collation. */

export { type Collated, defaultCollate } from "./collate.js";
export { DataLoader, type DataLoaderOptions } from "./dataloader.js";
export { ConcatDataset, Dataset, type DatasetLike, type RandomSplitOptions, randomSplit, Subset, TensorDataset } from "./dataset.js";
