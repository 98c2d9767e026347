"""One HTTP/1.1 request over a unix socket, for podman's service child (service_child.py).

Every container change that goes through the child pays for its client. httpx took 1.05-1.26
ms of CPU per request here (its URL and header models, httpcore's pool, anyio's streams),
against 0.29-0.35 for this one (300 pings of `podman system service`). This client
is asyncio's streams and h11 (which the server side uses already): a connection per request,
closed after the answer, as the child's client did before (a connect costs ~0.1 ms).

`timeout` bounds each step (connect, each write, each read), as httpx's did: an upload may
take longer than `timeout` in all while it keeps moving. The errors say which step failed,
because the caller's rules differ: a request that never reached podman can be done again by
a CLI process; one podman took may have been done.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import h11

_READ = 64 * 1024


class ClientError(Exception):
    """Base of this module's errors."""


class Refused(ClientError):
    """The request never reached the server: nothing listens, or the connect timed out."""


class TimedOut(ClientError):
    """The server took the request and did not answer (or read) within the timeout."""


class BrokeOff(ClientError):
    """The connection ended, or the answer was not HTTP, before the answer was whole."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: Mapping[str, str]  # names in lower case; repeated ones joined with ", "


async def request(
    socket_path: str,
    method: str,
    target: str,
    params: Mapping[str, str] | None = None,
    *,
    json_body: Any = None,
    content: AsyncIterable[bytes] | None = None,
    timeout: float,
) -> Answer:
    """`method target?params` with a JSON body, a streamed one (chunked), or none."""
    if params:
        target = f"{target}?{urlencode(params, quote_via=quote)}"
    headers = [("Host", "podman"), ("Connection", "close")]
    body = b""
    if json_body is not None:
        body = json.dumps(json_body).encode()
        headers += [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    elif content is not None:
        headers.append(("Transfer-Encoding", "chunked"))
    elif method in ("POST", "PUT"):
        headers.append(("Content-Length", "0"))
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_unix_connection(socket_path)
    except (OSError, TimeoutError) as exc:
        raise Refused(str(exc) or type(exc).__name__) from None
    try:
        return await _exchange(reader, writer, method, target, headers, body, content, timeout)
    finally:
        writer.close()


async def _exchange(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes,
    content: AsyncIterable[bytes] | None,
    timeout: float,
) -> Answer:
    conn = h11.Connection(h11.CLIENT)
    try:
        out = conn.send(h11.Request(method=method, target=target, headers=headers))
        if body:
            out += conn.send(h11.Data(data=body))
        if content is None:
            out += conn.send(h11.EndOfMessage())
        writer.write(out)
        if content is not None:
            async for chunk in content:
                if chunk:
                    writer.write(conn.send(h11.Data(data=chunk)))
                    async with asyncio.timeout(timeout):
                        await writer.drain()
            writer.write(conn.send(h11.EndOfMessage()))
        async with asyncio.timeout(timeout):
            await writer.drain()
        return await _answer(conn, reader, timeout)
    except TimeoutError:
        raise TimedOut(f"no answer within {timeout:g}s") from None
    except (OSError, h11.ProtocolError, EOFError) as exc:
        raise BrokeOff(type(exc).__name__) from None


async def _answer(conn: h11.Connection, reader: asyncio.StreamReader, timeout: float) -> Answer:
    status = 0
    found: dict[str, str] = {}
    parts: list[bytes] = []
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            async with asyncio.timeout(timeout):
                data = await reader.read(_READ)
            conn.receive_data(data)  # b"" is the end: h11 then says whether that was early
            continue
        if isinstance(event, h11.Response):
            status = event.status_code
            for name, value in event.headers:
                key, text = name.decode("latin-1"), value.decode("latin-1")
                found[key] = f"{found[key]}, {text}" if key in found else text
        elif isinstance(event, h11.Data):
            parts.append(bytes(event.data))
        elif isinstance(event, h11.EndOfMessage):
            return Answer(status, b"".join(parts), found)
        elif isinstance(event, h11.ConnectionClosed):
            raise EOFError("closed before the answer")
        # InformationalResponse (100 Continue): the real answer follows
