"""Result types of the fiskal operations (dataclasses; JSON sub-objects stay dicts).

Every result keeps the JSON object it was made from in ``raw`` (not compared, not printed), so
a field that a newer library adds is never lost.
"""

from __future__ import annotations

import base64 as _b64
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from .errors import Violation

__all__ = [
    "VersionInfo",
    "Line",
    "RateTotal",
    "Computation",
    "SplitPart",
    "Split",
    "Tlv",
    "DecodedTlv",
    "Tag1162",
    "MarkWarning",
    "Mark",
    "Violation",
]

Json = Dict[str, Any]


@dataclass(frozen=True)
class VersionInfo:
    """What the library is: ``fiskal.version_info()``."""

    library: str
    library_version: str
    ffd_versions: List[str]
    receipt_format_versions: List[int]
    schema_version: int
    max_input_len: int
    operations: List[str]
    raw: Json = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, o: Json) -> "VersionInfo":
        return cls(
            library=o["library"],
            library_version=o["library_version"],
            ffd_versions=list(o.get("ffd_versions", [])),
            receipt_format_versions=list(o.get("receipt_format_versions", [])),
            schema_version=int(o.get("schema_version", 0)),
            max_input_len=int(o.get("max_input_len", 0)),
            operations=list(o.get("operations", [])),
            raw=o,
        )


@dataclass(frozen=True)
class Line:
    """One line of a computed receipt. Money is a string of roubles with two decimals."""

    source: int
    """Index of the input item this line comes from."""
    price: str
    quantity: str
    sum: str
    vat: str
    vat_sum: str

    @classmethod
    def from_json(cls, o: Json) -> "Line":
        return cls(
            source=int(o["source"]),
            price=o["price"],
            quantity=o["quantity"],
            sum=o["sum"],
            vat=o["vat"],
            vat_sum=o["vat_sum"],
        )


@dataclass(frozen=True)
class RateTotal:
    """The sum and VAT of one rate over the whole receipt."""

    vat: str
    sum: str
    vat_sum: str

    @classmethod
    def from_json(cls, o: Json) -> "RateTotal":
        return cls(vat=o["vat"], sum=o["sum"], vat_sum=o["vat_sum"])


@dataclass(frozen=True)
class Computation:
    """The result of :func:`fiskal.compute`: lines, VAT per rate, the adjusted receipt."""

    total: str
    lines: List[Line]
    per_rate: List[RateTotal]
    vat_totals: Dict[str, str]
    """Receipt tags 1102–1107 by rate name (only rates that have them)."""
    allocation: Optional[Json]
    """``{"amount", "direction", "item_sums"}`` when an adjustment was spread; else ``None``."""
    receipt: Json
    """The resulting receipt (normalised), ready for :func:`fiskal.to_tlv` or a provider."""
    raw: Json = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, o: Json) -> "Computation":
        return cls(
            total=o["total"],
            lines=[Line.from_json(x) for x in o.get("lines", [])],
            per_rate=[RateTotal.from_json(x) for x in o.get("per_rate", [])],
            vat_totals=dict(o.get("vat_totals") or {}),
            allocation=o.get("allocation"),
            receipt=o.get("receipt") or {},
            raw=o,
        )


@dataclass(frozen=True)
class SplitPart:
    """One receipt of a split cart."""

    index: int
    count: int
    key: str
    """The idempotency key of this receipt (``"order-42-1"``)."""
    key_suffix: str
    items: Tuple[int, int]
    """The range of cart items it carries, ``(start, end)`` with ``end`` exclusive."""
    size_bound: int
    receipt: Json
    raw: Json = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, o: Json) -> "SplitPart":
        it = o.get("items") or {}
        return cls(
            index=int(o["index"]),
            count=int(o["count"]),
            key=o["key"],
            key_suffix=o["key_suffix"],
            items=(int(it.get("start", 0)), int(it.get("end", 0))),
            size_bound=int(o.get("size_bound", 0)),
            receipt=o["receipt"],
            raw=o,
        )


@dataclass(frozen=True)
class Split:
    """The result of :func:`fiskal.split`."""

    parts: List[SplitPart]
    raw: Json = field(default_factory=dict, repr=False, compare=False)

    @property
    def count(self) -> int:
        return len(self.parts)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.parts)

    def __len__(self) -> int:
        return len(self.parts)

    @classmethod
    def from_json(cls, o: Json) -> "Split":
        return cls(parts=[SplitPart.from_json(p) for p in o.get("parts", [])], raw=o)


@dataclass(frozen=True)
class Tlv:
    """A receipt as a TLV document (:func:`fiskal.to_tlv`). ``bytes(tlv)`` gives the bytes."""

    ffd: str
    form: int
    """3: кассовый чек; 31: чек коррекции."""
    size: int
    """The exact number of bytes."""
    hex: str
    base64: str
    raw: Json = field(default_factory=dict, repr=False, compare=False)

    @property
    def data(self) -> bytes:
        """The document's bytes."""
        return bytes.fromhex(self.hex)

    def __bytes__(self) -> bytes:
        return self.data

    @classmethod
    def from_json(cls, o: Json) -> "Tlv":
        return cls(
            ffd=o["ffd"], form=int(o["form"]), size=int(o["size"]), hex=o["hex"],
            base64=o["base64"], raw=o,
        )


@dataclass(frozen=True)
class DecodedTlv:
    """A TLV document read back (:func:`fiskal.from_tlv`)."""

    form: int
    size: int
    receipt: Json
    valid: bool
    """Whether the decoded receipt keeps every FFD rule."""
    violations: List[Violation]
    dump: Json
    """The readable tree: ``{"tag", "name", "value", "meaning"?}`` with Russian tag names."""
    raw: Json = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, o: Json) -> "DecodedTlv":
        return cls(
            form=int(o["form"]),
            size=int(o["size"]),
            receipt=o.get("receipt") or {},
            valid=bool(o.get("valid")),
            violations=[Violation.from_json(v) for v in o.get("violations", [])],
            dump=o.get("dump") or {},
            raw=o,
        )


@dataclass(frozen=True)
class Tag1162:
    """The bytes of tag 1162 (код товара) in three spellings."""

    hex: str
    hex_spaced: str
    base64: str

    @property
    def data(self) -> bytes:
        """The tag's bytes."""
        return _b64.b64decode(self.base64)


@dataclass(frozen=True)
class MarkWarning:
    """Something the parser fixed in the scan (``"leading_fnc1"``, ``"separator_recovered"`` …)."""

    code: str
    position: Optional[int]


@dataclass(frozen=True)
class Mark:
    """A mark-code scan as fiskal reads it (:func:`fiskal.mark`)."""

    format: str
    """``gs1``, ``tobacco_pack``, ``ean8``, ``ean13``, ``itf14``, ``fur``, ``egais20``, ``egais30``, ``unidentified``."""
    product_group: str
    gtin: Optional[str]
    serial: Optional[str]
    elements: List[Tuple[str, str]]
    """GS1 elements ``(ai, value)`` in code order."""
    mark_type: int
    """Tag 2100."""
    tag_1163: Json
    """The 1163 child: ``{"tag": 1300–1309, "value": "…"}``."""
    tag_2000: str
    """The full normalised code with GS separators (tag 2000)."""
    tag_1162: Optional[Tag1162]
    providers: Json
    """Provider strings: ``atol_v4_nomenclature_code``, ``atol_v5_mark_code``, ``orange_data_*``, ``business_ru_nomenclature_code``."""
    warnings: List[MarkWarning]
    raw: Json = field(default_factory=dict, repr=False, compare=False)

    def to_dict(self) -> Json:
        """The JSON object of the result without ``"version"`` (the shape of
        ``expected`` in tests/vectors/marks)."""
        return {k: v for k, v in self.raw.items() if k != "version"}

    @classmethod
    def from_json(cls, o: Json) -> "Mark":
        t = o.get("tag_1162")
        return cls(
            format=o["format"],
            product_group=o["product_group"],
            gtin=o.get("gtin"),
            serial=o.get("serial"),
            elements=[(e[0], e[1]) for e in o.get("elements", [])],
            mark_type=int(o["mark_type"]),
            tag_1163=o["tag_1163"],
            tag_2000=o["tag_2000"],
            tag_1162=Tag1162(t["hex"], t["hex_spaced"], t["base64"]) if t else None,
            providers=o.get("providers") or {},
            warnings=[MarkWarning(w["code"], w.get("position")) for w in o.get("warnings", [])],
            raw=o,
        )
