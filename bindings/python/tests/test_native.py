"""The two paths of the package: on CPython the extension module reads dicts straight into the
Rust model; on PyPy the cffi layer sends JSON text through the C ABI. Both must agree with the
C ABI (and so with every other binding) on every result and every error's code, path and
violations. The checks that compare a dict with its JSON text run on both interpreters."""

from __future__ import annotations

import copy
import json
import pickle
import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, List, Mapping

import pytest

import fiskal
from conftest import load, vector_files

# The invalid vectors given as a JSON object (all but the malformed text).
INVALID = [f for f in vector_files("invalid") if "receipt" in load(f)]
TLV = vector_files("tlv")


def test_native_on_cpython_cffi_on_pypy() -> None:
    # The package picks the extension module on CPython and the cffi layer elsewhere.
    assert fiskal.NATIVE == (sys.implementation.name == "cpython")


def c_abi(text: str) -> Dict[str, Any]:
    """validate through the C ABI itself (fiskal_call: JSON text in, JSON out)."""
    return fiskal.call("validate", text)["receipt"]


def error_of(op: Any, receipt: Any) -> fiskal.FiskalError:
    with pytest.raises(fiskal.FiskalError) as info:
        op(receipt)
    return info.value


@pytest.mark.parametrize("path", INVALID, ids=[f.stem for f in INVALID])
def test_invalid_vector_from_a_dict_fails_as_its_text(path: Path) -> None:
    v = load(path)
    text = json.dumps(v["receipt"], ensure_ascii=False)
    for op in (fiskal.validate, fiskal.to_tlv):
        from_dict = error_of(op, copy.deepcopy(v["receipt"]))
        from_text = error_of(op, text)
        assert type(from_dict) is type(from_text)
        assert (from_dict.code, from_dict.name, from_dict.path) == (
            from_text.code,
            from_text.name,
            from_text.path,
        )
        if from_text.code == 2000:
            # Every violation, its code, path and both messages; the summary messages too.
            assert from_dict.details == from_text.details
            assert (from_dict.message_ru, from_dict.message_en) == (
                from_text.message_ru,
                from_text.message_en,
            )
        else:
            assert from_dict.code == 102
            assert from_dict.message_ru and from_dict.message_en


@pytest.mark.parametrize("path", TLV, ids=[f.stem for f in TLV])
def test_valid_vector_normalised_as_the_c_abi_prints_it(path: Path) -> None:
    v = load(path)
    text = json.dumps(v["receipt"], ensure_ascii=False)
    want = c_abi(text)
    got = fiskal.validate(v["receipt"])
    assert dict(got) == want
    # Key order too: the dict is built in the order the C ABI prints.
    assert json.dumps(dict(got), ensure_ascii=False) == json.dumps(want, ensure_ascii=False)
    assert fiskal.validate(text) == want


def test_decimal_int_and_str_money_read_exactly(sample: Dict[str, Any]) -> None:
    r = copy.deepcopy(sample)
    r["items"][0]["price"] = Decimal("199.90")
    r["items"][0]["quantity"] = Decimal("3")
    r["items"][0]["sum"] = Decimal("599.7")
    r["payments"] = {"electronic": Decimal("599.70")}
    out = fiskal.validate(r)
    assert out["items"][0]["price"] == "199.90"
    assert out["items"][0]["sum"] == "599.70"
    assert out["items"][0]["quantity"] == "3"
    assert out["payments"]["electronic"] == "599.70"
    whole = copy.deepcopy(sample)
    whole["items"][0].update(price=200, quantity=3, sum=600)
    whole.update(total=600, payments={"electronic": 600})
    assert fiskal.validate(whole)["total"] == "600.00"
    # A Decimal with a third decimal is the same FFD violation as the string.
    bad = copy.deepcopy(sample)
    bad["items"][0]["price"] = Decimal("199.901")
    e = error_of(fiskal.validate, bad)
    e_text = error_of(fiskal.validate, json.dumps(dict(bad, items=[
        dict(bad["items"][0], price="199.901")]), ensure_ascii=False))
    assert isinstance(e, fiskal.ValidationError)
    assert [(x.path, x.name) for x in e.errors] == [(x.path, x.name) for x in e_text.errors]


@pytest.mark.parametrize(
    "field, value, path",
    [
        ("price", True, "items[0].price"),
        ("price", None, "items[0].price"),
        ("price", "abc", "items[0].price"),
        ("price", Decimal("NaN"), "items[0].price"),
        ("price", [1], "items[0].price"),
        ("name", 5, "items[0].name"),
        ("vat", "vat99", "items[0].vat"),
        ("prise", "1.00", "items[0].prise"),
    ],
)
def test_type_errors_name_the_field(
    sample: Dict[str, Any], field: str, value: Any, path: str
) -> None:
    r = copy.deepcopy(sample)
    r["items"][0][field] = value
    e = error_of(fiskal.validate, r)
    assert type(e) is fiskal.ArgumentError
    assert (e.code, e.name, e.path) == (102, "invalid_json", path)
    text = json.dumps(r, ensure_ascii=False, default=str)
    assert error_of(fiskal.validate, text).path == path


def test_objects_json_cannot_carry_are_refused(sample: Dict[str, Any]) -> None:
    r = copy.deepcopy(sample)
    r["items"][0]["name"] = object()
    # The cffi path fails in json.dumps (TypeError), the native one names the field.
    with pytest.raises((TypeError, fiskal.ArgumentError)) as info:
        fiskal.validate(r)
    if fiskal.NATIVE:
        assert isinstance(info.value, fiskal.ArgumentError)
        assert info.value.path == "items[0].name"


def test_tuples_and_other_format_versions(sample: Dict[str, Any]) -> None:
    r = copy.deepcopy(sample)
    r["items"] = tuple(r["items"])
    assert fiskal.validate(r)["items"][0]["name"] == "Носки"
    v2 = dict(sample, version=2, something_new=1)
    e = error_of(fiskal.validate, v2)
    assert isinstance(e, fiskal.ValidationError)
    assert [(x.path, x.name) for x in e.errors] == [("version", "unsupported_format_version")]


def test_validated_receipt_is_a_read_only_mapping(sample: Dict[str, Any]) -> None:
    r = fiskal.validate(sample)
    assert isinstance(r, Mapping)
    assert r == c_abi(json.dumps(sample, ensure_ascii=False))
    assert list(r) == list(c_abi(json.dumps(sample, ensure_ascii=False)))
    if fiskal.NATIVE:
        assert isinstance(r, fiskal.ValidatedReceipt)
        d = r.to_dict()
        d["total"] = "1.00"  # a new dict each time: the receipt itself does not change
        assert r["total"] == "599.70" and r.to_dict()["total"] == "599.70"
        with pytest.raises(TypeError):
            r["total"] = "1.00"  # type: ignore[index]
    # copy, deepcopy and pickle give a plain dict of the same receipt.
    for c in (copy.copy(r), copy.deepcopy(r), pickle.loads(pickle.dumps(r))):
        assert type(c) is dict and c == r
    # A validated receipt is a receipt for every operation, on both paths.
    assert fiskal.to_tlv(r).hex == fiskal.to_tlv(sample).hex
    assert fiskal.validate(r) == r
    assert fiskal.compute(r).total == "599.70"


def test_memoryview_and_bytearray_text(sample: Dict[str, Any]) -> None:
    data = json.dumps(sample, ensure_ascii=False).encode("utf-8")
    want = fiskal.validate(sample)
    assert fiskal.validate(memoryview(data)) == want
    assert fiskal.validate(bytearray(data)) == want
    e = error_of(fiskal.validate, b'{"version": 1, "ffd": "\xff"}')
    assert (e.code, e.path) == (101, "input")


def test_to_tlv_from_a_dict_equals_from_text(sample: Dict[str, Any]) -> None:
    text = json.dumps(sample, ensure_ascii=False)
    a, b = fiskal.to_tlv(sample), fiskal.to_tlv(text)
    assert (a.hex, a.base64, a.size, a.form, a.ffd) == (b.hex, b.base64, b.size, b.form, b.ffd)
    assert a.raw == fiskal.call("to_tlv", text)


def test_many_items_and_marks_from_dicts() -> None:
    items: List[Dict[str, Any]] = []
    total = 0
    for i in range(200):
        price = 10_000 + (i % 97) * 137
        total += price
        item: Dict[str, Any] = {
            "name": "Товар номер %05d" % i,
            "price": Decimal(price) / 100,
            "quantity": 1,
            "sum": "%d.%02d" % (price // 100, price % 100),
            "measure": "piece",
            "vat": "vat22",
            "payment_method": "full_payment",
            "payment_subject": "marked" if i % 4 == 0 else "commodity",
        }
        if i % 4 == 0:
            item["mark"] = {"kind": 1305, "value": "0104601234567893215Abc%09d" % i,
                            "processing_mode": 0}
        items.append(item)
    money = "%d.%02d" % (total // 100, total % 100)
    r = {"version": 1, "ffd": "1.2", "operation": "sell", "tax_system": "osn",
         "company": {"inn": "7701000001", "payment_place": "https://shop.example.ru"},
         "items": items, "payments": {"electronic": money}, "total": money}
    text = json.dumps(r, ensure_ascii=False, default=str)
    assert fiskal.validate(r) == c_abi(text)
    assert fiskal.to_tlv(r).hex == fiskal.call("to_tlv", text)["hex"]


class _Quantity(int):
    """An int whose ``str`` is not its digits (like ``IntEnum`` before Python 3.11)."""

    def __str__(self) -> str:
        return "three"


class _Name(str):
    pass


class _Money(Decimal):
    pass


def test_subclasses_read_as_json_dumps_writes_them(sample: Dict[str, Any]) -> None:
    # json.dumps writes an int subclass as its digits whatever its __str__ says; the native
    # reader did str() and refused "three" (issue 19: ints are read by value now).
    r = copy.deepcopy(sample)
    r["items"][0]["quantity"] = _Quantity(3)
    r["items"][0]["name"] = _Name("Носки шерстяные")
    r["items"][0]["price"] = _Money("199.90")
    text = json.dumps(r, ensure_ascii=False, default=str)
    got = fiskal.validate(r)
    assert got == fiskal.validate(text)
    assert got["items"][0]["quantity"] == "3"
    assert got["items"][0]["name"] == "Носки шерстяные"
    assert fiskal.to_tlv(r).hex == fiskal.to_tlv(text).hex


@pytest.mark.parametrize(
    "name",
    [
        "Socks",  # ASCII: CPython's UTF-8 view is the str's own data
        "Носки «шерсть»",  # Cyrillic (two bytes each) and characters CP866 lacks
        "Чай \U0001f375 зелёный",  # a four-byte character
        "Кофе\tмолотый \"Арабика\" \\ 250 г",  # characters JSON escapes
    ],
)
def test_text_of_every_width_reads_as_its_json_text(sample: Dict[str, Any], name: str) -> None:
    r = copy.deepcopy(sample)
    r["items"][0]["name"] = name
    r["cashier"] = {"name": name}
    text = json.dumps(r, ensure_ascii=False)
    try:
        want: Any = fiskal.validate(text)
    except fiskal.FiskalError as e:
        got = error_of(fiskal.validate, r)
        assert (got.code, got.path, got.details) == (e.code, e.path, e.details)
        return
    assert fiskal.validate(r) == want
    # Reading the same str objects again (CPython keeps their UTF-8 form) gives the same.
    assert fiskal.validate(r) == want


def test_a_lone_surrogate_names_its_field(sample: Dict[str, Any]) -> None:
    # A str with no UTF-8 form: a typed error naming the field, never a crash.
    r = copy.deepcopy(sample)
    r["items"][0]["name"] = "Носки \ud800"
    with pytest.raises((fiskal.ArgumentError, UnicodeEncodeError)) as info:
        fiskal.validate(r)
    if fiskal.NATIVE:
        assert isinstance(info.value, fiskal.ArgumentError)
        assert (info.value.code, info.value.path) == (102, "items[0].name")
    r = copy.deepcopy(sample)
    r["items"][0]["price"] = "1\udc00"
    with pytest.raises((fiskal.ArgumentError, UnicodeEncodeError)) as info:
        fiskal.validate(r)
    if fiskal.NATIVE:
        assert isinstance(info.value, fiskal.ArgumentError)
        assert (info.value.code, info.value.path) == (102, "items[0].price")


def outcome(receipt: Any) -> Any:
    """What validate makes of a receipt: the normalised receipt, or the error's code, path and
    details."""
    try:
        return dict(fiskal.validate(receipt))
    except fiskal.FiskalError as e:
        return (e.code, e.path, e.details)


def test_big_and_negative_ints(sample: Dict[str, Any]) -> None:
    # Beyond 64 bits and below zero, as the text path reads them.
    for q in (2**70, 2**63, -(2**63) - 1, -3, 0):
        r = copy.deepcopy(sample)
        r["items"][0]["quantity"] = q
        assert outcome(r) == outcome(json.dumps(r, ensure_ascii=False)), q


def _outcome_with_message(receipt: Any) -> Any:
    """validate's result, or the error's code, path, details and English message (without the
    line and column that only a JSON text has: in the message's prefix and, for a type error,
    as its details)."""
    try:
        return dict(fiskal.validate(receipt))
    except fiskal.FiskalError as e:
        details = None if e.code == 102 else e.details
        # "JSON error (line 1, column 196): ..." from text, "receipt data error: ..." from
        # objects: the reader's own message after the prefix is what must agree.
        message = re.sub(r"^(JSON error \(line \d+, column \d+\)|receipt data error): ", "",
                         e.message_en)
        return (e.code, e.path, details, re.sub(r" at line \d+ column \d+$", "", message))


@pytest.mark.parametrize(
    "amount",
    [
        "199.90", "199.9", "0199.90", "-199.90", "-0", "1e2", "1.999E+2", "", " 1", "1 ", "+1",
        "1.", ".5", "abc", "1,5", "1\n", 'a"b\\c', "\u0661", "1" * 70, "0.10000000000000000555",
        Decimal("199.90"), Decimal("1.999E+2"), Decimal("-0"), Decimal("-199.90"),
        Decimal("NaN"), Decimal("sNaN"), Decimal("-Infinity"), Decimal("1E-30"),
        _Money("199.90"), 200, -200, 0, 2**63 - 1, 2**63, 2**64 - 1, 2**64, 2**70, -(2**63) - 1,
        _Quantity(200), True, False, None, 199.9, [1], {"a": 1},
    ],
    ids=repr,
)
def test_amounts_of_every_type_read_as_their_json_text(
    sample: Dict[str, Any], amount: Any
) -> None:
    # Money and quantities reach the model without JSON text on the native path (issue 19):
    # a str or Decimal as its text, an int as its value. Whatever the value, the result — the
    # normalised receipt, or the error's code, path, details and message — is the JSON text's.
    for field in ("price", "quantity"):
        r = copy.deepcopy(sample)
        r["items"][0][field] = amount
        # As the cffi path writes it (fiskal._ffi.dumps: compact, Decimal as its string).
        text = json.dumps(r, ensure_ascii=False, separators=(",", ":"), default=str)
        assert _outcome_with_message(r) == _outcome_with_message(text), field


class _Mutating:
    """A value whose ``to_json()`` adds a key to the dict being read (a receipt changed while it
    is read)."""

    def __init__(self, target: Dict[str, Any]) -> None:
        self.target, self.calls = target, 0

    def to_json(self) -> str:
        self.calls += 1
        self.target["extra%d" % self.calls] = "x"
        return "7701000001"


def test_a_dict_changed_while_read_is_a_typed_error(sample: Dict[str, Any]) -> None:
    # The native reader walks a dict with PyDict_Next (issue 19); a dict that grows while it is
    # read is refused with a typed error naming where (PyO3's dict iterator panicked here).
    r = copy.deepcopy(sample)
    r["company"]["inn"] = _Mutating(r["company"])
    if fiskal.NATIVE:
        e = error_of(fiskal.validate, r)
        assert type(e) is fiskal.ArgumentError
        assert e.code == 102 and e.path is not None and e.path.startswith("company")
    else:
        # The cffi path: whatever json.dumps makes of it, never a crash.
        try:
            fiskal.validate(r)
        except (RuntimeError, fiskal.FiskalError):
            pass


# --- issue 19: the reader's shortcuts give what the general reader gives -----------------------

def _reader_hooks() -> Any:
    """The extension module, whose reader these tests are about; on PyPy (the cffi layer, no
    such reader) `None`, after checking that the cffi module indeed has none of it."""
    import fiskal._native as _native

    if fiskal.NATIVE:
        return _native
    assert not hasattr(_native, "_fast_read") and not hasattr(_native, "_decimal_text")
    return None


def test_a_decimal_reads_as_its_str() -> None:
    # A Decimal's text is made from the number in place (bindings/python/native/src/
    # decimal.rs) where str() would write plain digits, else asked of str(): the same text
    # either way, over edge values and 20 000 seeded random ones.
    import random

    _native = _reader_hooks()
    if _native is None:
        return
    rnd = random.Random(19)
    values = [Decimal(s) for s in (
        "199.90", "0", "-0", "0.00", "-0.00", "0E-6", "0E-7", "1E+5", "5E-6", "0.000001",
        "0.0000001", "9999999999999999999", "10000000000000000000", "12345678901234567890.5",
        "99999999999999999999999999999999999999", "100000000000000000000000000000000000000",
        "NaN", "-sNaN", "Infinity", "-Infinity",
    )]
    for _ in range(20_000):
        digits = rnd.randint(0, 45)
        values.append(Decimal("%s%dE%d" % (rnd.choice(["", "-"]), rnd.randint(0, 10**digits),
                                          rnd.randint(-30, 5))))
    in_place = 0
    for d in values:
        text, fast = _native._decimal_text(d)
        assert text == str(d), d
        in_place += fast
    # The in-place path is the one taken for amounts (the check cannot pass on str() alone).
    assert _native._decimal_text(Decimal("199.90")) == ("199.90", True)
    assert in_place > len(values) // 2


def _item_variants(receipt: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The receipt, with amounts as Decimal, and mutated: each item key removed, set to None,
    to a list, to an unknown key's name, doubled under another name."""
    out = [copy.deepcopy(receipt)]
    dec = copy.deepcopy(receipt)
    for it in dec.get("items") or []:
        for k in ("price", "sum"):
            if isinstance(it.get(k), str):
                it[k] = Decimal(it[k])
    out.append(dec)
    for k in list(receipt):
        r = copy.deepcopy(receipt)
        del r[k]
        out.append(r)
        r = copy.deepcopy(receipt)
        r[k] = None
        out.append(r)
    items = receipt.get("items") or []
    if items:
        for k in list(items[0]):
            for change in ("del", None, [1], "unknown"):
                r = copy.deepcopy(receipt)
                it = r["items"][0]
                if change == "del":
                    del it[k]
                elif change == "unknown":
                    it["unknown_" + k] = it.pop(k)
                else:
                    it[k] = change
                out.append(r)
        r = copy.deepcopy(receipt)
        r["items"] = tuple(r["items"])
        out.append(r)
    r = copy.deepcopy(receipt)
    r["unknown"] = 1
    out.append(r)
    return out


@pytest.mark.parametrize("path", TLV, ids=[f.stem for f in TLV])
def test_the_field_by_field_reader_gives_the_general_readers_receipt(path: Path) -> None:
    # The receipt and its items are read field by field (native/src/fast.rs) and anything it
    # does not read itself is left to serde's derived reader; whenever it reads a receipt, the
    # result is exactly serde's. Over every TLV vector's receipt and mutations of it.
    _native = _reader_hooks()
    if _native is None:
        return
    receipt = load(path)["receipt"]
    for r in _item_variants(receipt):
        read, same = _native._fast_read(r)
        assert (read, same) in ((True, True), (False, None)), r
    # The vector itself is read by it (the check cannot pass by leaving everything to serde).
    assert _native._fast_read(copy.deepcopy(receipt)) == (True, True)


def test_the_usual_receipt_takes_the_shortcuts(sample: Dict[str, Any]) -> None:
    _native = _reader_hooks()
    if _native is None:
        return
    r = copy.deepcopy(sample)
    r["items"][0]["price"] = Decimal("199.90")
    assert _native._fast_read(r) == (True, True)
