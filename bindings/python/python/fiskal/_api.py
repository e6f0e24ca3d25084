"""The stateless operations: validate, compute, split, to_tlv, from_tlv, mark, qr, version."""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Union

from . import _ffi
from ._ffi import ffi, lib
from .errors import ArgumentError, FiskalError
from .types import Computation, DecodedTlv, Mark, Split, Tlv, VersionInfo

from . import _native

# CPython: the extension module reads dicts straight into the Rust model (no JSON text); PyPy:
# the cffi package, JSON text through the C ABI.
_ext: Any = _native if hasattr(_native, "NativeError") else None

__all__ = [
    "version",
    "version_info",
    "validate",
    "compute",
    "split",
    "to_tlv",
    "from_tlv",
    "mark",
    "qr",
    "call",
    "result_name",
    "Receipt",
    "ValidatedReceipt",
    "NATIVE",
]

#: ``True`` when the CPython extension module is in use (receipts read from Python objects
#: directly), ``False`` on the cffi path (PyPy: JSON text through the C ABI).
NATIVE = _ext is not None


class ValidatedReceipt(Mapping[str, Any]):
    """A receipt that passed every FFD rule (what :func:`validate` returns on CPython): a
    read-only mapping of the normalised receipt, built from the Rust model only when first
    read. ``to_dict()`` gives a plain (new, mutable) ``dict``; passing the object itself to
    :func:`to_tlv` or :func:`validate` reuses the parsed receipt."""

    __slots__ = ("_native", "_dict")

    def __init__(self, native: Any) -> None:
        self._native = native
        self._dict: Optional[Dict[str, Any]] = None

    def _data(self) -> Dict[str, Any]:
        if self._dict is None:
            self._dict = self._native.to_dict()
        return self._dict

    def to_dict(self) -> Dict[str, Any]:
        """The normalised receipt as a new ``dict``."""
        d: Dict[str, Any] = self._native.to_dict()
        return d

    def to_json(self) -> Dict[str, Any]:
        """The normalised receipt for JSON (``json.dumps(r, default=lambda o: o.to_json())``)."""
        return self.to_dict()

    def __getitem__(self, key: str) -> Any:
        return self._data()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())

    def __repr__(self) -> str:
        return "ValidatedReceipt(%r)" % (self._data(),)

    def __reduce__(self) -> Any:
        # pickle, copy and deepcopy give the plain dict (the Rust receipt does not cross
        # processes).
        return (dict, (self.to_dict(),))

#: A receipt: a dict (docs/receipt-json.md), or its JSON text as ``str`` / UTF-8 ``bytes``.
Receipt = Union[Mapping[str, Any], str, bytes]


def _receipt_text(receipt: Receipt) -> str:
    """A receipt as JSON text, to embed in an envelope (text is kept exactly as given, so a
    number's exact digits reach the library)."""
    if isinstance(receipt, str):
        return receipt
    if isinstance(receipt, (bytes, bytearray, memoryview)):
        try:
            return bytes(receipt).decode("utf-8")
        except UnicodeDecodeError as e:
            raise ArgumentError(
                101, "invalid_utf8", "receipt", "чек не в UTF-8", "the receipt is not UTF-8: %s" % e
            ) from None
    return _ffi.dumps(receipt)


def _envelope(receipt: Optional[Receipt] = None, **fields: Any) -> bytes:
    """``{"version": 1, "receipt": <receipt>, <fields that are not None>}`` as UTF-8 bytes."""
    parts = ['{"version":1']
    if receipt is not None:
        parts.append(',"receipt":')
        parts.append(_receipt_text(receipt))
    for k, v in fields.items():
        if v is not None:
            parts.append(",%s:%s" % (json.dumps(k), _ffi.dumps(v)))
    parts.append("}")
    return "".join(parts).encode("utf-8")


def version() -> str:
    """The library version, e.g. ``"0.1.0"`` (the Cargo version of libfiskal)."""
    v: str = ffi.string(lib.fiskal_version()).decode("ascii")
    return v


def version_info() -> VersionInfo:
    """What the library is: its version, the FFD versions and receipt JSON versions it reads,
    the input size limit and the operation names."""
    out = ffi.new("char **")
    n = ffi.new("size_t *")
    rc = lib.fiskal_version_json(out, n)
    if rc != 0:
        raise _ffi.raise_last_error(rc)
    return VersionInfo.from_json(json.loads(_ffi.take_string(out[0], n[0])))


def validate(receipt: Receipt) -> Mapping[str, Any]:
    """Parses and checks a receipt against every FFD rule; returns it normalised (money with two
    decimals, all five payments, quantities as strings).

    On CPython the result is a :class:`ValidatedReceipt`: the receipt stays in Rust and the
    normalised mapping is built only when read (``to_dict()`` for a plain ``dict``); on PyPy it
    is a ``dict``.

    >>> r = validate({"version": 1, "ffd": "1.2", "operation": "sell", "tax_system": "osn",
    ...     "company": {"inn": "7701000001", "payment_place": "https://shop.example.ru"},
    ...     "items": [{"name": "Носки", "price": "199.90", "quantity": 3, "sum": "599.70",
    ...                "measure": "piece", "vat": "vat22", "payment_method": "full_payment",
    ...                "payment_subject": "commodity"}],
    ...     "payments": {"electronic": "599.70"}, "total": "599.70"})
    >>> r["payments"]["cash"], r["items"][0]["quantity"]
    ('0.00', '3')

    Raises:
        ValidationError: the receipt breaks FFD rules (``.errors`` lists every violation).
        ArgumentError: not JSON, a wrong type or an unknown field (``.path`` names it).
    """
    if _ext is not None:
        try:
            # A plain dict (the usual receipt) goes in as it is, without the checks of
            # _native_input (isinstance of the Mapping ABC is not free).
            native_in = receipt if type(receipt) is dict else _native_input(receipt)
            return ValidatedReceipt(_ext.validate(native_in))
        except _ext.NativeError as e:
            raise FiskalError.from_json(e.args[0]) from None
    receipt_out: Dict[str, Any] = _ffi.call_json(lib.fiskal_validate, _ffi.to_bytes(receipt))["receipt"]
    return receipt_out


def _native_input(receipt: Any) -> Any:
    """What the extension module reads: the Rust receipt of a :class:`ValidatedReceipt`, the
    bytes of a ``memoryview``, anything else as it is."""
    if isinstance(receipt, ValidatedReceipt):
        return receipt._native
    if isinstance(receipt, memoryview):
        return bytes(receipt)
    return receipt


def compute(
    receipt: Receipt,
    *,
    adjustment: Optional[Mapping[str, Any]] = None,
    exclude: Optional[Sequence[int]] = None,
    fractional_policy: Optional[str] = None,
    rounding: Optional[str] = None,
    payments: Optional[Mapping[str, Any]] = None,
) -> Computation:
    """Prices and VAT per line and per rate, optionally after a receipt-level adjustment
    spread over the lines.

    Args:
        receipt: the receipt.
        adjustment: ``{"kind": "discount"|"markup"|"discount_percent"|"markup_percent"|
            "target_total", "value": "100.00"}``.
        exclude: item indices left untouched (delivery, gift certificates).
        fractional_policy: ``nearest_price``, ``nearest_price_or_split`` (default),
            ``exact_or_split``.
        rounding: of a percentage amount: ``half_up`` (default), ``down``, ``half_even``.
        payments: the payments of the result, when paid with several kinds.

    Raises:
        CalcError: 3001–3023 (``.path`` points into the envelope: ``receipt.items[3].sum``).
        ValidationError, ArgumentError: as for :func:`validate`.
    """
    data = _envelope(
        receipt,
        adjustment=adjustment,
        exclude=list(exclude) if exclude is not None else None,
        fractional_policy=fractional_policy,
        rounding=rounding,
        payments=payments,
    )
    return Computation.from_json(_ffi.call_json(lib.fiskal_compute, data))


def split(
    receipt: Receipt,
    key: str,
    *,
    budget: Optional[int] = None,
    provider: Optional[str] = None,
    max_items: Optional[int] = None,
    max_payments: Optional[int] = None,
) -> Split:
    """One cart into several receipts under the size budget (default 30 720 bytes) and the
    provider's limits (``provider="atol"``: 100 items, 10 payments). Each part is a validated
    receipt paying exactly its own total, with its own idempotency key (``key`` + ``-1``…).

    Raises:
        CalcError: 3015 header too large, 3016 item too large, 3017 provider limit.
    """
    options = {
        k: v
        for k, v in (
            ("budget", budget),
            ("provider", provider),
            ("max_items", max_items),
            ("max_payments", max_payments),
        )
        if v is not None
    }
    data = _envelope(receipt, key=key, options=options)
    return Split.from_json(_ffi.call_json(lib.fiskal_split, data))


def to_tlv(receipt: Receipt) -> Tlv:
    """Validates a receipt (every rule, the 32 KB size included) and encodes it as a TLV
    document (form 3 or 31). ``bytes(result)`` is the document; ``result.size`` its exact size.
    """
    if _ext is not None:
        try:
            native_in = receipt if type(receipt) is dict else _native_input(receipt)
            return Tlv.from_json(_ext.to_tlv(native_in))
        except _ext.NativeError as e:
            raise FiskalError.from_json(e.args[0]) from None
    return Tlv.from_json(_ffi.call_json(lib.fiskal_to_tlv, _ffi.to_bytes(receipt)))


def from_tlv(data: Union[bytes, bytearray, memoryview, str]) -> DecodedTlv:
    """Reads a TLV document back: the receipt, its FFD violations and the readable dump.

    ``data`` is the bytes, or hex text (any case, whitespace ignored).

    Raises:
        TlvError: 5001–5008 (``.reason``, ``.offset``, ``.tag``), 5100 (not a receipt).
    """
    if isinstance(data, str):
        hex_text = data
    elif isinstance(data, (bytes, bytearray, memoryview)):
        hex_text = bytes(data).hex()
    else:
        raise TypeError("from_tlv: bytes or a hex string expected, not %s" % type(data).__name__)
    envelope = '{"version":1,"hex":%s}' % json.dumps(hex_text)
    return DecodedTlv.from_json(_ffi.call_json(lib.fiskal_from_tlv, envelope.encode("utf-8")))


def mark(
    scan: Union[str, bytes, bytearray],
    *,
    textual_separators: Optional[bool] = None,
    crypto44: Optional[str] = None,
    unrecognized: Optional[str] = None,
) -> Mark:
    """Reads a raw DataMatrix / barcode scan (GS, FNC1, ``]d2`` prefixes, textual separators
    handled) and gives tags 1162 / 1163 / 2000 and every provider's string.

    ``scan`` is the text, or the raw bytes for scans that are not UTF-8 (a raw 0xE8 FNC1,
    Windows-1251 letters). Options: ``textual_separators`` (default ``True``), ``crypto44``
    (``"checked"`` default, ``"unchecked"``), ``unrecognized`` (``"reject"`` default,
    ``"accept"``).

    Raises:
        MarkError: 4001–4014 (``.reason``, ``.position``).
    """
    env: Dict[str, Any] = {"version": 1}
    if isinstance(scan, str):
        env["code"] = scan
    elif isinstance(scan, (bytes, bytearray, memoryview)):
        env["code_hex"] = bytes(scan).hex().upper()
    else:
        raise TypeError("mark: str or bytes expected, not %s" % type(scan).__name__)
    options = {
        k: v
        for k, v in (
            ("textual_separators", textual_separators),
            ("crypto44", crypto44),
            ("unrecognized", unrecognized),
        )
        if v is not None
    }
    if options:
        env["options"] = options
    return Mark.from_json(_ffi.call_json(lib.fiskal_mark, _ffi.to_bytes(env)))


def qr(fiscal: Mapping[str, Any]) -> str:
    """The FNS QR-code string of a fiscal document (``t=…&s=…&fn=…&i=…&fp=…&n=…``).

    ``fiscal``: the fiscal attributes a provider reported — ``fn_number``, ``fd_number``,
    ``fiscal_sign``, ``date_time``, ``total``, ``operation`` (optional ``shift_number``,
    ``receipt_number``, ``kkt_reg_number``, ``ofd_inn``, ``receipt_url``).
    """
    env = dict(fiscal)
    env.pop("version", None)
    data = _ffi.to_bytes({"version": 1, **env})
    return str(_ffi.call_json(lib.fiskal_qr, data)["qr"])


def call(op: str, input: Union[Mapping[str, Any], str, bytes]) -> Dict[str, Any]:
    """Runs one operation by name (``"validate"``, ``"to_tlv"``, …) on its JSON input and
    returns its JSON output as a dict, exactly as docs/c-api.md describes it."""
    op_b = op.encode("utf-8")
    data = _ffi.to_bytes(input)
    out = ffi.new("char **")
    n = ffi.new("size_t *")
    rc = lib.fiskal_call(op_b, len(op_b), data, len(data), out, n)
    if rc != 0:
        raise _ffi.raise_last_error(rc)
    result: Dict[str, Any] = json.loads(_ffi.take_string(out[0], n[0]))
    return result


def result_name(code: int) -> str:
    """The snake_case name of a result code (``"receipt_invalid"``), ``"unknown"`` otherwise."""
    name: str = ffi.string(lib.fiskal_result_name(code)).decode("ascii")
    return name

