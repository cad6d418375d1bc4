/**
 * Draws the picture the README and docs/autograd.md show: the backward graph
 * of y = (x + w) * (w + 1), the tutorial's first example, as
 * torch.autograd.graph.toSvg renders it.
 *
 *   npm run draw:graph      # writes docs/images/autograd_graph.svg
 *
 * test/docs/graph_picture.test.ts checks the committed picture is what this draws.
 */

import { writeFileSync } from "node:fs";
import * as torch from "kindling";
import { isMain } from "../bench/util.js";

export const PICTURE = new URL("../docs/images/autograd_graph.svg", import.meta.url);

/** The SVG of the tutorial graph, leaves named w and x. */
export async function tutorialGraphSvg(): Promise<string> {
  const w = torch.tensor([1.0], { requiresGrad: true });
  const x = torch.tensor([2.0], { requiresGrad: true });
  const y = torch.mul(torch.add(x, w), torch.add(w, 1));
  return torch.autograd.graph.toSvg(y, { params: { w, x } });
}

if (isMain(import.meta.url)) {
  writeFileSync(PICTURE, await tutorialGraphSvg());
  console.log(`wrote ${PICTURE.pathname}`);
}
