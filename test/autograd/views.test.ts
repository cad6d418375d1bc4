/** In-place changes to multi-output views and no-grad views, on the CPU (test/autograd/cases/views.ts). */
import { viewsTests } from "./cases/views.js";

viewsTests("cpu");
