"""Execs whose client went away (engine/execs.py run_unattended): kept running with their
output read to nowhere until they end (the end recorded) or podman's session can follow them
(the child then stops); a bounded number at once."""

from __future__ import annotations

import asyncio
from typing import Any

from dockershim.engine import execs as engine_execs
from dockershim.engine.execs import Execs


class _Process:
    def __init__(self) -> None:
        self.stdout, self.stderr = asyncio.StreamReader(), asyncio.StreamReader()
        self.stdin = None


class _Child:
    master_fd = None

    def __init__(self, code: int) -> None:
        self.process = _Process()
        self.code = code
        self.closed = False

    async def wait(self) -> int:
        return self.code

    async def close(self) -> None:
        self.closed = True

    def end(self, output: bytes) -> None:
        self.process.stdout.feed_data(output)
        for pipe in (self.process.stdout, self.process.stderr):
            pipe.feed_eof()


def _execs() -> Execs:
    fake: Any = None
    return Execs(fake, fake, fake)


async def _closed(child: _Child) -> None:
    """Until the child is stopped (1 s at most)."""
    for _ in range(50):
        await asyncio.sleep(0.02)
        if child.closed:
            return


async def _not_yet() -> bool:
    return False  # podman's session not seen running


async def test_runs_to_its_end_and_records_it() -> None:
    execs, ended = _execs(), []
    child = _Child(3)
    fake: Any = child
    assert execs.run_unattended(fake, ended.append, _not_yet)
    await asyncio.sleep(0.15)
    assert ended == [] and not child.closed  # still running: its output not at its end
    child.end(b"x" * 200_000)  # more than a pipe holds: read to nowhere
    for _ in range(20):
        await asyncio.sleep(0)
    assert ended == [3] and child.closed


async def test_stops_once_podmans_session_follows_it() -> None:
    execs, ended, looks = _execs(), [], []

    async def follow() -> bool:
        looks.append(1)
        return len(looks) >= 2  # the session shows up running at the second look

    child = _Child(0)
    fake: Any = child
    assert execs.run_unattended(fake, ended.append, follow)
    await _closed(child)
    assert child.closed and ended == []  # the session records the end now
    assert len(looks) == 2


async def test_an_end_just_after_the_session_was_seen_running_is_recorded() -> None:
    """podman's session may still say running when the process has just ended (`podman
    exec` records the end as it leaves): stopping the child then would leave the session
    running for good. The child's end, which comes at once then, is recorded instead."""
    execs, ended = _execs(), []
    child = _Child(7)

    async def follow() -> bool:
        asyncio.get_running_loop().call_later(0.05, child.end, b"")
        return True  # seen running, in the moment the process ends

    fake: Any = child
    assert execs.run_unattended(fake, ended.append, follow)
    await _closed(child)
    assert ended == [7] and child.closed


async def test_a_bounded_number_at_once_and_closed_with_the_service(monkeypatch: Any) -> None:
    monkeypatch.setattr(engine_execs, "_UNATTENDED_MAX", 2)
    execs, ended = _execs(), []
    children = [_Child(0) for _ in range(3)]
    fakes: list[Any] = children
    assert execs.run_unattended(fakes[0], ended.append, _not_yet)
    assert execs.run_unattended(fakes[1], ended.append, _not_yet)
    assert not execs.run_unattended(fakes[2], ended.append, _not_yet)  # the caller stops it
    await execs.close()
    assert [c.closed for c in children] == [True, True, False]
    assert ended == []  # stopped, not ended: inspect follows podman's session then
