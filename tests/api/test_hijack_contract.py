"""Raw-socket contract of the hijack (server/protocol.py, server/hijack.py, api/hijack_response.py).

A real uvicorn server with our h11 protocol serves a small app whose endpoints hijack like
attach/exec do; a raw unix-socket client speaks the bytes Docker clients send. If a uvicorn or
h11 upgrade breaks the takeover, these fail: 101 head, early stdin sent with the request head,
half-close, 200 without Upgrade, errors before the upgrade, keep-alive reuse, request bodies,
client-gone detection, and the live-stream count the idle exit relies on.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request, Response

from dockershim.api.errors import install_error_handlers
from dockershim.api.hijack_response import HijackResponse
from dockershim.api.versioning import ApiVersionMiddleware
from dockershim.errors import NotFound
from dockershim.server.protocol import HijackableH11Protocol
from dockershim.server.service import ActivityRegistry

pytestmark = pytest.mark.timeout(60)
CHUNK = bytes(range(256)) * 256
BIG = 16 * 1024 * 1024


class Events:
    def __init__(self) -> None:
        self.client_gone = asyncio.Event()
        self.live_during: list[int] = []


def make_app(events: Events, registry: ActivityRegistry) -> FastAPI:
    app = FastAPI()

    @app.get("/plain")
    async def plain() -> Response:
        return Response(b"plain", media_type="text/plain")

    @app.post("/echo/{name}")
    async def echo(name: str, request: Request) -> Response:
        if name == "missing":
            raise NotFound(f"No such container: {name}")
        body = await request.body()
        await asyncio.sleep(0.1)  # as a real endpoint asks podman before it takes over

        async def session(stream: Any) -> None:
            events.live_during.append(len(registry.streams))
            await stream.write(b"body:" + body + b"\n")
            while True:
                data = await stream.read()
                if not data:
                    break
                await stream.write(b"echo:" + data)
            await stream.write(b"bye after half-close\n")

        return HijackResponse("application/vnd.docker.raw-stream", session)

    @app.post("/linger")
    async def linger() -> Response:
        async def session(stream: Any) -> None:
            await stream.write(b"ready\n")
            await stream.closed()
            events.client_gone.set()

        return HijackResponse("application/vnd.docker.raw-stream", session)

    @app.post("/big")
    async def big() -> Response:
        async def session(stream: Any) -> None:
            for _ in range(BIG // len(CHUNK)):
                assert await stream.write(CHUNK)

        return HijackResponse("application/vnd.docker.raw-stream", session)

    install_error_handlers(app)
    app.add_middleware(ApiVersionMiddleware)
    return app


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[str, Events, ActivityRegistry]]:
    path = str(tmp_path / "h.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(path)
    registry = ActivityRegistry()
    events = Events()
    protocol = type("P", (HijackableH11Protocol,), {"registry": registry})
    config = uvicorn.Config(
        make_app(events, registry), http=protocol, lifespan="off", log_level="warning"
    )
    srv = uvicorn.Server(config)
    task = asyncio.ensure_future(srv.serve(sockets=[sock]))
    while not srv.started:
        await asyncio.sleep(0.01)
    yield path, events, registry
    srv.should_exit = True
    await asyncio.wait_for(task, 20)


def head(path: str, *, upgrade: bool = True, body: bytes = b"", method: str = "POST") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: docker", f"Content-Length: {len(body)}"]
    if body:
        lines.append("Content-Type: application/json")
    if upgrade:
        lines += ["Connection: Upgrade", "Upgrade: tcp"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def read_head(reader: asyncio.StreamReader) -> tuple[str, dict[str, str]]:
    raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    status, *lines = raw.decode().rstrip("\r\n").split("\r\n")
    return status, {k.lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines)}


async def read_to_eof(reader: asyncio.StreamReader) -> bytes:
    return await asyncio.wait_for(reader.read(), 10)


async def test_101_head_and_two_way_stream(server: tuple[str, Events, ActivityRegistry]) -> None:
    path, events, registry = server
    reader, writer = await asyncio.open_unix_connection(path)
    writer.write(head("/v1.45/echo/x"))
    status, headers = await read_head(reader)
    assert status == "HTTP/1.1 101 UPGRADED"
    assert headers["content-type"] == "application/vnd.docker.raw-stream"
    assert headers["connection"] == "Upgrade"
    assert headers["upgrade"] == "tcp"
    assert headers["api-version"] == "1.45"
    assert "transfer-encoding" not in headers and "content-length" not in headers
    assert await reader.readline() == b"body:\n"
    writer.write(b"ping\n")
    assert await asyncio.wait_for(reader.readline(), 10) == b"echo:ping\n"
    writer.write_eof()  # half-close: the server still answers, then closes
    assert await read_to_eof(reader) == b"bye after half-close\n"
    writer.close()
    assert events.live_during == [1]
    await asyncio.sleep(0.1)
    assert not registry.streams  # no longer counted once closed


async def test_early_stdin_and_half_close_with_the_head(
    server: tuple[str, Events, ActivityRegistry],
) -> None:
    path, _, _ = server
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    body = json.dumps({"Detach": False, "Tty": False}).encode()
    # head, body, stdin and the half-close in one burst, before any answer
    sock.sendall(head("/echo/x", body=body) + b"early stdin\n")
    sock.shutdown(socket.SHUT_WR)
    reader, writer = await asyncio.open_unix_connection(sock=sock)
    status, _ = await read_head(reader)
    assert status == "HTTP/1.1 101 UPGRADED"
    rest = await read_to_eof(reader)
    assert rest == b"body:" + body + b"\necho:early stdin\nbye after half-close\n"
    writer.close()


async def test_200_without_upgrade_header(server: tuple[str, Events, ActivityRegistry]) -> None:
    path, _, _ = server
    reader, writer = await asyncio.open_unix_connection(path)
    writer.write(head("/echo/x", upgrade=False) + b"data\n")
    status, headers = await read_head(reader)
    assert status == "HTTP/1.1 200 OK"
    assert headers["content-type"] == "application/vnd.docker.raw-stream"
    assert "transfer-encoding" not in headers and "content-length" not in headers
    assert await reader.readline() == b"body:\n"
    assert await asyncio.wait_for(reader.readline(), 10) == b"echo:data\n"
    writer.write_eof()
    assert await read_to_eof(reader) == b"bye after half-close\n"
    writer.close()


async def test_error_before_upgrade_is_plain_http_and_keeps_the_connection(
    server: tuple[str, Events, ActivityRegistry],
) -> None:
    path, _, _ = server
    reader, writer = await asyncio.open_unix_connection(path)
    writer.write(head("/v1.45/echo/missing"))
    status, headers = await read_head(reader)
    assert status.startswith("HTTP/1.1 404")
    body = await reader.readexactly(int(headers["content-length"]))
    assert json.loads(body) == {"message": "No such container: missing"}
    writer.write(head("/plain", upgrade=False, method="GET"))
    status, headers = await read_head(reader)
    assert status == "HTTP/1.1 200 OK"
    assert await reader.readexactly(int(headers["content-length"])) == b"plain"
    writer.close()


async def test_hijack_on_a_reused_keep_alive_connection(
    server: tuple[str, Events, ActivityRegistry],
) -> None:
    path, _, _ = server
    reader, writer = await asyncio.open_unix_connection(path)
    for _ in range(2):  # docker-py hijacks e.g. the third request of a pooled connection
        writer.write(head("/plain", upgrade=False, method="GET"))
        _, headers = await read_head(reader)
        await reader.readexactly(int(headers["content-length"]))
    writer.write(head("/echo/x", body=b'{"a":1}') + b"x")
    status, _ = await read_head(reader)
    assert status == "HTTP/1.1 101 UPGRADED"
    writer.write_eof()
    assert await read_to_eof(reader) == b'body:{"a":1}\necho:xbye after half-close\n'
    writer.close()


async def test_client_gone_after_half_close_is_noticed(
    server: tuple[str, Events, ActivityRegistry],
) -> None:
    path, events, registry = server
    reader, writer = await asyncio.open_unix_connection(path)
    writer.write(head("/linger"))
    await read_head(reader)
    assert await reader.readline() == b"ready\n"
    writer.write_eof()
    await asyncio.sleep(0.2)
    assert not events.client_gone.is_set()  # a half-close alone is not "gone"
    assert len(registry.streams) == 1
    writer.close()
    await asyncio.wait_for(events.client_gone.wait(), 10)
    await asyncio.sleep(0.1)
    assert not registry.streams


async def test_client_gone_without_half_close_is_noticed(
    server: tuple[str, Events, ActivityRegistry],
) -> None:
    path, events, _ = server
    reader, writer = await asyncio.open_unix_connection(path)
    writer.write(head("/linger"))
    await read_head(reader)
    writer.close()
    await asyncio.wait_for(events.client_gone.wait(), 10)


async def test_output_is_drained_before_the_close_and_read_slowly(
    server: tuple[str, Events, ActivityRegistry],
) -> None:
    path, _, _ = server
    reader, writer = await asyncio.open_unix_connection(path, limit=1 << 16)
    writer.write(head("/big"))
    await read_head(reader)
    received = 0
    while chunk := await asyncio.wait_for(reader.read(1 << 16), 10):
        received += len(chunk)
        if received < 1 << 20:
            await asyncio.sleep(0.001)  # a slow reader at first: the server must wait
    assert received == BIG
    writer.close()


async def test_error_answer_after_an_early_half_close(
    server: tuple[str, Events, ActivityRegistry],
) -> None:
    path, _, _ = server
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    sock.sendall(head("/echo/missing") + b"stdin nobody reads")
    sock.shutdown(socket.SHUT_WR)
    reader, writer = await asyncio.open_unix_connection(sock=sock)
    status, _ = await read_head(reader)
    assert status.startswith("HTTP/1.1 404")
    body = await read_to_eof(reader)  # answered in full, then closed
    assert json.loads(body) == {"message": "No such container: missing"}
    writer.close()
