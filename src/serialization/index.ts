/**
 * Saving and loading state dicts as safetensors bytes, in any JavaScript
 * runtime (the Node file helpers `save`/`load` are in `kindling/node`).
 */

import { Tensor } from "../tensor.js";
import { decodeSafetensors, encodeSafetensors, isPlainObject, metadataOption, type SaveOptions } from "./safetensors.js";

export { deserialize, type Safetensors, SafetensorsError, type SaveOptions, serialize } from "./safetensors.js";

/**
 * A state dict (names to tensors) as the bytes of a safetensors file, e.g.
 * to download in a browser or send over the network. Read them back with
 * `loadBytes`, or in Python with `safetensors.torch.load`. Tensors on the
 * GPU cannot be read synchronously: `saveBytesAsync` saves them.
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
 * `saveBytes` for tensors on any device: the values of those on the GPU are
 * read back asynchronously first (the state dict itself is left where it
 * is). The way to save a model that trains on the GPU.
 *
 * @example
 * ```ts
 * await torch.webgpu.init();
 * const device = torch.webgpu.isAvailable() ? "webgpu" : "cpu";
 * const model = new torch.nn.Linear(3, 2).to(device);
 * const bytes = await torch.saveBytesAsync(model.stateDict());
 * console.log(torch.loadBytes(bytes).weight.shape); // [ 2, 3 ]
 * ```
 */
export async function saveBytesAsync(obj: Record<string, Tensor>, options?: SaveOptions): Promise<Uint8Array> {
  const metadata = metadataOption(options, "saveBytesAsync");
  const cpu = isPlainObject(obj)
    ? Object.fromEntries(await Promise.all(Object.entries(obj).map(async ([k, t]) => [k, t instanceof Tensor ? await t.cpuAsync() : t])))
    : obj;
  return encodeSafetensors(cpu, metadata, "saveBytesAsync");
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
