/**
 * npm run examples [-- NAME ...]: runs the example programs, each in its own
 * process, under a header. With names, only the examples whose path contains one.
 */

import { spawnSync } from "node:child_process";
import { relative } from "node:path";
import { examplePrograms, root } from "../tools/examples.js";

const filters = process.argv.slice(2);
let failed = 0;
for (const file of examplePrograms()) {
  const name = relative(root, file);
  if (filters.length > 0 && !filters.some((f) => name.includes(f))) continue;
  console.log(`\n=== ${name}`);
  const r = spawnSync(process.execPath, ["--import", "tsx", file], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
