"""A cloud cash register client (ATOL Online, Orange Data, Business.ru): ``fiskal.Client``.

A provider's answer is never an exception: :meth:`Client.submit` and :meth:`Client.status`
return an :class:`Outcome` — accepted, pending, done (with the fiscal attributes and the FNS QR
string), rejected, retry later, in doubt, not found. Only what goes wrong *before* anything is
sent raises (:class:`~fiskal.ProviderError` 6001–6006, :class:`~fiskal.ArgumentError`,
:class:`~fiskal.ValidationError`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Union

from . import _ffi
from ._ffi import ffi, lib
from ._handle import Handle

__all__ = ["Client", "Outcome", "Settings"]

#: Provider settings (docs/provider-settings.md): a dict or its JSON text.
Settings = Union[Mapping[str, Any], str, bytes]

OUTCOMES = ("accepted", "pending", "done", "rejected", "retry_later", "in_doubt", "not_found")


@dataclass(frozen=True)
class Outcome:
    """What a provider answered. ``outcome`` is one of ``accepted``, ``pending``, ``done``,
    ``rejected``, ``retry_later``, ``in_doubt``, ``not_found``; the other fields are those of
    that outcome (``None`` otherwise).

    * ``retry_later``: the document was **not** taken; resend the same document id after
      ``after_ms``.
    * ``in_doubt``: unknown whether it was taken (timeout, reset after sending); look it up with
      :meth:`Client.status` before any resend — or resend the same document id, which never
      makes a second receipt.
    """

    outcome: str
    provider_id: Optional[str] = None
    duplicate: bool = False
    fiscal: Optional[Dict[str, Any]] = None
    """``done``: the fiscal attributes (``fn_number``, ``fd_number``, ``fiscal_sign`` …)."""
    qr: Optional[str] = None
    """``done``: the FNS QR-code string."""
    kind: Optional[str] = None
    """``rejected``: the kind of rejection."""
    code: Optional[str] = None
    """``rejected`` / ``retry_later``: the provider's own error code."""
    message: Optional[str] = None
    after_ms: Optional[int] = None
    """``retry_later``: how long to wait, or ``None``."""
    reason: Optional[str] = None
    """``in_doubt``: what happened."""
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_done(self) -> bool:
        return self.outcome == "done"

    @property
    def is_at_provider(self) -> bool:
        """The provider holds the document (accepted, pending or done)."""
        return self.outcome in ("accepted", "pending", "done")

    @classmethod
    def from_json(cls, o: Dict[str, Any]) -> "Outcome":
        return cls(
            outcome=str(o.get("outcome")),
            provider_id=o.get("provider_id"),
            duplicate=bool(o.get("duplicate", False)),
            fiscal=o.get("fiscal"),
            qr=o.get("qr"),
            kind=o.get("kind"),
            code=o.get("code"),
            message=o.get("message"),
            after_ms=o.get("after_ms"),
            reason=o.get("reason"),
            raw=o,
        )


def _ms(timeout: Optional[float]) -> int:
    """Seconds (``None`` or 0: the client's own timeouts) → whole milliseconds for the C call."""
    if timeout is None or timeout <= 0:
        return 0
    return max(1, min(int(round(timeout * 1000)), 0xFFFFFFFF))


class Client(Handle):
    """One cloud cash register, built from provider settings (docs/provider-settings.md).

    Thread-safe: one client may serve many threads at once. Use it as a context manager (or
    call :meth:`close`) to release it::

        with fiskal.Client({"provider": "atol", "api": "v5", "preset": "test", …}) as c:
            o = c.submit("order-42-sell-1", receipt)

    Raises:
        ProviderError: 6003 configuration (``.path`` names the settings field), 6005 TLS setup.
    """

    def __init__(self, settings: Settings) -> None:
        data = _ffi.to_bytes(settings)
        out = ffi.new("fiskal_client **")
        rc = lib.fiskal_client_new(data, len(data), out)
        if rc != 0:
            raise _ffi.raise_last_error(rc)
        super().__init__(out[0], lib.fiskal_client_free)

    def _call(self, fn: Any, request: bytes, timeout: Optional[float]) -> Outcome:
        out = ffi.new("char **")
        n = ffi.new("size_t *")
        with self._use() as ptr:
            rc = fn(ptr, request, len(request), _ms(timeout), out, n)
            if rc != 0:
                raise _ffi.raise_last_error(rc)
        return Outcome.from_json(json.loads(_ffi.take_string(out[0], n[0])))

    def submit(
        self,
        document_id: str,
        receipt: Any,
        *,
        callback_url: Optional[str] = None,
        timestamp: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> Outcome:
        """Sends a receipt under ``document_id`` (the idempotency key: resending the same id
        never makes a second receipt). ``timestamp``: ``"2026-03-02T10:15:00"`` (default: now,
        Moscow time). ``timeout`` in seconds: running out of time after sending is an
        ``in_doubt`` outcome, never an exception."""
        from ._api import _envelope

        req = _envelope(
            receipt, document_id=document_id, callback_url=callback_url, timestamp=timestamp
        )
        return self._call(lib.fiskal_client_submit, req, timeout)

    def status(
        self,
        document_id: str,
        *,
        provider_id: Optional[str] = None,
        kind: str = "sell",
        timeout: Optional[float] = None,
    ) -> Outcome:
        """Looks a document up (``kind``: ``sell``, ``sell_refund``, ``buy``, ``buy_refund``,
        or one of the ``…_correction`` kinds)."""
        q = _ffi.to_bytes({"document_id": document_id, "provider_id": provider_id, "kind": kind})
        return self._call(lib.fiskal_client_status, q, timeout)
