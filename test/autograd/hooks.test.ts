/** Hooks on multi-output nodes and what hooks may return, on the CPU (test/autograd/cases/hooks.ts). */
import { hooksTests } from "./cases/hooks.js";

hooksTests("cpu");
