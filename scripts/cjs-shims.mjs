// Writes dist/index.cjs and dist/node/index.cjs: what `require("kindling")` loads.
// Kindling is an ES module. Node >= 20.19 / 22.12 can require() an ES module, so the shim
// hands back the module itself; an older Node cannot, and the shim says what to write instead.
import { mkdirSync, writeFileSync } from "node:fs";

const shim = (entry, name) => `"use strict";
// require("${name}"): Kindling is an ES module (see package.json "exports").
try {
  module.exports = require("${entry}");
} catch (e) {
  if (e && (e.code === "ERR_REQUIRE_ESM" || e.code === "ERR_REQUIRE_ASYNC_MODULE")) {
    throw new Error(
      "${name} is an ES module, and this Node (" + process.version + ") cannot require() ES modules (Node 20.19+ and 22.12+ can). " +
        'Load it with import: \`import * as torch from "${name}"\` in an ES module (a .mjs file, or "type": "module" in package.json), ' +
        'or \`const torch = await import("${name}")\` from CommonJS.',
    );
  }
  throw e;
}
`;

mkdirSync("dist/node", { recursive: true });
writeFileSync("dist/index.cjs", shim("./index.js", "kindling"));
writeFileSync("dist/node/index.cjs", shim("./index.js", "kindling/node"));
