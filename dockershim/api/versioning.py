"""API versions as dockerd handles them: `/vX.Y/` prefixes, limits, and the headers it sends.

Plain ASGI middleware (not BaseHTTPMiddleware, which breaks hijacked connections). The
negotiated version of a request is `scope["state"]["api_version"]` (a tuple), the newest one
for unversioned paths, as dockerd does.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dockershim import __version__

MIN_API_VERSION = "1.24"
API_VERSION = "1.45"  # the docker CLI 29.0-29.2 refuses engines below 1.44

_PREFIX = re.compile(r"^/v([0-9][0-9.]*)(/.*)$")

Version = tuple[int, ...]


def parse_version(text: str) -> Version:
    return tuple(int(part) for part in text.split(".") if part)


MIN_VERSION = parse_version(MIN_API_VERSION)
MAX_VERSION = parse_version(API_VERSION)


def docker_headers() -> list[tuple[str, str]]:
    """The headers dockerd puts on every response."""
    return [
        ("Api-Version", API_VERSION),
        ("Docker-Experimental", "false"),
        ("Ostype", "linux"),
        ("Server", f"Docker/{__version__} (linux) dockershim/{__version__}"),
    ]


_ENCODED_HEADERS = [(k.lower().encode(), v.encode()) for k, v in docker_headers()]


def api_version(scope: Scope) -> Version:
    state: dict[str, Any] = scope.get("state") or {}
    version: Version = state.get("api_version", MAX_VERSION)
    return version


def version_error(requested: str) -> str | None:
    """dockerd's text for a version outside what we serve, or None when it is fine."""
    try:
        version = parse_version(requested)
    except ValueError:
        return f"invalid API version: {requested}"
    if version > MAX_VERSION:
        return (
            f"client version {requested} is too new. Maximum supported API version is {API_VERSION}"
        )
    if version < MIN_VERSION:
        return (
            f"client version {requested} is too old. Minimum supported API version is "
            f"{MIN_API_VERSION}, please upgrade your client to a newer version"
        )
    return None


class ApiVersionMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        version = MAX_VERSION
        match = _PREFIX.match(scope["path"])
        if match:
            error = version_error(match[1])
            if error is not None:
                await _send_error(send, 400, error)
                return
            version = parse_version(match[1])
            prefix_len = len(scope["path"]) - len(match[2])
            scope = dict(scope)
            scope["path"] = match[2]
            raw_path: bytes = scope.get("raw_path") or b""
            if raw_path:
                scope["raw_path"] = raw_path[prefix_len:]
        state = dict(scope.get("state") or {})
        state["api_version"] = version
        scope = dict(scope)
        scope["state"] = state

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = [*message.get("headers", []), *_ENCODED_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _send_error(send: Send, status: int, message: str) -> None:
    body = json.dumps({"message": message}).encode() + b"\n"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *_ENCODED_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
