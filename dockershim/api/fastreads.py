"""The hot reads, answered by their own route functions without FastAPI's routing.

`docker ps`, `inspect`, `images`, the CLI's `/_ping`, volume lists and exec inspects are most
of what clients send, and each is a few hundred microseconds of work; FastAPI's route matching
(linear over ~150 routes), dependency resolution and parameter validation cost about as much
again. This middleware sits inside ApiVersionMiddleware (prefix stripped, version known,
Docker's headers added on the way out) and calls the same route functions with the query
values FastAPI would pass them (Starlette's parsing: the last of repeated keys, unknown keys
ignored), so their answers and errors are the same bytes. Anything else, and any route whose
signature no longer matches what is called here, goes to FastAPI as before.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from dockershim.api import containers, exec, images, system, volumes
from dockershim.api.deps import Backend
from dockershim.api.errors import exception_response

log = logging.getLogger(__name__)

Call = Callable[[Backend, Scope, "re.Match[str]", dict[str, str]], Awaitable[Response]]


def _route(func: Callable[..., Awaitable[Response]], params: set[str], call: Call) -> Call | None:
    """`call`, if `func` still takes exactly `params` (else FastAPI keeps serving it)."""
    if set(inspect.signature(func).parameters) != params:
        log.warning("fast path for %s skipped: its parameters changed", func.__name__)
        return None
    return call


def _routes() -> list[tuple[str, re.Pattern[str], Call]]:
    table: list[tuple[str, str, Call | None]] = [
        (
            "GET",
            r"/_ping",
            _route(system.system_ping, set(), lambda b, s, m, q: system.system_ping()),
        ),
        (
            "HEAD",
            r"/_ping",
            _route(system.system_ping_head, set(), lambda b, s, m, q: system.system_ping_head()),
        ),
        (
            "GET",
            r"/version",
            _route(system.system_version, {"backend"}, lambda b, s, m, q: system.system_version(b)),
        ),
        (
            "GET",
            r"/containers/json",
            _route(
                containers.container_list,
                {"backend", "filters_json", "limit_raw", "all_raw", "size_raw"},
                lambda b, s, m, q: containers.container_list(
                    backend=b,
                    filters_json=q.get("filters"),
                    limit_raw=q.get("limit"),
                    all_raw=q.get("all"),
                    size_raw=q.get("size"),
                ),
            ),
        ),
        (
            "GET",
            r"/containers/([^/]+)/json",
            _route(
                containers.container_inspect,
                {"ref", "request", "backend", "size"},
                lambda b, s, m, q: containers.container_inspect(
                    ref=m[1], request=Request(s), backend=b, size=q.get("size")
                ),
            ),
        ),
        (
            "GET",
            r"/images/json",
            _route(
                images.image_list,
                {"request", "engine", "filters_json", "all_raw", "shared_size", "digests"},
                lambda b, s, m, q: images.image_list(
                    request=Request(s),
                    engine=b.engine,
                    filters_json=q.get("filters"),
                    all_raw=q.get("all"),
                    shared_size=q.get("shared-size"),
                    digests=q.get("digests"),
                ),
            ),
        ),
        (
            "GET",
            r"/volumes",
            _route(
                volumes.volume_list,
                {"engine", "filters_json"},
                lambda b, s, m, q: volumes.volume_list(
                    engine=b.engine, filters_json=q.get("filters")
                ),
            ),
        ),
        (
            "GET",
            r"/exec/([^/]+)/json",
            _route(
                exec.exec_inspect,
                {"exec_id", "backend"},
                lambda b, s, m, q: exec.exec_inspect(exec_id=m[1], backend=b),
            ),
        ),
    ]
    return [(method, re.compile(path), call) for method, path, call in table if call]


class FastReads:
    def __init__(self, app: ASGIApp, backend: Backend) -> None:
        self.app = app
        self.backend = backend
        self.routes = _routes()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            method, path = scope["method"], scope["path"]
            for wanted, pattern, call in self.routes:
                if method == wanted and (match := pattern.fullmatch(path)):
                    query = dict(parse_qsl(scope["query_string"].decode("latin-1"), True))
                    try:
                        response = await call(self.backend, scope, match, query)
                    except Exception as exc:
                        response = exception_response(exc)
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)
