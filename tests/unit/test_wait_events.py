"""A wait that follows `podman events` (when the state cannot tell) reads past an event line
longer than the pipe reader's limit (a container's labels can make one any size): before,
the line's ValueError ended the wait with an error instead of its exit code."""

from __future__ import annotations

import asyncio
import datetime
import json
from typing import Any

from dockershim.engine.containers import ContainerRef
from dockershim.engine.waits import Waiter

ID = "d" * 64


class _Process:
    def __init__(self, stdout: asyncio.StreamReader) -> None:
        self.stdout = stdout


class _Child:
    def __init__(self, stdout: asyncio.StreamReader) -> None:
        self.process = _Process(stdout)
        self.closed = False

    async def close(self) -> None:
        self.closed = True


class _Podman:
    def __init__(self, output: bytes) -> None:
        reader = asyncio.StreamReader()  # asyncio's default 64 KiB line limit, as for a child
        reader.feed_data(output)
        reader.feed_eof()
        self.child = _Child(reader)
        self.argv: list[str] = []

    async def spawn(self, argv: list[str]) -> _Child:
        self.argv = argv
        return self.child


async def test_an_over_long_event_line_is_passed_over() -> None:
    since = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    huge = {"ID": ID, "Status": "start", "Time": when, "Attributes": {"big": "x" * 100_000}}
    died = {"ID": ID, "Status": "died", "Time": when, "ContainerExitCode": 7}
    podman = _Podman(json.dumps(huge).encode() + b"\n" + json.dumps(died).encode() + b"\n")
    waiter: Any = Waiter(podman, containers=None)  # type: ignore[arg-type]
    found = ContainerRef(id=ID, name="web", status="running")
    code = await asyncio.wait_for(waiter._follow_events(found, "next-exit", since), 5)
    assert code == 7
    assert podman.argv[0] == "events" and podman.child.closed
