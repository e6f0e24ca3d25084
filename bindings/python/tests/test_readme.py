"""The README's example and the docstring examples are tests."""

from __future__ import annotations

import doctest
import re

import pytest

import fiskal
import fiskal._api
import fiskal.errors
from conftest import PACKAGE_DIR


def all_python_blocks() -> list:
    text = (PACKAGE_DIR / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "bindings/python/README.md has no python example"
    return blocks


def python_blocks() -> list:
    """The blocks that need nothing but the package. Blocks starting with ``# needs: the ATOL
    emulator`` run in tests/test_handles.py (test_readme_client_example) with the emulator."""
    return [b for b in all_python_blocks() if not b.startswith("# needs:")]


@pytest.mark.parametrize("n", range(len(python_blocks())))
def test_readme_example_runs(n: int, capsys: pytest.CaptureFixture) -> None:
    code = python_blocks()[n]
    exec(compile(code, "README.md[python block %d]" % n, "exec"), {"__name__": "__readme__"})
    out = capsys.readouterr().out
    if n == 0:
        assert out.startswith("151 0300"), out
        assert "total total_mismatch" in out and "payments payments_mismatch" in out


@pytest.mark.parametrize("module", [fiskal, fiskal._api, fiskal.errors], ids=lambda m: m.__name__)
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert result.failed == 0
    if module is not fiskal.errors:
        assert result.attempted > 0
