"""fiskal: Russian fiscal receipts (54-FZ, ФФД 1.05 / 1.2) from Python.

A thin binding over the fiskal C library (``libfiskal``, loaded with cffi): whole receipts cross
as JSON (docs/receipt-json.md), results come back as dicts and dataclasses, errors as
exceptions keyed by the library's stable result codes.

>>> import fiskal
>>> receipt = {
...     "version": 1, "ffd": "1.2", "operation": "sell", "tax_system": "osn",
...     "company": {"inn": "7701000001", "payment_place": "https://shop.example.ru"},
...     "items": [{"name": "Носки", "price": "199.90", "quantity": 3, "sum": "599.70",
...                "measure": "piece", "vat": "vat22", "payment_method": "full_payment",
...                "payment_subject": "commodity"}],
...     "payments": {"electronic": "599.70"}, "total": "599.70"}
>>> fiskal.to_tlv(receipt).size
151
>>> try:
...     fiskal.validate(dict(receipt, total="600.00"))
... except fiskal.ValidationError as e:
...     [(v.path, v.name) for v in e.errors]
[('total', 'total_mismatch'), ('payments', 'payments_mismatch')]

Money is roubles as a string (``"199.90"``), an ``int``, or a ``decimal.Decimal``; outputs
always give money as a string with two decimals. Never pass floats for money.
"""

from ._api import (
    NATIVE,
    Receipt,
    ValidatedReceipt,
    call,
    compute,
    from_tlv,
    mark,
    qr,
    result_name,
    split,
    to_tlv,
    validate,
    version,
    version_info,
)
from .client import Client, Outcome
from .errors import (
    ArgumentError,
    CalcError,
    FiskalError,
    MarkError,
    OutboxError,
    ProviderError,
    TlvError,
    ValidationError,
    Violation,
    error_class_for,
)
from .outbox import AuditRecord, Entry, Outbox, Reconciliation, Stats
from .types import (
    Computation,
    DecodedTlv,
    Line,
    Mark,
    MarkWarning,
    RateTotal,
    Split,
    SplitPart,
    Tag1162,
    Tlv,
    VersionInfo,
)

__version__ = version()

__all__ = [
    "NATIVE",
    "ValidatedReceipt",
    # operations
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
    # handles
    "Client",
    "Outcome",
    "Outbox",
    "Entry",
    "AuditRecord",
    "Stats",
    "Reconciliation",
    # results
    "Computation",
    "DecodedTlv",
    "Line",
    "Mark",
    "MarkWarning",
    "RateTotal",
    "Split",
    "SplitPart",
    "Tag1162",
    "Tlv",
    "VersionInfo",
    "Violation",
    # errors
    "FiskalError",
    "ArgumentError",
    "ValidationError",
    "CalcError",
    "MarkError",
    "TlvError",
    "ProviderError",
    "OutboxError",
    "error_class_for",
]
