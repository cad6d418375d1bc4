/** Anomaly detection, on the CPU (test/autograd/cases/anomaly.ts). */
import { anomalyTests } from "./cases/anomaly.js";

anomalyTests("cpu");
