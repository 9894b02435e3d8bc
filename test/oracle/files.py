#!/usr/bin/python3
"""PyTorch oracle for test/files.test.ts: torch.save/torch.load interchange and safetensors.

Reads {"dir": d, "parts": [names]} on stdin ("parts" optional: all when absent) and prints JSON
with one entry for each of these parts:
  "read_torch": torch.load(d/from-js.pt), with torch.load's default arguments (weights_only=True
     from PyTorch 2.6 on), and print its description (see describe()), plus "shared": whether
     rec["view"] and rec["base"] share storage, and "torch": the version of PyTorch that read it.
  "read_archive": open d/from-js.pt with zipfile: its record names in order, whether every CRC-32
     is right, every record stored uncompressed and its data at a multiple of 64 bytes.
  "write_torch": torch.save(d/from-py.pt) a state_dict (an OrderedDict, from a small model after
     a training-mode pass), a nested record of every supported kind, tensors of every dtype, views
     sharing storage, a Parameter; print the description of what was saved.
  "write_bad": write the files that torch.load must refuse: a Python object, the legacy format, a
     TorchScript archive (d/object.pt, d/legacy.pt, d/script.pt).
  "read_safetensors": parse d/from-js.safetensors by the published format (8-byte little-endian
     header length, JSON header, raw little-endian data) with struct and json only; print its
     metadata, names in header order, tensors, and checks of the layout.
  "write_safetensors": write d/from-py.safetensors by hand in that format; print its description.
"""
import argparse
import json
import struct
import sys
import zipfile

import torch
import torch.nn as nn

DTYPES = {
    torch.float32: "float32", torch.float64: "float64", torch.float16: "float16", torch.bfloat16: "bfloat16",
    torch.int64: "int64", torch.int32: "int32", torch.int16: "int16", torch.int8: "int8", torch.uint8: "uint8",
    torch.bool: "bool",
}
SAFETENSORS = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64,
    "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool,
}
CODES = {v: k for k, v in SAFETENSORS.items()}


def describe(v):
    if torch.is_tensor(v):
        return {"tensor": {"dtype": DTYPES[v.dtype], "shape": list(v.shape), "values": v.flatten().tolist(),
                           "requiresGrad": v.requires_grad}}
    if isinstance(v, dict):
        return {"dict": {str(k): describe(x) for k, x in v.items()},
                "intKeys": len(v) > 0 and all(isinstance(k, int) for k in v)}
    if isinstance(v, (list, tuple)):
        return {"list": [describe(x) for x in v]}
    if isinstance(v, bool):
        return {"bool": v}
    if isinstance(v, int):
        return {"int": v}
    if isinstance(v, float):
        return {"float": v}
    if isinstance(v, str):
        return {"str": v}
    if v is None:
        return {"none": True}
    raise TypeError(type(v))


def every_dtype():
    base = torch.tensor([[1.5, -2.25, 3.0], [0.5, 7.0, -8.125]])
    return {name: (base > 0 if dtype == torch.bool else base.to(dtype)) for dtype, name in DTYPES.items()}


def write_torch(folder):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 3))
    model(torch.randn(2, 1, 4, 4))
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    record = {
        "state_dict": model.state_dict(),
        "nested": {"lr": 0.125, "epoch": 7, "name": "run-1", "done": False, "none": None,
                   "tuple": (1, 2.5, "x"), "list": [[1, 2], [3.5]], "ints": {3: "three", 1: "one"}},
        "dtypes": every_dtype(),
        "scalar": torch.tensor(3.5),
        "empty": torch.zeros(0, 3),
        "transposed": base.t(),
        "base": base,
        "view": base[1],
        "param": nn.Parameter(torch.tensor([1.0, 2.0])),
    }
    torch.save(record, f"{folder}/from-py.pt")
    return describe(record)


def write_bad(folder):
    torch.save({"args": argparse.Namespace(lr=0.1)}, f"{folder}/object.pt")
    torch.save({"x": torch.zeros(2)}, f"{folder}/legacy.pt", _use_new_zipfile_serialization=False)
    torch.jit.save(torch.jit.script(nn.Linear(2, 2)), f"{folder}/script.pt")
    return {}


def read_safetensors(folder):
    with open(f"{folder}/from-js.safetensors", "rb") as f:
        raw = f.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length].decode("utf-8"))
    data = raw[8 + length:]
    metadata = header.pop("__metadata__", None)
    tensors, spans = {}, []
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = SAFETENSORS[info["dtype"]]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype) if end > begin else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(info["shape"])
        spans.append((begin, end, torch.empty(0, dtype=dtype).element_size()))
    spans.sort()
    contiguous = all(a[1] == b[0] for a, b in zip(spans, spans[1:])) and spans[0][0] == 0 and spans[-1][1] == len(data)
    aligned = all(begin % size == 0 for begin, _, size in spans) and (8 + length) % 8 == 0
    return {"metadata": metadata, "names": list(header.keys()), "tensors": describe(tensors),
            "contiguous": contiguous, "aligned": aligned}


def write_safetensors(folder):
    tensors = dict(every_dtype(), matrix=torch.arange(6, dtype=torch.float32).reshape(2, 3).t(),
                   scalar=torch.tensor(2.5), empty=torch.zeros(2, 0))
    header, chunks, offset = {"__metadata__": {"format": "pt", "note": "written by hand"}}, [], 0
    for name, t in tensors.items():
        t = t.contiguous()
        raw = (t.view(torch.int16) if t.dtype in (torch.float16, torch.bfloat16) else t).numpy().tobytes()
        header[name] = {"dtype": CODES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode("utf-8")
    with open(f"{folder}/from-py.safetensors", "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))
    return {"tensors": describe(tensors), "metadata": header["__metadata__"]}


def read_torch(folder):
    rec = torch.load(f"{folder}/from-js.pt")
    shared = rec["view"].storage().data_ptr() == rec["base"].storage().data_ptr()
    return {"described": describe(rec), "shared": shared, "torch": torch.__version__}


def read_archive(folder):
    with open(f"{folder}/from-js.pt", "rb") as f:
        raw = f.read()
    with zipfile.ZipFile(f"{folder}/from-js.pt") as z:
        records = z.infolist()
        crc_ok = z.testzip() is None

    def data_start(info):
        name_length, extra_length = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
        return info.header_offset + 30 + name_length + extra_length

    return {"names": [r.filename for r in records], "crc_ok": crc_ok,
            "stored": all(r.compress_type == zipfile.ZIP_STORED for r in records),
            "aligned": all(data_start(r) % 64 == 0 for r in records)}


def main():
    request = json.load(sys.stdin)
    parts = [read_torch, read_archive, write_torch, write_bad, read_safetensors, write_safetensors]
    chosen = request.get("parts", [part.__name__ for part in parts])
    print(json.dumps({part.__name__: part(request["dir"]) for part in parts if part.__name__ in chosen}))


main()
