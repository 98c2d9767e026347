"""Container attach (hijacked) and resize (issue 4).

A running container is attached with `podman attach`. Attaching to one that has not started
(`docker run`: create -> attach -> wait -> start; `docker start -a`) registers a pending attach:
when the start route calls `Sessions.start_pending()`, the session initializes the container
(so start errors such as a missing executable surface on the start request), starts it with
`podman start --attach` as its own child, and the start request returns once the container
runs. Nothing the container prints is lost. If the container is started some other way, the
session falls back to `podman attach` (running) or a replay of its logs (already exited).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from dockershim.api.deps import BackendDep
from dockershim.api.exec import terminal_size
from dockershim.api.hijacked import HijackResponse
from dockershim.api.queries import BOOL_DOC, Flag, Number, flag, named
from dockershim.api.versioning import api_version
from dockershim.engine import engine_for
from dockershim.errors import Conflict, DockerError
from dockershim.podman import PodmanRunner, SpawnedProcess
from dockershim.podman.errors import classify
from dockershim.streams.pump import Connection, PumpOptions, pump
from dockershim.streams.sessions import PendingAttach, Sessions, TtySession, sessions_of, wait_any
from dockershim.translate.attach import (
    DEFAULT_DETACH_KEYS,
    ContainerFacts,
    attach_argv,
    logs_argv,
    parse_detach_keys,
    start_attached_argv,
    start_events_argv,
    stream_content_type,
)

router = APIRouter()
_NOT_STARTED = ("created", "configured", "initialized")
_EOF_GRACE = 2.0  # seconds podman gets to pass a vanished client's end of input on
_WATCH_AFTER = 2.0  # seconds a pending attach waits for our start before watching podman's
log = logging.getLogger(__name__)


async def inspect_facts(podman: PodmanRunner, ref: str) -> ContainerFacts:
    return await engine_for(podman).containers.facts(ref)


@router.post("/containers/{name}/attach")
async def container_attach(
    name: str,
    request: Request,
    backend: BackendDep,
    detachKeys: Annotated[str | None, Query(description="e.g. ctrl-p,ctrl-q")] = None,
    logs_raw: Annotated[str | None, named("logs", BOOL_DOC)] = None,
    stream_raw: Annotated[str | None, named("stream", BOOL_DOC)] = None,
    stdin: Flag = None,
    stdout: Flag = None,
    stderr: Flag = None,
) -> Response:
    keys = parse_detach_keys(DEFAULT_DETACH_KEYS if detachKeys is None else detachKeys)
    facts = await inspect_facts(backend.podman, name)
    want_stdin = flag(stdin) and facts.open_stdin
    options = PumpOptions(
        tty=facts.tty,
        stdin=want_stdin,
        stdout=flag(stdout),
        stderr=flag(stderr),
        detach_keys=keys if facts.tty else b"",  # dockerd: only a TTY has detach keys
    )
    logs, live = flag(logs_raw), flag(stream_raw)
    attach = _Attach(backend.podman, sessions_of(backend.cache), facts, options)

    async def session(stream: Any) -> None:
        log.debug("attach %s: logs=%s stream=%s %s", facts.id[:12], logs, live, options)
        with attach.sessions.exits.following(facts.id):
            if logs and live and facts.running and not want_stdin:
                # past and live output without a gap or a repeat (compose's attached `up`)
                await attach.replay_logs(stream, follow=True)
                return
            if logs:
                await attach.replay_logs(stream)
            if live:
                await attach.live(stream)

    return HijackResponse(stream_content_type(facts.tty, api_version(request.scope)), session)


@router.post("/containers/{name}/resize")
async def container_resize(
    name: str, backend: BackendDep, h: Number = None, w: Number = None
) -> Response:
    height, width = terminal_size(h, w)
    facts = await inspect_facts(backend.podman, name)
    if not facts.running:
        raise Conflict(f"Container {facts.id} is not running")
    sessions_of(backend.cache).resize_container(facts.id, height, width)
    return Response(status_code=200)


class _Attach:
    def __init__(
        self, podman: PodmanRunner, sessions: Sessions, facts: ContainerFacts, opts: PumpOptions
    ) -> None:
        self.podman = podman
        self.sessions = sessions
        self.facts = facts
        self.options = opts
        self.tty = TtySession(size=facts.console_size)

    async def replay_logs(self, stream: Connection, *, follow: bool = False) -> None:
        child = await self.podman.spawn(logs_argv(self.facts.id, follow=follow))
        try:
            replay = PumpOptions(
                tty=self.facts.tty, stdout=self.options.stdout, stderr=self.options.stderr
            )
            await pump(stream, child, replay)
        finally:
            await child.close()

    async def live(self, stream: Connection) -> None:
        cid = self.facts.id
        if self.facts.tty:
            self.sessions.add_container_tty(cid, self.tty)
        try:
            if self.facts.running:
                child: SpawnedProcess | None = await self._spawn(attach_argv)
            else:
                child = await self._wait_for_start(stream)
            if child is None:
                return
            try:
                self.tty.attach_child(child)
                options = self.options
                if child.argv[1:2] == ["attach"] and not self.facts.tty:
                    options = dataclasses.replace(options, drop_final_newline=True)
                result = await pump(stream, child, options)
                if result.outcome == "gone" and options.stdin and child.argv[1:2] == ["start"]:
                    # `docker run -i` whose client vanished: its stdin was closed (StdinOnce);
                    # let podman pass that on, as dockerd closes the container's stdin
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(child.wait(), _EOF_GRACE)
            finally:
                await child.close()
        finally:
            self.sessions.remove_container_tty(cid, self.tty)

    async def _spawn(self, argv: Any) -> SpawnedProcess:
        stdin = self.options.stdin
        return await self.podman.spawn(
            argv(self.facts.id, stdin=stdin),
            stdin=stdin,
            use_pty=self.facts.tty,
            window=self.tty.window if self.facts.tty else None,
        )

    async def _wait_for_start(self, stream: Connection) -> SpawnedProcess | None:
        cid = self.facts.id
        started: list[SpawnedProcess] = []
        triggered = asyncio.Event()
        done = False

        async def start() -> None:  # runs in the start request
            await self._init()
            engine_for(self.podman).dns.started(cid)  # init set its network up (dns_watch.py)
            if done:  # the client left meanwhile: a plain start
                await self.podman.run(["start", "--", cid])
                return
            child = await self._spawn(start_attached_argv)
            if done:  # the client left while podman was starting: no one to pump for
                await child.close()
                await self.podman.run(["start", "--", cid])  # a no-op if it already runs
                return
            started.append(child)
            triggered.set()
            await self._until_started(child)

        pending = PendingAttach(cid, start)
        self.sessions.add_pending(pending)
        since = time.time() - 1
        watcher: SpawnedProcess | None = None
        try:
            # the usual case (docker run, start -a): the start arrives at once, through us
            await wait_any(triggered.wait(), stream.closed(), asyncio.sleep(_WATCH_AFTER))
            if not triggered.is_set() and not getattr(stream, "is_lost", False):
                # then also watch for a start by other means (since the attach began)
                watcher = await self.podman.spawn(start_events_argv(cid, since))
                await wait_any(triggered.wait(), stream.closed(), _first_line(watcher))
        finally:
            done = True
            self.sessions.remove_pending(pending)
            if watcher is not None:
                await watcher.close()
        if triggered.is_set():
            return started[0]
        if getattr(stream, "is_lost", False):
            return None
        # started by someone else: attach late, or replay what it printed
        facts = await inspect_facts(self.podman, cid)
        if facts.running:
            return await self._spawn(attach_argv)
        await self.replay_logs(stream)
        return None

    async def _init(self) -> None:
        result = await self.podman.run(["init", "--", self.facts.id], check=False, timeout=120)
        if result.returncode != 0 and "already been created in runtime" not in result.err_text:
            raise classify(result.err_text, result.returncode)

    async def _until_started(self, child: SpawnedProcess) -> None:
        """Until podman reports the container past "created" (or the start child ended).

        Polled from podman's state (the engine: no process): `podman events` needs about a
        second to start watching, and the CLI only sets up its terminal (SIGWINCH -> resize)
        once start has returned.
        """
        containers = engine_for(self.podman).containers
        while child.process.returncode is None:
            try:
                found = await containers.lookup(self.facts.id)
            except DockerError:
                return
            if found.status not in _NOT_STARTED:
                return
            await wait_any(asyncio.sleep(0.05), child.wait())


async def _first_line(child: SpawnedProcess) -> None:
    if child.process.stdout is not None:
        await child.process.stdout.readline()
    await asyncio.sleep(0)
