"""1000 requests over more than 10 idle exits of the activated service, many fired at the moment
the service announces STOPPING=1 (it has stopped accepting and is on its way out): every single
one is answered by the service or the next activation; none refused, none reset."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from tests.integration.activation import Activated, http_get

IDLE = 0.5
BURST = 60  # while a service runs (the first one of a cycle activates it)
AT_EXIT = 20  # fired the moment STOPPING=1 arrives: they land while the service exits
TRICKLE = 10  # fired over the next 0.3 s: during the exit and the next activation


def _target(i: int) -> str:
    return "/version" if i % 10 == 0 else "/_ping"


def test_thousand_requests_across_idle_exits_all_answered(tmp_path: Path) -> None:
    instance = Activated(tmp_path, "activator", IDLE).start()
    results: Counter[str] = Counter()
    notes: Counter[str] = Counter()
    sent = 0
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            while notes["STOPPING=1"] < 10 or sent < 1000:
                futures: list[Future[str]] = []
                for i in range(BURST):
                    futures.append(pool.submit(http_get, instance.socket, _target(i)))
                for future in futures:
                    results[future.result()] += 1
                sent += len(futures)
                while (note := instance.next_notification()) != "STOPPING=1":
                    notes[note] += 1
                notes[note] += 1
                futures = [pool.submit(http_get, instance.socket) for _ in range(AT_EXIT)]
                for i in range(TRICKLE):
                    time.sleep(0.03)
                    futures.append(pool.submit(http_get, instance.socket, _target(i)))
                for future in futures:
                    results[future.result()] += 1
                sent += len(futures)
    finally:
        instance.stop()
    assert sent >= 1000
    assert results == Counter({"200": sent}), results
    assert notes["STOPPING=1"] >= 10
    assert notes["READY=1"] >= 10
    assert "Traceback" not in instance.log()
