"""The declarations shipped in the wheel are exactly those of include/fiskal.h.

maturin (cffi mode) writes ``fiskal/_native/ffi.py`` with cffi's ``recompiler.make_py_source``
from a header that it generates with cbindgen from crates/fiskal-ffi (its cbindgen.toml, with
the preprocessor lines turned off — as include/fiskal_php.h is made). Here the same cffi turns
include/fiskal.h (preprocessed for C17, below) and include/fiskal_php.h into the same module
text; all three must be identical, byte for byte. cffi's module text is a packed table of every
declared function, type and enum constant, so this fails on any change of a name, signature or
result-code number, while comments and the order of declarations do not matter.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import List

import cffi
import pytest
from cffi import recompiler

import fiskal._ffi
import fiskal._native
from conftest import REPO

INCLUDE = REPO / "include"


def preprocess_c17(text: str) -> str:
    """The few preprocessor forms cbindgen writes, evaluated as a C17 compiler (not C++) would:
    ``#ifndef/#ifdef/#if/#else/#endif`` over ``__cplusplus`` and ``__STDC_VERSION__``;
    ``#include``/``#define`` lines are dropped (cffi knows the standard types)."""
    defined = {"__STDC_VERSION__"}
    out: List[str] = []
    stack: List[bool] = []  # whether each open block is active

    def cond(expr: str) -> bool:
        expr = expr.split("//")[0].strip()
        py = re.sub(r"defined\((\w+)\)", lambda m: str(m.group(1) in defined), expr)
        py = py.replace("__STDC_VERSION__", "201710").replace("||", " or ").replace("&&", " and ")
        py = re.sub(r"(\d+)L\b", r"\1", py)
        if not re.fullmatch(r"[\w\s<>=!()]+", py):
            raise ValueError("unexpected #if expression: %r" % expr)
        return bool(eval(py, {"__builtins__": {}}, {}))  # noqa: S307 - checked above

    for line in text.splitlines():
        s = line.strip()
        active = all(stack)
        if s.startswith("#"):
            d = s[1:].strip()
            if d.startswith("ifndef"):
                stack.append(d.split()[1] not in defined)
            elif d.startswith("ifdef"):
                stack.append(d.split()[1] in defined)
            elif d.startswith("if"):
                stack.append(cond(d[2:]))
            elif d.startswith("else"):
                stack[-1] = not stack[-1]
            elif d.startswith("endif"):
                stack.pop()
            elif d.startswith(("include", "define")):
                pass
            else:
                raise ValueError("unexpected directive: %r" % line)
            continue
        if active:
            out.append(line)
    assert not stack, "unbalanced #if"
    return "\n".join(out)


def module_text(cdef: str, tmp: Path, name: str) -> str:
    ffi = cffi.FFI()
    ffi.cdef(cdef)
    target = tmp / (name + ".py")
    recompiler.make_py_source(ffi, "ffi", str(target))
    return target.read_text()


def shipped_text() -> str:
    """cffi's module text of the declarations the installed wheel uses: the cffi wheel's
    generated ``fiskal/_native/ffi.py``, or (the CPython wheel, whose extension module exports
    the C ABI) the module text of the header compiled into it, ``fiskal._native.C_HEADER``."""
    if fiskal.NATIVE:
        tmp = Path(tempfile.mkdtemp())
        return module_text(fiskal._native.C_HEADER, tmp, "ffi")
    return (Path(fiskal._native.__file__).parent / "ffi.py").read_text()


def test_shipped_header_is_include_fiskal_php_h() -> None:
    # The package ships no copy of the header (nothing to go stale) ...
    package = Path(fiskal.__file__).parent
    assert sorted(p.name for p in package.rglob("*.h")) == []
    if fiskal.NATIVE:
        # ... the CPython wheel reads the header compiled into its extension module with cffi at
        # import; it must be include/fiskal_php.h, byte for byte.
        header: str = fiskal._native.C_HEADER
        assert header.encode("utf-8") == (INCLUDE / "fiskal_php.h").read_bytes(), (
            "bindings/python/native is stale: rebuild the wheel"
        )
    else:
        # ... the cffi wheel uses the declarations maturin generated at build time (compared
        # with the headers below), not a header read at import.
        assert fiskal._ffi.ffi is fiskal._native.ffi
        assert not hasattr(fiskal._native, "C_HEADER")


def test_shipped_declarations_equal_include_fiskal_h(tmp_path: Path) -> None:
    header = (INCLUDE / "fiskal.h").read_text(encoding="utf-8")
    from_header = module_text(preprocess_c17(header), tmp_path, "from_fiskal_h")
    assert shipped_text() == from_header


def test_shipped_declarations_equal_include_fiskal_php_h(tmp_path: Path) -> None:
    php = (INCLUDE / "fiskal_php.h").read_text(encoding="utf-8")
    assert shipped_text() == module_text(php, tmp_path, "from_fiskal_php_h")


def test_every_header_function_is_callable() -> None:
    header = (INCLUDE / "fiskal.h").read_text(encoding="utf-8")
    names = sorted(set(re.findall(r"\b(fiskal_\w+)\(", header)))
    assert "fiskal_validate" in names and "fiskal_string_free" in names
    lib = fiskal._ffi.lib
    missing = [n for n in names if not hasattr(lib, n)]
    assert missing == []


def test_preprocessor_evaluation_is_c17() -> None:
    src = "#ifndef __cplusplus\n#if __STDC_VERSION__ >= 202311L\nA\n#else\nB\n#endif\n#endif\n"
    assert preprocess_c17(src).split() == ["B"]
    with pytest.raises(ValueError):
        preprocess_c17("#if __import__('os')\n#endif\n")
