"""The attach/exec pump: a podman child's stdio <-> a hijacked client connection.

- Without a TTY the child has pipes: stdout and stderr go out as 8-byte frames (streams 1 and 2);
  with a TTY the child sits on a pseudo-terminal whose bytes go out raw.
- Client bytes go to the child's stdin after the detach-key filter; the client's half-close
  closes the child's stdin (pipes) while output keeps flowing.
- Backpressure both ways: output is read from the child only as fast as the client drains it,
  input only as fast as the child takes it (the connection pauses reading meanwhile).
- It ends when the child has exited and its output is drained ("exited"), when the detach keys
  were typed ("detached"), or when the client went away ("gone"). The caller closes the child
  (terminate -> kill -> reap) and the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import struct
import termios
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from dockershim.streams.detach import DetachScanner
from dockershim.streams.framing import STDERR, STDOUT, frame

CHUNK = 256 * 1024

Outcome = Literal["exited", "detached", "gone"]


class OutputReader(Protocol):
    async def read(self, n: int = ...) -> bytes: ...


class ChildPipes(Protocol):
    @property
    def stdout(self) -> OutputReader | None: ...

    @property
    def stderr(self) -> OutputReader | None: ...

    @property
    def stdin(self) -> asyncio.StreamWriter | None: ...


class AttachSource(Protocol):
    """What the pump reads: a podman child (podman/runner.py) or conmon's attach socket
    (engine/conmon_attach.py)."""

    @property
    def master_fd(self) -> int | None: ...

    @property
    def process(self) -> ChildPipes: ...

    async def wait(self) -> int: ...


class Connection(Protocol):
    """What the pump needs from a hijacked connection (server.hijack.HijackedStream)."""

    async def read(self, limit: int = ...) -> bytes: ...

    async def write(self, data: bytes) -> bool: ...

    async def closed(self) -> None: ...


@dataclass(frozen=True)
class PumpResult:
    outcome: Outcome
    exit_code: int | None = None


class _ClientGone(Exception):
    pass


@dataclass
class PumpOptions:
    tty: bool
    stdin: bool = False  # forward client input to the child
    stdout: bool = True
    stderr: bool = True
    detach_keys: bytes = b""
    # `podman attach` (4.3) writes one "\n" of its own to stdout when the container exits; a
    # chunk that is exactly that is held back and dropped at the end (passed on if more follows)
    drop_final_newline: bool = False
    # Output framing when it differs from `tty`: an exec's is decided by its start request,
    # the terminal by its create request (dockerd); None = frames exactly when not `tty`
    framed: bool | None = None

    @property
    def frames(self) -> bool:
        return not self.tty if self.framed is None else self.framed


async def pump(conn: Connection, child: AttachSource, options: PumpOptions) -> PumpResult:
    scanner = DetachScanner(options.detach_keys)
    if child.master_fd is not None:
        fd = child.master_fd
        outputs = [_copy_pty(fd, conn, options.stdout or options.stderr, options.frames)]
        inputs = _input(conn, scanner, lambda data: _write_fd(fd, data), None)
    else:
        process = child.process
        outputs = []
        for reader, stream, wanted in (
            (process.stdout, STDOUT, options.stdout),
            (process.stderr, STDERR, options.stderr),
        ):
            if reader is not None:
                drop = options.drop_final_newline and stream == STDOUT
                outputs.append(_copy_pipe(reader, conn, stream, options.frames, wanted, drop))
        writer = process.stdin if options.stdin else None
        inputs = _input(conn, scanner, _pipe_writer(writer), writer)

    async def finish() -> int:
        await asyncio.gather(*outputs)
        return await child.wait()

    main = asyncio.ensure_future(finish())
    feeding = asyncio.ensure_future(inputs)
    gone = asyncio.ensure_future(conn.closed())
    pending: set[asyncio.Future[object]] = {main, feeding, gone}  # type: ignore[arg-type]
    try:
        while True:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            if main in done:
                if isinstance(main.exception(), _ClientGone):
                    return PumpResult("gone")
                return PumpResult("exited", main.result())
            if gone in done:
                return PumpResult("gone")
            if feeding in done and feeding.result() is True:
                return PumpResult("detached")
            # input ended (half-close): keep waiting for the output and the exit
    finally:
        for task in (main, feeding, gone):
            task.cancel()
        await asyncio.gather(main, feeding, gone, return_exceptions=True)


async def _copy_pipe(
    reader: OutputReader,
    conn: Connection,
    stream: int,
    framed: bool,
    wanted: bool,
    drop_final_newline: bool = False,
) -> None:
    held = b""
    while True:
        data = await reader.read(CHUNK)
        if not data:
            return  # a held-back lone "\n" is podman's own: dropped
        if drop_final_newline:
            data, held = held + data, b""
            if data == b"\n":
                held, data = data, b""
                continue
        if wanted and not await conn.write(frame(stream, data) if framed else data):
            raise _ClientGone


async def _copy_pty(fd: int, conn: Connection, wanted: bool, framed: bool = False) -> None:
    while True:
        data = await _read_fd(fd)
        if not data:
            return
        if wanted and not await conn.write(frame(STDOUT, data) if framed else data):
            raise _ClientGone


async def _input(
    conn: Connection,
    scanner: DetachScanner,
    write: Callable[[bytes], Awaitable[None]],
    stdin: asyncio.StreamWriter | None,
) -> bool:
    """Forward client input; True when the detach keys were typed, False at its end.

    At the end of the input (the client's half-close) the child's stdin is closed; on detach it
    stays open (the process keeps running as it was) until podman has taken what was typed.
    """
    detached = False
    try:
        while True:
            data = await conn.read(CHUNK)
            if not data:
                held = scanner.flush()
                if held:
                    await write(held)
                return False
            data, detached = scanner.feed(data)
            if data:
                await write(data)
            if detached:
                await _settle(stdin)
                return True
    finally:
        if stdin is not None and not detached:
            with contextlib.suppress(OSError, RuntimeError):
                stdin.close()


async def _settle(stdin: asyncio.StreamWriter | None, limit: float = 2.0) -> None:
    """Give podman the input written before a detach: wait until it read the pipe empty."""
    pipe = stdin.get_extra_info("pipe") if stdin is not None else None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while pipe is not None and loop.time() < deadline:
        try:
            pending = struct.unpack("i", fcntl.ioctl(pipe.fileno(), termios.FIONREAD, b"\0" * 4))
        except (OSError, ValueError):
            break
        if pending[0] == 0:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.1)  # from podman's stdin to the container


def _pipe_writer(stdin: asyncio.StreamWriter | None) -> Callable[[bytes], Awaitable[None]]:
    async def write(data: bytes) -> None:
        if stdin is None or stdin.is_closing():
            return  # input not attached (or the child closed it): discard, as dockerd does
        try:
            stdin.write(data)
            await stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            stdin.close()

    return write


async def _wait_fd(fd: int, writable: bool) -> None:
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    if writable:
        loop.add_writer(fd, wake)
    else:
        loop.add_reader(fd, wake)
    try:
        await ready
    finally:
        if writable:
            loop.remove_writer(fd)
        else:
            loop.remove_reader(fd)


async def _read_fd(fd: int) -> bytes:
    """Read from a pty master; b"" once every slave end is closed (EIO)."""
    while True:
        try:
            return os.read(fd, CHUNK)
        except BlockingIOError:
            await _wait_fd(fd, writable=False)
        except OSError as exc:
            if exc.errno == errno.EIO:
                return b""
            raise


async def _write_fd(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
            view = view[written:]
        except BlockingIOError:
            await _wait_fd(fd, writable=True)
        except OSError as exc:
            if exc.errno in (errno.EIO, errno.EBADF):
                return  # the terminal is gone: the child has ended
            raise
