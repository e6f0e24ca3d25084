#!/usr/bin/env python3
"""Fills in the expected TLV of the golden vectors, independently of the Rust encoder.

Each file tests/vectors/tlv/NNN_name.json holds a receipt ("receipt") and, written by hand from
the FFD rules, the requisites its document must contain ("requisites": a nested list of
[tag, type, value]). This script encodes "requisites" with its own small TLV encoder (the rules of
framing and types as in fiskal-ffd's `tlv` module docs) and writes "tlv_hex" and "size". The Rust test then checks that
fiskal's encoder turns "receipt" into exactly these bytes, and that decoding them gives back the
receipt. Run it after editing a vector:  python3 tools/gen_tlv_vectors.py

Types: byte, u32, unixtime ("YYYY-MM-DDTHH:MM:SS" local, encoded as if UTC), vln (int kopecks;
minimal width, 0 as one byte 00), fvln ([scale, mantissa]), str (text, CP866; pad fixed-length
fields yourself), bytes (hex), stlv (list of requisites).
"""
import calendar, json, os, struct, sys, datetime

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DIR = os.path.join(ROOT, "tests", "vectors", "tlv")


def vln(v):
    n = max(1, (v.bit_length() + 7) // 8)
    return v.to_bytes(n, "little")


def value(typ, v):
    if typ == "byte":
        return bytes([v])
    if typ == "u32":
        return struct.pack("<I", v)
    if typ == "unixtime":
        dt = datetime.datetime.strptime(v, "%Y-%m-%dT%H:%M:%S")
        return struct.pack("<I", calendar.timegm(dt.timetuple()))
    if typ == "vln":
        return vln(v)
    if typ == "fvln":
        scale, mantissa = v
        return bytes([scale]) + vln(mantissa)
    if typ == "str":
        return v.encode("cp866")
    if typ == "bytes":
        return bytes.fromhex(v)
    if typ == "stlv":
        return b"".join(tlv(r) for r in v)
    raise ValueError("unknown type %r" % typ)


def tlv(req):
    tag, typ, v = req
    body = value(typ, v)
    return struct.pack("<HH", tag, len(body)) + body


def main():
    changed = 0
    for name in sorted(os.listdir(DIR)):
        if not name.endswith(".json"):
            continue
        path = os.path.join(DIR, name)
        with open(path, encoding="utf-8") as f:
            vec = json.load(f)
        if "requisites" not in vec:
            continue
        doc = tlv(vec["requisites"])
        new_hex, new_size = doc.hex().upper(), len(doc)
        if vec.get("tlv_hex") != new_hex or vec.get("size") != new_size:
            vec["tlv_hex"], vec["size"] = new_hex, new_size
            with open(path, "w", encoding="utf-8") as f:
                json.dump(vec, f, ensure_ascii=False, indent=2)
                f.write("\n")
            changed += 1
            print("updated", name, file=sys.stderr)
    print("%d vector(s) updated" % changed, file=sys.stderr)


if __name__ == "__main__":
    main()
