"""A container's log: read from its k8s-file log file (engine/log_file.py) when the whole log
is asked for (`tail=all`, no `until`: docker logs [-f], compose, docker-py, Testcontainers),
otherwise by one `podman logs` child. Either way the route gets the same batches of lines."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

from dockershim.engine.child import merged_pipes
from dockershim.engine.containers import Containers, check_ref
from dockershim.engine.log_file import LogFile
from dockershim.errors import InvalidParameter, NotFound
from dockershim.podman import PodmanRunner, SpawnedProcess
from dockershim.streams.framing import STDERR, STDOUT
from dockershim.translate.container_logs import docker_timestamp_line, logs_argv
from dockershim.translate.container_status import docker_state

_ENDED = ("exited", "dead")
_LIVE = ("running", "paused", "restarting")
_READ = 1 << 16  # bytes of a child's pipe read at once; also the longest line kept whole
_QUEUED_READS = 64  # reads of a child's pipes held ahead of the client at most (4 MiB)

# (STDOUT or STDERR, one line as written, newline included): what was there to read at once
Batch = list[tuple[int, bytes]]


@dataclass(frozen=True)
class LogWindow:
    follow: bool
    tail: str  # a number of lines, or "all"
    since_ns: int  # 0: from the start
    until_ns: int  # 0: up to now
    timestamps: bool


@dataclass
class LogReader:
    """What reads the log: a running `podman logs` child (its stdout and stderr are the
    container's) or, for a follow of a running container, its log file (engine/log_file.py);
    and podman's inspect JSON of the container. The caller closes the one it got."""

    child: SpawnedProcess | None
    container: dict[str, Any]
    file: LogFile | None = None
    timestamps: bool = False

    @property
    def tty(self) -> bool:
        return bool((self.container.get("Config") or {}).get("Tty"))

    async def batches(self) -> AsyncGenerator[Batch, None]:
        """The log's lines, with timestamps as dockerd prints them when asked; what is read
        is closed at the end, however it ends."""
        source = self.file.batches() if self.file is not None else _child_batches(self.child)
        try:
            async for batch in source:
                if self.timestamps:
                    batch = [(which, docker_timestamp_line(line)) for which, line in batch]
                yield batch
        finally:
            await source.aclose()
            await self.close()

    async def close(self) -> None:
        """Also when `batches()` never started (the client left before the body began)."""
        if self.file is not None:
            self.file.close()
        if self.child is not None:
            await self.child.close()


class Logs:
    def __init__(self, podman: PodmanRunner, containers: Containers) -> None:
        self.podman = podman
        self.containers = containers

    async def open(self, ref: str, window: LogWindow) -> LogReader:
        follow = window.follow
        facts = await self.containers.facts(ref)
        status = docker_state(facts.status)
        if status in _ENDED:
            # As dockerd, no following a container that has ended; podman's follow of one
            # drops lines of a long log (containers/podman#21914).
            follow = False
        raw = await self.containers.inspect(ref)
        config = (raw.get("HostConfig") or {}).get("LogConfig") or {}
        if str(config.get("Type") or "") == "none":
            raise InvalidParameter('configured logging driver does not support reading: "none"')
        if window.tail == "all" and not window.until_ns:
            found = await self._file(raw, config, window, follow=follow and status in _LIVE)
            if found is not None:
                return LogReader(None, raw, found, window.timestamps)
        argv = logs_argv(
            check_ref(ref),
            follow=follow,
            tail=window.tail,
            since=window.since_ns,
            until=window.until_ns,
            timestamps=window.timestamps,
        )
        return LogReader(await self.podman.spawn(argv), raw, None, window.timestamps)

    async def _file(
        self, raw: dict[str, Any], config: dict[str, Any], window: LogWindow, *, follow: bool
    ) -> LogFile | None:
        """The k8s-file log itself, opened now, when the engine reads podman's state. Opened
        before the answer begins, it outlives a removal: docker-py's `run(remove=True)` reads
        the body only after it removed the container, which a `podman logs` child still
        starting did not survive (an empty answer, about one run in fifteen under load)."""
        path = str(config.get("Path") or "")
        if str(config.get("Type") or "") != "k8s-file" or not path:
            return None
        if await self.containers.snapshot() is None:
            return None  # each look at the state would be a podman process
        ident = str(raw.get("Id") or "")

        async def ended() -> bool:
            if not follow:
                return True  # what is there now, then the end
            try:
                status = (await self.containers.facts(ident)).status
            except NotFound:
                return True
            return docker_state(status) not in _LIVE

        return LogFile.open(
            path, since_ns=window.since_ns, timestamps=window.timestamps, ended=ended
        )


async def _child_batches(child: SpawnedProcess | None) -> AsyncGenerator[Batch, None]:
    """A `podman logs` child's stdout and stderr (the container's), read as they come."""
    if child is None:
        return
    async for is_err, lines in merged_pipes(child, _lines, _QUEUED_READS):
        which = STDERR if is_err else STDOUT
        yield [(which, line) for line in lines]


async def _lines(stream: asyncio.StreamReader) -> AsyncGenerator[list[bytes], None]:
    """The lines as written, in batches of what was there to read at once (a 10 MiB log is
    not 100k round trips through the event loop); a line longer than _READ in pieces (dockerd
    splits long messages too)."""
    pending = b""
    while True:
        chunk = await stream.read(_READ)
        if not chunk:
            break
        *lines, pending = (pending + chunk).split(b"\n")
        batch = [line + b"\n" for line in lines]
        if len(pending) >= _READ:
            batch.append(pending)
            pending = b""
        if batch:
            yield batch
    if pending:
        yield [pending]  # the last line without its newline
