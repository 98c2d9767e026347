"""uvicorn's h11 protocol, extended so that an endpoint can take over its connection.

uvicorn only upgrades to WebSocket. Docker's attach/exec need the connection itself after the
response head (see hijack.py). uvicorn builds the request scope and then asks `_get_upgrade()`
(stable from uvicorn 0.20 to 0.54); we hook there to put a `dockershim.hijack` callable into the
scope's extensions, and answer "no upgrade" so uvicorn routes the request through the ASGI app as
usual (version prefix, 404s, validation). The endpoint calls it when it decides to stream.

Taking over: mark uvicorn's request cycle finished so it never writes again, drop the
connection from uvicorn's set (we count it ourselves, for the idle exit), put a HijackedStream
on the transport, write the head, re-feed bytes h11 read past the request (early stdin), and
resume reading (h11 pauses after an upgrade request). Only this module touches uvicorn internals.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from uvicorn.protocols.http.h11_impl import H11Protocol

from dockershim.server.hijack import HijackedStream

HIJACK_EXTENSION = "dockershim.hijack"
_FLUSH_AT = 64 * 1024  # bytes held for one send at most (asyncio's default high-water mark)


class HijackRegistry(Protocol):
    def add(self, stream: HijackedStream) -> None: ...

    def discard(self, stream: HijackedStream) -> None: ...


class TakeOver:
    """The callable an endpoint finds in `scope["extensions"]["dockershim.hijack"]`."""

    def __init__(self, protocol: HijackableH11Protocol, upgrade: bytes | None) -> None:
        self._protocol = protocol
        self.upgrade_requested = upgrade is not None
        self.used = False

    def __call__(self, content_type: str, headers: list[tuple[str, str]]) -> HijackedStream:
        if self.used:
            raise RuntimeError("connection already taken over")
        self.used = True
        return self._protocol.take_over(content_type, headers, self.upgrade_requested)


class _OneSend:
    """The transport as a response cycle sees it: what it writes in one step of the event loop
    (a response's head and body, as a route returns them) leaves in one send(), not one per
    part: half the system calls, and one wake-up of the client instead of two.

    Parts that reach `_FLUSH_AT` go to the transport at once. A stream whose body never waits
    (a log read from a file) writes all of itself in one step: held here, none of it would
    leave before the last part, and the transport's flow control (pause at its high-water
    mark, uvicorn's send waiting for the drain) would never see it: a client that stopped
    reading made the service hold the whole log."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._parts: list[bytes] = []
        self._size = 0

    def write(self, data: bytes) -> None:
        if not data:
            return
        if not self._parts:
            self._loop.call_soon(self.flush)
        self._parts.append(data)
        self._size += len(data)
        if self._size >= _FLUSH_AT:
            self.flush()

    def flush(self) -> None:
        if self._parts:
            data = b"".join(self._parts)
            self._parts.clear()
            self._size = 0
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class HijackableH11Protocol(H11Protocol):
    registry: HijackRegistry | None = None  # set by the service; counts live hijacked streams
    _client_eof = False  # the client half-closed while an upgrade request was in flight

    def eof_received(self) -> bool | None:  # type: ignore[override]
        # A client may send its request, its stdin and its half-close (SHUT_WR) in one go.
        # uvicorn would close the transport on EOF and lose the request; while a request that
        # asked for an upgrade is in flight, keep the transport for the endpoint instead.
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete and self._asked_upgrade():
            self._client_eof = True
            return True
        super().eof_received()
        return None

    def handle_events(self) -> None:
        super().handle_events()
        cycle = self.cycle
        if cycle is not None and not isinstance(cycle.transport, _OneSend):
            cycle.transport = _OneSend(self.transport, self.loop)  # type: ignore[assignment]

    def on_response_complete(self) -> None:
        if self._client_eof:  # answered normally (e.g. 404) after the client's half-close
            self.server_state.total_requests += 1
            self.transport.close()
            return
        super().on_response_complete()

    def _asked_upgrade(self) -> bool:
        headers = self.headers or []
        return any(name == b"upgrade" for name, _ in headers)

    def _get_upgrade(self) -> bytes | None:
        upgrade = super()._get_upgrade()
        if self.scope is not None:
            extensions: dict[str, Any] = dict(self.scope.get("extensions") or {})
            extensions[HIJACK_EXTENSION] = TakeOver(self, upgrade)
            self.scope["extensions"] = extensions
        if upgrade == b"websocket":
            return upgrade
        return None  # Upgrade: tcp and friends are ours to answer, inside the app

    def take_over(
        self, content_type: str, headers: list[tuple[str, str]], upgrade: bool
    ) -> HijackedStream:
        cycle = self.cycle
        cycle.response_started = True
        cycle.response_complete = True
        cycle.disconnected = True  # uvicorn's send() becomes a no-op for this cycle
        cycle.on_response = lambda: None
        self.connections.discard(self)
        self._unset_keepalive_if_required()

        registry = self.registry
        stream: HijackedStream

        def on_close() -> None:
            if registry is not None:
                registry.discard(stream)

        stream = HijackedStream(self.transport, on_close)
        if registry is not None:
            registry.add(stream)
        trailing, client_closed = self.conn.trailing_data
        self.transport.set_protocol(stream)
        head = ["HTTP/1.1 101 UPGRADED" if upgrade else "HTTP/1.1 200 OK"]
        head.append(f"Content-Type: {content_type}")
        if upgrade:
            head += ["Connection: Upgrade", "Upgrade: tcp"]
        head += [f"{name}: {value}" for name, value in headers]
        self.transport.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        if trailing:
            stream.data_received(bytes(trailing))
        if client_closed or self._client_eof:
            stream.eof_received()
        self.transport.resume_reading()
        return stream
