/** Misuse of the autograd API, on the CPU (test/autograd/cases/misuse.ts). */
import { misuseTests } from "./cases/misuse.js";

misuseTests("cpu");
