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

A cold service's first read (`docker ps`, `inspect`, `images`, `info`, network and volume lists:
api/reads.py) is answered before the full app too: it needs the engine's reading parts
(api/backend.py, ~15 ms of imports here), not FastAPI and the routers (~0.4 s), which are then
built as after a quick answer, around the same Backend.

A cold service's first create (a cold `docker run`) on a bridge network also begins the pod that
holds rootless podman 4's network namespace (engine/netns_hold.py) beside that import: made
after the create, the pod's start (~0.15-0.2 s, network set-up included) and the container's
own set-up took turns, on the first run's path; made during the import, the container joins
the namespace the pod set up. The engine takes the pod over, or removes it when the container
is not on a bridge (the request's body says so already: `--network none` makes none).
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send  # typing only

from dockershim.api.answers import json_answer
from dockershim.api.version_answer import version_content
from dockershim.api.versioning import ApiVersionMiddleware
from dockershim.errors import DockerError
from dockershim.podman.facts import Learned, static_facts
from dockershim.podman.netns_holder import remove_holder, shares_rootless_netns, start_holder
from dockershim.podman.runner import PodmanRunner
from dockershim.podman.service_child import PodmanService
from dockershim.statefile import default_state_dir
from dockershim.translate.internal_pods import INFRA_SUFFIX, keep_pod_name

if TYPE_CHECKING:  # imported when needed: a cold `docker version` needs neither
    from dockershim.api.backend import Backend
    from dockershim.api.fastreads import FastReads

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
_PEEK_MAX = 64 * 1024  # the most of a create's body read here to see its network
# network modes of no bridge network: everything else is Docker's default bridge or a
# user network, which podman 4 makes in the same shared namespace
_NOT_BRIDGED = ("host", "none", "private", "slirp4netns", "pasta")


Closer = Callable[[], Awaitable[None]]


def _open_backend(
    podman: PodmanRunner,
    state_dir: str,
    learned: Learned,
    service: PodmanService,
    hold_ahead: asyncio.Future[str | None],
) -> tuple[Backend, FastReads]:
    """The service's Backend, with what the quick /version learned, the service child and
    the keeper pod that may be starting; and the reads it answers before the full app."""
    from dockershim.api.backend import open_backend
    from dockershim.api.fastreads import READS, FastReads

    backend = open_backend(podman, state_dir, learned, service, hold_ahead)
    return backend, FastReads(_not_a_read, backend, READS)


async def _not_a_read(scope: Scope, receive: Receive, send: Send) -> None:
    raise RuntimeError("only the reads it finds are sent to the cold reads' table")


def _full_app(backend: Backend) -> ASGIApp:
    from dockershim.api.app import create_app

    return create_app(backend=backend)


class LazyApp:
    def __init__(self, podman: PodmanRunner, state_dir: str | None = None) -> None:
        self.podman = podman
        self.state_dir = state_dir or default_state_dir()
        self.learned = Learned()  # podman's facts, which the quick /version may take first
        self.service = PodmanService.of(podman, self.state_dir)
        self.full: ASGIApp | None = None
        self._close: Closer | None = None  # the engine's close, once the Backend is open
        self._opening: asyncio.Future[tuple[Backend, FastReads]] | None = None
        self._loading: asyncio.Future[ASGIApp] | None = None
        self._quick = ApiVersionMiddleware(self._answer)
        # the keeper pod begun for a cold first create (None when there was none), as the
        # engine receives it; and the task making it
        self._hold_ahead: asyncio.Future[str | None] | None = None
        self._holding: asyncio.Task[str | None] | None = None
        self._looked = False  # the first cold create's body was looked at (one decides)

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
        elif (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and (read := await self._cold_read(scope))
        ):
            await read(scope, receive, send)
            asyncio.get_running_loop().call_later(WARM_UP_DELAY, self.load)
        else:
            if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD"):
                # a change is coming (a cold `docker run`): podman's service child starts
                # now, beside the full app's import, instead of after it with the change
                # made by a podman process meanwhile (engine/changes.py)
                self.service.want()
                if scope["method"] == "POST" and _unversioned(scope) == "/containers/create":
                    self.load()  # the import begins now, whatever the body's pace
                    receive = await self._hold_ahead_of(receive)
            await (await self._app())(scope, receive, send)

    async def _app(self) -> ASGIApp:
        return await self.load()

    def load(self) -> asyncio.Future[ASGIApp]:
        """Build the full app in a worker thread, once; the event loop keeps serving meanwhile."""
        if self._loading is None:
            self._loading = asyncio.ensure_future(self._build())
            self._loading.add_done_callback(self._loaded)
        return self._loading

    async def _build(self) -> ASGIApp:
        backend, _ = await self._open()
        return await asyncio.to_thread(_full_app, backend)

    def _open(self) -> asyncio.Future[tuple[Backend, FastReads]]:
        """Open the Backend in a worker thread, once (the engine's import: no FastAPI)."""
        if self._opening is None:
            opening = asyncio.to_thread(
                _open_backend,
                self.podman,
                self.state_dir,
                self.learned,
                self.service,
                self._ahead(),
            )
            self._opening = asyncio.ensure_future(opening)
            self._opening.add_done_callback(self._opened)
        return self._opening

    async def _cold_read(self, scope: Scope) -> ASGIApp | None:
        """What answers this GET before the full app, if it is one of api/reads.py's."""
        _, reads = await self._open()
        if reads.find("GET", _unversioned(scope)) is None:
            return None
        return ApiVersionMiddleware(reads)

    def _ahead(self) -> asyncio.Future[str | None]:
        if self._hold_ahead is None:
            self._hold_ahead = asyncio.get_running_loop().create_future()
        return self._hold_ahead

    async def _hold_ahead_of(self, receive: Receive) -> Receive:
        """A cold create: begin the keeper pod now when its body asks for a bridge network;
        the body is read here (up to _PEEK_MAX) and handed on as it came."""
        if self._looked or self.service.folder is None:
            return receive  # decided already, or no service child (processes would compete)
        self._looked = True  # before the body's wait: compose's creates come together
        pending: list[Message] = []
        size = 0
        while not pending or (_more(pending[-1]) and size <= _PEEK_MAX):
            pending.append(await receive())
            size += len(pending[-1].get("body", b""))
        if _bridge_create(pending) and not self._ahead().done():
            self._holding = asyncio.create_task(self._hold_now())
            self._holding.add_done_callback(self._held)

        async def replay() -> Message:
            return pending.pop(0) if pending else await receive()

        return replay

    async def _hold_now(self) -> str | None:
        """The keeper pod, started (rootless podman 4 only); its name, None when not."""
        try:
            version, info = await static_facts(self.podman, self.learned, self.state_dir)
            if not shares_rootless_netns(version, info):
                return None
            pod = keep_pod_name(os.getpid(), secrets.token_hex(4))
            if not await start_holder(self.podman, self.service, pod, pod + INFRA_SUFFIX):
                return None
            log.info("holding podman's rootless network namespace ahead of a create (pod %s)", pod)
            return pod
        except Exception as exc:  # a background task: told, never raised
            reason = exc.message if isinstance(exc, DockerError) else repr(exc)
            log.warning("could not hold podman's network namespace ahead: %s", reason)
            return None

    def _held(self, task: asyncio.Task[str | None]) -> None:
        ahead = self._ahead()
        if not ahead.done():
            ahead.set_result(None if task.cancelled() else task.result())

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self._drop_unclaimed_hold()
                if self._close is not None:
                    try:
                        await self._close()
                    except Exception:  # the exit goes on; what was left is in the log
                        log.exception("releasing what the service held failed")
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _drop_unclaimed_hold(self) -> None:
        """A keeper pod begun for an engine that never opened: nobody else removes it."""
        if self._close is None and self._holding is not None:
            await asyncio.wait([self._holding])
            pod = None if self._holding.cancelled() else self._holding.result()
            if pod is not None:
                await remove_holder(self.podman, self.service, pod)

    def _opened(self, future: asyncio.Future[tuple[Backend, FastReads]]) -> None:
        if _failed(future, "cannot open the engine"):
            self._opening = None  # the next request tries again (and fails with the error)
        else:
            self._close = future.result()[0].engine.close

    def _loaded(self, future: asyncio.Future[ASGIApp]) -> None:
        _collector_back()
        if _failed(future, "cannot build the API app"):
            self._loading = None  # the next request tries again (and fails with the error)
        else:
            self.full = future.result()
            if self._holding is None and not self._ahead().done():
                self._ahead().set_result(None)  # no cold create began a keeper pod

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
        await json_answer(content)(scope, receive, send)


def _collector_back() -> None:
    """The cycle collector, on again after the start-up's imports (cli.cmd_serve turned it
    off for them). What they made stays for the service's life: frozen, later full passes
    skip it."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def _failed(future: asyncio.Future[Any], what: str) -> bool:
    """Whether a worker's future was cancelled or raised (logged as `what`)."""
    if future.cancelled():
        return True
    if (error := future.exception()) is not None:
        log.error("%s: %r", what, error)
        return True
    return False


def _more(message: Message) -> bool:
    return message.get("type") == "http.request" and bool(message.get("more_body"))


def _bridge_create(messages: list[Message]) -> bool:
    """Whether a create's whole body (these messages) asks for a bridge network (Docker's
    default, or a user network): its `HostConfig.NetworkMode`. A body longer than _PEEK_MAX,
    or one that does not read, is left to the engine's own look after the create."""
    if any(m.get("type") != "http.request" for m in messages) or _more(messages[-1]):
        return False
    body = b"".join(bytes(m.get("body", b"")) for m in messages)
    if len(body) > _PEEK_MAX:
        return False
    try:
        config: Any = json.loads(body or b"{}")
    except ValueError:
        return False
    host = config.get("HostConfig") if isinstance(config, dict) else None
    mode = host.get("NetworkMode") if isinstance(host, dict) else None
    mode = mode if isinstance(mode, str) else ""
    return mode.split(":", 1)[0] not in _NOT_BRIDGED and not mode.startswith(
        ("container:", "ns:", "service:")
    )


def _unversioned(scope: Scope) -> str:
    path: str = scope["path"]
    match = _PREFIX.match(path)
    return match[1] if match else path


async def _respond(send: Send, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
