"""fiskal.Client and fiskal.Outbox end to end against the ATOL emulator (a subprocess on
loopback: ``cargo run -p fiskal-emulator -- atol --port 0``, or the binary named by
``FISKAL_EMULATOR``), started by a fixture and killed at the end."""

from __future__ import annotations

import copy
import json
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

import fiskal
from conftest import REPO

RECEIPT_FIXTURE = REPO / "crates" / "fiskal-json" / "tests" / "fixtures" / "receipt_sell_v5.json"


@pytest.fixture(scope="module")
def atol_v5() -> Iterator[str]:
    """The emulator's ATOL v5 base URL; the process group is killed after the module."""
    exe = os.environ.get("FISKAL_EMULATOR")
    cmd = [exe] if exe else ["cargo", "run", "-q", "--locked", "-p", "fiskal-emulator", "--"]
    cmd += ["atol", "--port", "0", "--delay-ms", "30"]
    proc = subprocess.Popen(
        cmd, cwd=str(REPO), stdout=subprocess.PIPE, stderr=None, text=True,
        start_new_session=True,
    )
    url: List[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            m = re.match(r"ATOL v5: (\S+)", line)
            if m:
                url.append(m.group(1))
                break
        for _ in proc.stdout:  # keep the pipe drained
            pass

    t = threading.Thread(target=read, daemon=True)
    t.start()
    deadline = time.monotonic() + 900  # the first run may compile the emulator
    try:
        while not url:
            if proc.poll() is not None:
                raise RuntimeError("the emulator exited with %s: %s" % (proc.returncode, cmd))
            if time.monotonic() > deadline:
                raise RuntimeError("the emulator printed no address: %s" % cmd)
            time.sleep(0.05)
        yield url[0]
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def provider_settings(base_url: str) -> Dict[str, Any]:
    return {"provider": "atol", "api": "v5", "preset": "test", "base_url": base_url,
            "password": "zUr0OxfI", "report_interval_ms": 20}


def outbox_settings(base_url: str) -> Dict[str, Any]:
    return {
        "routes": {"atol": {"provider": provider_settings(base_url)}},
        "default_route": "atol",
        "worker": {"concurrency": 4, "lease_ms": 5000, "call_timeout_ms": 2000,
                   "idle_wait_ms": 20, "drain_timeout_ms": 2000},
        "timing": {"poll_first_ms": 50, "poll_max_ms": 200, "retry_base_ms": 50},
    }


@pytest.fixture
def receipt() -> Dict[str, Any]:
    with open(RECEIPT_FIXTURE, encoding="utf-8") as f:
        return json.load(f)


NOWHERE = "http://127.0.0.1:9/possystem/v5/"


def test_client_settings_errors() -> None:
    with pytest.raises(fiskal.ProviderError) as info:
        fiskal.Client("{")
    assert info.value.code == 6003
    s = provider_settings(NOWHERE)
    s["http"] = {"timeout_ms": "soon"}
    with pytest.raises(fiskal.ProviderError) as info:
        fiskal.Client(s)
    assert (info.value.code, info.value.name, info.value.path) == (6003, "provider_config", "http.timeout_ms")
    s = provider_settings(NOWHERE)
    s["login"] = 42
    with pytest.raises(fiskal.ProviderError) as info:
        fiskal.Client(s)
    assert "zUr0OxfI" not in repr(info.value.__dict__)


def test_client_submit_and_status_until_done(atol_v5: str, receipt: Dict[str, Any]) -> None:
    with fiskal.Client(provider_settings(atol_v5)) as client:
        o = client.submit("py-c-1", receipt, timestamp="2026-03-02T10:15:00", timeout=5)
        assert isinstance(o, fiskal.Outcome)
        assert (o.outcome, o.duplicate) == ("accepted", False), o
        assert o.is_at_provider and not o.is_done
        again = client.submit("py-c-1", receipt, timestamp="2026-03-02T10:15:00")
        assert (again.outcome, again.duplicate, again.provider_id) == ("accepted", True, o.provider_id)
        deadline = time.monotonic() + 20
        while True:
            s = client.status("py-c-1", provider_id=o.provider_id, kind="sell", timeout=5)
            if s.is_done:
                break
            assert s.outcome in ("pending", "accepted"), s
            assert time.monotonic() < deadline, "not done"
            time.sleep(0.03)
        assert s.fiscal is not None and isinstance(s.fiscal["fn_number"], str)
        assert s.qr is not None and s.qr.startswith("t=") and "&s=5651.95&" in s.qr
        assert fiskal.qr(s.fiscal) == s.qr

        # Errors before anything is sent are exceptions.
        bad = copy.deepcopy(receipt)
        bad["items"][0]["price"] = "abc"
        with pytest.raises(fiskal.ArgumentError) as info:
            client.submit("x-1", bad)
        assert (info.value.code, info.value.path) == (102, "receipt.items[0].price")
        bad["items"] = []
        with pytest.raises(fiskal.ProviderError) as info:
            client.submit("x-2", bad)
        assert info.value.code == 6002 and isinstance(info.value.details, list)
        with pytest.raises(fiskal.ArgumentError) as info:
            client.status("x", kind="gift")
        assert (info.value.code, info.value.path) == (107, "kind")
        with pytest.raises(fiskal.ProviderError) as info:
            client.status("never-sent-1", timeout=5)
        assert (info.value.code, info.value.path) == (6001, "provider_id")
        # Unknown at the provider: an answer, not an exception.
        u = client.status("never-sent-1", provider_id="00000000-0000-0000-0000-000000000000", timeout=5)
        assert u.outcome in ("not_found", "rejected", "pending", "in_doubt", "retry_later"), u
    assert client.closed
    with pytest.raises(ValueError):
        client.status("py-c-1")
    client.close()  # twice: nothing


def test_client_shared_by_threads(atol_v5: str, receipt: Dict[str, Any]) -> None:
    client = fiskal.Client(provider_settings(atol_v5))
    results: List[str] = []

    def send(i: int) -> None:
        results.append(client.submit("py-t-%d" % i, receipt, timeout=10).outcome)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    client.close()
    assert results == ["accepted"] * 6


def test_timeout_after_sending_is_in_doubt(receipt: Dict[str, Any]) -> None:
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        url = "http://127.0.0.1:%d/possystem/v5/" % silent.getsockname()[1]
        with fiskal.Client(provider_settings(url)) as client:
            started = time.monotonic()
            o = client.submit("py-slow-1", receipt, timeout=0.3)
            assert o.outcome == "in_doubt" and o.reason and "timeout" in o.reason, o
            assert time.monotonic() - started < 5
    finally:
        silent.close()


def test_outbox_open_errors(tmp_path: Path) -> None:
    s = outbox_settings(NOWHERE)
    s["worker"]["lease_ms"] = "soon"
    with pytest.raises(fiskal.OutboxError) as info:
        fiskal.Outbox(tmp_path / "o.db", s)
    assert (info.value.code, info.value.path) == (7007, "worker.lease_ms")
    with pytest.raises(fiskal.OutboxError) as info:
        fiskal.Outbox(tmp_path / "o.db", "[]")
    assert info.value.code == 7007
    with pytest.raises(fiskal.OutboxError) as info:
        fiskal.Outbox("/proc/no/such/dir/outbox.db", outbox_settings(NOWHERE))
    assert info.value.code == 7013


def test_outbox_operator_actions(receipt: Dict[str, Any], tmp_path: Path) -> None:
    # No worker, nothing sent: requeue and cancel are journal changes with who and why.
    with fiskal.Outbox(tmp_path / "outbox.db", outbox_settings(NOWHERE)) as o:
        o.enqueue("py-c-1", receipt)
        o.enqueue("py-c-2", receipt)
        with pytest.raises(fiskal.OutboxError) as info:
            o.requeue("py-c-1", who="anna", reason="again")
        assert (info.value.code, info.value.path) == (7019, "key")
        assert info.value.details == {"reason": "action_not_allowed", "action": "requeue",
                                      "state": "queued"}
        e = o.cancel("py-c-1", who=" Анна ", reason="покупатель ушёл")
        assert (e.state, e.key, e.due_at_ms) == ("cancelled", "py-c-1", None)
        last = o.audit("py-c-1")[-1]
        assert (last.reason, last.who, last.note) == ("operator_cancel", "Анна", "покупатель ушёл")
        assert o.audit("py-c-1")[0].who is None
        with pytest.raises(fiskal.OutboxError) as info:
            o.cancel("py-c-1", who="anna", reason="twice")
        assert info.value.code == 7019 and "cancelled already" in info.value.message_en
        with pytest.raises(fiskal.ArgumentError) as arg:
            o.cancel("py-c-2", who="anna", reason="  ")
        assert (arg.value.code, arg.value.path) == (107, "reason")
        with pytest.raises(fiskal.ArgumentError) as arg:
            o.requeue("py-c-2", who="", reason="why")
        assert (arg.value.code, arg.value.path) == (107, "who")
        with pytest.raises(fiskal.OutboxError) as info:
            o.requeue("nobody", who="anna", reason="why")
        assert info.value.code == 7003
        assert o.get("py-c-2").state == "queued"
        assert o.stats().count("cancelled") == 1
        assert [x.key for x in o.list(state="cancelled")] == ["py-c-1"]


def test_outbox_resolve_of_a_stuck_entry(receipt: Dict[str, Any], tmp_path: Path) -> None:
    # Nothing answers on port 9 and the deadlines are one second: the entry is soon stuck.
    s = outbox_settings(NOWHERE)
    s["timing"].update({"deadline_queued_s": 1, "deadline_retry_later_s": 1,
                        "deadline_sending_s": 1})
    s["worker"]["stuck_scan_ms"] = 50
    fiscal = {"fn_number": "9999078900001234", "fd_number": 4321, "fiscal_sign": 2911446123,
              "date_time": "2026-03-02T10:15:42", "shift_number": None,
              "receipt_number": None, "kkt_reg_number": None, "ofd_inn": None,
              "receipt_url": None, "total": receipt["total"], "operation": "sell"}
    with fiskal.Outbox(tmp_path / "outbox.db", s) as o:
        o.enqueue("py-r-1", receipt)
        with pytest.raises(fiskal.OutboxError) as info:
            o.resolve("py-r-1", who="anna", reason="found", fiscal=fiscal)
        assert info.value.code == 7019
        assert info.value.details == {"reason": "action_not_allowed", "action": "resolve",
                                      "state": "queued"}
        o.start()
        until = time.monotonic() + 30
        while o.get("py-r-1").state != "stuck":
            assert time.monotonic() < until, "not stuck in time"
            time.sleep(0.02)
        o.stop()
        with pytest.raises(fiskal.ArgumentError) as arg:
            o.resolve("py-r-1", who="anna", reason="found", fiscal=dict(fiscal, total="0.01"))
        assert (arg.value.code, arg.value.path) == (107, "fiscal.total")
        assert "0.01" in arg.value.message_en
        with pytest.raises(fiskal.ArgumentError) as arg:
            o.resolve("py-r-1", who="anna", reason="found", fiscal=dict(fiscal, fn_number="1"))
        assert (arg.value.code, arg.value.path) == (107, "fiscal.fn_number")
        e = o.resolve("py-r-1", who=" Анна ", reason="нашли в ЛК ОФД", fiscal=fiscal)
        assert (e.state, e.fiscal and e.fiscal["fd_number"]) == ("done", 4321)
        last = o.audit("py-r-1")[-1]
        assert (last.reason, last.who, last.note) == ("operator_resolve", "Анна",
                                                      "нашли в ЛК ОФД")
        with pytest.raises(fiskal.OutboxError) as info:
            o.resolve("py-r-1", who="anna", reason="again", fiscal=fiscal)
        assert info.value.code == 7019 and "nothing to do" in info.value.message_en


def test_outbox_end_to_end(atol_v5: str, receipt: Dict[str, Any], tmp_path: Path) -> None:
    events: List[fiskal.Entry] = []
    keys = ["py-o-%d" % i for i in range(4)]
    with fiskal.Outbox(tmp_path / "outbox.db", outbox_settings(atol_v5), observer=events.append) as o:
        for k in keys:
            e = o.enqueue(k, receipt)
            assert (e.created, e.state, e.document_id, e.route) == (True, "queued", k + "-1", "atol")
            assert e.fiscal is None and e.qr is None
        assert o.enqueue("py-o-0", receipt, route="atol").created is False

        other = copy.deepcopy(receipt)
        other["client"]["contact"] = "+79990000002"
        with pytest.raises(fiskal.OutboxError) as info:
            o.enqueue("py-o-0", other)
        assert info.value.code == 7002
        with pytest.raises(fiskal.OutboxError) as info:
            o.enqueue("py-o-x", receipt, route="orange")
        assert info.value.code == 7006
        with pytest.raises(fiskal.OutboxError) as info:
            o.enqueue("bad key!", receipt)
        assert info.value.code == 7001
        bad = copy.deepcopy(receipt)
        bad["items"] = []
        with pytest.raises(fiskal.OutboxError) as info:
            o.enqueue("py-o-bad", bad)
        assert info.value.code == 7008 and info.value.errors
        with pytest.raises(fiskal.OutboxError) as info:
            o.get("py-o-bad")
        assert info.value.code == 7003

        assert len(o.list(state="queued")) == 4
        st = o.stats()
        assert st.count("queued") == 4 and st.worker["running"] is False
        assert o.poke("py-o-0") is False

        o.start()
        assert o.drain(timeout=30) is True
        deadline = time.monotonic() + 30
        while o.stats().count("done") < 4:
            assert time.monotonic() < deadline, o.stats()
            time.sleep(0.05)
        o.stop()
        for k in keys:
            e = o.get(k)
            assert e.state == "done" and e.qr and e.fiscal and e.provider_id, e
        trail = o.audit("py-o-0")
        assert trail[0].to_state == "queued" and trail[-1].to_state == "done"
        assert [r.seq for r in trail] == sorted(r.seq for r in trail)
        r = o.reconcile(0, 4102444800000, 1000)
        assert r.checked >= 4 and r.matched >= 4, r
        # Fiscalised: neither cancelled nor sent again; the message says what to do instead.
        with pytest.raises(fiskal.OutboxError) as info:
            o.cancel("py-o-0", who="anna", reason="wrong price")
        assert info.value.code == 7019
        assert "issue a refund receipt instead" in info.value.message_en
        assert info.value.details["state"] == "done"
        with pytest.raises(fiskal.OutboxError) as info:
            o.requeue("py-o-0", who="anna", reason="again")
        assert info.value.code == 7019
        assert o.get("py-o-0").state == "done"
    assert o.closed
    done_events = [e for e in events if e.state == "done"]
    assert sorted(e.key for e in done_events) == keys
    assert all(e.previous_state for e in done_events)


def test_readme_client_example(atol_v5: str, receipt: Dict[str, Any], tmp_path: Path,
                               capsys: pytest.CaptureFixture) -> None:
    from test_readme import all_python_blocks

    blocks = [b for b in all_python_blocks() if b.startswith("# needs: the ATOL emulator")]
    assert len(blocks) == 1
    env = {"__name__": "__readme__", "ATOL_URL": atol_v5, "RECEIPT": receipt,
           "DB_PATH": str(tmp_path / "readme.db")}
    exec(compile(blocks[0], "README.md[client example]", "exec"), env)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[0].split()[1].startswith("t=") and out[1].startswith("t=")


def test_close_waits_for_calls_in_flight(receipt: Dict[str, Any]) -> None:
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        url = "http://127.0.0.1:%d/possystem/v5/" % silent.getsockname()[1]
        client = fiskal.Client(provider_settings(url))
        got: List[fiskal.Outcome] = []
        t = threading.Thread(target=lambda: got.append(client.submit("py-close-1", receipt, timeout=0.5)))
        t.start()
        time.sleep(0.1)
        started = time.monotonic()
        client.close()  # must not free the handle under the running submit
        assert time.monotonic() - started >= 0.2
        t.join()
        assert got[0].outcome == "in_doubt"
        assert client.closed
    finally:
        silent.close()


def test_outbox_done_with_attention(atol_v5: str, receipt: Dict[str, Any], tmp_path: Path) -> None:
    """Issue 24: a receipt the provider fiscalised with a remark is done, visibly so. Here the
    remark is ATOL's ``warnings`` (the emulator, like ATOL, warns about a callback URL outside
    its mask and fiscalises the receipt anyway); a negative mark check takes the same path."""
    settings = outbox_settings(atol_v5)
    settings["routes"]["atol"]["callback_url"] = "https://-not-a-host.example/cb"
    events: List[fiskal.Entry] = []
    with fiskal.Outbox(tmp_path / "outbox.db", settings, observer=events.append) as o:
        o.enqueue("py-att-1", receipt)
        assert o.drain(timeout=30) is True
        e = o.get("py-att-1")
        assert e.state == "done" and e.fiscal
        assert e.needs_attention, e
        assert e.attention["reasons"] == ["warnings"]
        assert e.attention["warnings"][0]["field"] == "callback_url"
        assert "callback_url" in e.attention["summary"]
        assert o.stats().done_with_attention == 1
        assert [x.key for x in o.list(attention=True)] == ["py-att-1"]
        assert [x.key for x in o.list(state="done", attention=True)] == ["py-att-1"]
        with pytest.raises(fiskal.FiskalError) as info:
            o.list(state="queued", attention=True)
        assert info.value.path == "state"
        r = o.reconcile(0, 4102444800000, 1000)
        assert [f["key"] for f in r.attention] == ["py-att-1"], r
        assert r.not_delivered == []
    done = [x for x in events if x.state == "done"]
    assert [(x.key, x.event) for x in done] == [("py-att-1", "done_with_attention")]
    assert done[0].attention["reasons"] == ["warnings"]
    assert all(x.event == "transition" for x in events if x.state != "done")


def test_outbox_plain_done_has_no_attention(atol_v5: str, receipt: Dict[str, Any], tmp_path: Path) -> None:
    events: List[fiskal.Entry] = []
    with fiskal.Outbox(tmp_path / "outbox.db", outbox_settings(atol_v5), observer=events.append) as o:
        o.enqueue("py-plain-1", receipt)
        assert o.drain(timeout=30) is True
        e = o.get("py-plain-1")
        assert e.state == "done" and not e.needs_attention and e.attention is None
        assert o.stats().done_with_attention == 0
        assert o.list(attention=True) == []
    assert [(x.key, x.event) for x in events if x.state == "done"] == [("py-plain-1", "done")]
