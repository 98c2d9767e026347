"""A response's parts written in one step of the event loop leave in one send
(server/protocol.py), in order, also when the connection closes right after."""

from __future__ import annotations

import asyncio
from typing import Any

from dockershim.server.protocol import _FLUSH_AT, _OneSend


class _Transport:
    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed
        self.sent.append(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str) -> Any:
        return f"info:{name}"


async def test_parts_of_one_step_leave_together() -> None:
    transport = _Transport()
    one = _OneSend(transport, asyncio.get_running_loop())  # type: ignore[arg-type]
    one.write(b"HTTP/1.1 200 OK\r\n\r\n")
    one.write(b"")
    one.write(b"body")
    assert transport.sent == []
    await asyncio.sleep(0)
    assert transport.sent == [b"HTTP/1.1 200 OK\r\n\r\nbody"]
    one.write(b"more")
    await asyncio.sleep(0)
    assert transport.sent[-1] == b"more"
    assert one.get_extra_info("peername") == "info:peername"


async def test_close_sends_what_is_pending_first() -> None:
    transport = _Transport()
    one = _OneSend(transport, asyncio.get_running_loop())  # type: ignore[arg-type]
    one.write(b"last words")
    one.close()
    assert transport.sent == [b"last words"] and transport.closed
    await asyncio.sleep(0)  # the scheduled flush finds nothing to send
    assert transport.sent == [b"last words"]


async def test_parts_reaching_the_limit_leave_at_once() -> None:
    # a body that never waits must reach the transport as it goes (its flow control)
    transport = _Transport()
    one = _OneSend(transport, asyncio.get_running_loop())  # type: ignore[arg-type]
    one.write(b"HTTP/1.1 200 OK\r\n\r\n")
    assert transport.sent == []
    big = b"x" * _FLUSH_AT
    one.write(big)
    assert transport.sent == [b"HTTP/1.1 200 OK\r\n\r\n" + big]
    one.write(b"small")
    assert len(transport.sent) == 1
    await asyncio.sleep(0)
    assert transport.sent[-1] == b"small"
