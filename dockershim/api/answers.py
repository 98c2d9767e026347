"""Answers made without Starlette: the reads' JSON (api/reads.py) and every error's shape.

A cold service answers its first reads before FastAPI is imported (api/lazyapp.py), and
Starlette's responses module alone costs ~11 ms of imports here (anyio, http, email). An
Answer is an ASGI app that sends the bytes Starlette's JSONResponse (or, for a 304, a bare
Response) would send: the same body, `content-length` then `content-type` in the same order.
The full app's routes hand FastAPI `as_response(answer)`.

Errors are `{"message": ...}` with dockerd's status. No traceback or exception text ever
reaches a client: unexpected exceptions are logged and answered 500 with a fixed text; the
few that only bad input causes (a NUL byte in a string, nesting too deep) are answered 400.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dockershim.errors import DockerError

if TYPE_CHECKING:
    from starlette.responses import Response
    from starlette.types import Receive, Scope, Send

log = logging.getLogger(__name__)

INTERNAL = "internal error in dockershim (details are in its log)"
_JSON = "application/json"


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    media_type: str | None = _JSON

    def headers(self) -> list[tuple[bytes, bytes]]:
        """As Starlette's Response.init_headers makes them (no charset: no text/ type here)."""
        headers = []
        if not (self.status < 200 or self.status in (204, 304)):
            headers.append((b"content-length", str(len(self.body)).encode("latin-1")))
        if self.media_type is not None:
            headers.append((b"content-type", self.media_type.encode("latin-1")))
        return headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status, "headers": self.headers()}
        )
        await send({"type": "http.response.body", "body": self.body})


def json_answer(content: Any, status: int = 200) -> Answer:
    body = json.dumps(
        content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")  # as JSONResponse.render
    return Answer(status, body)


def as_response(answer: Answer) -> Response:
    """The same answer as a Starlette Response, for FastAPI's routes (the full app's)."""
    from starlette.responses import Response

    return Response(answer.body, answer.status, media_type=answer.media_type)


def error_answer(status: int, message: str) -> Answer:
    if status == 304:
        return Answer(304, b"", media_type=None)
    return json_answer({"message": message}, status)


def client_fault(exc: BaseException) -> str | None:
    """A message for failures that only bad input causes where no check caught it first."""
    if (
        isinstance(exc, ValueError)
        and "null" in str(exc)
        and ("byte" in str(exc) or "char" in str(exc))
    ):
        return "invalid parameter: a string contains a NUL byte"
    if isinstance(exc, RecursionError):
        return "invalid parameter: input nested too deeply"
    return None


def exception_answer(exc: Exception) -> Answer:
    """What the full app's error handlers answer for `exc` (api/errors.py)."""
    if isinstance(exc, DockerError):
        if exc.status >= 500:
            log.warning("%s: %s", type(exc).__name__, exc.message)
        return error_answer(exc.status, exc.message)
    fault = client_fault(exc)
    if fault is not None:
        log.info("refused: %s (%s)", fault, type(exc).__name__)
        return error_answer(400, fault)
    log.error("unexpected error", exc_info=exc)
    return error_answer(500, INTERNAL)
