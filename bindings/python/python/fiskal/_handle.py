"""A library handle owned by a Python object: freed exactly once, never while a call uses it."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from ._ffi import ffi

__all__ = ["Handle"]


class Handle:
    """Owns one pointer from a ``fiskal_<type>_new``/``_open`` and its ``_free``.

    Calls borrow the pointer through :meth:`_use`; :meth:`close` waits for the calls in flight
    (other threads) to return, then frees it once. A closed handle raises ``ValueError`` (as a
    closed file does), so a freed pointer never reaches the library. ``__del__`` closes a handle
    that was not closed, so a forgotten one does not leak.
    """

    def __init__(self, ptr: Any, free: Callable[[Any], None]) -> None:
        self._ptr = ptr
        self._free = free
        self._busy = 0
        self._cond = threading.Condition(threading.Lock())

    @contextmanager
    def _use(self) -> Iterator[Any]:
        with self._cond:
            if self._ptr is None:
                raise ValueError("%s is closed" % type(self).__name__)
            self._busy += 1
            ptr = self._ptr
        try:
            yield ptr
        finally:
            with self._cond:
                self._busy -= 1
                if self._busy == 0:
                    self._cond.notify_all()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` ran."""
        return self._ptr is None

    def close(self) -> None:
        """Frees the handle (after the calls in flight return). A second call does nothing."""
        cond = getattr(self, "_cond", None)
        if cond is None:  # __init__ did not finish
            return
        with cond:
            if self._ptr is None:
                return
            while self._busy:
                cond.wait()
            ptr, self._ptr = self._ptr, None
        if ptr != ffi.NULL:
            self._free(ptr)
        self._closed()

    def _closed(self) -> None:
        """Hook for subclasses: runs once, after the free."""

    def __enter__(self) -> "Handle":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass
