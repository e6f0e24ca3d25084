"""Exceptions of the fiskal binding, one class per range of result codes.

Every failing call of the C library returns a result code and records the thread's last error
(``code``, ``name``, ``path``, ``message_ru``, ``message_en``, ``details``); the binding turns it
into an instance of the class that owns the code's range:

=========  =====================  ============================================
codes      class                  layer
=========  =====================  ============================================
100–199    :class:`ArgumentError`  the call itself (JSON shape, UTF-8, size, version, panic)
2000–2999  :class:`ValidationError`  the receipt breaks FFD rules (``.errors``: every violation)
3000–3999  :class:`CalcError`      discount allocation, VAT, splitting
4000–4999  :class:`MarkError`      a mark-code scan cannot be read or encoded
5000–5999  :class:`TlvError`       TLV bytes cannot be decoded or read as a receipt
6000–6999  :class:`ProviderError`  a provider client cannot be set up or used
7000–7999  :class:`OutboxError`    the durable outbox
=========  =====================  ============================================

Match on :attr:`FiskalError.code` (and, for 2000, on each violation's ``code``); the messages
are for people and may change between versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Type

__all__ = [
    "FiskalError",
    "ArgumentError",
    "ValidationError",
    "CalcError",
    "MarkError",
    "TlvError",
    "ProviderError",
    "OutboxError",
    "Violation",
    "error_class_for",
]


@dataclass(frozen=True)
class Violation:
    """One broken FFD rule of a receipt (an entry of error 2000's ``details``).

    ``code`` is the violation's own number (2001–2034, docs/receipt-json.md §10), ``name`` its
    stable snake_case name (``"inn_check_digit"``), ``path`` the field (``"company.inn"``).
    """

    code: int
    name: str
    path: str
    message_ru: str
    message_en: str

    @classmethod
    def from_json(cls, v: Dict[str, Any]) -> "Violation":
        """Builds a violation from its JSON object."""
        return cls(
            code=int(v.get("code", 0)),
            name=str(v.get("name", "")),
            path=str(v.get("path") or ""),
            message_ru=str(v.get("message_ru", "")),
            message_en=str(v.get("message_en", "")),
        )


class FiskalError(Exception):
    """Base class of every error the library reports.

    Attributes:
        code: the result code (``int``, stable; ``0`` never appears here).
        name: its snake_case name (``"receipt_invalid"``).
        path: the field at fault (``"items[0].price"``, ``"company.inn"``) or ``None``.
        message_ru: the message in Russian.
        message_en: the message in English (also ``str(error)``).
        details: code-specific data (violations for 2000, ``{"reason", "position"}`` for
            marks, ``{"reason", "offset", "tag"}`` for TLV) or ``None``.
    """

    def __init__(
        self,
        code: int,
        name: str = "",
        path: Optional[str] = None,
        message_ru: str = "",
        message_en: str = "",
        details: Any = None,
    ) -> None:
        super().__init__(message_en or name or "fiskal error %d" % code)
        self.code = code
        self.name = name
        self.path = path
        self.message_ru = message_ru
        self.message_en = message_en
        self.details = details

    @classmethod
    def from_json(cls, e: Dict[str, Any]) -> "FiskalError":
        """Builds the exception of the right class from the last-error JSON object."""
        code = int(e.get("code", 0))
        klass = error_class_for(code)
        return klass(
            code,
            str(e.get("name", "")),
            e.get("path"),
            str(e.get("message_ru", "")),
            str(e.get("message_en", "")),
            e.get("details"),
        )

    def __reduce__(self) -> Any:
        # Pickle (multiprocessing, task queues) with every attribute, not just the message.
        return (
            type(self),
            (self.code, self.name, self.path, self.message_ru, self.message_en, self.details),
        )

    def __repr__(self) -> str:
        return "%s(code=%d, name=%r, path=%r, message_en=%r)" % (
            type(self).__name__,
            self.code,
            self.name,
            self.path,
            self.message_en,
        )


class ArgumentError(FiskalError):
    """100–199: a problem with the call itself: not JSON, a wrong type or an unknown field
    (``path`` names it), invalid UTF-8, input over 16 MiB, an unsupported envelope version, a
    bad argument, or a caught panic in the library (104)."""


def _violations(details: Any) -> List[Violation]:
    if not isinstance(details, list):
        return []
    return [Violation.from_json(v) for v in details if isinstance(v, dict)]


class ValidationError(FiskalError):
    """2000: the receipt breaks FFD rules. :attr:`errors` lists every violation, in order."""

    @property
    def errors(self) -> List[Violation]:
        """Every violation (code 2001–2034, path, RU/EN message), in the library's order."""
        return _violations(self.details)


class CalcError(FiskalError):
    """3000–3999: a calculation cannot be done (discount too large, line cannot be priced,
    item too large for a receipt, provider limits …); ``details["reason"]`` names it."""


class MarkError(FiskalError):
    """4000–4999: a mark-code scan cannot be read or encoded; ``details`` carries ``reason``
    and ``position`` (character index into the scan)."""

    @property
    def reason(self) -> Optional[str]:
        """The mark error's code (``"bad_check_digit"``), as in tests/vectors/marks."""
        return self.details.get("reason") if isinstance(self.details, dict) else None

    @property
    def position(self) -> Optional[int]:
        """Character index into the scan (byte offset for non-UTF-8 input), or ``None``."""
        return self.details.get("position") if isinstance(self.details, dict) else None


class TlvError(FiskalError):
    """5000–5999: TLV bytes cannot be decoded (``details``: ``reason``, ``offset``, ``tag``) or
    are not a receipt (5100)."""

    @property
    def reason(self) -> Optional[str]:
        """The decode error kind (``"length_past_end"``), as in tests/vectors/tlv_errors."""
        return self.details.get("reason") if isinstance(self.details, dict) else None

    @property
    def offset(self) -> Optional[int]:
        """Absolute byte offset of the TLV header at fault."""
        return self.details.get("offset") if isinstance(self.details, dict) else None

    @property
    def tag(self) -> Optional[int]:
        """The tag at fault, or ``None``."""
        return self.details.get("tag") if isinstance(self.details, dict) else None


class ProviderError(FiskalError):
    """6000–6999: a provider client cannot be set up or cannot carry the receipt
    (configuration, TLS setup, unsupported receipt …). A provider's *answer* (rejected, retry
    later, in doubt) is never an exception: it is an :class:`fiskal.Outcome`."""


class OutboxError(FiskalError):
    """7000–7999: the durable outbox (unknown key 7003, invalid transition, busy, disk full,
    corrupt journal …). For 7008 (invalid receipt) :attr:`errors` lists the violations."""

    @property
    def errors(self) -> List[Violation]:
        """The receipt's violations for 7008 ``invalid_receipt``; empty otherwise."""
        return _violations(self.details)


_RANGES = (
    (100, 200, ArgumentError),
    (2000, 3000, ValidationError),
    (3000, 4000, CalcError),
    (4000, 5000, MarkError),
    (5000, 6000, TlvError),
    (6000, 7000, ProviderError),
    (7000, 8000, OutboxError),
)


def error_class_for(code: int) -> Type[FiskalError]:
    """The exception class of a result code: the class owning its range, or
    :class:`FiskalError` for a number outside every range (a newer library)."""
    for lo, hi, klass in _RANGES:
        if lo <= code < hi:
            return klass
    return FiskalError
