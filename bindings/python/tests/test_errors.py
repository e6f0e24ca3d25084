"""Errors: the exception class follows the result code's range; every attribute is filled."""

from __future__ import annotations

import pickle
from typing import Any, Dict

import pytest

import fiskal
from fiskal.errors import error_class_for


@pytest.mark.parametrize(
    "code, klass",
    [
        (100, fiskal.ArgumentError),
        (102, fiskal.ArgumentError),
        (199, fiskal.ArgumentError),
        (2000, fiskal.ValidationError),
        (3000, fiskal.CalcError),
        (3023, fiskal.CalcError),
        (4001, fiskal.MarkError),
        (5001, fiskal.TlvError),
        (5100, fiskal.TlvError),
        (6001, fiskal.ProviderError),
        (6999, fiskal.ProviderError),
        (7003, fiskal.OutboxError),
        (7999, fiskal.OutboxError),
        (1, fiskal.FiskalError),
        (999, fiskal.FiskalError),
        (8000, fiskal.FiskalError),
    ],
)
def test_class_by_code_range(code: int, klass: type) -> None:
    assert error_class_for(code) is klass
    e = fiskal.FiskalError.from_json({"code": code, "name": "x", "message_en": "m"})
    assert type(e) is klass
    assert isinstance(e, fiskal.FiskalError) and isinstance(e, Exception)
    assert e.code == code


def test_every_known_code_has_a_name_and_its_class() -> None:
    # Every number the header lists is named by the library and lands in its range's class.
    import re
    from conftest import REPO

    header = (REPO / "include" / "fiskal.h").read_text(encoding="utf-8")
    codes = [int(n) for n in re.findall(r"FISKAL_RESULT_\w+ = (\d+),", header)]
    assert len(codes) > 50
    for code in codes:
        name = fiskal.result_name(code)
        assert name != "unknown", code
        if code:
            assert error_class_for(code).__name__ != "FiskalError" or code < 100, code
    assert fiskal.result_name(0) == "ok"
    assert fiskal.result_name(123456) == "unknown"


def test_validation_error(sample: Dict[str, Any]) -> None:
    sample["company"]["inn"] = "7701000002"
    sample["total"] = "600.00"
    with pytest.raises(fiskal.ValidationError) as info:
        fiskal.validate(sample)
    e = info.value
    assert e.code == 2000 and e.name == "receipt_invalid" and e.path is None
    assert [(v.code, v.name, v.path) for v in e.errors] == [
        (2007, "inn_check_digit", "company.inn"),
        (2019, "total_mismatch", "total"),
        (2020, "payments_mismatch", "payments"),
    ]
    assert all(v.message_ru and v.message_en for v in e.errors)
    assert "ИНН" in e.message_ru and "INN" in e.message_en
    assert str(e) == e.message_en
    assert isinstance(e.details, list) and len(e.details) == 3
    assert "ValidationError(code=2000" in repr(e)


def test_json_errors_are_argument_errors(sample: Dict[str, Any]) -> None:
    with pytest.raises(fiskal.ArgumentError) as info:
        fiskal.validate("{")
    assert info.value.code == 102 and info.value.name == "invalid_json"
    sample["items"][0]["price"] = True
    with pytest.raises(fiskal.ArgumentError) as info:
        fiskal.validate(sample)
    assert info.value.path == "items[0].price"
    # Invalid UTF-8 reaches the library as bytes: 101.
    with pytest.raises(fiskal.ArgumentError) as info:
        fiskal.validate(b'{"version": 1, "ffd": "\xff"}')
    assert info.value.code == 101
    # An envelope of another version: 105, path `version`.
    with pytest.raises(fiskal.ArgumentError) as info:
        fiskal.call("compute", {"version": 2, "receipt": sample})
    assert (info.value.code, info.value.path) == (105, "version")
    # from_tlv with neither hex nor base64: 107.
    with pytest.raises(fiskal.ArgumentError) as info:
        fiskal.call("from_tlv", {"version": 1})
    assert info.value.code == 107
    with pytest.raises(fiskal.ArgumentError) as info:
        fiskal.call("no_such_operation", {})
    assert (info.value.code, info.value.name) == (108, "unknown_operation")


def test_calc_error(sample: Dict[str, Any]) -> None:
    with pytest.raises(fiskal.CalcError) as info:
        fiskal.compute(sample, adjustment={"kind": "discount", "value": "1000.00"})
    e = info.value
    assert e.code == 3007 and e.name == "calc_discount_too_large"
    assert e.details["reason"] == "discount_too_large"
    with pytest.raises(fiskal.CalcError) as info:
        fiskal.compute(sample, adjustment={"kind": "discount", "value": "1.00"}, exclude=[5])
    assert info.value.code == 3011 and info.value.path == "exclude[0]"


def test_mark_error() -> None:
    with pytest.raises(fiskal.MarkError) as info:
        fiskal.mark("")
    e = info.value
    assert e.code == 4001 and e.reason == "empty" and e.path == "code"
    with pytest.raises(fiskal.MarkError) as info:
        fiskal.mark("4606203090784")  # EAN-13 with a wrong check digit
    assert info.value.reason == "bad_check_digit" and info.value.position == 12


def test_tlv_error() -> None:
    with pytest.raises(fiskal.TlvError) as info:
        fiskal.from_tlv(b"")
    e = info.value
    assert (e.code, e.reason, e.offset, e.tag) == (5001, "truncated_header", 0, None)
    with pytest.raises(fiskal.ArgumentError):
        fiskal.from_tlv("zz")  # not hex: 107


def test_errors_pickle_and_compare_by_code(sample: Dict[str, Any]) -> None:
    sample["total"] = "1.00"
    try:
        fiskal.validate(sample)
    except fiskal.ValidationError as e:
        err = e
    else:  # pragma: no cover
        pytest.fail("accepted")
    # Exceptions carry plain data: they survive being re-raised and inspected later.
    assert err.errors[0].path == "total"
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is fiskal.ValidationError
    assert (clone.code, clone.message_en, clone.errors) == (err.code, err.message_en, err.errors)


def test_success_clears_nothing_we_see(sample: Dict[str, Any]) -> None:
    # An error does not leak into the next call on the same thread.
    with pytest.raises(fiskal.ValidationError):
        fiskal.validate(dict(sample, total="1.00"))
    assert fiskal.validate(sample)["total"] == "599.70"
