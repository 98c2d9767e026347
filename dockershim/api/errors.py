"""The one place errors become HTTP responses: `{"message": ...}` with dockerd's status.

No traceback or exception text ever reaches a client: unexpected exceptions are logged and
answered 500 with a fixed text; the few that only bad input causes (a NUL byte in a string,
nesting too deep) are answered 400.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from dockershim.errors import DockerError

if TYPE_CHECKING:  # FastAPI is the full app's: a cold service's reads render errors first
    from fastapi import FastAPI
    from fastapi.exceptions import RequestValidationError

log = logging.getLogger(__name__)


def error_response(status: int, message: str) -> Response:
    if status == 304:
        return Response(status_code=304)
    return JSONResponse({"message": message}, status_code=status)


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


INTERNAL = "internal error in dockershim (details are in its log)"


async def _unexpected(_: Request, exc: Exception) -> Response:
    # The exception text may hold internal paths or data: the log gets it, the client not.
    return exception_response(exc)


def exception_response(exc: Exception) -> Response:
    """What the handlers below answer for `exc` (for callers outside FastAPI's routing)."""
    if isinstance(exc, DockerError):
        if exc.status >= 500:
            log.warning("%s: %s", type(exc).__name__, exc.message)
        return error_response(exc.status, exc.message)
    fault = client_fault(exc)
    if fault is not None:
        log.info("refused: %s (%s)", fault, type(exc).__name__)
        return error_response(400, fault)
    log.error("unexpected error", exc_info=exc)
    return error_response(500, INTERNAL)


def install_error_handlers(app: FastAPI) -> None:
    from fastapi.exceptions import RequestValidationError

    app.add_exception_handler(DockerError, _docker_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ClientDisconnect, _client_gone)
    app.add_exception_handler(Exception, _unexpected)
