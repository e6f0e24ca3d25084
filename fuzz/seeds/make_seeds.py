#!/usr/bin/env python3
"""Writes the seed inputs of the ffi_calls and addin_calls targets into corpus/<target>/ from
the shared golden vectors (tests/vectors) and examples/data: each seed is one call in the
target's own input format (see the `Input` reader of each target). Run from fuzz/:
    python3 seeds/make_seeds.py
Seeds are named by their SHA-1, as libFuzzer names corpus entries."""
import hashlib
import json
import pathlib
import struct

ROOT = pathlib.Path(__file__).resolve().parents[2]
VEC = ROOT / "tests" / "vectors"


def chunk(b: bytes) -> bytes:
    if len(b) < 255:
        return bytes([len(b)]) + b
    return b"\xff" + struct.pack("<H", min(len(b), 0xFFFF)) + b[:0xFFFF]


def texts():
    """(kind, JSON text) pairs: receipts, TLV envelopes, marks, invalid inputs."""
    out = []
    receipt = (ROOT / "examples/data/receipt_1_2.json").read_text()
    out.append(("receipt", receipt))
    for f in sorted((VEC / "tlv").glob("*.json"))[:6]:
        d = json.loads(f.read_text())
        out.append(("receipt", json.dumps(d["receipt"], ensure_ascii=False)))
        out.append(("tlv", json.dumps({"version": 1, "hex": d["tlv_hex"]})))
    for f in sorted((VEC / "invalid").glob("*.json"))[:8]:
        d = json.loads(f.read_text())
        v = d.get("input", d.get("receipt"))
        if v is not None:
            out.append(("receipt", v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)))
    for f in sorted((VEC / "tlv_errors").glob("*.json"))[:4]:
        d = json.loads(f.read_text())
        out.append(("tlv", json.dumps({"version": 1, "hex": d["hex"]})))
    for f in sorted((VEC / "marks").glob("*.json"))[:4]:
        d = json.loads(f.read_text())
        out.append(("mark", json.dumps({"version": 1, "code": d["input"]}, ensure_ascii=False)))
    out.append(("receipt", '{"version": 1, "items": [{"name": "Чай"'))
    return out


def write(target: str, seeds):
    d = ROOT / "fuzz" / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    for s in seeds:
        (d / hashlib.sha1(s).hexdigest()).write_bytes(s)
    print(f"{target}: {len(seeds)} seeds")


# ffi_calls: op, chunk, arg mode (7: the whole buffer), out mode (2: both outputs valid).
OPS = {"receipt": [0, 1, 2, 3], "tlv": [4], "mark": [5]}
ffi = []
for kind, text in texts():
    b = text.encode()
    for op in OPS[kind]:
        ffi.append(bytes([op]) + chunk(b) + bytes([7, 2]))
    # The same through fiskal_call (name chosen by index 3: the chunk that follows).
    name = {"receipt": b"validate", "tlv": b"from_tlv", "mark": b"mark"}[kind]
    ffi.append(bytes([7]) + chunk(b) + chunk(name) + bytes([3, 7, 7, 2]))
    # NULL and short pointers, NULL outputs.
    ffi.append(bytes([3]) + chunk(b) + bytes([1, 9, 0, 0, 0, 2]))
    ffi.append(bytes([0]) + chunk(b) + bytes([2, 40, 0]))
    # The outbox: enqueue it, look it up, list.
    if kind == "receipt":
        request = '{"key": "seed-%d", "receipt": %s, "route": null}' % (len(ffi), text)
        ffi.append(bytes([12]) + chunk(request.encode()) + bytes([1, 7, 2]))
ffi.append(bytes([8, 0, 2]))
ffi.append(bytes([9, 0]) + struct.pack("<I", 2000) + bytes([64, 32, 1, 1]))
ffi.append(bytes([10]) + chunk(json.dumps({"provider": "atol", "api": "v5", "preset": "test",
                                            "base_url": "http://127.0.0.1:9/possystem/v5/",
                                            "password": "seed"}).encode()) + bytes([7, 1]) + chunk(b'{"key": "k"}') + bytes([7, 2, 3, 0]))
ffi.append(bytes([13]) + chunk(b"seed-1") + bytes([1, 7, 2]))
ffi.append(bytes([14]) + chunk(b'{"version": 1}') + bytes([1, 7, 2]))
ffi.append(bytes([17, 0, 1, 2, 18, 0, 1, 3, 20, 0, 1, 21, 0, 2, 22, 0]))
write("ffi_calls", ffi)

# addin_calls: op (0: a call), method, count, per argument: kind 5 (text) + chunk + len mode 1
# (the whole string) / kind 7 (binary) + chunk / kind 8 (NULL string) + 0; then the shape 3.
METHOD = {"receipt": [0, 1, 2, 3], "tlv": [4], "mark": [5]}
addin = []
for kind, text in texts():
    b = text.encode()
    for m in METHOD[kind]:
        addin.append(bytes([0, m, 1, 5]) + chunk(b) + bytes([1, 3]))
        addin.append(bytes([1, m, 1, 7]) + chunk(b) + bytes([3]))
    addin.append(bytes([0, 3, 1, 8, 0, 3]))
    addin.append(bytes([0, 3, 1, 9, 1, 7, 0, 0, 3]))
addin.append(bytes([0, 7, 2, 5]) + chunk(b"version") + bytes([1, 5]) + chunk(b"") + bytes([1, 3]))
addin.append(bytes([5, 1, 1, 0, 6]) + chunk("ПоследняяОшибка".encode()) + bytes([1, 3, 1, 7]))
addin.append(bytes([0, 9, 2, 5]) + chunk(b"{}") + bytes([1, 4, 0x03, 0x20, 5, 3]))
write("addin_calls", addin)
