"""The uvicorn server that runs the API, with idle exit that never drops a client.

Idle means: no open connection (uvicorn's or hijacked), no request task in flight, for
`idle_timeout` seconds. Exiting then goes in two steps so no accepted connection is dropped:
1. stop accepting: the listening sockets leave the event loop but stay open (an activator or
   systemd keeps its own copy: clients that connect from now on wait in the kernel's backlog
   for the next activation, which the waiting connection itself triggers);
2. give connections accepted just before a few ticks to show up; serve them to the end, closing
   each after the response in flight (as uvicorn's own graceful shutdown does, so a keep-alive
   client does not hold the exit while others wait in the backlog); exit when none is left.

Step 1 removes the reader instead of closing asyncio's Server: a connection accepted in the same
loop iteration is attached to its Server a moment later, and Python 3.11's `Server._attach()`
asserts the server is still open: closing first would drop exactly that connection.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import time
from dataclasses import dataclass, field

import uvicorn
from uvicorn.server import ServerState

from dockershim.server.hijack import HijackedStream
from dockershim.server.listener import sd_notify
from dockershim.server.protocol import HijackableH11Protocol

log = logging.getLogger(__name__)

_SETTLE_TICKS = 3  # ticks of 0.1 s after leaving the listener before we trust "no connection"


@dataclass
class ActivityRegistry:
    """Live hijacked streams; uvicorn forgets them once taken over, we must not."""

    streams: set[HijackedStream] = field(default_factory=set)

    def add(self, stream: HijackedStream) -> None:
        self.streams.add(stream)

    def discard(self, stream: HijackedStream) -> None:
        self.streams.discard(stream)


class ShimServer(uvicorn.Server):
    def __init__(
        self,
        config: uvicorn.Config,
        idle_timeout: float,
        registry: ActivityRegistry,
        notify: dict[str, str] | None = None,
    ):
        super().__init__(config)
        self.idle_timeout = idle_timeout
        self.registry = registry
        self.notify = notify or {}
        self._last_active = time.monotonic()
        self._draining = False
        self._quiet_ticks = 0

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            sd_notify("READY=1", self.notify)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if not self._draining:
            sd_notify("STOPPING=1", self.notify)
        await super().shutdown(sockets)

    def busy(self) -> bool:
        state: ServerState = self.server_state
        return bool(state.connections or state.tasks or self.registry.streams)

    def stop_accepting(self) -> None:
        loop = asyncio.get_running_loop()
        for server in self.servers:
            for sock in server.sockets:
                loop.remove_reader(sock.fileno())

    def close_after_response(self) -> None:
        for protocol in self.server_state.connections:
            cycle = getattr(protocol, "cycle", None)
            if cycle is not None and not cycle.response_complete:
                cycle.keep_alive = False

    async def on_tick(self, counter: int) -> bool:
        if await super().on_tick(counter):
            return True
        if self.idle_timeout <= 0:
            return False
        now = time.monotonic()
        if self.busy():
            self._last_active = now
            self._quiet_ticks = 0
            if self._draining:
                self.close_after_response()
            return False
        if not self._draining:
            if now - self._last_active < self.idle_timeout:
                return False
            log.info("idle for %gs: no longer accepting, exiting", self.idle_timeout)
            sd_notify("STOPPING=1", self.notify)
            self._draining = True
            self.stop_accepting()
        self._quiet_ticks += 1
        return self._quiet_ticks >= _SETTLE_TICKS


KEEP_ALIVE = 75  # seconds an idle client connection stays open (nginx's default)
_BUILD_ARGS = re.compile(r"([?&]buildargs=)[^&]*", re.I)


class RedactBuildArgs(logging.Filter):
    """Build arguments (often tokens) travel in the query string: not into the access log."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) > 2 and isinstance(args[2], str):
            record.args = (*args[:2], _BUILD_ARGS.sub(r"\1<redacted>", args[2]), *args[3:])
        return True


async def serve(
    app: object,
    sockets: list[socket.socket],
    *,
    idle_timeout: float,
    log_level: str = "info",
    notify_socket: str | None = None,
) -> None:
    registry = ActivityRegistry()
    protocol = type("BoundHijackableH11Protocol", (HijackableH11Protocol,), {"registry": registry})
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        http=protocol,
        lifespan="on",
        log_level=log_level,
        server_header=False,
        timeout_graceful_shutdown=10,
        # dockerd (Go's server) keeps idle connections open; uvicorn's 5 s closed them just as
        # clients that pool them (docker-py, dockerode) sent the next request: ECONNRESET
        timeout_keep_alive=KEEP_ALIVE,
        access_log=log_level == "debug",
    )
    logging.getLogger("uvicorn.access").addFilter(RedactBuildArgs())
    notify = {"NOTIFY_SOCKET": notify_socket} if notify_socket else {}
    server = ShimServer(config, idle_timeout, registry, notify)
    try:
        await server.serve(sockets=sockets)
    finally:
        for stream in list(registry.streams):
            stream.close()
