"""The operations one by one: shapes, input kinds (dict / str / bytes), docs/c-api.md examples."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any, Dict

import pytest

import fiskal
from conftest import REPO


def cargo_version() -> str:
    text = (REPO / "Cargo.toml").read_text(encoding="utf-8")
    m = re.search(r'\[workspace\.package\][^\[]*?\nversion = "([^"]+)"', text)
    assert m, "no [workspace.package] version in Cargo.toml"
    return m.group(1)


def test_version_is_the_cargo_version() -> None:
    assert fiskal.version() == cargo_version() == fiskal.__version__
    info = fiskal.version_info()
    assert info.library == "fiskal" and info.library_version == fiskal.version()
    assert info.ffd_versions == ["1.05", "1.2"]
    assert 1 in info.receipt_format_versions
    assert info.max_input_len == 16 * 1024 * 1024
    for op in ("validate", "compute", "split", "to_tlv", "from_tlv", "mark", "qr"):
        assert op in info.operations


def test_installed_package_version_matches() -> None:
    try:
        from importlib.metadata import version as dist_version
    except ImportError:  # pragma: no cover - Python 3.7
        pytest.skip("importlib.metadata needs Python 3.8")
    assert dist_version("fiskal") == fiskal.version()


def test_validate_accepts_dict_str_bytes(sample: Dict[str, Any]) -> None:
    text = json.dumps(sample, ensure_ascii=False)
    a = fiskal.validate(sample)
    assert a == fiskal.validate(text) == fiskal.validate(text.encode("utf-8"))
    assert a["version"] == 1
    assert a["items"][0]["quantity"] == "3"
    assert a["payments"] == {
        "cash": "0.00",
        "electronic": "599.70",
        "prepaid": "0.00",
        "credit": "0.00",
        "consideration": "0.00",
    }


def test_decimal_and_int_money(sample: Dict[str, Any]) -> None:
    sample["items"][0]["price"] = Decimal("199.9")
    sample["items"][0]["sum"] = Decimal("599.70")
    sample["total"] = Decimal("599.7")
    assert fiskal.validate(sample)["total"] == "599.70"
    sample["items"][0].update(price=200, sum=600)
    sample.update(total=600, payments={"cash": 600})
    assert fiskal.validate(sample)["items"][0]["price"] == "200.00"


def test_compute_docs_example(sample: Dict[str, Any]) -> None:
    c = fiskal.compute(sample, adjustment={"kind": "discount", "value": "100.00"})
    assert c.total == "499.70"
    assert [(x.source, x.price, x.quantity, x.sum, x.vat, x.vat_sum) for x in c.lines] == [
        (0, "166.56", "1", "166.56", "vat22", "30.04"),
        (0, "166.57", "2", "333.14", "vat22", "60.07"),
    ]
    assert [(r.vat, r.sum, r.vat_sum) for r in c.per_rate if r.sum != "0.00"] == [
        ("vat22", "499.70", "90.11")
    ]
    assert c.allocation == {"amount": "100.00", "direction": "discount", "item_sums": ["499.70"]}
    assert c.receipt["total"] == "499.70"
    # The adjusted receipt is ready for TLV.
    assert fiskal.to_tlv(c.receipt).size > 0
    # Without an adjustment it is only priced.
    plain = fiskal.compute(json.dumps(sample, ensure_ascii=False))
    assert plain.allocation is None and plain.total == "599.70"


def test_split(sample: Dict[str, Any]) -> None:
    item = sample["items"][0]
    sample["items"] = [dict(item) for _ in range(150)]
    total = Decimal("599.70") * 150
    sample["total"] = str(total)
    sample["payments"] = {"electronic": str(total)}
    s = fiskal.split(sample, "order-42", provider="atol")
    assert len(s) == s.count == 2
    assert [p.key for p in s] == ["order-42-1", "order-42-2"]
    assert [p.items for p in s] == [(0, 100), (100, 150)]
    assert sum(Decimal(p.receipt["total"]) for p in s) == total
    for p in s:
        fiskal.validate(p.receipt)


def test_to_tlv_and_back(sample: Dict[str, Any]) -> None:
    t = fiskal.to_tlv(sample)
    assert (t.ffd, t.form, t.size) == ("1.2", 3, 151)
    data = bytes(t)
    assert len(data) == t.size and data == t.data
    assert data.hex().upper() == t.hex
    import base64

    assert base64.b64decode(t.base64) == data
    d = fiskal.from_tlv(data)
    assert d.valid and d.size == 151 and d.form == 3
    assert d.dump["tag"] == 3 and d.dump["name"] == "кассовый чек"
    assert fiskal.from_tlv(bytearray(data)).receipt == d.receipt
    assert fiskal.from_tlv(memoryview(data)).receipt == d.receipt
    assert fiskal.to_tlv(d.receipt).hex == t.hex
    with pytest.raises(TypeError):
        fiskal.from_tlv(123)  # type: ignore[arg-type]


def test_mark_ean13_docs_example() -> None:
    m = fiskal.mark("4606203090785")
    assert isinstance(m, fiskal.Mark)
    assert (m.format, m.product_group, m.gtin, m.serial, m.mark_type) == (
        "ean13",
        "unknown",
        "4606203090785",
        None,
        0,
    )
    assert m.tag_1163 == {"tag": 1302, "value": "4606203090785"}
    assert m.tag_1162 == fiskal.Tag1162("450D043077195761", "45 0D 04 30 77 19 57 61", "RQ0EMHcZV2E=")
    assert m.tag_1162.data == bytes.fromhex("450D043077195761")
    assert m.providers["atol_v5_mark_code"] == {"ean13": "4606203090785"}
    assert m.warnings == []


def test_mark_bytes_and_options() -> None:
    gs1 = "0104601234567893215Abc000000001\x1d93AbCd"
    m = fiskal.mark(gs1)
    assert m.format == "gs1" and m.elements[0] == ("01", "04601234567893")
    # The same scan as raw bytes with a leading 0xE8 FNC1 byte (not UTF-8).
    m2 = fiskal.mark(b"\xe8" + gs1.encode("ascii"))
    assert m2.tag_2000 == m.tag_2000
    assert [w.code for w in m2.warnings] == ["leading_fnc1"]
    with pytest.raises(TypeError):
        fiskal.mark(42)  # type: ignore[arg-type]


def test_qr_docs_example() -> None:
    fiscal = {
        "fn_number": "9999078900001234",
        "fd_number": 1234,
        "fiscal_sign": 3826187301,
        "date_time": "2026-03-02T10:15:42",
        "total": "599.70",
        "operation": "sell",
    }
    assert (
        fiskal.qr(fiscal)
        == "t=20260302T1015&s=599.70&fn=9999078900001234&i=1234&fp=3826187301&n=1"
    )


def test_call_by_name(sample: Dict[str, Any]) -> None:
    out = fiskal.call("to_tlv", sample)
    assert out["version"] == 1 and out["size"] == 151
    assert fiskal.call("version", "{}")["library"] == "fiskal"


def test_non_ascii_and_inner_nul(sample: Dict[str, Any]) -> None:
    # Inputs are (ptr, len): an inner NUL is just a character, not the end of the input.
    sample["items"][0]["name"] = "Носки\x00!"
    assert fiskal.validate(sample)["items"][0]["name"] == "Носки\x00!"
    sample["items"][0]["name"] = "Ёлка «Праздник» №1"
    with pytest.raises(fiskal.ValidationError) as info:
        fiskal.validate(sample)  # «» are not in CP866
    assert [v.name for v in info.value.errors] == ["not_cp866"]
    sample["items"][0]["name"] = "Ёлка №1"
    assert fiskal.validate(sample)["items"][0]["name"] == "Ёлка №1"
