"""Streams whose client leaves are closed by the response, in its task, not by the collector.

The body here is shaped as /events' is: a generator reading a generator that holds a
subscription to the shared reader (a real child process stands in for `podman events`).
Dropped unclosed (starlette's StreamingResponse), both were closed later from two tasks of
Python's own that raced ("aclose(): asynchronous generator is already running").
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator
from typing import Any

import pytest
from starlette.requests import ClientDisconnect

from dockershim.api.closing import ClosingStreamingResponse
from dockershim.api.jsonstream import stream_response
from dockershim.podman import SpawnedProcess
from dockershim.streams.eventhub import EventHub
from tests.unit.test_eventhub import _hub

Message = dict[str, Any]


async def _subscribed(hub: EventHub) -> AsyncGenerator[bytes, None]:
    async with hub.subscribe() as subscription:
        while (line := await subscription.get(time.time_ns() + 10_000_000_000)) is not None:
            yield line


async def _body(hub: EventHub) -> AsyncGenerator[bytes, None]:
    async with contextlib.aclosing(_subscribed(hub)) as lines:
        async for line in lines:
            yield line


def _client_leaving_after(chunks: int) -> tuple[Any, Any, list[Message]]:
    """ASGI receive/send of a client that goes away while the `chunks`th body chunk is being
    sent: the body waits at its `yield` then (a client that stopped reading)."""
    sent: list[Message] = []
    gone = asyncio.Event()

    async def receive() -> Message:
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        if len([m for m in sent if m["type"] == "http.response.body"]) >= chunks:
            gone.set()
            await asyncio.sleep(30)  # cancelled when starlette sees the disconnect

    return receive, send, sent


SCOPE = {"type": "http", "asgi": {"spec_version": "2.3"}, "method": "GET", "path": "/events"}


async def test_a_client_leaving_closes_the_whole_chain_before_the_response_returns() -> None:
    errors: list[dict[str, Any]] = []
    asyncio.get_running_loop().set_exception_handler(lambda loop, context: errors.append(context))
    spawned: list[SpawnedProcess] = []
    hub = _hub("i=0; while i=$((i+1)); echo $i; do sleep 0.05; done", spawned)
    receive, send, sent = _client_leaving_after(2)
    response = ClosingStreamingResponse(_body(hub), media_type="application/json")
    await asyncio.wait_for(response(SCOPE, receive, send), 10)
    assert [m["body"] for m in sent if m["type"] == "http.response.body"][:2] == [b"1\n", b"2\n"]
    # the subscription is gone and the reader's child reaped before anything is collected
    assert not hub.running
    assert spawned[0].process.returncode is not None
    await asyncio.sleep(0.1)
    assert errors == []


async def test_close_runs_also_when_the_body_never_started() -> None:
    started = closed = False

    async def body() -> AsyncGenerator[bytes, None]:
        nonlocal started
        started = True
        yield b"never sent"

    async def close() -> None:
        nonlocal closed
        closed = True

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        raise OSError("the client is gone")

    response = ClosingStreamingResponse(body(), close=close)
    scope = {**SCOPE, "asgi": {"spec_version": "2.4"}}
    with pytest.raises(ClientDisconnect):
        await response(scope, receive, send)
    assert closed and not started


async def test_a_progress_streams_cleanup_runs_before_its_end_goes_out() -> None:
    # `docker build --network NET` then `docker network rm NET`: the build's pod must be gone
    # when the client sees the end of the stream
    events: list[str] = []

    async def body() -> AsyncGenerator[dict[str, Any], None]:
        yield {"stream": "Step 1/1"}

    async def cleanup() -> None:
        events.append("cleanup")

    async def receive() -> Message:
        await asyncio.sleep(30)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body" and not message.get("more_body"):
            events.append("end")

    await stream_response(body(), cleanup)(SCOPE, receive, send)
    assert events == ["cleanup", "end"]


async def test_a_failing_cleanup_leaves_the_answer_whole() -> None:
    sent: list[Message] = []

    async def body() -> AsyncGenerator[dict[str, Any], None]:
        yield {"status": "done"}

    async def cleanup() -> None:
        raise OSError("the pod was already gone")

    async def receive() -> Message:
        await asyncio.sleep(30)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await stream_response(body(), cleanup)(SCOPE, receive, send)
    assert sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
    assert b'"status":"done"' in b"".join(m.get("body", b"") for m in sent)
