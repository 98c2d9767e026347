"""The uvicorn server that runs the API, with idle exit that never drops a client.

Idle means: no open connection (uvicorn's or hijacked), no request task in flight, for
`idle_timeout` seconds. Exiting then goes in two steps so no accepted connection is dropped:
1. stop listening (an activator or systemd keeps its own copy of the socket: clients that
   connect from now on wait in its backlog for the next activation);
2. give connections that were accepted just before a few ticks to show up; serve them to the end;
   exit only when none is left.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from dataclasses import dataclass, field

import uvicorn
from uvicorn.server import ServerState

from dockershim.server.hijack import HijackedStream
from dockershim.server.listener import sd_notify
from dockershim.server.protocol import HijackableH11Protocol

log = logging.getLogger(__name__)

_SETTLE_TICKS = 3  # ticks of 0.1 s after closing the listener before we trust "no connection"


@dataclass
class ActivityRegistry:
    """Live hijacked streams; uvicorn forgets them once taken over, we must not."""

    streams: set[HijackedStream] = field(default_factory=set)

    def add(self, stream: HijackedStream) -> None:
        self.streams.add(stream)

    def discard(self, stream: HijackedStream) -> None:
        self.streams.discard(stream)


class ShimServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, idle_timeout: float, registry: ActivityRegistry):
        super().__init__(config)
        self.idle_timeout = idle_timeout
        self.registry = registry
        self._last_active = time.monotonic()
        self._draining = False
        self._quiet_ticks = 0

    def _busy(self) -> bool:
        state: ServerState = self.server_state
        return bool(state.connections or state.tasks or self.registry.streams)

    async def on_tick(self, counter: int) -> bool:
        if await super().on_tick(counter):
            return True
        if self.idle_timeout <= 0:
            return False
        now = time.monotonic()
        if self._busy():
            self._last_active = now
            self._quiet_ticks = 0
            return False
        if not self._draining:
            if now - self._last_active < self.idle_timeout:
                return False
            log.info("idle for %.0fs: no longer accepting, exiting", self.idle_timeout)
            sd_notify("STOPPING=1")
            self._draining = True
            for server in self.servers:
                server.close()
        self._quiet_ticks += 1
        return self._quiet_ticks >= _SETTLE_TICKS


async def serve(
    app: object,
    sockets: list[socket.socket],
    *,
    idle_timeout: float,
    log_level: str = "info",
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
        access_log=log_level == "debug",
    )
    server = ShimServer(config, idle_timeout, registry)
    startup = asyncio.get_running_loop().call_soon(sd_notify, "READY=1")
    try:
        await server.serve(sockets=sockets)
    finally:
        startup.cancel()
        for stream in list(registry.streams):
            stream.close()
