"""Writes and reads safetensors files with only struct, json and numpy.

An independent implementation of the published safetensors format (not the
safetensors package), following its reference serializer: tensors sorted by
descending dtype (the reference's Dtype enum order) and then by the UTF-8
bytes of their names, laid out back to back; the header compact JSON with
__metadata__ first (its keys sorted by UTF-8 bytes: the reference keeps them
in a hash map, so any order is valid), padded with spaces to a multiple of 8.

Run from the repository root:
  /usr/bin/python3 scripts/record/safetensors_fixture.py
      writes test/fixtures/safetensors/{reference,reference_extra}.safetensors
      and the JSON of what each holds ({reference,reference_extra}.json)
  /usr/bin/python3 scripts/record/safetensors_fixture.py --check FILE EXPECTED.json
      reads FILE (e.g. one Kindling wrote), validates its layout as the
      reference reader does, and exits 0 if its tensors (names, dtypes, shapes,
      values) and metadata are those of EXPECTED.json, else prints why and exits 1
  /usr/bin/python3 scripts/record/safetensors_fixture.py --dump FILE
      prints FILE's contents in the JSON form of EXPECTED.json
  /usr/bin/python3 scripts/record/safetensors_fixture.py --write SPEC.json OUT
      writes OUT from a JSON of that form (the tensors' order in it does not matter)

The JSON form: {"metadata": {...} or null, "tensors": [{"name", "dtype",
"shape", "values"}, ...]} with values flattened in row-major order; floats
as numbers except "nan", "inf" and "-inf" (and "-0" is read as -0.0, for
writers whose JSON drops the sign of zero); BOOL as true/false. Each tensor
also says the Kindling dtype it loads as ("kindlingDtype").
"""
import json
import math
import os
import struct
import sys

import numpy as np

# The reference implementation's Dtype enum, in declaration order.
DTYPE_ORDER = ["BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "I16", "U16",
               "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64"]
# Little-endian numpy dtypes of the dtypes this script handles (BF16 is read as its raw 16 bits).
NUMPY = {"BOOL": "|b1", "U8": "|u1", "I8": "|i1", "I16": "<i2", "U16": "<u2", "F16": "<f2", "BF16": "<u2",
         "I32": "<i4", "U32": "<u4", "F32": "<f4", "F64": "<f8", "I64": "<i8", "U64": "<u8"}
KINDLING = {"BOOL": "bool", "U8": "int32", "I8": "int32", "I16": "int32", "U16": "int32", "F16": "float32",
            "BF16": "float32", "I32": "int32", "U32": "int64", "F32": "float32", "F64": "float64",
            "I64": "int64", "U64": "int64"}
FLOATS = {"F16", "BF16", "F32", "F64"}
OUT_DIR = os.path.join("test", "fixtures", "safetensors")


# ----- values <-> bytes ------------------------------------------------------------------

def to_json_value(dtype, v):
    if dtype == "BOOL":
        return bool(v)
    if dtype in FLOATS:
        v = float(v)
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    return int(v)


def from_json_value(v):
    return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "-0": -0.0}.get(v, v) if isinstance(v, str) else v


def encode(dtype, values):
    """Little-endian bytes of a flat list of values (JSON form)."""
    vals = [from_json_value(v) for v in values]
    if dtype == "BF16":
        f32 = np.array(vals, dtype="<f4")
        bits = f32.view("<u4")
        if np.any(bits & 0xFFFF):
            raise ValueError("BF16 values must be exactly representable")
        return (bits >> 16).astype("<u2").tobytes()
    arr = np.array(vals, dtype=NUMPY[dtype])
    if dtype not in FLOATS and dtype != "BOOL" and arr.tolist() != [int(v) for v in vals]:
        raise ValueError("integer values out of range for " + dtype)
    return arr.tobytes()


def decode(dtype, raw):
    """Flat list of values (JSON form) of little-endian bytes."""
    if dtype not in NUMPY:
        raise ValueError("this script does not decode dtype " + dtype)
    arr = np.frombuffer(raw, dtype=NUMPY[dtype])
    if dtype == "BF16":
        arr = (arr.astype("<u4") << 16).view("<f4")
    return [to_json_value(dtype, v) for v in arr.tolist()]


def nbytes(dtype, shape):
    itemsize = {"F4": 0.5, "F6_E2M3": 0.75, "F6_E3M2": 0.75, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1, "C64": 8}.get(dtype)
    count = math.prod(shape)
    return count * (itemsize if itemsize is not None else np.dtype(NUMPY[dtype]).itemsize)


# ----- the format ----------------------------------------------------------------------

def utf8(s):
    return s.encode("utf-8")


def serialize(tensors, metadata):
    """tensors: list of (name, dtype, shape, raw bytes)."""
    ordered = sorted(tensors, key=lambda t: (-DTYPE_ORDER.index(t[1]), utf8(t[0])))
    header = {}
    if metadata is not None:
        header["__metadata__"] = {k: metadata[k] for k in sorted(metadata, key=utf8)}
    offset = 0
    for name, dtype, shape, raw in ordered:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    text = utf8(json.dumps(header, separators=(",", ":"), ensure_ascii=False))
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(raw for _, _, _, raw in ordered)


def deserialize(data):
    """(metadata or None, [(name, dtype, shape, raw)] in file order), validated as the reference reader does."""
    if len(data) < 8:
        raise ValueError("HeaderTooSmall")
    (n,) = struct.unpack("<Q", data[:8])
    if n > 100_000_000:
        raise ValueError("HeaderTooLarge")
    if 8 + n > len(data):
        raise ValueError("InvalidHeaderLength")
    text = data[8:8 + n].decode("utf-8")
    if not text.startswith("{"):
        raise ValueError("InvalidHeaderStart")
    header = json.loads(text)
    metadata = header.pop("__metadata__", None)
    entries = sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"]))
    start = 0
    tensors = []
    body = data[8 + n:]
    for name, info in entries:
        begin, end = info["data_offsets"]
        if begin != start or end < begin:
            raise ValueError("InvalidOffset(%s)" % name)
        if end - begin != nbytes(info["dtype"], info["shape"]):
            raise ValueError("TensorInvalidInfo(%s)" % name)
        tensors.append((name, info["dtype"], info["shape"], body[begin:end]))
        start = end
    if start != len(body):
        raise ValueError("MetadataIncompleteBuffer")
    return metadata, tensors


def to_json(metadata, tensors, file=None):
    out = {"generator": "scripts/record/safetensors_fixture.py"}
    if file is not None:
        out["file"] = file
    out["metadata"] = metadata
    out["tensors"] = [{"name": name, "dtype": dtype, "kindlingDtype": KINDLING.get(dtype), "shape": list(shape),
                       "values": decode(dtype, raw)} for name, dtype, shape, raw in tensors]
    return out


def from_json(spec):
    tensors = [(t["name"], t["dtype"], t["shape"], encode(t["dtype"], t["values"])) for t in spec["tensors"]]
    return spec.get("metadata"), tensors


# ----- the fixtures ----------------------------------------------------------------------

F32_MAX = float(np.finfo(np.float32).max)
F32_TINY = float(np.float32(1e-45))  # the smallest float32 subnormal
NAN, INF = "nan", "inf"


def f32(values):
    return [to_json_value("F32", np.float32(v)) for v in values]


REFERENCE = {
    "metadata": {"format": "pt", "source": "scripts/record/safetensors_fixture.py", "ünï \"côdé\"\n": "välue\t✓"},
    "tensors": [
        {"name": "weight", "dtype": "F32", "shape": [2, 3], "values": f32([1.5, -0.0, F32_MAX, F32_TINY, math.inf, math.nan])},
        {"name": "bias", "dtype": "F32", "shape": [3], "values": f32([0.1, -2.5, 1 / 3])},
        {"name": "conv.weight", "dtype": "F32", "shape": [2, 1, 2], "values": f32([1, 2, -3, 4e-3])},
        {"name": "a.10", "dtype": "F32", "shape": [1], "values": [10.0]},
        {"name": "a.2", "dtype": "F32", "shape": [1], "values": [2.0]},
        {"name": "Zeta", "dtype": "F32", "shape": [1], "values": ["-inf"]},
        {"name": "ü.unicode", "dtype": "F32", "shape": [1, 1], "values": [0.5]},
        {"name": "empty", "dtype": "F32", "shape": [0], "values": []},
        {"name": "scalar", "dtype": "F64", "shape": [], "values": [math.pi]},
        {"name": "double.matrix", "dtype": "F64", "shape": [2, 2], "values": [1e-310, -1e308, 0.1, -0.0]},
        {"name": "empty.2d", "dtype": "F64", "shape": [2, 0], "values": []},
        {"name": "step", "dtype": "I64", "shape": [], "values": [2 ** 53]},
        {"name": "ids", "dtype": "I64", "shape": [4], "values": [-(2 ** 53), -1, 0, 123456789012345]},
        {"name": "empty.ids", "dtype": "I64", "shape": [0, 3], "values": []},
        {"name": "counts", "dtype": "I32", "shape": [2, 2], "values": [-(2 ** 31), 2 ** 31 - 1, 0, -1]},
        {"name": "mask", "dtype": "BOOL", "shape": [3], "values": [True, False, True]},
        {"name": "flag", "dtype": "BOOL", "shape": [], "values": [True]},
    ],
}

# Dtypes Kindling loads by converting exactly (F16/BF16 -> float32, I8/U8/I16/U16 -> int32, U32/U64 -> int64).
REFERENCE_EXTRA = {
    "metadata": None,
    "tensors": [
        {"name": "half", "dtype": "F16", "shape": [2, 4],
         "values": [1.0, -0.0, 65504.0, 2.0 ** -24, 2.0 ** -14, -0.333251953125, INF, NAN]},
        {"name": "brain", "dtype": "BF16", "shape": [4], "values": [1.0, -3.140625, 2.0 ** -133, "-inf"]},
        {"name": "i8", "dtype": "I8", "shape": [4], "values": [-128, -1, 0, 127]},
        {"name": "u8", "dtype": "U8", "shape": [3], "values": [0, 128, 255]},
        {"name": "i16", "dtype": "I16", "shape": [2], "values": [-32768, 32767]},
        {"name": "u16", "dtype": "U16", "shape": [2], "values": [0, 65535]},
        {"name": "u32", "dtype": "U32", "shape": [2], "values": [0, 2 ** 32 - 1]},
        {"name": "u64", "dtype": "U64", "shape": [2], "values": [0, 2 ** 53]},
    ],
}


def write_fixtures():
    os.makedirs(OUT_DIR, exist_ok=True)
    for stem, spec in (("reference", REFERENCE), ("reference_extra", REFERENCE_EXTRA)):
        metadata, tensors = from_json(spec)
        data = serialize(tensors, metadata)
        with open(os.path.join(OUT_DIR, stem + ".safetensors"), "wb") as f:
            f.write(data)
        # The JSON is what the written file holds, read back by this script's reader (in file order).
        read_metadata, read_tensors = deserialize(data)
        with open(os.path.join(OUT_DIR, stem + ".json"), "w", encoding="utf-8") as f:
            json.dump(to_json(read_metadata, read_tensors, stem + ".safetensors"), f, indent=1, ensure_ascii=False)
            f.write("\n")
        print("wrote", stem + ".safetensors", len(data), "bytes,", len(tensors), "tensors")


# ----- checking a file -------------------------------------------------------------------

def same_value(dtype, a, b):
    if dtype in FLOATS:
        a, b = from_json_value(a), from_json_value(b)
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return a == b and type(a) is type(b)


def check(path, expected_path):
    with open(path, "rb") as f:
        metadata, tensors = deserialize(f.read())
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)
    problems = []
    if "metadata" in expected and expected["metadata"] != metadata:
        problems.append("metadata: expected %r, got %r" % (expected["metadata"], metadata))
    got = {name: (dtype, shape, raw) for name, dtype, shape, raw in tensors}
    want = {t["name"]: t for t in expected["tensors"]}
    if sorted(got) != sorted(want):
        problems.append("names: expected %s, got %s" % (sorted(want), sorted(got)))
    for name in sorted(set(got) & set(want)):
        dtype, shape, raw = got[name]
        t = want[name]
        if dtype != t["dtype"] or list(shape) != t["shape"]:
            problems.append("%s: expected %s %s, got %s %s" % (name, t["dtype"], t["shape"], dtype, shape))
            continue
        values = decode(dtype, raw)
        if len(values) != len(t["values"]) or not all(same_value(dtype, a, b) for a, b in zip(values, t["values"])):
            problems.append("%s: expected values %s, got %s" % (name, t["values"], values))
    for p in problems:
        print(p)
    print("%s: %s (%d tensors)" % (path, "matches" if not problems else "DIFFERS", len(tensors)))
    return 0 if not problems else 1


def main(argv):
    if len(argv) == 0:
        write_fixtures()
        return 0
    if argv[0] == "--check" and len(argv) == 3:
        return check(argv[1], argv[2])
    if argv[0] == "--dump" and len(argv) == 2:
        with open(argv[1], "rb") as f:
            metadata, tensors = deserialize(f.read())
        print(json.dumps(to_json(metadata, tensors), indent=1, ensure_ascii=False))
        return 0
    if argv[0] == "--write" and len(argv) == 3:
        with open(argv[1], encoding="utf-8") as f:
            metadata, tensors = from_json(json.load(f))
        with open(argv[2], "wb") as f:
            f.write(serialize(tensors, metadata))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
