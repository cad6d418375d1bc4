/**
 * The safetensors format, read and written exactly as its reference
 * implementation does (no Node built-ins: this runs in browsers).
 *
 * Layout: an 8-byte little-endian unsigned header length N, N bytes of UTF-8
 * JSON, then the tensors' raw little-endian bytes. The header maps each
 * tensor name to `{"dtype","shape","data_offsets":[begin,end]}` (offsets
 * relative to the first byte after the header), with an optional
 * `"__metadata__"` map of strings to strings.
 *
 * Writing follows the reference serializer byte for byte: tensors sorted by
 * descending dtype (its `Dtype` enum order, i.e. alignment) and then by name
 * (byte order of the UTF-8), laid out back to back in that order; the header
 * is compact JSON with `__metadata__` first, padded with spaces to a multiple
 * of 8 bytes. The reference keeps metadata in a hash map, so its key order
 * is unspecified; Kindling sorts the keys to stay deterministic.
 *
 * Reading validates as the reference does, and names the tensor at fault:
 * the data offsets must tile the data buffer exactly (no holes, overlaps or
 * trailing bytes) and each span must be shape * itemsize bytes. Nothing is
 * returned unless the whole file is valid.
 */

import { ArgumentError, DeviceError, KindlingError } from "../core/errors.js";
import { type OptionKeys, readOptions } from "../core/options.js";
import { fromTypedArray } from "../ops/creation.js";
import { Tensor } from "../tensor.js";
import { byteLength, decode, dtypeRank, encode, type FileDType, isFileDType, loadsAs, SAVES_AS } from "./dtypes.js";

/** A file that is not valid safetensors: truncated, a bad header, or offsets that do not tile the data. */
export class SafetensorsError extends KindlingError {
  /** The error's class name, as `e.name` reports it. */
  override name = "SafetensorsError";
}

/** What `deserialize` returns: the tensors in file order, and the `__metadata__` map (null when the file has none). */
export interface Safetensors {
  /** The tensors by name, in file order. */
  tensors: Record<string, Tensor>;
  /** The header's `__metadata__` map of strings, or null when the file has none. */
  metadata: Record<string, string> | null;
}

/** The reference implementation refuses headers larger than this. */
const MAX_HEADER_SIZE = 100_000_000;
const METADATA_KEY = "__metadata__";

const utf8 = new TextEncoder();

/** Orders strings by their UTF-8 bytes, as Rust's `String` ordering does. */
function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  }
  return x.length - y.length;
}

/** Whether `s` has no unpaired surrogate (so it survives UTF-8 encoding unchanged). */
function isWellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

// ----- writing -------------------------------------------------------------------

interface Entry {
  name: string;
  dtype: FileDType;
  shape: readonly number[];
  bytes: Uint8Array;
}

/** What a value given as the state dict is, for the message refusing it. */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (value instanceof Tensor) return "a Tensor";
  if (Array.isArray(value)) return "an array (name the tensors: { name: tensor })";
  if (value instanceof Map) return "a Map (pass a plain object: Object.fromEntries(map))";
  if (typeof value === "object") return `a ${(value as object).constructor?.name ?? "object"}`;
  return typeof value;
}

/** @internal whether `value` is a plain object (the state dicts the savers take). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The error for saving a tensor that is on a device: its values cannot be read synchronously. */
function onDevice(op: string, name: string, device: string): DeviceError {
  return new DeviceError(
    `${op}: tensor '${name}' is on the ${device} device, whose memory JavaScript reads asynchronously: move the model back first with \`await model.cpuAsync()\`, or save with \`await torch.saveBytesAsync(state)\``,
  );
}

function entries(tensors: Record<string, Tensor>, op: string): Entry[] {
  if (!isPlainObject(tensors)) throw new ArgumentError(`${op}: expected an object mapping names to tensors, got ${kindOf(tensors)}`);
  return Object.entries(tensors).map(([name, t]) => {
    if (!(t instanceof Tensor)) throw new ArgumentError(`${op}: '${name}' is not a Tensor (got ${t === null ? "null" : typeof t})`);
    if (name === METADATA_KEY) throw new ArgumentError(`${op}: '${METADATA_KEY}' is reserved for metadata and cannot name a tensor`);
    if (!isWellFormed(name)) throw new ArgumentError(`${op}: tensor name ${JSON.stringify(name)} is not valid Unicode`);
    if (t.device !== "cpu") throw onDevice(op, name, t.device);
    return { name, dtype: SAVES_AS[t.dtype], shape: [...t.shape], bytes: encode(t.dtype, t.toTypedArray()) };
  });
}

function checkMetadata(metadata: Record<string, string>, op: string): [string, string][] {
  if (!isPlainObject(metadata)) throw new ArgumentError(`${op}: metadata must be an object of strings, got ${kindOf(metadata)}`);
  const pairs = Object.entries(metadata);
  for (const [key, value] of pairs) {
    if (typeof value !== "string") throw new ArgumentError(`${op}: metadata '${key}' must be a string, got ${typeof value}`);
    if (!isWellFormed(key) || !isWellFormed(value)) throw new ArgumentError(`${op}: metadata '${key}' is not valid Unicode`);
  }
  return pairs.sort(([a], [b]) => compareUtf8(a, b));
}

/** Options of `saveBytes` and `save` (kindling/node). */
export interface SaveOptions {
  /** Strings stored in the file's `__metadata__` entry. */
  metadata?: Record<string, string> | null;
}

const SAVE_KEYS: OptionKeys<SaveOptions> = { metadata: true };

/** @internal `options.metadata` (checked by `encodeSafetensors`), after reading `options` as `op`'s options object. */
export function metadataOption(options: SaveOptions | undefined, op: string): Record<string, string> | undefined {
  return readOptions(options, op, SAVE_KEYS).metadata ?? undefined;
}

/** The header JSON as the reference's serde_json writes it: compact, metadata first, then tensors in file order. */
function headerJson(sorted: readonly Entry[], offsets: readonly number[], metadata: [string, string][] | null): string {
  const parts: string[] = [];
  if (metadata !== null) {
    const items = metadata.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${items.join(",")}}`);
  }
  sorted.forEach((e, i) => {
    const info = `{"dtype":"${e.dtype}","shape":[${e.shape.join(",")}],"data_offsets":[${offsets[i]},${offsets[i + 1]}]}`;
    parts.push(`${JSON.stringify(e.name)}:${info}`);
  });
  return `{${parts.join(",")}}`;
}

/** @internal `serialize` with the public function's name for error messages. */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> | undefined, op: string): Uint8Array {
  const sorted = entries(tensors, op).sort((a, b) => dtypeRank(b.dtype) - dtypeRank(a.dtype) || compareUtf8(a.name, b.name));
  const offsets = [0];
  for (const e of sorted) offsets.push((offsets[offsets.length - 1] as number) + e.bytes.length);
  const json = utf8.encode(headerJson(sorted, offsets, metadata === undefined ? null : checkMetadata(metadata, op)));
  const headerLength = Math.ceil(json.length / 8) * 8;
  if (headerLength > MAX_HEADER_SIZE) {
    throw new ArgumentError(`${op}: the header would take ${headerLength} bytes, over the format's limit of ${MAX_HEADER_SIZE}`);
  }
  const dataStart = 8 + headerLength;
  const out = new Uint8Array(dataStart + (offsets[offsets.length - 1] as number));
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, dataStart);
  sorted.forEach((e, i) => {
    out.set(e.bytes, dataStart + (offsets[i] as number));
  });
  return out;
}

/**
 * The safetensors bytes of a map of named tensors, as the reference
 * implementation writes them (non-contiguous views are saved by value).
 * `metadata` becomes the header's `__metadata__` entry. Kindling's dtypes
 * are saved as F32, F64, I32, I64 and BOOL.
 *
 * @example
 * ```ts
 * const bytes = torch.serialization.serialize({ w: torch.tensor([1, 2]) }, { format: "pt" });
 * console.log(bytes.length); // 104
 * console.log(new TextDecoder().decode(bytes.subarray(8, 96)).trimEnd()); // {"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}
 * ```
 */
export function serialize(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  return encodeSafetensors(tensors, metadata, "serialize");
}

// ----- reading -------------------------------------------------------------------

interface Info {
  name: string;
  dtype: FileDType;
  shape: number[];
  begin: number;
  end: number;
}

/** The 8-byte length prefix and the header JSON it covers. */
function readHeader(bytes: Uint8Array, op: string): { header: unknown; dataStart: number } {
  const fail = (msg: string) => new SafetensorsError(`${op}: ${msg}`);
  if (bytes.length < 8) throw fail(`the buffer has ${bytes.length} bytes, fewer than the 8 of the header length (truncated file?)`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_SIZE))
    throw fail(`the header length ${n} is over the format's limit of ${MAX_HEADER_SIZE} bytes (not a safetensors file?)`);
  const dataStart = 8 + Number(n);
  if (dataStart > bytes.length) {
    throw fail(`the header length ${n} runs past the end of the ${bytes.length}-byte buffer (truncated file, or not safetensors)`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, dataStart));
  } catch {
    throw fail("the header is not valid UTF-8");
  }
  if (!text.startsWith("{")) throw fail(`the header must be a JSON object starting with '{', got ${JSON.stringify(text.slice(0, 20))}`);
  try {
    return { header: JSON.parse(text), dataStart };
  } catch (e) {
    throw fail(`the header is not valid JSON (${(e as Error).message})`);
  }
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function readMetadata(value: unknown, op: string): Record<string, string> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new SafetensorsError(`${op}: '${METADATA_KEY}' must be an object mapping strings to strings`);
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string")
      throw new SafetensorsError(`${op}: '${METADATA_KEY}' entry '${k}' must be a string, got ${JSON.stringify(v)}`);
  }
  return { ...(value as Record<string, string>) };
}

/** One header entry, checked for form and for the size its dtype and shape imply. */
function readInfo(name: string, value: unknown, op: string): Info {
  const fail = (msg: string) => new SafetensorsError(`${op}: tensor '${name}': ${msg}`);
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw fail("the header entry must be an object");
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== "string") throw fail(`'dtype' must be a string, got ${JSON.stringify(dtype)}`);
  if (!isFileDType(dtype)) throw fail(`unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every(isCount))
    throw fail(`'shape' must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw fail(`'data_offsets' must be [begin, end] with non-negative integers, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw fail(`'data_offsets' [${begin}, ${end}] end before they begin`);
  const count = shape.reduce((a: number, b: number) => a * b, 1);
  const need = Number.isSafeInteger(count) ? byteLength(dtype, count) : null;
  if (need === null || !Number.isSafeInteger(need))
    throw fail(`shape [${shape.join(", ")}] of dtype ${dtype} does not fill a whole, representable number of bytes`);
  if (end - begin !== need) {
    throw fail(
      `'data_offsets' [${begin}, ${end}] span ${end - begin} bytes, but dtype ${dtype} and shape [${shape.join(", ")}] need ${need}`,
    );
  }
  return { name, dtype, shape, begin, end };
}

/** The reference's rule: sorted by offsets, the spans tile [0, dataLength) exactly. */
function checkCoverage(infos: Info[], dataLength: number, op: string): Info[] {
  const sorted = [...infos].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: Info | null = null;
  for (const t of sorted) {
    const at = `${op}: tensor '${t.name}' (data_offsets [${t.begin}, ${t.end}])`;
    if (t.end > dataLength) throw new SafetensorsError(`${at} runs past the end of the ${dataLength}-byte data buffer (truncated file?)`);
    if (t.begin < covered && previous !== null) {
      throw new SafetensorsError(`${at} overlaps tensor '${previous.name}' (data_offsets [${previous.begin}, ${previous.end}])`);
    }
    if (t.begin > covered)
      throw new SafetensorsError(`${at}: bytes [${covered}, ${t.begin}) before it belong to no tensor (a hole in the data)`);
    covered = t.end;
    previous = t;
  }
  if (covered !== dataLength) {
    const last = previous === null ? "the header" : `tensor '${previous.name}'`;
    throw new SafetensorsError(
      `${op}: ${dataLength - covered} bytes after ${last} belong to no tensor (the data buffer has ${dataLength} bytes)`,
    );
  }
  return sorted;
}

/** @internal `deserialize` with the public function's name for error messages. */
export function decodeSafetensors(input: Uint8Array | ArrayBuffer, op: string): Safetensors {
  if (!(input instanceof Uint8Array) && !(input instanceof ArrayBuffer)) {
    throw new ArgumentError(`${op}: expected a Uint8Array or ArrayBuffer, got ${input === null ? "null" : typeof input}`);
  }
  // A plain Uint8Array view: a Node Buffer's slice() would share memory instead of copying.
  const bytes = input instanceof Uint8Array ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength) : new Uint8Array(input);
  const { header, dataStart } = readHeader(bytes, op);
  if (header === null || typeof header !== "object" || Array.isArray(header))
    throw new SafetensorsError(`${op}: the header must be a JSON object`);
  let metadata: Record<string, string> | null = null;
  const infos: Info[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) metadata = readMetadata(value, op);
    else infos.push(readInfo(name, value, op));
  }
  const sorted = checkCoverage(infos, bytes.length - dataStart, op);
  const tensors = sorted.map((t): [string, Tensor] => {
    const dtype = loadsAs(t.dtype);
    const where = `${op}: tensor '${t.name}'`;
    const raw = bytes.slice(dataStart + t.begin, dataStart + t.end);
    return [t.name, fromTypedArray(decode(t.dtype, raw, where), t.shape, dtype ?? "float32")];
  });
  return { tensors: Object.fromEntries(tensors), metadata };
}

/**
 * Reads safetensors bytes: every tensor (a new leaf that does not require
 * grad, in file order) and the `__metadata__` map, or null if there is none.
 * F16 and BF16 load as float32, I8/U8/I16/U16 as int32 and U32/U64 as int64
 * (all exact). A malformed file throws `SafetensorsError` naming the problem
 * and the tensor; a dtype Kindling cannot hold exactly throws `DTypeError`.
 *
 * @example
 * ```ts
 * const bytes = torch.serialization.serialize({ step: torch.tensor(7, { dtype: "int64" }) }, { epoch: "3" });
 * const { tensors, metadata } = torch.serialization.deserialize(bytes);
 * console.log(tensors.step, metadata); // tensor(7) { epoch: '3' }
 * ```
 */
export function deserialize(bytes: Uint8Array | ArrayBuffer): Safetensors {
  return decodeSafetensors(bytes, "deserialize");
}
