"""Memory and threads sanity: many threads at once, thread-local errors, no growth over many calls."""

from __future__ import annotations

import copy
import gc
import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List

import pytest

import fiskal


def test_many_threads_validate(sample: Dict[str, Any]) -> None:
    good = json.dumps(sample, ensure_ascii=False)
    bad_receipt = copy.deepcopy(sample)
    bad_receipt["total"] = "1.00"
    bad = json.dumps(bad_receipt, ensure_ascii=False)
    want = fiskal.validate(good)
    barrier = threading.Barrier(16)

    def worker(n: int) -> int:
        barrier.wait()
        done = 0
        for i in range(300):
            if (i + n) % 3 == 0:
                # A failing call on this thread must report this thread's error, whatever the
                # other threads do at the same time (the last error is thread-local).
                with pytest.raises(fiskal.ValidationError) as info:
                    fiskal.validate(bad)
                assert [v.path for v in info.value.errors] == ["total", "payments"]
            else:
                assert fiskal.validate(good) == want
            done += 1
        return done

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert sum(pool.map(worker, range(16))) == 16 * 300


def test_threads_mixed_operations(sample: Dict[str, Any]) -> None:
    hexes: List[str] = []

    def worker(_: int) -> None:
        for _ in range(100):
            hexes.append(fiskal.to_tlv(sample).hex)
            assert fiskal.mark("4606203090785").tag_2000 == "4606203090785"
            with pytest.raises(fiskal.MarkError):
                fiskal.mark("")
            with pytest.raises(fiskal.TlvError):
                fiskal.from_tlv(b"\x03\x00")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(hexes) == 800 and len(set(hexes)) == 1


def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_no_growth_over_many_calls(sample: Dict[str, Any]) -> None:
    # Every output string and every error string is freed: 20 000 calls of each kind must not
    # grow the process by more than a few MiB (a leak of ~1 KiB per call would be 40+ MiB).
    big = copy.deepcopy(sample)
    bad = dict(sample, total="1.00")

    def round_(n: int) -> None:
        for _ in range(n):
            fiskal.to_tlv(big)
            fiskal.validate(big)
            try:
                fiskal.validate(bad)
            except fiskal.ValidationError:
                pass

    round_(2000)  # warm up allocators and caches
    gc.collect()
    before = _rss_kib()
    round_(20000)
    gc.collect()
    grown = _rss_kib() - before
    assert grown < 8 * 1024, "RSS grew by %d KiB over 60 000 calls" % grown
