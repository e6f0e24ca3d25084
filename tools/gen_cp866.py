#!/usr/bin/env python3
"""Prints the CP866 upper-half table (bytes 0x80..0xFF) as Rust `char` literals.

Used to write `HIGH` in crates/fiskal-ffd/src/cp866.rs; also writes the cross-check vector
tests/vectors/codec/cp866.json (every byte 0..255 and its Unicode code point)."""
import json, os, sys

s = bytes(range(128, 256)).decode("cp866")
for i in range(0, 128, 8):
    print("    " + " ".join("'\\u{%04X}'," % ord(c) for c in s[i:i + 8]))

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
out = os.path.join(root, "tests", "vectors", "codec", "cp866.json")
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w", encoding="utf-8") as f:
    json.dump({"description": "CP866 byte -> Unicode code point, from Python's cp866 codec",
               "table": [ord(bytes([b]).decode("cp866")) for b in range(256)]}, f, indent=0)
    f.write("\n")
print("wrote", out, file=sys.stderr)
