/** Custom autograd Functions, on the CPU (test/autograd/cases/function.ts). */
import { functionTests } from "./cases/function.js";

functionTests("cpu");
