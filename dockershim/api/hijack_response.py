"""A response that takes its connection over (attach, exec start).

An endpoint validates first and raises ordinary errors (404, 409) before the upgrade; then it
returns `HijackResponse(content_type, session)`. Called by Starlette, the response takes the
connection over through the `dockershim.hijack` scope extension (server/protocol.py), which
writes `101 UPGRADED` (or `200 OK` without an Upgrade header) with dockerd's headers, and runs
`session(stream)`. After the head there is no error channel: failures are written into the
stream as text, as dockerd does, and logged; nothing propagates to uvicorn.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from dockershim.api.answers import INTERNAL, client_fault
from dockershim.api.errors import error_response
from dockershim.api.versioning import docker_headers
from dockershim.errors import DockerError
from dockershim.streams.pump import Connection

log = logging.getLogger(__name__)

HIJACK_EXTENSION = "dockershim.hijack"

Session = Callable[[Any], Awaitable[None]]


class HijackResponse(Response):
    def __init__(self, content_type: str, session: Session) -> None:
        super().__init__(status_code=101)
        self.stream_content_type = content_type
        self.session = session

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        take_over = (scope.get("extensions") or {}).get(HIJACK_EXTENSION)
        if take_over is None:
            # not served by our protocol (e.g. an in-process test client): cannot stream
            response = error_response(500, "this connection cannot be hijacked")
            await response(scope, receive, send)
            return
        stream = take_over(self.stream_content_type, docker_headers())
        try:
            await self.session(stream)
        except DockerError as exc:
            await _report(stream, exc.message)
        except Exception as exc:
            log.exception("attach/exec stream failed")
            await _report(stream, client_fault(exc) or INTERNAL)
        finally:
            stream.close()


async def _report(stream: Connection, message: str) -> None:
    try:
        await stream.write(f"Error: {message}\n".encode())
    except Exception:  # the client may be gone already
        log.debug("could not report a stream error", exc_info=True)
