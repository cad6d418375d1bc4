/**
 * The debug mode (KINDLING_DEBUG_BOUNDS=1, read once when the backend
 * registry loads): every backend method's contract checked and, on the
 * reference backend, every element a kernel reads or writes checked to lie
 * in its operand's view. This checks the variable took effect.
 */
import { beforeAll, expect } from "vitest";
import { _debugBounds } from "../../src/backend/index.js";

beforeAll(() => {
  expect(process.env.KINDLING_DEBUG_BOUNDS).toBe("1");
  expect(_debugBounds()).toBe(true);
});
