/** torch.utils.checkpoint, on the CPU (test/autograd/cases/checkpoint.ts). */
import { checkpointTests } from "./cases/checkpoint.js";

checkpointTests("cpu");
