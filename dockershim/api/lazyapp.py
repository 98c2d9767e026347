"""The app the service starts with: `/_ping` and `/version` at once, the full API when needed.

A socket-activated service starts when a client connects, and most first calls are
`docker version` or a `/_ping`. Importing FastAPI, pydantic and every router takes 0.3-0.5 s of
CPU on a small machine, so the service starts serving with this module only (no FastAPI): it
answers `GET /_ping`, `HEAD /_ping` and `GET /version` (with or without a `/vX.Y` prefix)
itself, byte for byte as the routes in api/system.py do, and builds the full app (api/app.py)
in a worker thread: at once when another request arrives (that request waits for it), or
shortly after a quick answer, so the next command finds it ready. From then on every request,
including /_ping and /version, goes to the full app. A first request that changes something (a
POST or DELETE: a cold `docker run`) also starts podman's service child at once, so it is
ready when the full app's create needs it. Lifespan events are answered here: the full app has
no startup or shutdown handlers; at shutdown its engine releases what it holds.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Receive, Scope, Send  # typing only: no starlette app

from dockershim.api.version_answer import version_content
from dockershim.api.versioning import ApiVersionMiddleware
from dockershim.errors import DockerError
from dockershim.podman.facts import Learned
from dockershim.podman.runner import PodmanRunner
from dockershim.podman.service_child import PodmanService
from dockershim.statefile import default_state_dir

log = logging.getLogger(__name__)

WARM_UP_DELAY = 0.1  # after a quick answer: a CLI's next request comes sooner than this

# The same headers (lower-cased, in the same order) as the routes in api/system.py send.
_PING_HEADERS = [
    (b"cache-control", b"no-cache, no-store, must-revalidate"),
    (b"pragma", b"no-cache"),
    (b"builder-version", b"1"),
    (b"swarm", b"inactive"),
]
_TEXT = (b"content-type", b"text/plain; charset=utf-8")
_QUICK = {("GET", "/_ping"), ("HEAD", "/_ping"), ("GET", "/version")}
_PREFIX = re.compile(r"^/v[0-9][0-9.]*(/.*)$")  # as api/versioning.py strips it


Closer = Callable[[], Awaitable[None]]


def _full_app(
    podman: PodmanRunner, state_dir: str, learned: Learned, service: PodmanService
) -> tuple[ASGIApp, Closer]:
    """The full app, and what to await when the service ends (its engine's close)."""
    from dockershim.api.app import create_app

    # the quick /version's facts, and the service child that may be starting already
    app = create_app(podman, state_dir=state_dir, learned=learned, service=service)
    return app, app.state.backend.engine.close


class LazyApp:
    def __init__(self, podman: PodmanRunner, state_dir: str | None = None) -> None:
        self.podman = podman
        self.state_dir = state_dir or default_state_dir()
        self.learned = Learned()  # podman's facts, which the quick /version may take first
        self.service = PodmanService.of(podman, self.state_dir)
        self.full: ASGIApp | None = None
        self._close: Closer | None = None
        self._loading: asyncio.Future[tuple[ASGIApp, Closer]] | None = None
        self._quick = ApiVersionMiddleware(self._answer)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif self.full is not None:
            await self.full(scope, receive, send)
        elif scope["type"] == "http" and (scope["method"], _unversioned(scope)) in _QUICK:
            try:
                await self._quick(scope, receive, send)
            except DockerError:  # raised before any answer: the full app renders it
                await (await self._app())(scope, receive, send)
                return
            asyncio.get_running_loop().call_later(WARM_UP_DELAY, self.load)
        else:
            if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD"):
                # a change is coming (a cold `docker run`): podman's service child starts
                # now, beside the full app's import, instead of after it with the change
                # made by a podman process meanwhile (engine/changes.py)
                self.service.want()
            await (await self._app())(scope, receive, send)

    async def _app(self) -> ASGIApp:
        app, _ = await self.load()
        return app

    def load(self) -> asyncio.Future[tuple[ASGIApp, Closer]]:
        """Build the full app in a worker thread, once; the event loop keeps serving meanwhile."""
        if self._loading is None:
            build = asyncio.to_thread(
                _full_app, self.podman, self.state_dir, self.learned, self.service
            )
            self._loading = asyncio.ensure_future(build)
            self._loading.add_done_callback(self._loaded)
        return self._loading

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._close is not None:
                    try:
                        await self._close()
                    except Exception:  # the exit goes on; what was left is in the log
                        log.exception("releasing what the service held failed")
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _loaded(self, future: asyncio.Future[tuple[ASGIApp, Closer]]) -> None:
        if future.cancelled():
            self._loading = None
        elif (error := future.exception()) is not None:
            log.error("cannot build the API app: %r", error)
            self._loading = None  # the next request tries again (and fails with the error)
        else:
            self.full, self._close = future.result()

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        """After ApiVersionMiddleware: the path has no prefix, the version is valid."""
        if scope["path"] not in ("/_ping", "/version"):  # cannot happen: see _QUICK
            await (await self._app())(scope, receive, send)
            return
        if scope["path"] == "/_ping":
            body = b"" if scope["method"] == "HEAD" else b"OK"
            length = (b"content-length", str(len(body)).encode())
            await _respond(send, [*_PING_HEADERS, length, _TEXT], body)
            return
        content = await version_content(self.podman, self.learned, self.state_dir)
        body = json.dumps(
            content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
        ).encode()  # as starlette's JSONResponse renders it
        json_type = (b"content-type", b"application/json")
        await _respond(send, [(b"content-length", str(len(body)).encode()), json_type], body)


def _unversioned(scope: Scope) -> str:
    path: str = scope["path"]
    match = _PREFIX.match(path)
    return match[1] if match else path


async def _respond(send: Send, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
