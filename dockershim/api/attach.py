"""Container attach (hijacked) and resize (issue 4).

HTTP and the byte pump only; the podman children are the engine's (engine/attach.py). A running
container is attached at once. Attaching to one that has not started (`docker run`: create ->
attach -> wait -> start; `docker start -a`) registers a pending attach: when the start route
calls `Sessions.start_pending()`, the session starts the container with its own attached child
(start errors such as a missing executable surface on the start request), and the start
request returns once the container runs. Nothing the container prints is lost. If the container
is started some other way, the session attaches late (running) or replays its logs (exited).
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
from dockershim.api.hijack_response import HijackResponse
from dockershim.api.queries import BOOL_DOC, Flag, Number, flag, named
from dockershim.api.versioning import api_version
from dockershim.engine.attach import AttachOps, attaches, starts
from dockershim.engine.conmon_attach import SocketAttach
from dockershim.errors import Conflict
from dockershim.podman import SpawnedProcess
from dockershim.streams.pump import Connection, PumpOptions, pump
from dockershim.streams.sessions import PendingAttach, Sessions, TtySession, wait_any
from dockershim.translate.attach import (
    DEFAULT_DETACH_KEYS,
    ContainerFacts,
    parse_detach_keys,
    stream_content_type,
)

router = APIRouter()
_EOF_GRACE = 2.0  # seconds podman gets to pass a vanished client's end of input on
_WATCH_AFTER = 2.0  # seconds a pending attach waits for our start before watching podman's
log = logging.getLogger(__name__)


@router.post("/containers/{ref}/attach")
async def container_attach(
    ref: str,
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
    facts = await backend.engine.attach.facts(ref)
    want_stdin = flag(stdin) and facts.open_stdin
    options = PumpOptions(
        tty=facts.tty,
        stdin=want_stdin,
        stdout=flag(stdout),
        stderr=flag(stderr),
        detach_keys=keys if facts.tty else b"",  # dockerd: only a TTY has detach keys
    )
    logs, live = flag(logs_raw), flag(stream_raw)
    attach = _Attach(backend.engine.attach, backend.sessions, facts, options)

    async def session(stream: Any) -> None:
        log.debug("attach %s: logs=%s stream=%s %s", facts.id[:12], logs, live, options)
        with attach.sessions.exits.following(facts.id):
            if logs and live and facts.running and not want_stdin:
                # past and live output without a gap or a repeat (compose's attached `up`)
                await attach.replay_logs(stream, follow=True)
                return
            if logs and not facts.never_started:
                # a container not yet started has printed nothing: a replay child could
                # otherwise read what the start that follows prints, and the live attach again
                await attach.replay_logs(stream)
            if live:
                await attach.live(stream)

    return HijackResponse(stream_content_type(facts.tty, api_version(request.scope)), session)


@router.post("/containers/{ref}/resize")
async def container_resize(
    ref: str, backend: BackendDep, h: Number = None, w: Number = None
) -> Response:
    height, width = terminal_size(h, w)
    facts = await backend.engine.attach.facts(ref)
    if not facts.running:
        raise Conflict(f"Container {facts.id} is not running")
    backend.sessions.resize_container(facts.id, height, width)
    return Response(status_code=200)


class _Attach:
    def __init__(
        self, ops: AttachOps, sessions: Sessions, facts: ContainerFacts, opts: PumpOptions
    ) -> None:
        self.ops = ops
        self.sessions = sessions
        self.facts = facts
        self.options = opts
        self.tty = TtySession(size=facts.console_size)

    async def replay_logs(self, stream: Connection, *, follow: bool = False) -> None:
        child = await self.ops.logs(self.facts.id, follow=follow)
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
                child: SpawnedProcess | SocketAttach | None = await self._attach()
            else:
                child = await self._wait_for_start(stream)
            if child is None:
                return
            try:
                if isinstance(child, SpawnedProcess):  # a terminal's (never a socket's)
                    self.tty.attach_child(child)
                options = self.options
                if attaches(child) and not self.facts.tty:
                    options = dataclasses.replace(options, drop_final_newline=True)
                result = await pump(stream, child, options)
                if result.outcome == "gone" and options.stdin and starts(child):
                    # `docker run -i` whose client vanished: its stdin was closed (StdinOnce);
                    # let podman pass that on, as dockerd closes the container's stdin
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(child.wait(), _EOF_GRACE)
            finally:
                await child.close()
        finally:
            self.sessions.remove_container_tty(cid, self.tty)

    async def _attach(self) -> SpawnedProcess:
        window = self.tty.window if self.facts.tty else None
        tty, stdin = self.facts.tty, self.options.stdin
        return await self.ops.attach(self.facts.id, stdin=stdin, tty=tty, window=window)

    async def _wait_for_start(self, stream: Connection) -> SpawnedProcess | SocketAttach | None:
        cid = self.facts.id
        started: list[SpawnedProcess | SocketAttach] = []
        triggered = asyncio.Event()
        ours, ours_done = asyncio.Event(), asyncio.Event()  # a start through us: begun, over
        done = False

        async def start() -> None:  # runs in the start request
            if done:  # the client left meanwhile: a plain start
                await self.ops.start(cid)
                return
            ours.set()
            try:
                window = self.tty.window if self.facts.tty else None
                tty, stdin = self.facts.tty, self.options.stdin
                # returns once podman's state shows it started; raises podman's start error
                child = await self.ops.start_attached(cid, stdin=stdin, tty=tty, window=window)
                if done:  # the client left while podman was starting: no one to pump for
                    await child.close()
                    await self.ops.start(cid)  # a no-op if it already runs
                    return
                started.append(child)
                triggered.set()
            finally:
                ours_done.set()

        async def elsewhere() -> None:
            await self.ops.wait_started_elsewhere(cid, since)
            if ours.is_set():  # that start was ours, under way: its child is the one to pump
                await ours_done.wait()

        pending = PendingAttach(cid, start)
        self.sessions.add_pending(pending)
        since = time.time() - 1
        try:
            # the usual case (docker run, start -a): the start arrives at once, through us
            await wait_any(ours_done.wait(), stream.closed(), asyncio.sleep(_WATCH_AFTER))
            if not ours_done.is_set() and not getattr(stream, "is_lost", False):
                # then also watch for a start by other means (since the attach began)
                await wait_any(ours_done.wait(), stream.closed(), elsewhere())
        finally:
            done = True
            self.sessions.remove_pending(pending)
        if triggered.is_set():
            return started[0]
        if getattr(stream, "is_lost", False):
            return None
        if ours_done.is_set():  # our start failed: the start request reports it
            await stream.closed()
            return None
        # started by someone else: attach late, or replay what it printed
        facts = await self.ops.facts(cid)
        if facts.running:
            return await self._attach()
        await self.replay_logs(stream)
        return None
