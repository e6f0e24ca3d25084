"""The shared golden vectors (tests/vectors) through the Python binding: the same bytes and the
same errors as the Rust tests (crates/fiskal-json/tests/vectors.rs mirrors these checks). One
pytest case per file, named after it."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, List

import pytest

import fiskal
from conftest import load, vector_files

TLV_ERROR_CODES = {
    "truncated_header": 5001,
    "length_past_end": 5002,
    "wrong_width": 5003,
    "vln_too_wide": 5004,
    "bad_fvln": 5005,
    "too_deep": 5006,
    "trailing_data": 5007,
}

MARK_VALUE = "010460123456789321sTxR2k9aQ7mZ4"


def ids(files: List[Path]) -> List[str]:
    return [f.stem for f in files]


# --- tlv/: receipt JSON -> exact bytes ------------------------------------------------------

TLV = vector_files("tlv")


@pytest.mark.parametrize("path", TLV, ids=ids(TLV))
def test_tlv_vector(path: Path) -> None:
    v = load(path)
    want = v["tlv_hex"]
    t = fiskal.to_tlv(v["receipt"])
    assert t.hex == want
    assert t.size == v["size"] == len(want) // 2
    assert bytes(t) == bytes.fromhex(want)
    assert t.form == v["requisites"][0]
    # The receipt as JSON text gives the same bytes as the dict.
    assert fiskal.to_tlv(json.dumps(v["receipt"], ensure_ascii=False)).hex == want
    # Decoding (bytes, hex text) gives a valid receipt that re-encodes to the same bytes.
    for data in (bytes.fromhex(want), want, want.lower()):
        d = fiskal.from_tlv(data)
        assert d.valid, d.violations
        assert d.violations == []
        assert d.size == v["size"]
        assert d.form == t.form
        assert d.dump["tag"] == v["requisites"][0]
        assert fiskal.to_tlv(d.receipt).hex == want
    # validate agrees and returns the receipt.
    assert fiskal.validate(v["receipt"])["ffd"] == v["receipt"]["ffd"]


# --- invalid/: the exact ordered list of violations -----------------------------------------

INVALID = vector_files("invalid")


@pytest.mark.parametrize("path", INVALID, ids=ids(INVALID))
def test_invalid_vector(path: Path) -> None:
    v = load(path)
    text = v["input"] if "input" in v else json.dumps(v["receipt"], ensure_ascii=False)
    expect = v["expect"]
    for op in (fiskal.validate, fiskal.to_tlv):
        with pytest.raises(fiskal.FiskalError) as info:
            op(text)
        e = info.value
        if expect["kind"] == "json":
            assert type(e) is fiskal.ArgumentError, repr(e)
            assert e.code == 102 and e.name == "invalid_json"
            assert (e.path or "") == expect["path"]
        else:
            assert expect["kind"] == "invalid"
            assert type(e) is fiskal.ValidationError, repr(e)
            assert e.code == 2000 and e.name == "receipt_invalid"
            got = [{"path": x.path, "code": x.name} for x in e.errors]
            assert got == expect["violations"]
            for x in e.errors:
                assert 2001 <= x.code <= 2034, x
                assert x.message_ru and x.message_en, x
            assert e.message_ru and e.message_en


# --- tlv_errors/: where malformed bytes fail ------------------------------------------------

TLV_ERRORS = vector_files("tlv_errors")


@pytest.mark.parametrize("path", TLV_ERRORS, ids=ids(TLV_ERRORS))
def test_tlv_error_vector(path: Path) -> None:
    v = load(path)
    want = v["error"]
    with pytest.raises(fiskal.TlvError) as info:
        fiskal.from_tlv(bytes.fromhex(v["hex"]))
    e = info.value
    assert (e.reason, e.offset, e.tag) == (want["kind"], want["offset"], want["tag"])
    assert e.code == TLV_ERROR_CODES[want["kind"]]


# --- marks/: raw scans -> 1162 / 1163 / 2000 / provider strings -----------------------------

MARKS = vector_files("marks")


@pytest.mark.parametrize("path", MARKS, ids=ids(MARKS))
def test_mark_vector(path: Path) -> None:
    v = load(path)
    scan: Any = v["input"] if "input" in v else bytes.fromhex(v["input_hex"])
    options = v.get("options", {})
    if "expected" in v:
        m = fiskal.mark(scan, **options)
        assert isinstance(m, fiskal.Mark)
        assert m.to_dict() == v["expected"]
        exp = v["expected"]
        assert m.format == exp["format"] and m.tag_2000 == exp["tag_2000"]
        assert m.elements == [tuple(x) for x in exp["elements"]]
        assert [(w.code, w.position) for w in m.warnings] == [
            (w["code"], w["position"]) for w in exp["warnings"]
        ]
        if exp["tag_1162"] is None:
            assert m.tag_1162 is None
        else:
            assert m.tag_1162 is not None
            assert m.tag_1162.data == bytes.fromhex(exp["tag_1162"]["hex"])
    else:
        with pytest.raises(fiskal.MarkError) as info:
            fiskal.mark(scan, **options)
        e = info.value
        assert (e.reason, e.position) == (v["error"]["code"], v["error"]["position"])
        assert 4001 <= e.code <= 4014


# --- calc/: allocation, splitting, VAT ------------------------------------------------------


def kop(text: str) -> int:
    d = Decimal(text)
    assert d == d.quantize(Decimal("0.01"))
    return int(d * 100)


def money(k: int) -> str:
    return "%d.%02d" % (k // 100, k % 100)


def cart(v: Dict[str, Any]) -> Dict[str, Any]:
    """The cart a calc vector describes (tests/vectors/calc/alloc/README.md), as receipt JSON
    (the same construction as crates/fiskal-json/tests/vectors.rs)."""
    total = 0
    items = []
    for i, x in enumerate(v.get("items", [])):
        total += kop(x["sum"])
        marked = bool(x.get("marked", False))
        item: Dict[str, Any] = {
            "name": x.get("name", "Позиция %d" % (i + 1)),
            "price": x["price"],
            "quantity": x["quantity"],
            "sum": x["sum"],
            "measure": "piece",
            "vat": x.get("vat", "vat22"),
            "payment_method": "full_payment",
            "payment_subject": x.get("subject", "marked" if marked else "commodity"),
        }
        if marked:
            item["mark"] = {"kind": 1305, "value": MARK_VALUE, "processing_mode": 0}
        items.append(item)
    return {
        "version": 1,
        "ffd": "1.2",
        "operation": "sell",
        "company": {"inn": "7701000001", "payment_place": "https://shop.example.ru"},
        "items": items,
        "payments": v.get("payments", {"electronic": money(total)}),
        "total": money(total),
    }


def check_calc_error(v: Dict[str, Any], e: fiskal.CalcError) -> None:
    assert "error" in v, "unexpected error %r" % e
    want = v["error"]
    assert isinstance(e, fiskal.CalcError) and 3000 <= e.code < 4000
    assert (e.details or {}).get("reason") == want.get("code")
    if want.get("path"):
        assert (e.path or "").endswith(want["path"]), (e.path, want["path"])


ALLOC = vector_files("calc/alloc")


@pytest.mark.parametrize("path", ALLOC, ids=ids(ALLOC))
def test_calc_alloc_vector(path: Path) -> None:
    v = load(path)
    excluded = [i for i, x in enumerate(v["items"]) if x.get("excluded")]
    try:
        c = fiskal.compute(
            cart(v),
            adjustment=v["adjustment"],
            exclude=excluded,
            rounding=v.get("rounding", "half_up"),
            fractional_policy=v.get("fractional_policy"),
        )
    except fiskal.CalcError as e:
        check_calc_error(v, e)
        return
    assert "expected" in v, "succeeded, but an error is expected"
    assert c.allocation is not None
    got = {
        "amount": c.allocation["amount"],
        "direction": c.allocation["direction"],
        "total": c.total,
        "item_sums": c.allocation["item_sums"],
        "lines": [
            {"source": x.source, "quantity": x.quantity, "price": x.price, "sum": x.sum}
            for x in c.lines
        ],
    }
    assert got == v["expected"]


SPLIT = vector_files("calc/split")


@pytest.mark.parametrize("path", SPLIT, ids=ids(SPLIT))
def test_calc_split_vector(path: Path) -> None:
    v = load(path)
    try:
        s = fiskal.split(cart(v), v["key"], **v.get("options", {}))
    except fiskal.CalcError as e:
        check_calc_error(v, e)
        return
    want = v["expected"]["parts"]
    assert len(s) == len(want) == s.raw["count"]
    next_item = 0
    for j, (p, w) in enumerate(zip(s.parts, want)):
        r = p.receipt
        # VAT per rate of the part, through compute.
        c = fiskal.compute(r)
        vat = {x.vat: x.vat_sum for x in c.per_rate if x.vat not in ("vat0", "none")}
        pay = r["payments"]
        got: Dict[str, Any] = {
            "key_suffix": p.key_suffix,
            "items": len(r["items"]),
            "total": r["total"],
            "payments": {k: pay[k] for k in ("prepaid", "electronic", "cash", "credit", "consideration")},
            "vat": vat,
        }
        if "size_bound" in w:
            got["size_bound"] = p.size_bound
        assert got == w, "parts[%d]" % j
        assert p.key == v["key"] + p.key_suffix
        assert p.index == j and p.items[0] == next_item
        next_item = p.items[1]


VAT_ALL = vector_files("calc/vat")
# Kinds of calc/vat rows that have a JSON operation (compute); the others (net_to_gross,
# rate_dates) are fiskal-calc functions without one, covered by crates/fiskal-calc/tests.
VAT = [p for p in VAT_ALL if {"receipt", "item_vat"} & set(load(p))]
VAT_WITHOUT_OPERATION = {"description", "net_to_gross", "rate_dates"}


def test_calc_vat_vectors_not_run_here_are_known_kinds() -> None:
    # A new kind of vector must not be left out silently.
    for p in VAT_ALL:
        if p not in VAT:
            assert set(load(p)) <= VAT_WITHOUT_OPERATION, p.name


@pytest.mark.parametrize("path", VAT, ids=ids(VAT))
def test_calc_vat_vector(path: Path) -> None:
    v = load(path)
    if "receipt" in v:
        rc = v["receipt"]
        items = [
            {"price": x["sum"], "quantity": "1", "sum": x["sum"], "vat": x["vat"]}
            for x in rc["items"]
        ]
        c = fiskal.compute(cart({"items": items}))
        assert c.raw["per_rate"] == rc["per_rate"]
        assert [(x.vat, x.sum, x.vat_sum) for x in c.per_rate] == [
            (x["vat"], x["sum"], x["vat_sum"]) for x in rc["per_rate"]
        ]
        assert c.vat_totals == rc["vat_totals"]
    if "item_vat" in v:
        # Each row as a line of one receipt: the line's VAT is the row's.
        # Lines are VAT-ed half-up (the compute operation has no per-line rounding option).
        rows = [r for r in v["item_vat"] if kop(r["sum"]) > 0 and r.get("rounding", "half_up") == "half_up"]
        items = [{"price": r["sum"], "quantity": "1", "sum": r["sum"], "vat": r["vat"]} for r in rows]
        c = fiskal.compute(cart({"items": items}))
        assert [(x.vat, x.sum, x.vat_sum) for x in c.lines] == [
            (r["vat"], r["sum"], r["vat_sum"]) for r in rows
        ]
