/** The example programs and their expected outputs (recorded from the PyTorch twins in scripts/record/examples). */

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";

export const root = new URL("..", import.meta.url).pathname;

/** Every example program: examples/*.ts, then examples/tutorial/*.ts in order. */
export function examplePrograms(): string[] {
  const list = (dir: string) =>
    readdirSync(join(root, dir))
      .filter((f) => f.endsWith(".ts"))
      .sort()
      .map((f) => join(root, dir, f));
  return [...list("examples"), ...list("examples/tutorial")];
}

/** What PyTorch's twin of an example printed, if recorded. */
export function expectedOutput(program: string): string | null {
  const file = join(root, "examples/expected", `${basename(program, ".ts")}.txt`);
  return existsSync(file) ? readFileSync(file, "utf8") : null;
}
