#!/usr/bin/env python3
"""fiskal against the plain Python SDK of the field, side by side in one process (a benchmark,
not a test). Run by benches/peers/run-python, which makes the venv (komtet-kassa-sdk from PyPI
and the fiskal release wheel); by hand: ``python benches/peers/python_komtet.py [--rounds 15]``.

Both sides start from the same application data (the shop's cart: names, ``Decimal`` prices,
quantities, mark codes; the receipt of benches/lib.rs ``receipt_json_1_2(n)``: ~40-character
Cyrillic names, one item in four marked, 22 % VAT, paid by card) and do what a shop's code does
before a receipt goes out:

* **peer** (komtet-kassa-sdk ``v2``): ``Check`` + ``Position`` objects, ``add_position``,
  ``add_payment``, then ``json_encode(dict(check))`` as its ``Client.create_task`` does before
  the HTTP POST. It checks nothing (money goes out as floats).
* **fiskal**: the receipt dict, then ``fiskal.validate(dict)`` — every FFD rule, exact money,
  mark codes parsed — which returns the verdict (a ``ValidatedReceipt``; raises with every
  violation). Also measured: ``+ to_dict()`` (the normalised receipt built as a dict, what
  ``validate`` returned before) and ``fiskal.to_tlv(dict)`` (validate + the TLV document).

Cases are interleaved: each round times every case once (a batch of calls each), and the
figure of a case is its median over the rounds, so drift of a shared machine hits all of them
alike; ratios are to the peer measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from decimal import Decimal
from typing import Any, Callable, Dict, List, Tuple

import fiskal
from komtet_kassa_sdk.v2 import (
    Check,
    Intent,
    MarkTypes,
    MeasureTypes,
    PaymentMethod,
    PaymentObject,
    PaymentType,
    Position,
    TaxSystem,
    VatRate,
)
from komtet_kassa_sdk.v2.client import json_encode

Cart = List[Tuple[str, Decimal, int, str]]


def cart(n: int) -> Cart:
    """The shop's cart: (name, price, quantity, mark code or ""), as benches/lib.rs builds it."""
    out: Cart = []
    for i in range(n):
        kop = 10_000 + (i % 97) * 137
        code = "0104601234567893215Abc%09d" % i if i % 4 == 0 else ""
        out.append(
            ("Товар номер %05d, артикул ABC-%06d синий" % (i, i), Decimal(kop) / 100, 1, code)
        )
    return out


def peer_build_and_serialise(items: Cart) -> str:
    check = Check("order-1", Intent.SELL)
    check.set_company(payment_address="https://shop.example.ru", tax_system=TaxSystem.COMMON,
                      inn="7701000001")
    check.set_cashier("Иванов И.И.")
    check.set_client(phone="+79990000001")
    total = Decimal(0)
    for name, price, qty, code in items:
        p = Position(name=name, price=price, quantity=qty, total=price * qty,
                     measure=MeasureTypes.PIECE,
                     payment_object=PaymentObject.TM if code else PaymentObject.PRODUCT,
                     payment_method=PaymentMethod.FULL_PAYMENT, vat=VatRate.RATE_22)
        if code:
            p.set_mark_code(MarkTypes.GS1M, code)
        check.add_position(p)
        total += price * qty
    check.add_payment(total, PaymentType.CARD)
    return str(json_encode(dict(check)))


def fiskal_build(items: Cart) -> Dict[str, Any]:
    out: List[Dict[str, Any]] = []
    total = Decimal(0)
    for name, price, qty, code in items:
        item: Dict[str, Any] = {
            "name": name, "price": price, "quantity": qty, "sum": price * qty,
            "measure": "piece", "vat": "vat22", "payment_method": "full_payment",
            "payment_subject": "marked" if code else "commodity",
        }
        if code:
            item["mark"] = {"kind": 1305, "value": code, "processing_mode": 0}
        out.append(item)
        total += price * qty
    return {
        "version": 1, "ffd": "1.2", "operation": "sell", "tax_system": "osn",
        "company": {"inn": "7701000001", "payment_place": "https://shop.example.ru",
                    "email": "receipts@shop.example.ru"},
        "cashier": {"name": "Иванов И.И."}, "client": {"contact": "+79990000001"},
        "items": out, "payments": {"electronic": total}, "total": total,
    }


def fiskal_build_and_validate(items: Cart) -> Any:
    return fiskal.validate(fiskal_build(items))


def fiskal_build_validate_to_dict(items: Cart) -> Any:
    r: Any = fiskal.validate(fiskal_build(items))
    return r.to_dict()


def fiskal_build_and_to_tlv(items: Cart) -> Any:
    return fiskal.to_tlv(fiskal_build(items))


def per_call(f: Callable[[Cart], Any], items: Cart, batch: int) -> float:
    """Seconds per call over one batch."""
    t0 = time.perf_counter()
    for _ in range(batch):
        f(items)
    return (time.perf_counter() - t0) / batch


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--seconds", type=float, default=0.2, help="per case per round")
    args = ap.parse_args()
    if not getattr(fiskal, "NATIVE", False) and sys.implementation.name == "cpython":
        print("warning: fiskal is not the native (PyO3) build", file=sys.stderr)
    try:
        from importlib.metadata import version as dist_version

        peer_version = dist_version("komtet-kassa-sdk")
    except Exception:  # pragma: no cover - metadata missing
        peer_version = "?"
    print("python %s (%s), %s; fiskal %s (native: %s), komtet-kassa-sdk %s" % (
        platform.python_version(), sys.implementation.name, platform.machine(),
        fiskal.version(), getattr(fiskal, "NATIVE", False), peer_version))

    cases: List[Tuple[str, Callable[[Cart], Any]]] = [
        ("peer: build + json_encode", peer_build_and_serialise),
        ("fiskal: build + validate", fiskal_build_and_validate),
        ("fiskal: build + validate + to_dict", fiskal_build_validate_to_dict),
        ("fiskal: build + to_tlv", fiskal_build_and_to_tlv),
    ]
    for n in (10, 200):
        items = cart(n)
        # The two sides describe the same receipt: same lines and total.
        peer_doc = json.loads(peer_build_and_serialise(items))
        ours = fiskal_build_and_validate(items)
        assert len(peer_doc["positions"]) == len(ours["items"]) == n
        assert Decimal(str(peer_doc["payments"][0]["sum"])) == Decimal(ours["total"])
        # Batch sizes so that one batch takes about --seconds.
        batches = {}
        for name, f in cases:
            t = per_call(f, items, 20)
            batches[name] = max(5, int(args.seconds / max(t, 1e-7)))
        samples: Dict[str, List[float]] = {name: [] for name, _ in cases}
        for _ in range(args.rounds):
            for name, f in cases:
                samples[name].append(per_call(f, items, batches[name]))
        peer = statistics.median(samples[cases[0][0]])
        print("\n%d items (median of %d interleaved rounds)" % (n, args.rounds))
        print("| case | µs per receipt | peer ÷ case |")
        print("|---|---|---|")
        for name, _ in cases:
            m = statistics.median(samples[name])
            print("| %s | %.1f | %.2f× |" % (name, m * 1e6, peer / m))
    return 0


if __name__ == "__main__":
    sys.exit(main())
