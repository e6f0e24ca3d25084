"""The one place that touches the C library: calls, strings, the last error.

Ownership (README "C API conventions"): every output string is allocated by the library and
owned by us; it is copied into Python and released with ``fiskal_string_free`` exactly once, in a
``finally`` (so nothing leaks even when decoding fails). Inputs are ``(ptr, len)`` UTF-8 bytes,
borrowed for the call only: a Python ``bytes`` object is passed as is, without a copy.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Callable, Dict, Mapping, Union

from .errors import FiskalError

try:
    # The cffi wheel (PyPy): fiskal._native is the package maturin generated, cffi's declarations
    # (ffi.py) next to libfiskal.
    from ._native import ffi, lib
except ImportError:
    # The CPython wheel: fiskal._native is the PyO3 extension module, whose shared library also
    # exports the whole C ABI. The declarations are include/fiskal_php.h, compiled into the
    # extension module as its attribute C_HEADER (tests/test_header.py checks them), read by cffi
    # in ABI mode and bound to that same library.
    import cffi as _cffi

    from . import _native as _ext

    ffi = _cffi.FFI()
    ffi.cdef(_ext.C_HEADER)
    lib = ffi.dlopen(_ext.__file__)

__all__ = ["ffi", "lib", "call_text", "call_json", "raise_last_error", "to_bytes", "dumps"]

JsonInput = Union[str, bytes, bytearray, memoryview, Mapping[str, Any]]


def _default(o: Any) -> Any:
    # Money and quantities: a Decimal goes out as its exact text (the library reads money from
    # a string or the exact text of a number, never through a float).
    if isinstance(o, Decimal):
        return str(o)
    if hasattr(o, "to_json") and callable(o.to_json):
        return o.to_json()
    raise TypeError("Object of type %s is not JSON serializable" % type(o).__name__)


def dumps(value: Any) -> str:
    """JSON text of a Python value (UTF-8 kept as is; ``Decimal`` as its exact string)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_default)


def to_bytes(value: JsonInput) -> bytes:
    """The UTF-8 bytes handed to the library: ``str`` / ``bytes`` as they are, anything else
    serialised as JSON."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    return dumps(value).encode("utf-8")


def take_string(p: Any, n: int) -> str:
    """Copies a library-owned string into Python and frees it (exactly once)."""
    try:
        text: str = ffi.unpack(p, n).decode("utf-8")
        return text
    finally:
        lib.fiskal_string_free(p)


def last_error_json() -> Dict[str, Any]:
    """The calling thread's last error as a dict (``{"code": 0, …}`` if there is none)."""
    out = ffi.new("char **")
    n = ffi.new("size_t *")
    rc = lib.fiskal_last_error(out, n)
    if rc != 0:  # only NULL out_json can fail; keep a readable error anyway
        return {"code": int(rc), "name": ffi.string(lib.fiskal_result_name(rc)).decode()}
    e: Dict[str, Any] = json.loads(take_string(out[0], n[0]))
    return e


def raise_last_error(rc: int) -> "FiskalError":
    """Builds the exception of result code ``rc`` from the thread's last error.

    Called right after the failing call, on the same thread (the last error is thread-local).
    """
    e = last_error_json()
    if int(e.get("code", 0)) != rc:
        # A function that failed without recording (should not happen): keep the code.
        e = {
            "code": rc,
            "name": ffi.string(lib.fiskal_result_name(rc)).decode(),
            "message_en": "fiskal call failed with code %d" % rc,
        }
    return FiskalError.from_json(e)


def call_text(fn: Callable[..., int], data: bytes) -> str:
    """Runs ``fiskal_result fn(const char *in, size_t len, char **out, size_t *out_len)``; the
    output JSON text, or raises the error of the returned code."""
    out = ffi.new("char **")
    n = ffi.new("size_t *")
    rc = fn(data, len(data), out, n)
    if rc != 0:
        raise raise_last_error(rc)
    return take_string(out[0], n[0])


def call_json(fn: Callable[..., int], data: bytes) -> Dict[str, Any]:
    """:func:`call_text` parsed as JSON."""
    result: Dict[str, Any] = json.loads(call_text(fn, data))
    return result
