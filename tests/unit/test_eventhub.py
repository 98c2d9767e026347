"""The shared events reader, with a real child process standing in for `podman events`."""

from __future__ import annotations

import asyncio
import os
import time

from dockershim.podman import PodmanRunner, SpawnedProcess
from dockershim.streams import eventhub
from dockershim.streams.eventhub import EventHub


def _hub(script: str, spawned: list[SpawnedProcess], *, then: list[str] | None = None) -> EventHub:
    """`script` stands in for the first `podman events`, `then` for the ones after it."""
    runner = PodmanRunner("/bin/sh")
    scripts = [script, *(then or [])]

    async def spawn(argv: list[str]) -> SpawnedProcess:
        assert argv[:4] == ["events", "--format", "json", "--since"]
        assert abs(int(argv[4]) - time.time()) < 5
        child = await runner.spawn(["-c", scripts[min(len(spawned), len(scripts) - 1)]])
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


async def test_a_reader_that_keeps_ending_at_once_ends_the_streams() -> None:
    spawned: list[SpawnedProcess] = []
    hub = _hub("echo only", spawned)
    async with hub.subscribe() as sub:
        deadline = time.time_ns() + 10_000_000_000
        assert await sub.get(deadline) == b"only\n"  # told once, however often it is read
        assert await sub.get(deadline) is None
    assert len(spawned) == eventhub.QUICK_ENDS


async def test_a_reader_that_ends_is_followed_without_a_gap_or_a_repeat() -> None:
    # podman's event log rotated: the first child ends, the next one reads a little of the
    # past again ("two") and goes on
    spawned: list[SpawnedProcess] = []
    hub = _hub(
        "echo one; echo two; sleep 1.2",
        spawned,
        then=["echo two; echo three; exec sleep 60"],
    )
    deadline = time.time_ns() + 10_000_000_000
    async with hub.subscribe() as sub:
        lines = [await sub.get(deadline) for _ in range(3)]
        assert lines == [b"one\n", b"two\n", b"three\n"]
        assert await sub.get(time.time_ns() + 300_000_000) is None and not sub.ended
        assert len(spawned) == 2 and hub.running
    assert not hub.running


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
