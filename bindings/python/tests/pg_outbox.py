"""The outbox on PostgreSQL from Python: ``fiskal.Outbox("postgres://…", settings)`` with the
package's own code over cffi (the PyPy wheel's layout: ``fiskal._native`` holding ``ffi`` and
``lib``), bound to a C library built with the cargo feature ``postgres``. One open / enqueue /
drain case against the ATOL emulator, an unreachable server (an :class:`fiskal.OutboxError`
that names the server, never the password) and a bad schema name (7007, path
``postgres.schema``).

Not a pytest module (the wheels' suite runs without a server): ``scripts/test-pg`` runs it as

    python3 bindings/python/tests/pg_outbox.py target/debug/libfiskal_ffi.so

with FISKAL_TEST_PG_URL and FISKAL_TEST_ATOL_V5_URL set. Exit status 0 when every check passed.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SECRET = "hunter2-Do-Not-Print"

SHIM = '''\
"""cffi over the C library named by FISKAL_PG_TEST_LIB (as the PyPy wheel's fiskal._native)."""
import os
import cffi

ffi = cffi.FFI()
with open(os.environ["FISKAL_PG_TEST_HEADER"], encoding="utf-8") as f:
    ffi.cdef(f.read())
lib = ffi.dlopen(os.environ["FISKAL_PG_TEST_LIB"])
'''


def package(lib: str, into: Path) -> None:
    """The package's Python sources with the cffi ``_native`` above, importable from ``into``."""
    shutil.copytree(ROOT / "bindings/python/python/fiskal", into / "fiskal")
    (into / "fiskal/_native").mkdir()
    (into / "fiskal/_native/__init__.py").write_text(SHIM, encoding="utf-8")
    os.environ["FISKAL_PG_TEST_LIB"] = str(Path(lib).resolve())
    os.environ["FISKAL_PG_TEST_HEADER"] = str(ROOT / "include/fiskal_php.h")


def settings(atol_url: str, postgres: dict) -> dict:
    return {
        "routes": {"atol": {"provider": {
            "provider": "atol", "api": "v5", "preset": "test", "base_url": atol_url,
            "password": "zUr0OxfI", "report_interval_ms": 20}}},
        "default_route": "atol",
        "worker": {"concurrency": 4, "lease_ms": 5000, "call_timeout_ms": 2000,
                   "idle_wait_ms": 20, "drain_timeout_ms": 2000},
        "timing": {"poll_first_ms": 50, "poll_max_ms": 200, "retry_base_ms": 50},
        "postgres": postgres,
    }


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    pg_url = os.environ.get("FISKAL_TEST_PG_URL", "")
    atol_url = os.environ.get("FISKAL_TEST_ATOL_V5_URL", "")
    assert pg_url, "FISKAL_TEST_PG_URL is not set: run through scripts/test-pg"
    assert atol_url, "FISKAL_TEST_ATOL_V5_URL is not set"
    tmp = Path(tempfile.mkdtemp(prefix="fiskal-py-pg-"))
    try:
        package(sys.argv[1], tmp)
        sys.path.insert(0, str(tmp))
        import fiskal

        assert not fiskal.NATIVE, "expected the cffi layer"
        receipt = (ROOT / "crates/fiskal-outbox/tests/fixtures/receipt_sell_v5.json").read_text(
            encoding="utf-8")
        run = "%d_%d" % (os.getpid(), int.from_bytes(os.urandom(3), "big"))
        os.environ["FISKAL_TEST_PY_PG_PASSWORD"] = SECRET

        # Open, enqueue, drain: every receipt done in the PostgreSQL journal.
        pg = {"schema": "py_pg_" + run, "pool_size": 2,
              "password": {"env": "FISKAL_TEST_PY_PG_PASSWORD"}}
        with fiskal.Outbox(pg_url, settings(atol_url, pg)) as o:
            keys = ["py-pg-%s-%d" % (run, i) for i in range(3)]
            for k in keys:
                e = o.enqueue(k, receipt)
                assert e.created and e.state == "queued", e
            assert o.drain(20.0), "not settled"
            for k in keys:
                assert o.get(k).state == "done", o.get(k)
            assert SECRET not in repr(o.stats())

        # An unreachable server: a storage error naming it, never the password.
        url = "postgres://shop:%s@127.0.0.1:1/fiskal?password=%s" % (SECRET, SECRET)
        try:
            fiskal.Outbox(url, settings(atol_url, {"connect_timeout_ms": 2000}))
        except fiskal.OutboxError as e:
            text = "%s %r %r" % (e, e, getattr(e, "details", None))
            assert 7000 <= e.code < 8000, text
            assert SECRET not in text, text
            assert "127.0.0.1" in text, text
        else:
            raise AssertionError("an unreachable server opened")

        # A bad schema: 7007, the setting's path as written.
        try:
            fiskal.Outbox(pg_url, settings(atol_url, {"schema": "Not-Valid"}))
        except fiskal.OutboxError as e:
            assert e.code == 7007, e
            assert e.path == "postgres.schema", (e.path, str(e))
        else:
            raise AssertionError("a bad schema name opened")
        print("python pg outbox: ok (cffi, %s)" % sys.argv[1])
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
