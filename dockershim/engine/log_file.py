"""Following a running container's k8s-file log by reading the file conmon writes.

podman 4.3's `podman logs --follow` drops lines when the container writes fast (200,000 lines
came back as 86,000-100,000 here; containers/podman#21914 for stopped containers), so a
follow of the whole log (`tail=all`, no `until`: what `docker logs -f`, compose, docker-py's
`run` and Testcontainers ask) reads the file itself: what is there, then what is appended,
until the container has stopped and the file is read to its end. The file is the user's own
(conmon writes it in their storage); it is only read, never written.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import BinaryIO

from dockershim.translate.k8s_file import parse, render

_READ = 256 * 1024  # bytes read at a time (a 10 MiB log in 40 reads)
_MAX_PENDING = 1 << 20  # conmon splits long lines into records of a few KiB: more is no record
_POLL_FIRST, _POLL_MOST = 0.02, 0.2  # seconds between looks at a quiet file (doubling)


class LogFile:
    """The records of an open log file as (stream, bytes `podman logs` would print) batches."""

    def __init__(
        self,
        file: BinaryIO,
        *,
        since_ns: int,
        timestamps: bool,
        ended: Callable[[], Awaitable[bool]],
    ) -> None:
        self._file = file
        self._since = since_ns
        self._timestamps = timestamps
        self._ended = ended

    @classmethod
    def open(
        cls, path: str, *, since_ns: int, timestamps: bool, ended: Callable[[], Awaitable[bool]]
    ) -> LogFile | None:
        """None when the file cannot be read (the caller asks podman instead)."""
        try:
            file = open(path, "rb")  # noqa: SIM115 - closed by batches()/close()
        except OSError:
            return None
        return cls(file, since_ns=since_ns, timestamps=timestamps, ended=ended)

    def close(self) -> None:
        self._file.close()

    async def batches(self) -> AsyncGenerator[list[tuple[int, bytes]], None]:
        pending = b""
        pause = _POLL_FIRST
        finishing = False
        try:
            while True:
                chunk = self._file.read(_READ)
                if chunk:
                    data = pending + chunk
                    records, used = parse(data)
                    pending = data[used:] if len(data) - used <= _MAX_PENDING else b""
                    batch = [
                        (r.stream, render(r, timestamps=self._timestamps))
                        for r in records
                        if r.time_ns >= self._since
                    ]
                    if batch:
                        yield batch
                    pause = _POLL_FIRST
                    continue
                if finishing:
                    return
                if await self._ended():
                    finishing = True  # one more read to the end: what was written before
                    continue
                await asyncio.sleep(pause)
                pause = min(pause * 2, _POLL_MOST)
        finally:
            with contextlib.suppress(OSError):
                self._file.close()
