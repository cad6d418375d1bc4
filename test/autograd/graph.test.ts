/** Saved-tensor hooks and drawing the graph, on the CPU (test/autograd/cases/graph.ts). */
import { graphTests } from "./cases/graph.js";

graphTests("cpu");
