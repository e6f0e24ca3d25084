"""Shared fixtures: where the golden vectors are, the sample receipt."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any, Dict, List

import pytest

HERE = Path(__file__).resolve().parent
PACKAGE_DIR = HERE.parent  # bindings/python
REPO = PACKAGE_DIR.parent.parent  # the fiskal repository
VECTORS = Path(os.environ.get("FISKAL_VECTORS", str(REPO / "tests" / "vectors")))

SAMPLE: Dict[str, Any] = {
    "version": 1,
    "ffd": "1.2",
    "operation": "sell",
    "tax_system": "osn",
    "company": {"inn": "7701000001", "payment_place": "https://shop.example.ru"},
    "items": [
        {
            "name": "Носки",
            "price": "199.90",
            "quantity": 3,
            "sum": "599.70",
            "measure": "piece",
            "vat": "vat22",
            "payment_method": "full_payment",
            "payment_subject": "commodity",
        }
    ],
    "payments": {"electronic": "599.70"},
    "total": "599.70",
}


def vector_files(sub: str) -> List[Path]:
    """Every ``*.json`` of ``tests/vectors/<sub>``, sorted; an empty or missing folder fails the
    collection loudly (a vector suite that finds nothing must not pass)."""
    d = VECTORS / sub
    files = sorted(d.glob("*.json"))
    if not files:
        raise RuntimeError("tests/vectors/%s has no vectors (looked in %s)" % (sub, d))
    return files


def load(path: Path) -> Dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture
def sample() -> Dict[str, Any]:
    """A fresh copy of the README's receipt (3 pairs of socks)."""
    return copy.deepcopy(SAMPLE)
