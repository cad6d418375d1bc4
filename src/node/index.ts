/**
 * kindling/node: the helpers that need Node.js built-ins (the file system).
 * Everything else, including `saveBytes`/`loadBytes`, is in the main entry
 * point, which runs in browsers too.
 */

import { readFileSync, writeFileSync } from "node:fs";
import "../index.js";
import { decodeSafetensors, encodeSafetensors, type Safetensors } from "../serialization/safetensors.js";
import type { Tensor } from "../tensor.js";

/** Options of `save`. */
export interface SaveOptions {
  /** Strings stored in the file's `__metadata__` entry. */
  metadata?: Record<string, string>;
}

/**
 * Writes a state dict (names to tensors) to a safetensors file, as
 * `torch.save(model.state_dict(), path)` or `safetensors.torch.save_file`.
 * Python reads it with `safetensors.torch.load_file(path)`.
 *
 * Example (Node only; it writes a file, so the doc tests do not run it):
 * ```ts
 * import * as torch from "kindling";
 * import { load, save } from "kindling/node";
 *
 * const model = new torch.nn.Linear(3, 2);
 * save(model.stateDict(), "model.safetensors", { metadata: { format: "pt" } });
 * model.loadStateDict(load("model.safetensors"));
 * ```
 */
export function save(obj: Record<string, Tensor>, path: string | URL, options: SaveOptions = {}): void {
  writeFileSync(path, encodeSafetensors(obj, options.metadata, "save"));
}

/**
 * Reads a state dict from a safetensors file (written by `save`, by
 * `safetensors.torch.save_file`, or by any other safetensors writer). Each
 * tensor is a new leaf that does not require grad; a malformed file throws
 * `SafetensorsError` naming the problem and the tensor.
 *
 * Example (Node only; it reads a file, so the doc tests do not run it):
 * ```ts
 * import { load } from "kindling/node";
 *
 * const state = load("model.safetensors");
 * console.log(Object.keys(state));
 * ```
 */
export function load(path: string | URL): Record<string, Tensor> {
  return loadFile(path).tensors;
}

/**
 * Reads a safetensors file with its `__metadata__` map (null when the file
 * has none), like `deserialize` on the file's bytes.
 *
 * Example (Node only; it reads a file, so the doc tests do not run it):
 * ```ts
 * import { loadFile } from "kindling/node";
 *
 * const { tensors, metadata } = loadFile("model.safetensors");
 * console.log(metadata?.format);
 * ```
 */
export function loadFile(path: string | URL): Safetensors {
  return decodeSafetensors(readFileSync(path), `load(${JSON.stringify(String(path))})`);
}
