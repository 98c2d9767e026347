"""podman/unix_http.py: the service child's client, against a server on a unix socket that
parses requests with h11's server side and answers as each test tells it (Content-Length or
chunked bodies, HEAD, repeated headers, no answer, an answer cut short). The real podman
service is its peer in tests/integration/test_service_child.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import h11
import pytest

from dockershim.podman import unix_http

Seen = tuple[h11.Request, bytes]
Reply = Callable[[h11.Request, bytes, asyncio.StreamWriter], Awaitable[None]]


async def _serve(path: Path, reply: Reply, seen: list[Seen]) -> asyncio.AbstractServer:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER)
        request: h11.Request | None = None
        body = b""
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(await reader.read(65536))
            elif isinstance(event, h11.Request):
                request = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                break
            else:
                raise AssertionError(f"unexpected {event!r}")
        assert request is not None
        seen.append((request, body))
        await reply(request, body, writer)
        writer.close()

    return await asyncio.start_unix_server(handle, str(path))


def _head(status: bytes, *headers: bytes) -> bytes:
    return b"HTTP/1.1 " + status + b"\r\n" + b"".join(h + b"\r\n" for h in headers) + b"\r\n"


async def _json_reply(request: h11.Request, body: bytes, writer: asyncio.StreamWriter) -> None:
    payload = b'{"ok": true}'
    writer.write(_head(b"200 OK", b"Content-Length: %d" % len(payload), b"X-Twice: a",
                       b"X-Twice: b") + payload)  # fmt: skip


async def _chunked_reply(request: h11.Request, body: bytes, writer: asyncio.StreamWriter) -> None:
    writer.write(_head(b"200 OK", b"Transfer-Encoding: chunked"))
    for part in (b"first ", b"second"):
        writer.write(b"%x\r\n%s\r\n" % (len(part), part))
        await writer.drain()
        await asyncio.sleep(0.01)
    writer.write(b"0\r\n\r\n")


@pytest.fixture
def sock(tmp_path: Path) -> Path:
    return tmp_path / "s.sock"


async def test_a_query_and_a_json_body_reach_the_server_as_sent(sock: Path) -> None:
    seen: list[Seen] = []
    async with await _serve(sock, _json_reply, seen):
        answer = await unix_http.request(
            str(sock),
            "POST",
            "/v4.0.0/libpod/containers/create",
            {"path": "/a dir/x+y&z", "force": "true"},
            json_body={"image": "busybox", "name": "é"},
            timeout=5,
        )
    assert answer.status == 200 and answer.body == b'{"ok": true}'
    assert answer.headers["x-twice"] == "a, b"
    request, body = seen[0]
    assert request.method == b"POST"
    assert (
        request.target == b"/v4.0.0/libpod/containers/create?path=%2Fa%20dir%2Fx%2By%26z&force=true"
    )
    headers = dict(request.headers)
    assert headers[b"content-type"] == b"application/json"
    assert body == b'{"image": "busybox", "name": "\\u00e9"}'


async def test_a_chunked_answer_is_read_whole(sock: Path) -> None:
    async with await _serve(sock, _chunked_reply, []):
        answer = await unix_http.request(str(sock), "GET", "/events", timeout=5)
    assert (answer.status, answer.body) == (200, b"first second")


async def test_a_head_answer_has_headers_and_no_body(sock: Path) -> None:
    async def reply(request: h11.Request, body: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(_head(b"200 OK", b"Content-Length: 99", b"X-Docker-Container-Path-Stat: e30="))

    async with await _serve(sock, reply, []):
        answer = await unix_http.request(str(sock), "HEAD", "/archive", {"path": "/"}, timeout=5)
    assert answer.status == 200 and answer.body == b""
    assert answer.headers["x-docker-container-path-stat"] == "e30="


async def test_a_streamed_upload_arrives_whole_and_in_order(sock: Path) -> None:
    seen: list[Seen] = []

    async def parts() -> AsyncIterator[bytes]:
        for i in range(50):
            yield bytes([i]) * 10_000
        yield b""  # an empty part is skipped, not taken for the end

    async with await _serve(sock, _json_reply, seen):
        answer = await unix_http.request(str(sock), "PUT", "/archive", content=parts(), timeout=5)
    assert answer.status == 200
    request, body = seen[0]
    assert dict(request.headers)[b"transfer-encoding"] == b"chunked"
    assert body == b"".join(bytes([i]) * 10_000 for i in range(50))


async def test_nothing_listening_is_refused(sock: Path) -> None:
    with pytest.raises(unix_http.Refused):
        await unix_http.request(str(sock), "GET", "/_ping", timeout=5)


async def test_a_request_never_answered_times_out(sock: Path) -> None:
    async def reply(request: h11.Request, body: bytes, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(3600)

    async with await _serve(sock, reply, []):
        with pytest.raises(unix_http.TimedOut):
            await unix_http.request(str(sock), "POST", "/stop", timeout=0.2)


@pytest.mark.parametrize(
    "cut",
    [b"", b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", b"not http at all\r\n\r\n"],
    ids=["no answer", "a body cut short", "not HTTP"],
)
async def test_an_answer_that_is_not_whole_broke_off(sock: Path, cut: bytes) -> None:
    async def reply(request: h11.Request, body: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(cut)

    async with await _serve(sock, reply, []):
        with pytest.raises(unix_http.BrokeOff):
            await unix_http.request(str(sock), "DELETE", "/containers/x", timeout=5)
