/** npm run gen:methods: regenerates src/methods.ts (see tools/methodsgen.ts). */

import { writeFileSync } from "node:fs";
import { methodsSource } from "../tools/methodsgen.js";

writeFileSync(new URL("../src/methods.ts", import.meta.url), methodsSource());
console.log("wrote src/methods.ts");
