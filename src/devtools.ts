/**
 * Tensors in a browser's developer tools: `console.log(t)` shows PyTorch's
 * printed form (`tensor([5.])`) instead of the object's fields, through the
 * devtools' custom formatters (Chrome, Edge and Firefox; turned on in the
 * devtools settings: "Enable custom formatters"). Node's console uses
 * `Tensor`'s inspect method instead.
 */

import { Tensor } from "./tensor.js";

/** A devtools custom formatter (JsonML header, no expandable body). */
interface DevtoolsFormatter {
  header(value: unknown): unknown[] | null;
  hasBody(value: unknown): boolean;
}

/** The formatter Kindling installs: a tensor's header is its printed form. */
export const tensorFormatter: DevtoolsFormatter = {
  header(value: unknown): unknown[] | null {
    if (!(value instanceof Tensor)) return null;
    return ["span", { style: "font-family: monospace; white-space: pre" }, value.toString()];
  },
  hasBody(): boolean {
    return false;
  },
};

const g = globalThis as { window?: unknown; devtoolsFormatters?: DevtoolsFormatter[] };
if (g.window !== undefined) {
  g.devtoolsFormatters ??= [];
  if (!g.devtoolsFormatters.includes(tensorFormatter)) g.devtoolsFormatters.push(tensorFormatter);
}
