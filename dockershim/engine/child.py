"""A running podman child as routes and the stream layer see it (its pipes or pseudo-terminal,
`wait()`, `close()`), and readers of its output. Only the engine starts one (podman/runner.py).
"""

from __future__ import annotations

import asyncio
import codecs
import errno
import logging
import os
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

from dockershim.errors import DockerError
from dockershim.podman.errors import classify
from dockershim.podman.runner import SpawnedProcess as Child
from dockershim.translate.terminal import TerminalLines

__all__ = [
    "TERMINAL",
    "Child",
    "CutShort",
    "OutputTail",
    "drained",
    "event_lines",
    "merged_pipes",
    "output_chunks",
    "read_tagged_lines",
    "read_terminal_lines",
]

log = logging.getLogger(__name__)
_Item = TypeVar("_Item")

_ERR_BYTES = 8192  # of a failed child's stderr, for its error message
_LINE_MAX = 1 << 20  # bytes of one output line held at most (a longer one goes on in pieces)
_QUEUED_LINES = 16  # lines read ahead of the reader at most, per child (16 MiB at the very most)
# podman's last words are what a failure is read from (its `Error:` line comes last): its
# output may be any size, so only its tail is kept
_TAIL_BYTES = 64 * 1024


class CutShort(DockerError):
    """A child streaming an answer (export, cp out, save) failed after the answer began.

    Its status line is sent, so the only way to tell the client is to end the stream
    unfinished (no closing chunk), as dockerd does: a clean end would pass for a whole tar."""


class OutputTail:
    """The last lines of a child's output, `_TAIL_BYTES` at most (or its one last line)."""

    def __init__(self) -> None:
        self.lines: deque[str] = deque()
        self._size = 0

    def keep(self, line: str) -> None:
        self.lines.append(line)
        self._size += len(line) + 1
        while self._size > _TAIL_BYTES and len(self.lines) > 1:
            self._size -= len(self.lines.popleft()) + 1

    def text(self) -> str:
        return "\n".join(self.lines)


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
    async for is_err, raw in merged_pipes(child, _lines, _QUEUED_LINES):
        yield is_err, raw.decode("utf-8", "replace").rstrip("\r\n")


async def merged_pipes(
    child: Child,
    read: Callable[[asyncio.StreamReader], AsyncIterator[_Item]],
    queued: int,
) -> AsyncIterator[tuple[bool, _Item]]:
    """What `read` makes of the child's stdout and of its stderr, as it comes, each tagged:
    (from stderr, item). `queued` items wait for the reader at most: a reader that stops
    reading stops the child's output (its pipe fills), as a client that stops reading does
    with dockerd, instead of this service holding all of it."""
    queue: asyncio.Queue[tuple[bool, _Item] | None] = asyncio.Queue(queued)

    async def pump(reader: asyncio.StreamReader | None, is_err: bool) -> None:
        try:
            if reader is not None:
                async for item in read(reader):
                    await queue.put((is_err, item))
        except asyncio.CancelledError:
            raise  # the reader left: nobody waits for this pipe's end (and the queue may be full)
        except Exception:  # the pipe broke: it ends here
            log.debug("a child's output pipe broke", exc_info=True)
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


async def event_lines(child: Child) -> AsyncIterator[bytes]:
    """A `podman events` child's JSON lines; one past the reader's 64 KiB limit (a container's
    labels can make it any size) is passed over: it is no event a caller can use."""
    stdout = child.process.stdout
    assert stdout is not None
    while True:
        try:
            line = await stdout.readline()
        except ValueError:
            log.info("podman events: skipped an over-long line")
            continue
        if not line:
            return
        yield line


async def _lines(reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
    """The reader's lines however long (a progress bar redrawn with carriage returns is one):
    one longer than _LINE_MAX comes in pieces of that size. (`readline()` gives up on a line
    past the reader's 64 KiB limit, and nothing read the pipe after it: the child hung.)"""
    pending = bytearray()
    split = False  # a piece of this line went on already
    while True:
        try:
            chunk = await reader.readuntil(b"\n")
        except asyncio.LimitOverrunError as exc:  # no newline in the first `consumed` bytes
            pending += await reader.readexactly(min(exc.consumed, _LINE_MAX - len(pending)))
            if len(pending) == _LINE_MAX:
                yield bytes(pending)
                pending.clear()
                split = True
            continue
        except asyncio.IncompleteReadError as exc:  # the end, with no newline after the rest
            pending += exc.partial
            if pending:
                yield bytes(pending)
            return
        pending += chunk
        if not (split and pending == b"\n"):  # not a line of its own: the end of the last piece
            yield bytes(pending)
        pending.clear()
        split = False


# pull and push run podman on a pty: only there does it report byte counts (its bars).
TERMINAL = (50, 200)  # rows, columns: wide enough that no bar line is cut


async def drained(child: Child) -> int:
    """The child's exit code, once its output (pipes or pseudo-terminal) is read to nowhere to
    its end; its stdin pipe is closed first (nobody will write to it)."""
    stdin = child.process.stdin
    if stdin is not None:
        stdin.close()
    if child.master_fd is not None:
        while await _read_pty(child.master_fd):
            pass
    else:

        async def discard(reader: asyncio.StreamReader | None) -> None:
            while reader is not None and await reader.read(1 << 16):
                pass

        await asyncio.gather(discard(child.process.stdout), discard(child.process.stderr))
    return await child.wait()


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
