"""`docker run`'s output read from conmon's attach socket, for a run with no terminal or input.

`podman start --attach` passes the output on until the container's process ends, then looks
for the exit (podman's Wait, which polls every 250 ms): unless conmon's exit file was already
there at its first look, the stream ended ~230 ms after the container. So `docker run IMG
true` took ~390 ms where `docker run -d` and a `docker wait` took ~170 between them.

conmon serves the output itself, on the socket `<bundle>/attach` (SOCK_SEQPACKET; each packet
is one byte naming the stream, 2 stdout or 3 stderr, then up to 8192 bytes), which podman's
own attach reads; it closes the socket when the process's output ends. The socket exists from
the container's init: dockershim initializes the container through podman's service child
(conmon runs, the process does not yet), connects, then starts it. Nothing the container
prints can come before the connection. This reads podman's runtime files and writes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

_PACKET = 8192 + 1  # conmon's STDIO_BUF_SIZE and the stream byte
_QUEUED = 64  # packets held per stream for a client slower than the container
_STDOUT, _STDERR = 2, 3


class _Output:
    """One stream as the pump reads it (`read`): packets from the socket, b"" at the end."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=_QUEUED)
        self._ended = False

    async def put(self, data: bytes) -> None:
        """A packet's data; b"" ends the stream."""
        await self._queue.put(data)

    async def read(self, _size: int = -1) -> bytes:
        if self._ended:
            return b""
        data = await self._queue.get()
        self._ended = not data
        return data


@dataclass
class _Streams:
    stdout: _Output
    stderr: _Output
    stdin: None = None
    returncode: int | None = None


class SocketAttach:
    """A started container's output from conmon's socket, shaped as the child the stream
    pump reads (`process.stdout`/`stderr`, `wait()`, `close()`)."""

    master_fd = None

    def __init__(
        self,
        container_id: str,
        sock: socket.socket,
        exit_code: Callable[[], Awaitable[int | None]],
    ) -> None:
        self.argv = ["conmon-attach", container_id]
        self.process = _Streams(_Output(), _Output())
        self._sock = sock
        self._exit_code = exit_code
        self._reading = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        outputs = {_STDOUT: self.process.stdout, _STDERR: self.process.stderr}
        while True:
            try:
                packet = await loop.sock_recv(self._sock, _PACKET)
            except OSError:  # reset: the same end as a close
                packet = b""
            if not packet:
                break
            output = outputs.get(packet[0])
            if output is not None and len(packet) > 1:
                await output.put(packet[1:])
        for output in outputs.values():
            await output.put(b"")

    async def wait(self) -> int:
        """The container's exit code, once its output has ended (-1: it could not be told,
        the container gone meanwhile; the client's wait request answers with the code)."""
        await asyncio.shield(self._reading)
        if self.process.returncode is None:
            code = await self._exit_code()
            self.process.returncode = -1 if code is None else code
        return self.process.returncode

    async def close(self) -> None:
        self._reading.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reading
        self._sock.close()


async def connect(bundle: str) -> socket.socket:
    """A connection to conmon's attach socket in the container's bundle directory (through
    /proc/self/fd: the path can be longer than a socket address allows)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    sock.setblocking(False)
    folder = os.open(bundle, os.O_PATH | os.O_DIRECTORY)
    try:
        await asyncio.get_running_loop().sock_connect(sock, f"/proc/self/fd/{folder}/attach")
    except BaseException:
        sock.close()
        raise
    finally:
        os.close(folder)
    return sock
