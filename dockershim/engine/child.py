"""A running podman child as routes and the stream layer see it (its pipes or pseudo-terminal,
`wait()`, `close()`), and readers of its output. Only the engine starts one (podman/runner.py).
"""

from __future__ import annotations

import asyncio
import codecs
import errno
import os
from collections.abc import AsyncIterator

from dockershim.errors import DockerError
from dockershim.podman.errors import classify
from dockershim.podman.runner import SpawnedProcess as Child
from dockershim.translate.terminal import TerminalLines

__all__ = [
    "TERMINAL",
    "Child",
    "CutShort",
    "output_chunks",
    "read_tagged_lines",
    "read_terminal_lines",
]

_ERR_BYTES = 8192  # of a failed child's stderr, for its error message


class CutShort(DockerError):
    """A child streaming an answer (export, cp out, save) failed after the answer began.

    Its status line is sent, so the only way to tell the client is to end the stream
    unfinished (no closing chunk), as dockerd does: a clean end would pass for a whole tar."""


async def output_chunks(child: Child, size: int) -> AsyncIterator[bytes]:
    """The child's stdout in chunks of at most `size`; CutShort once it is read to the end
    when the child then exits with an error."""
    stdout = child.process.stdout
    assert stdout is not None
    while chunk := await stdout.read(size):
        yield chunk
    code = await child.wait()
    if code != 0:
        stderr = child.process.stderr
        err = await stderr.read(_ERR_BYTES) if stderr is not None else b""
        raise CutShort(classify(err.decode("utf-8", "replace"), code).message)


async def read_tagged_lines(child: Child) -> AsyncIterator[tuple[bool, str]]:
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


async def read_terminal_lines(child: Child) -> AsyncIterator[str]:
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
