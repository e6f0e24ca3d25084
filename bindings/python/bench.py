#!/usr/bin/env python3
"""Per-call cost of the Python binding (a benchmark, not a test).

    python bindings/python/bench.py [--items 10] [--seconds 0.5]

Measures, in one run, on the same 10-item FFD 1.2 receipt as the Rust benchmarks
(benches/lib.rs ``receipt_json_1_2``: ~40-character names, one item in four marked):

* ``json.loads(text)``           the baseline: what Python alone pays to map that JSON;
* ``lib.fiskal_version_json``     the smallest round trip through cffi (call + copy + free);
* ``lib.fiskal_validate`` raw     the C call alone (validation in Rust + output string + free);
* ``fiskal.validate(text)``       the binding: C call + JSON text → dict (validate + map);
* ``fiskal.validate(dict)``       the same from a dict (adds json.dumps of the input).

"binding overhead" = ``fiskal.validate(text)`` minus the raw C call: what the Python layer adds.
The goal is ≤ 30 µs per ``fiskal.validate`` call. Figures depend on the build profile: a
``--profile dev`` wheel (what scripts/test-python builds) is several times slower in the Rust
part than ``maturin build --release``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import timeit
from typing import Any, Callable, Dict, List

import fiskal
from fiskal._ffi import ffi, lib


def receipt_json_1_2(n: int) -> str:
    """The receipt of benches/lib.rs ``receipt_json_1_2(n)``, character for character."""
    items: List[str] = []
    total = 0
    for i in range(n):
        price = 10_000 + (i % 97) * 137
        total += price
        marked = i % 4 == 0
        mark = (
            ',"mark":{"kind":1305,"value":"0104601234567893215Abc%09d","processing_mode":0}' % i
            if marked
            else ""
        )
        items.append(
            '{"name":"Товар номер %05d, артикул ABC-%06d синий","price":"%d.%02d","quantity":1,'
            '"sum":"%d.%02d","measure":"piece","vat":"vat22","payment_method":"full_payment",'
            '"payment_subject":"%s"%s}'
            % (i, i, price // 100, price % 100, price // 100, price % 100,
               "marked" if marked else "commodity", mark)
        )
    return (
        '{"version":1,"ffd":"1.2","operation":"sell","tax_system":"osn","company":{"inn":"7701000001",'
        '"payment_place":"https://shop.example.ru","email":"receipts@shop.example.ru"},'
        '"cashier":{"name":"Иванов И.И."},"client":{"contact":"+79990000001"},"items":[%s],'
        '"payments":{"electronic":"%d.%02d"},"total":"%d.%02d"}'
        % (",".join(items), total // 100, total % 100, total // 100, total % 100)
    )


def per_call_us(fn: Callable[[], Any], seconds: float) -> float:
    """Best of 5 runs of ~``seconds`` each, in microseconds per call."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    number = max(1, int(number * seconds / 0.2))
    return min(timer.repeat(repeat=5, number=number)) / number * 1e6


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=0.5, help="time per measurement run")
    args = ap.parse_args()

    text = receipt_json_1_2(args.items)
    data = text.encode("utf-8")
    as_dict: Dict[str, Any] = json.loads(text)
    assert fiskal.validate(text)["items"][0]["name"].startswith("Товар номер 00000")

    out = ffi.new("char **")
    n = ffi.new("size_t *")

    def raw_validate() -> None:
        if lib.fiskal_validate(data, len(data), out, n) != 0:
            raise RuntimeError("invalid")
        lib.fiskal_string_free(out[0])

    def raw_version() -> None:
        lib.fiskal_version_json(out, n)
        ffi.unpack(out[0], n[0])
        lib.fiskal_string_free(out[0])

    # The output of validate, to time the mapping (copy + decode + json.loads) on its own.
    out_text = fiskal._ffi.call_text(lib.fiskal_validate, data).encode("utf-8")
    out_buf = ffi.new("char[]", out_text)
    out_n = len(out_text)

    def mapping_only() -> None:
        json.loads(ffi.unpack(out_buf, out_n).decode("utf-8"))

    rows = [
        ("json.loads(text)  [baseline]", lambda: json.loads(text)),
        ("cffi call floor (fiskal_result_is_tlv_error)", lambda: lib.fiskal_result_is_tlv_error(0)),
        ("mapping only (copy+decode+json.loads output)", mapping_only),
        ("lib.fiskal_version_json (call+copy+free)", raw_version),
        ("lib.fiskal_validate raw (no mapping)", raw_validate),
        ("fiskal.validate(text) -> dict", lambda: fiskal.validate(text)),
        ("fiskal.validate(dict) -> dict", lambda: fiskal.validate(as_dict)),
    ]
    results = {}
    print("fiskal %s, %s %s, %s" % (
        fiskal.version(), platform.python_implementation(), platform.python_version(), platform.machine()))
    print("command: %s %s" % (sys.executable, " ".join(sys.argv)))
    print("receipt: %d items, %d bytes of JSON" % (args.items, len(data)))
    print()
    for name, fn in rows:
        us = per_call_us(fn, args.seconds)
        results[name] = us
        print("  %-44s %9.2f µs/call" % (name, us))
    v_text = results["fiskal.validate(text) -> dict"]
    raw = results["lib.fiskal_validate raw (no mapping)"]
    base = results["json.loads(text)  [baseline]"]
    floor = results["cffi call floor (fiskal_result_is_tlv_error)"]
    mapping = results["mapping only (copy+decode+json.loads output)"]
    print()
    print("  output: %d bytes of JSON" % out_n)
    print("  Python-side cost per validate (call floor + mapping)  %7.2f µs/call" % (floor + mapping))
    print("  binding overhead (validate(text) - raw C call)        %7.2f µs/call" % (v_text - raw))
    print("  validate(text) / json.loads(text)                     %7.1f x" % (v_text / base))
    goal = 30.0
    print("  goal: fiskal.validate(text) <= %.0f µs/call: %s" % (goal, "met" if v_text <= goal else "NOT met"))
    print("  (the Rust part depends on the build: --profile dev is several times slower than --release)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
