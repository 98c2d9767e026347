"""A taken-over ("hijacked") connection: a raw two-way byte stream after the HTTP head.

Docker's attach and exec answer `101 UPGRADED` (or `200 OK` without an Upgrade header) and then
use the connection as a plain socket. This protocol replaces uvicorn's on the transport:
- the client's half-close (EOF on its write side) ends only the input direction; output keeps
  flowing until we close;
- input is buffered up to a limit, then reading pauses (backpressure towards the client);
- output waits in `write()` while the transport's buffer is full (backpressure from the client);
- after a half-close asyncio stops reading, so it would never notice the client going away:
  `closed()` polls the socket for HUP once a second until then (dockerd's notifyClosed).
"""

from __future__ import annotations

import asyncio
import contextlib
import select
from collections.abc import Callable

_READ_LIMIT = 1 << 20
_HUP_POLL_SECONDS = 1.0


class HijackedStream(asyncio.Protocol):
    def __init__(self, transport: asyncio.Transport, on_close: Callable[[], None]) -> None:
        self.transport = transport
        self._on_close = on_close
        self._buffer = bytearray()
        self._eof = False
        self._data_event = asyncio.Event()
        self._lost = asyncio.Event()
        self._can_write = asyncio.Event()
        self._can_write.set()
        self._reading_paused = False
        self._closed = False

    # asyncio.Protocol -------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        self._buffer += data
        self._data_event.set()
        if len(self._buffer) >= _READ_LIMIT and not self._reading_paused:
            self._reading_paused = True
            with contextlib.suppress(RuntimeError):
                self.transport.pause_reading()

    def eof_received(self) -> bool:
        self._eof = True
        self._data_event.set()
        return True  # keep the transport open: the client still reads our output

    def connection_lost(self, exc: Exception | None) -> None:
        self._eof = True
        self._data_event.set()
        self._lost.set()
        self._can_write.set()
        self._finish()

    def pause_writing(self) -> None:
        self._can_write.clear()

    def resume_writing(self) -> None:
        self._can_write.set()

    # the stream API -------------------------------------------------------------------------
    @property
    def at_eof(self) -> bool:
        return self._eof and not self._buffer

    @property
    def is_lost(self) -> bool:
        return self._lost.is_set()

    async def read(self, limit: int = 65536) -> bytes:
        """The next chunk of client input; b"" once the client half-closed or went away."""
        while not self._buffer and not self._eof:
            self._data_event.clear()
            await self._data_event.wait()
        chunk = bytes(self._buffer[:limit])
        del self._buffer[:limit]
        if self._reading_paused and len(self._buffer) < _READ_LIMIT // 2:
            self._reading_paused = False
            with contextlib.suppress(RuntimeError):
                self.transport.resume_reading()
        return chunk

    async def write(self, data: bytes) -> bool:
        """Send output; False when the client is gone."""
        if self._lost.is_set() or self.transport.is_closing():
            return False
        self.transport.write(data)
        await self._can_write.wait()
        return not self._lost.is_set()

    async def closed(self) -> None:
        """Return once the client has gone away entirely (not merely half-closed)."""
        while not self._lost.is_set():
            if self._eof and self._peer_hung_up():
                self._lost.set()
                break
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._lost.wait(), _HUP_POLL_SECONDS)

    def _peer_hung_up(self) -> bool:
        sock = self.transport.get_extra_info("socket")
        if sock is None:
            return False
        poller = select.poll()
        try:
            poller.register(sock.fileno(), select.POLLHUP | select.POLLERR)
            return any(ev & (select.POLLHUP | select.POLLERR) for _, ev in poller.poll(0))
        except (OSError, ValueError):
            return True

    def close(self) -> None:
        """Close the connection (the process ended and its output is drained)."""
        if not self.transport.is_closing():
            # write_eof/close flush what is still buffered first (shutting the socket down
            # directly would drop the tail of the output).
            with contextlib.suppress(OSError, RuntimeError):
                if self.transport.can_write_eof():
                    self.transport.write_eof()
            self.transport.close()
        self._finish()

    def _finish(self) -> None:
        if not self._closed:
            self._closed = True
            self._on_close()
