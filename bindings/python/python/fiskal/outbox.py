"""The durable outbox: ``fiskal.Outbox``. Every receipt is written to a journal (SQLite, WAL)
before it is sent; a worker thread sends, polls and retries until each entry is settled.

    with fiskal.Outbox("/var/lib/shop/fiskal.db", settings) as o:
        entry = o.enqueue("order-1842-sell", receipt)
        o.start()
        o.drain(timeout=30)
        print(o.get("order-1842-sell").state)
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Union

from . import _ffi
from ._ffi import ffi, lib
from ._handle import Handle

__all__ = ["Outbox", "Entry", "AuditRecord", "Stats", "Reconciliation"]

Settings = Union[Mapping[str, Any], str, bytes]


@dataclass(frozen=True)
class Entry:
    """One receipt in the outbox. Times are Unix milliseconds."""

    key: str
    state: str
    attempt: int
    document_id: Optional[str]
    route: Optional[str]
    provider_id: Optional[str]
    fiscal: Optional[Dict[str, Any]]
    qr: Optional[str]
    last_code: Optional[str]
    last_message: Optional[str]
    created_at_ms: Optional[int]
    state_since_ms: Optional[int]
    updated_at_ms: Optional[int]
    due_at_ms: Optional[int]
    deadline_ms: Optional[int]
    version: Optional[int]
    created: Optional[bool] = None
    """:meth:`Outbox.enqueue` only: ``True`` if this call created the entry, ``False`` if the key
    was already there with the same receipt (idempotent enqueue)."""
    previous_state: Optional[str] = None
    """Observer events only: the state before this change (``"from"``)."""
    attention: Optional[Dict[str, Any]] = None
    """Set on a ``done`` receipt that is fiscalised but wants a person's look:
    ``{"reasons": ["negative_mark_check" | "warnings" | "ofd_not_delivered", …],
    "negative_mark_checks": [{"position", "mark_code", "result", "verdict", "meaning"}…],
    "warnings": [{"field", "message"}…], "ofd_not_delivered": bool, "summary": str}``. A negative
    marking-code check means: stop selling that code."""
    event: Optional[str] = None
    """Observer events only: ``"done"`` (it became done), ``"done_with_attention"`` (it became
    done and :attr:`attention` is set) or ``"transition"`` (any other change)."""
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def needs_attention(self) -> bool:
        """Whether this receipt is done but wants a person's look (:attr:`attention`)."""
        return self.attention is not None

    @classmethod
    def from_json(cls, o: Dict[str, Any]) -> "Entry":
        g = o.get
        return cls(
            key=o["key"], state=o["state"], attempt=int(g("attempt") or 0),
            document_id=g("document_id"), route=g("route"), provider_id=g("provider_id"),
            fiscal=g("fiscal"), qr=g("qr"), last_code=g("last_code"),
            last_message=g("last_message"), created_at_ms=g("created_at_ms"),
            state_since_ms=g("state_since_ms"), updated_at_ms=g("updated_at_ms"),
            due_at_ms=g("due_at_ms"), deadline_ms=g("deadline_ms"), version=g("version"),
            created=g("created"), previous_state=g("from"), attention=g("attention"),
            event=g("event"), raw=o,
        )


@dataclass(frozen=True)
class AuditRecord:
    """One transition in an entry's append-only audit trail."""

    seq: int
    at_ms: int
    from_state: Optional[str]
    to_state: str
    reason: Optional[str]
    """What happened: ``"enqueued"``, an event kind (``"accepted"``, ``"deadline"`` …), or an
    operator action (``"operator_requeue"``, ``"operator_resume"``, ``"operator_recheck"``,
    ``"operator_cancel"``)."""
    detail: Optional[str]
    attempt: Optional[int]
    who: Optional[str] = None
    """Operator actions only: who acted (:meth:`Outbox.requeue`, :meth:`Outbox.cancel`)."""
    note: Optional[str] = None
    """Operator actions only: the operator's reason."""

    @classmethod
    def from_json(cls, o: Dict[str, Any]) -> "AuditRecord":
        return cls(
            seq=int(o["seq"]), at_ms=int(o["at_ms"]), from_state=o.get("from"),
            to_state=o["to"], reason=o.get("reason"), detail=o.get("detail"),
            attempt=o.get("attempt"), who=o.get("who"), note=o.get("note"),
        )


@dataclass(frozen=True)
class Stats:
    """Counts per state (with the oldest entry's age), the last hour, the worker's counters."""

    states: Dict[str, Dict[str, Any]]
    """``{state: {"count", "oldest_age_ms"}}``."""
    last_hour: Dict[str, Any]
    worker: Dict[str, Any]
    unhealthy_routes: List[Dict[str, Any]] = field(default_factory=list)
    """Routes whose provider refuses our credentials or configuration:
    ``[{"route", "since_ms", "at_ms", "code", "message", "failures"}]`` (empty when all is well)."""
    done_with_attention: int = 0
    """Done entries that want attention (:attr:`Entry.attention`)."""
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def count(self, state: str) -> int:
        """Entries in ``state`` (0 if none)."""
        return int(self.states.get(state, {}).get("count", 0))

    @classmethod
    def from_json(cls, o: Dict[str, Any]) -> "Stats":
        states = {s["state"]: s for s in o.get("states", [])}
        return cls(states=states, last_hour=o.get("last_hour") or {}, worker=o.get("worker") or {},
                   unhealthy_routes=list(o.get("unhealthy_routes") or []),
                   done_with_attention=int(o.get("done_with_attention") or 0), raw=o)


@dataclass(frozen=True)
class Reconciliation:
    """The journal compared with what the provider reports (:meth:`Outbox.reconcile`)."""

    checked: int
    matched: int
    unknown_at_provider: List[Dict[str, Any]]
    not_done_at_provider: List[Dict[str, Any]]
    mismatched: List[Dict[str, Any]]
    missing_fiscal: List[Dict[str, Any]]
    unchecked: List[Dict[str, Any]]
    id_conflicts: List[Dict[str, Any]] = field(default_factory=list)
    """Stuck: the provider reported another receipt (total, operation) under our document id."""
    stuck: List[Dict[str, Any]] = field(default_factory=list)
    """Stuck in the period for any other reason (last code and message in ``detail``)."""
    attention: List[Dict[str, Any]] = field(default_factory=list)
    """Done, fiscalised, with a negative marking-code check or provider warnings."""
    not_delivered: List[Dict[str, Any]] = field(default_factory=list)
    """Done, but the provider reports it not delivered to the OFD longer than
    ``worker.ofd_delivery_grace_ms`` after done."""
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, o: Dict[str, Any]) -> "Reconciliation":
        def g(k: str) -> List[Dict[str, Any]]:
            return list(o.get(k) or [])

        return cls(
            checked=int(o.get("checked", 0)), matched=int(o.get("matched", 0)),
            unknown_at_provider=g("unknown_at_provider"),
            not_done_at_provider=g("not_done_at_provider"), mismatched=g("mismatched"),
            missing_fiscal=g("missing_fiscal"), unchecked=g("unchecked"),
            id_conflicts=g("id_conflicts"), stuck=g("stuck"), attention=g("attention"),
            not_delivered=g("not_delivered"), raw=o,
        )


def _ms(seconds: float) -> int:
    return max(0, min(int(round(seconds * 1000)), 0xFFFFFFFF))


class Outbox(Handle):
    """The durable outbox at ``path`` (created if missing) with ``settings`` (OutboxSettings:
    routes to providers, retry policy; crates/fiskal-outbox/src/settings.rs).

    ``observer``, if given, is called with an :class:`Entry` (``previous_state`` and ``event``
    set: ``"done_with_attention"`` for a receipt fiscalised with a negative mark check, warnings
    or not delivered to the OFD — see :attr:`Entry.attention`) after every change, **from the
    worker thread**; it must return quickly and must not call back into the
    outbox. Exceptions it raises are printed to stderr and otherwise ignored.

    Use it as a context manager (``with fiskal.Outbox(...) as o:``) or call :meth:`close`: that
    stops the worker (graceful drain) and closes the journal. Thread-safe.

    Raises:
        OutboxError: 7007 invalid configuration, 7013 cannot open, 7015 schema too new …
    """

    def __init__(
        self,
        path: Union[str, "os.PathLike[str]"],
        settings: Settings,
        *,
        observer: Optional[Callable[[Entry], None]] = None,
    ) -> None:
        p = os.fsencode(path)
        data = _ffi.to_bytes(settings)
        self._callback: Any = ffi.NULL
        if observer is not None:
            def on_event(_ctx: Any, ptr: Any, n: int) -> None:
                try:
                    observer(Entry.from_json(json.loads(ffi.unpack(ptr, n).decode("utf-8"))))
                except Exception:
                    et, ev, tb = sys.exc_info()
                    if et is not None and ev is not None:
                        sys.excepthook(et, ev, tb)

            # Kept alive on self until the handle is freed (the worker calls it until then).
            self._callback = ffi.callback("fiskal_outbox_observer", on_event)
        out = ffi.new("fiskal_outbox **")
        rc = lib.fiskal_outbox_open(p, len(p), data, len(data), self._callback, ffi.NULL, out)
        if rc != 0:
            raise _ffi.raise_last_error(rc)
        super().__init__(out[0], lib.fiskal_outbox_free)

    def _closed(self) -> None:
        self._callback = ffi.NULL

    def _text(self, fn: Any, *args: Any) -> Dict[str, Any]:
        out = ffi.new("char **")
        n = ffi.new("size_t *")
        with self._use() as ptr:
            rc = fn(ptr, *args, out, n)
            if rc != 0:
                raise _ffi.raise_last_error(rc)
        result: Dict[str, Any] = json.loads(_ffi.take_string(out[0], n[0]))
        return result

    def _status(self, fn: Any, *args: Any) -> None:
        with self._use() as ptr:
            rc = fn(ptr, *args)
            if rc != 0:
                raise _ffi.raise_last_error(rc)

    def enqueue(self, key: str, receipt: Any, *, route: Optional[str] = None) -> Entry:
        """Writes a receipt to the journal under ``key`` (idempotent: the same key with the same
        receipt returns the existing entry with ``created=False``; another receipt is 7002)."""
        from ._api import _envelope

        req = _envelope(receipt, key=key, route=route)
        return Entry.from_json(self._text(lib.fiskal_outbox_enqueue, req, len(req)))

    def get(self, key: str) -> Entry:
        """The entry of ``key``; :class:`~fiskal.OutboxError` 7003 if there is none."""
        k = key.encode("utf-8")
        return Entry.from_json(self._text(lib.fiskal_outbox_get, k, len(k)))

    def list(
        self, state: Optional[str] = None, limit: Optional[int] = None, *, attention: bool = False
    ) -> List[Entry]:
        """Entries in ``state``, oldest first, at most ``limit``. With ``attention=True``: only
        the done entries that want attention (:attr:`Entry.attention`; ``state`` may be left out)."""
        q = _ffi.to_bytes({k: v for k, v in (("state", state), ("limit", limit),
                                              ("attention", attention or None)) if v is not None})
        return [Entry.from_json(e) for e in self._text(lib.fiskal_outbox_list, q, len(q))["entries"]]

    def audit(self, key: str) -> List[AuditRecord]:
        """Every transition of ``key``, oldest first."""
        k = key.encode("utf-8")
        return [AuditRecord.from_json(r) for r in self._text(lib.fiskal_outbox_audit, k, len(k))["records"]]

    def stats(self) -> Stats:
        """Counts per state, the last hour, the worker's counters."""
        return Stats.from_json(self._text(lib.fiskal_outbox_stats))

    def start(self) -> None:
        """Starts the worker thread (sends, polls, retries)."""
        self._status(lib.fiskal_outbox_start)

    def stop(self) -> None:
        """Stops the worker thread (entries stay in the journal)."""
        self._status(lib.fiskal_outbox_stop)

    def drain(self, timeout: float) -> bool:
        """Waits up to ``timeout`` seconds until no entry is due; ``True`` if all settled."""
        settled = ffi.new("bool *")
        self._status(lib.fiskal_outbox_drain, _ms(timeout), settled)
        return bool(settled[0])

    def poke(self, id: str) -> bool:
        """Makes the entry with this key or provider id due now (a provider callback arrived);
        ``True`` if it was found."""
        b = id.encode("utf-8")
        found = ffi.new("bool *")
        self._status(lib.fiskal_outbox_poke, b, len(b), found)
        return bool(found[0])

    def reconcile(
        self, from_ms: int = 0, to_ms: Optional[int] = None, limit: Optional[int] = None
    ) -> Reconciliation:
        """Compares the journal's entries created in ``[from_ms, to_ms)`` with the provider."""
        q: Dict[str, Any] = {"from_ms": from_ms}
        if to_ms is not None:
            q["to_ms"] = to_ms
        if limit is not None:
            q["limit"] = limit
        data = _ffi.to_bytes(q)
        return Reconciliation.from_json(self._text(lib.fiskal_outbox_reconcile, data, len(data)))

    def requeue(self, key: str, *, who: str, reason: str) -> Entry:
        """An operator sends the entry of ``key`` again; ``who`` and ``reason`` (both required)
        are kept in its audit trail, durably before this returns.

        A ``rejected`` or ``failed_at_register`` entry, or a ``stuck`` one no provider can hold,
        goes back to ``queued`` under a new document id (``attempt + 1``). A ``stuck`` one the
        provider may hold keeps its document id and goes back to ``accepted`` (polled) or
        ``in_doubt`` (resolved with the provider before any resend): never fiscalised twice.

        Raises:
            OutboxError: 7003 unknown key; 7019 the state does not allow it (the message says
                what to do instead; ``details`` has ``action`` and ``state``).
            ArgumentError: 107 ``who`` or ``reason`` empty, too long or with control
                characters (``path`` names it).
        """
        return self._action(lib.fiskal_outbox_requeue, key, who, reason)

    def cancel(self, key: str, *, who: str, reason: str) -> Entry:
        """An operator cancels the entry of ``key`` so that it never goes out: only while no
        provider can hold it (``queued``, ``retry_later``, ``failed_at_register``, ``rejected``,
        a ``stuck`` one no provider can hold). It becomes ``cancelled`` (final); ``who`` and
        ``reason`` are kept in its audit trail.

        Raises:
            OutboxError: 7019 for anything a provider may hold (``sending``, ``accepted``,
                ``in_doubt`` …: "the provider may fiscalise it; issue a refund receipt
                instead"), 7003 unknown key.
            ArgumentError: 107 ``who`` or ``reason`` empty (``path`` names it).
        """
        return self._action(lib.fiskal_outbox_cancel, key, who, reason)

    def resolve(self, key: str, *, who: str, reason: str, fiscal: Mapping[str, Any]) -> Entry:
        """An operator marks the ``stuck`` entry of ``key`` as resolved by hand: the receipt was
        fiscalised after all (found in the OFD's or the provider's personal account) although
        the worker could not learn it. ``fiscal`` holds its attributes as in ``Entry.fiscal``
        (``fn_number``, ``fd_number``, ``fiscal_sign``, ``date_time``, ``total``,
        ``operation`` …); they are checked first (ФН 16 digits, ФД and ФП above zero, the
        receipt's own total and operation). It becomes ``done`` with them; ``who`` and
        ``reason`` are kept in its audit trail (``operator_resolve``).

        Raises:
            OutboxError: 7019 in any state but ``stuck`` (the message says what to do
                instead), 7003 unknown key.
            ArgumentError: 107 ``who``, ``reason`` or an attribute (``path`` names it, e.g.
                ``fiscal.total``; a mismatch gives both values in the message).
        """
        req = _ffi.to_bytes({"key": key, "who": who, "reason": reason, "fiscal": dict(fiscal)})
        return Entry.from_json(self._text(lib.fiskal_outbox_resolve, req, len(req)))

    def _action(self, fn: Any, key: str, who: str, reason: str) -> Entry:
        req = _ffi.to_bytes({"key": key, "who": who, "reason": reason})
        return Entry.from_json(self._text(fn, req, len(req)))
