/** The built package (dist/) works when imported by its name, as users import it. */

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;

describe("the built package", () => {
  it("imports as 'kindling' and runs a backward pass", () => {
    if (!existsSync(`${root}dist/index.js`)) execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: root });
    expect(existsSync(`${root}dist/index.d.ts`)).toBe(true);
    const program = [
      'import * as torch from "kindling";',
      "const x = torch.tensor([1, 2, 3], { requiresGrad: true });",
      "x.mul(x).sum().backward();",
      "console.log(String(x.grad));",
    ].join("\n");
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", program], { cwd: root, encoding: "utf8" });
    expect(out.trim()).toBe("tensor([2., 4., 6.])");
  });
});
