"""Docker's newline-delimited JSON progress responses (pull, push, load, build, import).

dockerd answers with an HTTP error while nothing was written yet, and in-band
(`{"errorDetail": ..., "error": ...}` with status 200) once the stream has started. Each line is
flushed at once. The podman child behind a stream is closed (terminate -> kill -> reap) when the
stream ends or the client goes away.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import errno
import json
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.background import BackgroundTask
from starlette.responses import StreamingResponse

from dockershim.api.errors import INTERNAL, client_fault
from dockershim.errors import DockerError
from dockershim.podman.runner import SpawnedProcess
from dockershim.translate.progress import error
from dockershim.translate.terminal import TerminalLines

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/json"


def encode(line: dict[str, Any]) -> bytes:
    return (json.dumps(line, separators=(",", ":")) + "\r\n").encode()


async def read_lines(child: SpawnedProcess) -> AsyncIterator[str]:
    """The child's (merged) output, line by line, decoded leniently."""
    stdout = child.process.stdout
    assert stdout is not None
    while True:
        raw = await stdout.readline()
        if not raw:
            return
        yield raw.decode("utf-8", "replace").rstrip("\r\n")


async def read_tagged_lines(child: SpawnedProcess) -> AsyncIterator[tuple[bool, str]]:
    """The child's stdout and stderr lines as they come, each tagged: (from stderr, line)."""
    queue: asyncio.Queue[tuple[bool, str] | None] = asyncio.Queue()

    async def pump(reader: asyncio.StreamReader | None, is_err: bool) -> None:
        try:
            while reader is not None and (raw := await reader.readline()):
                await queue.put((is_err, raw.decode("utf-8", "replace").rstrip("\r\n")))
        finally:
            await queue.put(None)

    tasks = [
        asyncio.ensure_future(pump(child.process.stdout, False)),
        asyncio.ensure_future(pump(child.process.stderr, True)),
    ]
    try:
        open_pipes = len(tasks)
        while open_pipes:
            item = await queue.get()
            if item is None:
                open_pipes -= 1
                continue
            yield item
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


# pull and push run podman on a pty: only there does it report byte counts (its bars).
TERMINAL = (50, 200)  # rows, columns: wide enough that no bar line is cut


async def read_terminal_lines(child: SpawnedProcess) -> AsyncIterator[str]:
    """Output of a child spawned with `use_pty`, as lines (each bar redraw gives new lines)."""
    fd = child.master_fd
    assert fd is not None
    lines = TerminalLines()
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    while data := await _read_pty(fd):
        for line in lines.feed(decoder.decode(data)):
            yield line
    for line in lines.feed(decoder.decode(b"", final=True)) + lines.flush():
        yield line


async def _read_pty(fd: int) -> bytes:
    """b"" once the child side is gone (EIO on Linux)."""
    loop = asyncio.get_running_loop()
    while True:
        try:
            return os.read(fd, 65536)
        except BlockingIOError:
            ready = loop.create_future()
            loop.add_reader(fd, ready.set_result, None)
            try:
                await ready
            finally:
                loop.remove_reader(fd)
        except OSError as exc:
            if exc.errno == errno.EIO:
                return b""
            raise


def stream_response(
    body: AsyncIterator[dict[str, Any]],
    cleanup: Callable[[], Awaitable[None]] | None = None,
) -> StreamingResponse:
    """A 200 progress stream of `body`'s lines; a DockerError raised by `body` becomes the
    stream's final in-band error line. `cleanup` runs when the stream ends or is abandoned."""
    done = asyncio.Event()

    async def run_cleanup() -> None:
        if cleanup is not None and not done.is_set():
            done.set()
            await cleanup()

    async def lines() -> AsyncIterator[bytes]:
        try:
            async for line in body:
                yield encode(line)
        except DockerError as exc:
            yield encode(error(exc.message))
        except Exception as exc:  # never a traceback to the client
            log.error("progress stream failed", exc_info=exc)
            yield encode(error(client_fault(exc) or INTERNAL))
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(run_cleanup())

    return StreamingResponse(lines(), media_type=MEDIA_TYPE, background=BackgroundTask(run_cleanup))
