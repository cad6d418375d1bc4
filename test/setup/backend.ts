/** Selects the backend named by KINDLING_BACKEND (the vitest projects "js-backend" and "js-bounds" run part of the suite on "js"). */
import * as torch from "kindling";
import { beforeAll, expect, it } from "vitest";

const name = process.env.KINDLING_BACKEND;
if (name !== undefined) {
  torch.setBackend(name);
  beforeAll(() => {
    expect(torch.getBackend()).toBe(name);
  });
}

export { it };
