/** npm run docs:ops: regenerates docs/ops.md (see tools/opsdoc.ts). */

import { writeFileSync } from "node:fs";
import { opsDoc } from "../tools/opsdoc.js";

writeFileSync(new URL("../docs/ops.md", import.meta.url), opsDoc());
console.log("wrote docs/ops.md");
