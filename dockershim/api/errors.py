"""The full app's error handlers: each exception FastAPI or Starlette raises, answered in
the one shape api/answers.py renders (`{"message": ...}` with dockerd's status, no traceback
or exception text to a client).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from dockershim.api.answers import as_response, error_answer, exception_answer
from dockershim.errors import DockerError

if TYPE_CHECKING:  # imported by install_error_handlers, when the app is built
    from fastapi import FastAPI
    from fastapi.exceptions import RequestValidationError

log = logging.getLogger(__name__)


def error_response(status: int, message: str) -> Response:
    return as_response(error_answer(status, message))


def exception_response(exc: Exception) -> Response:
    """What the handlers below answer for `exc` (for callers outside FastAPI's routing)."""
    return as_response(exception_answer(exc))


async def _docker_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, DockerError)
    return exception_response(exc)


async def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in (404, 405):
        return error_response(404, "page not found")
    return error_response(exc.status_code, str(exc.detail))


async def _client_gone(request: Request, exc: Exception) -> Response:
    """The client left while its request body was being read (an upload cut off): nobody
    is there to answer, and nothing went wrong here."""
    log.info("%s %s: the client went away during its request", request.method, request.url.path)
    return error_response(400, "the client closed the connection during its request")


async def _validation_error(_: Request, exc: Exception) -> Response:
    parts = []
    for err in cast("RequestValidationError", exc).errors():  # installed for that class
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "body", "path"))
        parts.append(f"{where}: {err.get('msg', 'invalid')}" if where else str(err.get("msg")))
    return error_response(400, "; ".join(parts) or "invalid request")


async def _unexpected(_: Request, exc: Exception) -> Response:
    # The exception text may hold internal paths or data: the log gets it, the client not.
    return exception_response(exc)


def install_error_handlers(app: FastAPI) -> None:
    from fastapi.exceptions import RequestValidationError

    app.add_exception_handler(DockerError, _docker_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ClientDisconnect, _client_gone)
    app.add_exception_handler(Exception, _unexpected)
