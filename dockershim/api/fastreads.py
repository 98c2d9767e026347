"""The hot reads, answered without FastAPI's routing.

`docker ps`, `inspect`, `images`, `info`, the CLI's `/_ping`, network and volume lists and
exec inspects are most of what clients send, and each is a few hundred microseconds of work;
FastAPI's route matching (linear over ~150 routes), dependency resolution and parameter
validation cost about as much again. This middleware sits inside ApiVersionMiddleware (prefix
stripped, version known, Docker's headers added on the way out) and calls what the routes
call with the query values FastAPI would pass them (Starlette's parsing: the last of repeated
keys, unknown keys ignored), so the answers and errors are the same bytes. Anything else goes
to FastAPI.

Two tables: READS, answered by api/reads.py, which imports no FastAPI, so a cold service
answers them before its full app is built (api/lazyapp.py); and the full app's, READS and the
routes of FastAPI modules, called directly as long as their parameters are still the ones
called here (else FastAPI keeps serving them).
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from dockershim.api import reads
from dockershim.api.answers import exception_answer
from dockershim.api.backend import Backend

log = logging.getLogger(__name__)

# what a call returns answers by itself: an Answer (api/answers.py) or a Starlette Response
Call = Callable[[Backend, Scope, "re.Match[str]", dict[str, str]], Awaitable[ASGIApp]]
Route = tuple[str, "re.Pattern[str]", Call]

READS: list[Route] = [
    (
        "GET",
        re.compile(r"/containers/json"),
        lambda b, s, m, q: reads.container_list(
            b.engine, q.get("filters"), q.get("limit"), q.get("all"), q.get("size")
        ),
    ),
    (
        "GET",
        re.compile(r"/containers/([^/]+)/json"),
        lambda b, s, m, q: reads.container_inspect(b.engine, m[1], s, q.get("size")),
    ),
    (
        "GET",
        re.compile(r"/images/json"),
        lambda b, s, m, q: reads.image_list(
            b.engine, s, q.get("filters"), q.get("all"), q.get("shared-size"), q.get("digests")
        ),
    ),
    (
        "GET",
        re.compile(r"/images/(.+)/json"),  # FastAPI's {name:path}: a name may hold slashes
        lambda b, s, m, q: reads.image_inspect(b.engine, m[1], s),
    ),
    (
        "GET",
        re.compile(r"/volumes"),
        lambda b, s, m, q: reads.volume_list(b.engine, q.get("filters")),
    ),
    (
        "GET",
        re.compile(r"/networks"),
        lambda b, s, m, q: reads.network_list(b.engine, q.get("filters")),
    ),
    (
        "GET",
        re.compile(r"/networks/([^/]+)"),
        lambda b, s, m, q: reads.network_inspect(b.engine, m[1], q.get("scope")),
    ),
    ("GET", re.compile(r"/info"), lambda b, s, m, q: reads.system_info(b)),
]


def _route(func: Callable[..., Awaitable[ASGIApp]], params: set[str], call: Call) -> Call | None:
    """`call`, if `func` still takes exactly `params` (else FastAPI keeps serving it)."""
    if set(inspect.signature(func).parameters) != params:
        log.warning("fast path for %s skipped: its parameters changed", func.__name__)
        return None
    return call


def full_routes() -> list[Route]:
    """READS, and the routes whose modules import FastAPI (the full app's only)."""
    from dockershim.api import exec, system

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
            r"/exec/([^/]+)/json",
            _route(
                exec.exec_inspect,
                {"exec_id", "backend"},
                lambda b, s, m, q: exec.exec_inspect(exec_id=m[1], backend=b),
            ),
        ),
    ]
    return READS + [(method, re.compile(path), call) for method, path, call in table if call]


class FastReads:
    """`routes` answered here, everything else by `app`."""

    def __init__(self, app: ASGIApp, backend: Backend, routes: list[Route] | None = None) -> None:
        self.app = app
        self.backend = backend
        self.routes = full_routes() if routes is None else routes

    def find(self, method: str, path: str) -> tuple[Call, re.Match[str]] | None:
        """The call answering `method path` (a path without its version prefix) here."""
        for wanted, pattern, call in self.routes:
            if method == wanted and (match := pattern.fullmatch(path)):
                return call, match
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self.find(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        call, match = found
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), True))
        try:
            answer = await call(self.backend, scope, match, query)
        except Exception as exc:
            answer = exception_answer(exc)
        await answer(scope, receive, send)
