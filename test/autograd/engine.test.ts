/** The engine's rules on the CPU (test/autograd/cases/engine.ts; on the WebGPU device: test/browser/webgpu_autograd.test.ts). */
import { engineTests } from "./cases/engine.js";

engineTests("cpu");
