"""The shared events reader, with a real child process standing in for `podman events`."""

from __future__ import annotations

import asyncio
import os
import time

from dockershim.podman import PodmanRunner, SpawnedProcess
from dockershim.streams import eventhub
from dockershim.streams.eventhub import EventHub


def _hub(script: str, spawned: list[SpawnedProcess]) -> EventHub:
    runner = PodmanRunner("/bin/sh")

    async def spawn(argv: list[str]) -> SpawnedProcess:
        assert argv[:4] == ["events", "--format", "json", "--since"]
        child = await runner.spawn(["-c", script], merge_stderr=True)
        spawned.append(child)
        return child

    return EventHub(spawn)


async def test_one_child_for_all_subscribers_and_reaped_after_the_last() -> None:
    spawned: list[SpawnedProcess] = []
    hub = _hub("echo one; echo two; exec sleep 60", spawned)
    deadline = time.time_ns() + 10_000_000_000
    async with hub.subscribe() as first, hub.subscribe() as second:
        assert [await first.get(deadline), await first.get(deadline)] == [b"one\n", b"two\n"]
        assert [await second.get(deadline), await second.get(deadline)] == [b"one\n", b"two\n"]
        assert len(spawned) == 1 and hub.running
    assert not hub.running
    assert spawned[0].process.returncode is not None
    assert not os.path.exists(f"/proc/{spawned[0].pid}") or spawned[0].process.returncode


async def test_a_reader_that_ends_ends_the_streams() -> None:
    hub = _hub("echo only", [])
    async with hub.subscribe() as sub:
        deadline = time.time_ns() + 10_000_000_000
        assert await sub.get(deadline) == b"only\n"
        assert await sub.get(deadline) is None


async def test_a_slow_subscriber_is_ended(monkeypatch: object) -> None:
    eventhub.BACKLOG = 3  # type: ignore[misc]
    try:
        hub = _hub("for i in 1 2 3 4 5 6; do echo $i; done; exec sleep 60", [])
        async with hub.subscribe() as sub:
            for _ in range(1000):  # until the reader has offered more than fits
                if sub.ended:
                    break
                await asyncio.sleep(0.01)
            lines = []
            while (line := await sub.get(time.time_ns() + 5_000_000_000)) is not None:
                lines.append(line)
            assert len(lines) < 6 and sub.ended
    finally:
        eventhub.BACKLOG = 4096  # type: ignore[misc]
