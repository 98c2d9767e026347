#!/usr/bin/env python3
"""Benchmark helper (not a test): the cheapest HTTP server Python can be, as a yardstick.

It answers every request on a unix socket with a fixed `200 {}`, from a bare asyncio protocol
(no HTTP library, no routing, no work). `bench/api_latency.py` times it beside dockershim and
podman's service: what the same client measures against it is the part of every request that
no server code can win back on this machine (the client, the socket, waking a process).

    python bench/floor_server.py SOCKET
"""

from __future__ import annotations

import asyncio
import sys

_BODY = b"{}"
_ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
    + str(len(_BODY)).encode()
    + b"\r\n\r\n"
    + _BODY
)


class _Fixed(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.pending = b""

    def data_received(self, data: bytes) -> None:
        # requests without a body (GET, HEAD): one answer per head
        self.pending += data
        while b"\r\n\r\n" in self.pending:
            _, self.pending = self.pending.split(b"\r\n\r\n", 1)
            self.transport.write(_ANSWER)


async def _serve(path: str) -> None:
    server = await asyncio.get_running_loop().create_unix_server(_Fixed, path)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(_serve(sys.argv[1]))
