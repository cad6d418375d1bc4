/** docs/ops.md is generated from the op table's samples; the dtypes it lists are PyTorch's. */

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { opsDoc, opsDocRows } from "../../tools/opsdoc.js";
import { readJson } from "../helpers/fixtures.js";

describe("docs/ops.md", () => {
  it("is up to date (run npm run docs:ops)", () => {
    const onDisk = readFileSync(new URL("../../docs/ops.md", import.meta.url), "utf8");
    expect(onDisk).toBe(opsDoc());
  });

  const torchDtypes = readJson<{ ops: Record<string, string[]> }>("fixtures/op_dtypes.json").ops;
  it.each(opsDocRows().map((r) => [r.op, r] as const))("%s accepts the dtypes PyTorch accepts", (op, r) => {
    expect(r.dtypes).toEqual(torchDtypes[op]);
  });
});
