/**
 * The safetensors format. Evidence that Kindling reads and writes it as the
 * reference implementation does, strongest first:
 * - byte vectors from the reference implementation's own unit tests;
 * - test/fixtures/safetensors/*.safetensors, written by an independent
 *   implementation (scripts/record/safetensors_fixture.py: struct, json and
 *   numpy only), load with the names, dtypes, shapes and values of the JSON
 *   beside them, and Kindling re-saves reference.safetensors byte for byte;
 * - when /usr/bin/python3 with numpy is present, that script reads
 *   Kindling's files back and writes the same bytes for the same tensors.
 */

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "kindling";
import { afterAll, describe, expect, it } from "vitest";
import { load, loadFile, save } from "../../src/node/index.js";
import { loadBytes, saveBytes } from "../../src/serialization/index.js";
import { deserialize, SafetensorsError, serialize } from "../../src/serialization/safetensors.js";

const root = new URL("../../", import.meta.url).pathname;
const fixtures = join(root, "test/fixtures/safetensors");
const script = join(root, "scripts/record/safetensors_fixture.py");
const tmp = mkdtempSync(join(tmpdir(), "kindling-safetensors-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type JsonValue = number | boolean | string;
interface TensorSpec {
  name: string;
  dtype: string;
  kindlingDtype?: string;
  shape: number[];
  values: JsonValue[];
}
interface FileSpec {
  metadata: Record<string, string> | null;
  tensors: TensorSpec[];
}

const special: Record<string, number> = { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, "-inf": Number.NEGATIVE_INFINITY, "-0": -0 };
const fromJson = (v: JsonValue): number => (typeof v === "string" ? (special[v] as number) : typeof v === "boolean" ? Number(v) : v);
function toJson(v: number, dtype: torch.DType): JsonValue {
  if (dtype === "bool") return v !== 0;
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (Object.is(v, -0)) return "-0"; // JSON.stringify would drop the sign
  return v;
}

function readSpec(name: string): FileSpec {
  return JSON.parse(readFileSync(join(fixtures, name), "utf8")) as FileSpec;
}

/** The JSON form the Python script reads, of Kindling tensors. */
function specOf(tensors: Record<string, torch.Tensor>, metadata: Record<string, string> | null): FileSpec {
  const names: Record<torch.DType, string> = { float32: "F32", float64: "F64", int32: "I32", int64: "I64", bool: "BOOL" };
  return {
    metadata,
    tensors: Object.entries(tensors).map(([name, t]) => ({
      name,
      dtype: names[t.dtype],
      shape: [...t.shape],
      values: Array.from(t.toTypedArray(), (v) => toJson(v, t.dtype)),
    })),
  };
}

/** A file from a header (object or raw text, padded to 8 bytes) and a data buffer. */
function file(header: object | string, data: Uint8Array | number = 0, length?: bigint): Uint8Array {
  let json = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  padded.set(json);
  json = padded;
  const body = typeof data === "number" ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

function int64Bytes(...values: bigint[]): Uint8Array {
  return new Uint8Array(new BigInt64Array(values).buffer);
}

const bytesOf = (s: string) => Array.from(new TextEncoder().encode(s));

describe("writing matches the reference implementation byte for byte", () => {
  // The expected bytes are those of the reference implementation's unit tests
  // (safetensors/src/tensor.rs: test_serialization, test_empty, test_serialization_forced_alignement).
  const data = [0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64];

  it("one float32 tensor, header exactly 64 bytes (no padding)", () => {
    const out = serialize({ "attn.0": torch.tensor([0, 1, 2, 3, 4, 5]).reshape(1, 2, 3) });
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(Array.from(out)).toEqual([64, 0, 0, 0, 0, 0, 0, 0, ...bytesOf(header), ...data]);
  });

  it("a header padded with spaces to a multiple of 8", () => {
    const out = serialize({ attn0: torch.tensor([0, 1, 2, 3, 4, 5]).reshape(1, 1, 2, 3) });
    const header = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ';
    expect(Array.from(out)).toEqual([72, 0, 0, 0, 0, 0, 0, 0, ...bytesOf(header), ...data]);
  });

  it("no tensors, with and without metadata", () => {
    expect(Array.from(serialize({}))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    const withMeta = [40, 0, 0, 0, 0, 0, 0, 0, ...bytesOf('{"__metadata__":{"framework":"pt"}}     ')];
    expect(Array.from(serialize({}, { framework: "pt" }))).toEqual(withMeta);
  });

  it("orders tensors by descending dtype (I64 > F64 > F32 > I32 > BOOL), then by the UTF-8 bytes of their names", () => {
    const out = serialize({
      b: torch.tensor([true]),
      "\u{1F600}": torch.zeros(1),
      "\uFFFD": torch.zeros(1),
      a: torch.zeros(1, { dtype: "int32" }),
      f: torch.zeros(1, { dtype: "float64" }),
      i: torch.zeros(1, { dtype: "int64" }),
      Z: torch.zeros(1),
    });
    const n = Number(new DataView(out.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(out.subarray(8, 8 + n))) as Record<string, { data_offsets: number[] }>;
    // U+FFFD is EF BF BD in UTF-8 and U+1F600 is F0 9F 98 80, so U+FFFD sorts first (UTF-16 code units would say otherwise).
    expect(Object.keys(header)).toEqual(["i", "f", "Z", "\uFFFD", "\u{1F600}", "a", "b"]);
    expect(Object.values(header).map((h) => h.data_offsets)).toEqual([
      [0, 8],
      [8, 16],
      [16, 20],
      [20, 24],
      [24, 28],
      [28, 32],
      [32, 33],
    ]);
  });
});

describe("the Python-written fixtures", () => {
  for (const stem of ["reference", "reference_extra"]) {
    it(`${stem}.safetensors loads with the recorded names, dtypes, shapes and values`, () => {
      const spec = readSpec(`${stem}.json`);
      const { tensors, metadata } = deserialize(readFileSync(join(fixtures, `${stem}.safetensors`)));
      expect(metadata).toEqual(spec.metadata);
      expect(Object.keys(tensors)).toEqual(spec.tensors.map((t) => t.name));
      for (const t of spec.tensors) {
        const got = tensors[t.name] as torch.Tensor;
        expect([t.name, got.dtype, got.shape]).toEqual([t.name, t.kindlingDtype, t.shape]);
        expect(Array.from(got.toTypedArray())).toEqual(t.values.map(fromJson));
        expect(got.requiresGrad).toBe(false);
        expect(got.isLeaf).toBe(true);
      }
    });
  }

  it("Kindling re-saves reference.safetensors byte for byte", () => {
    const bytes = readFileSync(join(fixtures, "reference.safetensors"));
    const { tensors, metadata } = deserialize(bytes);
    expect(Buffer.from(serialize(tensors, metadata ?? undefined)).equals(bytes)).toBe(true);
  });

  it("the node helpers read the fixture", () => {
    const state = load(join(fixtures, "reference.safetensors"));
    expect(state["ids"]?.tolist()).toEqual([-(2 ** 53), -1, 0, 123456789012345]);
    expect(loadFile(new URL("../fixtures/safetensors/reference_extra.safetensors", import.meta.url)).metadata).toBe(null);
  });
});

/** Tensors of every dtype and many shapes, including views that are not contiguous. */
function sampleTensors(): Record<string, torch.Tensor> {
  const base = torch.arange(24, { dtype: "float64" }).reshape(2, 3, 4);
  return {
    f32: torch.tensor([1.5, -0, 3.4028234663852886e38, 1e-45, Number.POSITIVE_INFINITY, Number.NaN, Math.PI]),
    f32_3d: torch.randn(2, 3, 4, { generator: new torch.Generator(1) }),
    f64: torch.tensor([5e-324, -1.7976931348623157e308, 0.1, -0], { dtype: "float64" }),
    f64_0d: torch.tensor(Math.E, { dtype: "float64" }),
    i32: torch.tensor([-(2 ** 31), 2 ** 31 - 1, 0, -1], { dtype: "int32" }).reshape(2, 2),
    i64: torch.tensor([-(2 ** 53), 2 ** 53, -1, 0, 2 ** 40 + 3], { dtype: "int64" }),
    i64_0d: torch.tensor(-7, { dtype: "int64" }),
    bool: torch.tensor([[true, false, true]]),
    bool_0d: torch.tensor(false),
    empty: torch.zeros(0),
    empty_3d: torch.zeros([2, 0, 3], { dtype: "int64" }),
    empty_bool: torch.zeros([0, 4], { dtype: "bool" }),
    transposed: base.transpose(0, 2),
    stepped: base.index("...", "::2"),
    expanded: torch.tensor([1, 2, 3], { dtype: "int32" }).expand(4, 3),
    row: base.select(1, 2),
  };
}

describe("round trip", () => {
  it("every dtype and shape comes back bit for bit, views saved by value", () => {
    const tensors = sampleTensors();
    const back = loadBytes(saveBytes(tensors));
    expect(Object.keys(back).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      const got = back[name] as torch.Tensor;
      expect([name, got.dtype, got.shape]).toEqual([name, t.dtype, t.shape]);
      // (Kindling's isContiguous() says false for some empty shapes, such as [2, 0, 3], where PyTorch says true.)
      if (got.numel() > 0) expect(got.isContiguous()).toBe(true);
      const bits = (x: torch.Tensor) => Array.from(new Uint8Array(x.toTypedArray().buffer));
      expect(bits(got)).toEqual(bits(t));
    }
    expect(back["transposed"]?.tolist()).toEqual(tensors["transposed"]?.tolist());
  });

  it("keeps metadata, accepts an ArrayBuffer, and loads leaves that do not require grad", () => {
    const w = torch.ones(2, { requiresGrad: true }).mul(3);
    const bytes = serialize({ w }, { epoch: "3", "": "" });
    const { tensors, metadata } = deserialize(bytes.slice().buffer);
    expect(metadata).toEqual({ "": "", epoch: "3" });
    expect([tensors["w"]?.requiresGrad, tensors["w"]?.gradFn, tensors["w"]?.isLeaf]).toEqual([false, null, true]);
    expect(deserialize(serialize({ w })).metadata).toBe(null);
  });

  it("reads a file inside a larger buffer (a Buffer slice with an offset)", () => {
    const bytes = saveBytes({ x: torch.arange(5, { dtype: "float64" }) });
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 3);
    expect(loadBytes(big.subarray(3))["x"]?.tolist()).toEqual([0, 1, 2, 3, 4]);
  });

  it("save and load a state dict through a file", () => {
    const path = join(tmp, "state.safetensors");
    const state = { "layer.weight": torch.randn(3, 2), "layer.bias": torch.zeros(3), steps: torch.tensor(10, { dtype: "int64" }) };
    save(state, path, { metadata: { format: "pt" } });
    const back = load(path);
    expect(back["layer.weight"]?.tolist()).toEqual(state["layer.weight"].tolist());
    expect(loadFile(path).metadata).toEqual({ format: "pt" });
  });
});

describe("errors", () => {
  const f32x2 = { dtype: "F32", shape: [2], data_offsets: [0, 8] };
  const cases: [string, Uint8Array, RegExp][] = [
    ["fewer than 8 bytes", new Uint8Array(5), /5 bytes, fewer than the 8 of the header length/],
    ["a huge header length", file({}, 0, 2n ** 40n), /header length 1099511627776 is over the format's limit/],
    ["a header length past the end", file({}, 0, 1000n), /header length 1000 runs past the end of the 16-byte buffer/],
    ["a header that is not UTF-8", file('{"\xff"}').map((b) => (b === 0xc3 ? 0xff : b)), /not valid UTF-8/],
    ["a header that is not an object", file("[1, 2]"), /must be a JSON object starting with '\{'/],
    ["an empty header", file("", 0, 0n), /must be a JSON object starting with '\{'/],
    ["invalid JSON", file('{"a": '), /the header is not valid JSON/],
    ["an entry that is not an object", file({ a: 1 }), /tensor 'a': the header entry must be an object/],
    ["a missing dtype", file({ a: { shape: [], data_offsets: [0, 0] } }), /tensor 'a': 'dtype' must be a string/],
    ["an unknown dtype", file({ a: { dtype: "F128", shape: [], data_offsets: [0, 0] } }), /tensor 'a': unknown dtype "F128"/],
    [
      "a negative size",
      file({ a: { dtype: "F32", shape: [-1], data_offsets: [0, 0] } }),
      /tensor 'a': 'shape' must be a list of non-negative/,
    ],
    ["a fractional size", file({ a: { dtype: "F32", shape: [1.5], data_offsets: [0, 6] } }), /tensor 'a': 'shape' must be/],
    ["one offset", file({ a: { dtype: "F32", shape: [0], data_offsets: [0] } }), /tensor 'a': 'data_offsets' must be \[begin, end\]/],
    [
      "offsets ending before they begin",
      file({ a: { dtype: "F32", shape: [0], data_offsets: [8, 4] } }, 8),
      /tensor 'a': 'data_offsets' \[8, 4\] end before/,
    ],
    [
      "offsets not matching shape * itemsize",
      file({ a: { dtype: "F32", shape: [2, 2], data_offsets: [0, 12] } }, 12),
      /tensor 'a': 'data_offsets' \[0, 12\] span 12 bytes, but dtype F32 and shape \[2, 2\] need 16/,
    ],
    [
      "offsets past the data (truncated)",
      file({ a: f32x2 }, 4),
      /tensor 'a' \(data_offsets \[0, 8\]\) runs past the end of the 4-byte data buffer/,
    ],
    [
      "overlapping tensors",
      file({ a: f32x2, b: { dtype: "F32", shape: [2], data_offsets: [4, 12] } }, 12),
      /tensor 'b' \(data_offsets \[4, 12\]\) overlaps tensor 'a' \(data_offsets \[0, 8\]\)/,
    ],
    [
      "a hole between tensors",
      file({ a: f32x2, b: { dtype: "F32", shape: [1], data_offsets: [12, 16] } }, 16),
      /tensor 'b' \(data_offsets \[12, 16\]\): bytes \[8, 12\) before it belong to no tensor/,
    ],
    ["a hole at the start", file({ b: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, 8), /tensor 'b'.*bytes \[0, 4\) before it/],
    ["trailing bytes", file({ a: f32x2 }, 12), /4 bytes after tensor 'a' belong to no tensor/],
    ["data without tensors", file({}, 8), /8 bytes after the header belong to no tensor/],
    ["non-string metadata", file({ __metadata__: { epoch: 3 } }), /'__metadata__' entry 'epoch' must be a string, got 3/],
    ["metadata that is not an object", file({ __metadata__: ["a"] }), /'__metadata__' must be an object/],
    [
      "a sub-byte dtype that does not fill whole bytes",
      file({ a: { dtype: "F4", shape: [3], data_offsets: [0, 2] } }, 2),
      /tensor 'a'.*F4.*whole/,
    ],
  ];
  it.each(cases)("%s", (_, bytes, message) => {
    expect(() => deserialize(bytes)).toThrow(SafetensorsError);
    expect(() => deserialize(bytes)).toThrow(message);
    expect(() => loadBytes(bytes)).toThrow(/^loadBytes: /);
  });

  it("SafetensorsError is a KindlingError", () => {
    expect(() => deserialize(new Uint8Array(3))).toThrow(torch.KindlingError);
  });

  it("dtypes Kindling cannot hold exactly name the tensor and dtype", () => {
    const f8 = file({ q: { dtype: "F8_E4M3", shape: [2], data_offsets: [0, 2] } }, 2);
    expect(() => deserialize(f8)).toThrow(torch.DTypeError);
    expect(() => deserialize(f8)).toThrow(/tensor 'q' has dtype F8_E4M3, which Kindling cannot load exactly/);
    const c64 = file({ z: { dtype: "C64", shape: [1], data_offsets: [0, 8] } }, 8);
    expect(() => deserialize(c64)).toThrow(/tensor 'z' has dtype C64/);
    const f4 = file({ a: { dtype: "F4", shape: [4], data_offsets: [0, 2] } }, 2);
    expect(() => deserialize(f4)).toThrow(/tensor 'a' has dtype F4/);
  });

  it("int64 values beyond 2^53 are refused, not rounded", () => {
    const big = file({ ids: { dtype: "I64", shape: [2], data_offsets: [0, 16] } }, int64Bytes(1n, 2n ** 53n + 1n));
    expect(() => deserialize(big)).toThrow(torch.DTypeError);
    expect(() => deserialize(big)).toThrow(/tensor 'ids' holds 9007199254740993 at flat index 1, outside the range/);
    const low = file({ ids: { dtype: "I64", shape: [], data_offsets: [0, 8] } }, int64Bytes(-(2n ** 63n)));
    expect(() => deserialize(low)).toThrow(/holds -9223372036854775808/);
    const unsigned = file({ u: { dtype: "U64", shape: [1], data_offsets: [0, 8] } }, int64Bytes(-1n));
    expect(() => deserialize(unsigned)).toThrow(/tensor 'u' holds 18446744073709551615/);
  });

  it("every strict prefix of a valid file is refused (never a partial load)", () => {
    const bytes = saveBytes({ a: torch.ones(3), b: torch.zeros(2, { dtype: "int64" }) }, { metadata: { k: "v" } });
    for (let n = 0; n < bytes.length; n++) expect(() => deserialize(bytes.subarray(0, n))).toThrow(SafetensorsError);
  });

  it("serialize checks its arguments", () => {
    expect(() => serialize({ w: [1, 2] as unknown as torch.Tensor })).toThrow(/serialize: 'w' is not a Tensor/);
    expect(() => serialize({ __metadata__: torch.ones(1) })).toThrow(/'__metadata__' is reserved/);
    expect(() => serialize({}, { epoch: 3 as unknown as string })).toThrow(/metadata 'epoch' must be a string/);
    expect(() => serialize(torch.ones(1) as unknown as Record<string, torch.Tensor>)).toThrow(/got a Tensor/);
    expect(() => serialize({ "\uD800": torch.ones(1) })).toThrow(/not valid Unicode/);
    expect(() => saveBytes({ w: 1 as unknown as torch.Tensor })).toThrow(torch.ArgumentError);
    expect(() => deserialize("abc" as unknown as Uint8Array)).toThrow(/expected a Uint8Array or ArrayBuffer/);
  });

  it("the node helpers name the file", () => {
    const path = join(tmp, "bad.safetensors");
    writeFileSync(path, new Uint8Array(4));
    expect(() => load(path)).toThrow(/^load\(".*bad\.safetensors"\): the buffer has 4 bytes/);
  });
});

/** Whether the reference script can run here (the committed fixtures are the evidence elsewhere). */
function hasPythonWithNumpy(): boolean {
  if (!existsSync("/usr/bin/python3")) return false;
  return spawnSync("/usr/bin/python3", ["-c", "import numpy"], { encoding: "utf8" }).status === 0;
}

describe.skipIf(!hasPythonWithNumpy())("cross-check with the Python script", () => {
  const python = (...args: string[]) => spawnSync("/usr/bin/python3", [script, ...args], { cwd: root, encoding: "utf8" });

  it("reads Kindling's file and finds the same tensors", () => {
    const tensors = sampleTensors();
    const metadata = { format: "pt", 'ünï "côdé"\n': "välue\t✓" };
    const path = join(tmp, "kindling.safetensors");
    writeFileSync(path, serialize(tensors, metadata));
    writeFileSync(join(tmp, "expected.json"), JSON.stringify(specOf(tensors, metadata)));
    const result = python("--check", path, join(tmp, "expected.json"));
    expect(result.stdout + result.stderr).toContain("matches");
    expect(result.status).toBe(0);
  });

  it("detects a difference (the check is not vacuous)", () => {
    const path = join(tmp, "kindling2.safetensors");
    writeFileSync(path, serialize({ a: torch.tensor([1, 2]) }));
    writeFileSync(join(tmp, "wrong.json"), JSON.stringify(specOf({ a: torch.tensor([1, 3]) }, null)));
    expect(python("--check", path, join(tmp, "wrong.json")).status).toBe(1);
  });

  it("writes the same bytes as Kindling for the same tensors", () => {
    const tensors = sampleTensors();
    const metadata = { b: "2", a: "1", "\u{1F600}": "x", "\uFFFD": "y", control: "\u0001\u001f\u007f\b\f\r\\/\u2028" };
    writeFileSync(join(tmp, "spec.json"), JSON.stringify(specOf(tensors, metadata)));
    const out = join(tmp, "python.safetensors");
    const result = python("--write", join(tmp, "spec.json"), out);
    expect(result.stderr).toBe("");
    expect(Buffer.from(serialize(tensors, metadata)).equals(readFileSync(out))).toBe(true);
  });
});
