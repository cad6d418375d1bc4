/**
 * kindling/node: the helpers that need Node.js built-ins (the file system).
 * Everything else, including `saveBytes`/`loadBytes`, is in the main entry
 * point, which runs in browsers too.
 */

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import "../index.js";
import { ArgumentError } from "../core/errors.js";
import { decodeSafetensors, encodeSafetensors, metadataOption, type Safetensors, type SaveOptions } from "../serialization/safetensors.js";
import type { Tensor } from "../tensor.js";
import { ioError, writeFileAtomic } from "./atomic.js";

export type { SaveOptions } from "../serialization/safetensors.js";

/** A path argument as a string (a `file:` URL becomes its path). */
function toPath(op: string, path: unknown): string {
  if (typeof path === "string" && path !== "") return path;
  if (path instanceof URL) {
    if (path.protocol !== "file:") throw new ArgumentError(`${op}: expected a file: URL, got '${path.href}'`);
    return fileURLToPath(path);
  }
  throw new ArgumentError(
    `${op}: expected a file path (a non-empty string or a file: URL), got ${path === "" ? "an empty string" : typeof path}`,
  );
}

/**
 * Writes a state dict (names to tensors) to a safetensors file, as
 * `torch.save(model.state_dict(), path)` or `safetensors.torch.save_file`.
 * Python reads it with `safetensors.torch.load_file(path)`.
 *
 * The save is atomic: the bytes go to a temporary file next to `path`
 * (`.<name>.<pid>.<random>.tmp`), flushed to disk and renamed over `path`,
 * so a save that fails or is killed half-way leaves the previous file intact.
 * A failed save removes its temporary file; one left by a killed process is
 * removed by the next successful save of the same path. When `path` is a
 * symbolic link, the file it points to is replaced. Errors name the path:
 * `save: cannot write '/x/y.safetensors': ENOENT: no such file or directory`.
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
export function save(obj: Record<string, Tensor>, path: string | URL, options?: SaveOptions): void {
  const file = toPath("save", path);
  writeFileAtomic(file, encodeSafetensors(obj, metadataOption(options, "save"), "save"), "save");
}

/**
 * Reads a state dict from a safetensors file (written by `save`, by
 * `safetensors.torch.save_file`, or by any other safetensors writer). Each
 * tensor is a new leaf that does not require grad; a malformed file throws
 * `SafetensorsError` naming the file, the problem and the tensor, and a file
 * that cannot be read a `KindlingError` naming the path
 * (`load: cannot read 'model.safetensors': ENOENT: no such file or directory`).
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
  const file = toPath("load", path);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw ioError("load", "read", file, e);
  }
  return decodeSafetensors(bytes, `load(${JSON.stringify(file)})`);
}
