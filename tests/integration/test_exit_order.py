"""Docker's order at a container's exit, which docker-compose 1.x relies on: the attached
output ends and `wait` answers before the `die` event is told (streams/exitorder.py)."""

from __future__ import annotations

import threading
import time
from typing import Any

from tests.conftest import Cleanup


def test_die_is_told_after_the_output_ends_and_wait_answers(dclient: Any, cleanup: Cleanup) -> None:
    name = cleanup.container()
    container = dclient.containers.create(
        "busybox", ["sh", "-c", "echo out; sleep 1; exit 3"], name=name, network_mode="none"
    )
    order: list[str] = []
    lock = threading.Lock()

    def note(what: str) -> None:
        with lock:
            order.append(what)

    events = dclient.events(
        since=int(time.time()) - 1,
        decode=True,
        filters={"container": container.id, "event": "die"},
    )
    stream = container.attach(stdout=True, stderr=True, stream=True, logs=True)

    def watch_events() -> None:
        for _event in events:
            note("die")
            return

    def follow_output() -> None:  # what compose's log thread does
        chunks = b"".join(stream)
        note(f"output {chunks.decode().strip()!r} ended")
        note(f"wait answered {container.wait()['StatusCode']}")

    threads = [threading.Thread(target=f, daemon=True) for f in (watch_events, follow_output)]
    for thread in threads:
        thread.start()
    container.start()
    for thread in threads:
        thread.join(60)
    events.close()
    assert order == ["output 'out' ended", "wait answered 3", "die"]
