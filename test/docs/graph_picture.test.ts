/**
 * The graph picture the README shows (docs/images/autograd_graph.svg) is what
 * torch.autograd.graph.toSvg draws now (regenerate with `npm run draw:graph`).
 */

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PICTURE, tutorialGraphSvg } from "../../scripts/draw-graph.js";

describe("the README's graph picture", () => {
  it("is up to date", async () => {
    const svg = await tutorialGraphSvg();
    expect(readFileSync(PICTURE, "utf8")).toBe(svg);
    for (const label of ["MulBackward0", "AddBackward0", "AccumulateGrad", "w", "x"]) expect(svg).toContain(`>${label}`);
  });
});
