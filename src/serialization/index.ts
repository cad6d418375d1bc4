/**
 * Saving and loading state dicts as safetensors bytes, in any JavaScript
 * runtime (the Node file helpers `save`/`load` are in `kindling/node`).
 */

import type { Tensor } from "../tensor.js";
import { decodeSafetensors, encodeSafetensors, metadataOption, type SaveOptions } from "./safetensors.js";

export { deserialize, type Safetensors, SafetensorsError, type SaveOptions, serialize } from "./safetensors.js";

/**
 * A state dict (names to tensors) as the bytes of a safetensors file, e.g.
 * to download in a browser or send over the network. Read them back with
 * `loadBytes`, or in Python with `safetensors.torch.load`.
 *
 * @example
 * ```ts
 * const state = { weight: torch.ones(2, 3), bias: torch.zeros(2) };
 * const bytes = torch.saveBytes(state, { metadata: { format: "pt" } });
 * console.log(bytes instanceof Uint8Array, bytes.length); // true 192
 * ```
 */
export function saveBytes(obj: Record<string, Tensor>, options?: SaveOptions): Uint8Array {
  return encodeSafetensors(obj, metadataOption(options, "saveBytes"), "saveBytes");
}

/**
 * The state dict stored in safetensors bytes (from `saveBytes`, a file, or
 * `fetch(...).arrayBuffer()`). Each tensor is a new leaf that does not
 * require grad. Malformed input throws a `SafetensorsError` naming the
 * problem and the tensor, and nothing is loaded.
 *
 * @example
 * ```ts
 * const bytes = torch.saveBytes({ w: torch.tensor([[1, 2], [3, 4]]) });
 * const state = torch.loadBytes(bytes);
 * console.log(state.w); // tensor([[1., 2.],\n        [3., 4.]])
 * console.log(state.w.requiresGrad); // false
 * ```
 */
export function loadBytes(bytes: Uint8Array | ArrayBuffer): Record<string, Tensor> {
  return decodeSafetensors(bytes, "loadBytes").tensors;
}
