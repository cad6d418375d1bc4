/** torch.autograd.functional, on the CPU (test/autograd/cases/functional.ts). */
import { functionalTests } from "./cases/functional.js";

functionalTests("cpu");
