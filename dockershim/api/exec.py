"""Exec routes: create, start (hijacked), resize, inspect (issue 4).

create validates and stores a record (podman has no created-but-not-started exec); start has
the engine (engine/execs.py) run `podman exec` with it: detached (`Detach: true`, or no
stream attached) as `podman exec -d`, otherwise on a hijacked connection (pipes and 8-byte
frames, or a pseudo-terminal with `Tty`).
The exit code is stored before the stream closes, so the CLI's immediate inspect sees it.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.responses import JSONResponse

from dockershim.api.backend import Backend
from dockershim.api.bodies import ExecConfigBody, ExecStartBody
from dockershim.api.deps import BackendDep
from dockershim.api.hijack_response import HijackResponse
from dockershim.api.queries import Number, number
from dockershim.api.versioning import api_version
from dockershim.engine.execs import Execs
from dockershim.errors import Conflict, InvalidParameter, NotFound
from dockershim.streams.execstore import ExecStore
from dockershim.streams.pump import PumpOptions, pump
from dockershim.streams.sessions import Sessions
from dockershim.translate.attach import (
    DEFAULT_DETACH_KEYS,
    container_facts,
    parse_detach_keys,
    stream_content_type,
)
from dockershim.translate.exec import (
    attaches_streams,
    exec_config,
    inspect_body,
    running_session,
    session_facts,
)

router = APIRouter()
_PID_PATIENCE = 1.0  # seconds after its start an attached exec's pid may still be unsaved
_PID_POLL = 0.02


@router.post("/containers/{name:path}/exec")
async def container_exec(name: str, body: ExecConfigBody, backend: BackendDep) -> Response:
    config = exec_config(body)
    facts = await backend.engine.execs.running_container(name)
    record = ExecStore(backend.state_dir).create(facts.id, config)
    return JSONResponse({"Id": record["ID"]}, status_code=201)


@router.get("/exec/{exec_id}/json")
async def exec_inspect(exec_id: str, backend: BackendDep) -> Response:
    store = ExecStore(backend.state_dir)
    record = store.load(exec_id)
    if record.get("Running"):
        record = await _with_podman_session(backend, store, record)
    if record.get("Running") and record.get("Detached"):
        # podman no longer knows the session (or its state cannot be read): it ended at the
        # latest when its container stopped
        try:
            found = await backend.engine.containers.inspect(record["ContainerID"])
            running = container_facts(found).running
        except NotFound:
            running = False
        if not running:
            record = store.update(exec_id, Running=False)
    return JSONResponse(inspect_body(record))


async def _with_podman_session(
    backend: Backend, store: ExecStore, record: dict[str, Any]
) -> dict[str, Any]:
    """A running exec's Pid, and a detached one's end and exit code, from podman's session.

    podman's CLI has no `exec inspect`; its state database has the session (podman/statedb.py).
    An exec still streamed here gets only its Pid: its stream records how it ends. podman
    saves a streamed session's pid only after its output has begun to flow, so a client that
    has read output may ask a moment before: a young one is asked again until _PID_PATIENCE
    seconds after its start (dockerd knows the pid before the process runs).
    """
    started = float(record.get("StartedAt") or 0)
    patience = 0.0 if record.get("Detached") else started + _PID_PATIENCE
    while True:
        state = await backend.engine.execs.stored_state(record["ContainerID"])
        if state is None:
            return record
        session = record.get("Session") or await _claim_session(store, record, state)
        facts = session_facts(state, session) if session else None
        if (facts and facts["Pid"]) or time.time() >= patience:
            break
        await asyncio.sleep(_PID_POLL)
        latest = store.load(record["ID"])
        if not latest.get("Running"):
            return latest  # it ended meanwhile, and its stream (or the engine) said how
    if facts is None:
        return record
    if not record.get("Detached"):
        facts = {"Pid": facts["Pid"]}
    if not facts["Pid"]:
        del facts["Pid"]  # podman forgets it once the process ended; dockerd keeps showing it
    return store.update(record["ID"], **facts)


async def _follow_session(execs: Execs, store: ExecStore, exec_id: str) -> bool:
    """Tie a running exec to its podman session, from then on followed as a detached one;
    False while podman's state does not show it running."""
    record = store.load(exec_id)
    state = await execs.stored_state(record["ContainerID"])
    if state is None:
        return False
    session = record.get("Session") or await _claim_session(store, record, state)
    facts = session_facts(state, session) if session else None
    if facts is None or not facts["Running"]:
        return False  # not seen running (yet): the child tells its end
    store.update(exec_id, Detached=True)
    return True


async def _claim_session(
    store: ExecStore, record: dict[str, Any], state: dict[str, Any]
) -> str | None:
    """Tie the record to its podman session: the one running session of its command that no
    other record has (podman prints the id only for `exec --detach`)."""
    claimed = await asyncio.to_thread(store.claimed_sessions)
    session = running_session(state, record["Config"]["Cmd"], claimed)
    if session is not None:
        store.update(record["ID"], Session=session)
    return session


@router.post("/exec/{exec_id}/resize")
async def exec_resize(
    exec_id: str, backend: BackendDep, h: Number = None, w: Number = None
) -> Response:
    ExecStore(backend.state_dir).load(exec_id)  # 404 for an unknown exec
    height, width = terminal_size(h, w)
    backend.sessions.exec_tty(exec_id).resize(height, width)
    return Response(status_code=200)


def terminal_size(h: str | None, w: str | None) -> tuple[int, int]:
    height = number(h, "h", 0) or 0
    width = number(w, "w", 0) or 0
    if height < 0 or width < 0 or height > 0xFFFF or width > 0xFFFF:
        raise InvalidParameter(f"invalid terminal size: {height}x{width}")
    return height, width


@router.post("/exec/{exec_id}/start")
async def exec_start(
    exec_id: str, request: Request, body: ExecStartBody, backend: BackendDep
) -> Response:
    store = ExecStore(backend.state_dir)
    record = store.load(exec_id)
    if record.get("Running"):
        raise Conflict(f"Error: Exec command {exec_id} is already running")
    if record.get("Started"):
        raise Conflict(f"Error: Exec command {exec_id} has already run")
    config: dict[str, Any] = record["Config"]
    container_id: str = record["ContainerID"]
    execs = backend.engine.execs
    await execs.running_container(container_id)
    if body.get("Detach") or not attaches_streams(config):
        session = await execs.start_detached(container_id, config)
        store.update(
            exec_id,
            Started=True,
            Running=True,
            Detached=True,
            StartedAt=time.time(),
            Session=session,
        )
        return Response(status_code=200)
    size = body.get("ConsoleSize") or config.get("ConsoleSize")
    store.update(exec_id, Started=True, Running=True, StartedAt=time.time())
    # dockerd: the start request's Tty decides the framing, create's the terminal
    framed = not body.get("Tty")

    async def run(stream: Any) -> None:
        await _run_exec(execs, backend.sessions, store, exec_id, stream, size, framed)

    return HijackResponse(stream_content_type(not framed, api_version(request.scope)), run)


async def _run_exec(
    execs: Execs,
    sessions: Sessions,
    store: ExecStore,
    exec_id: str,
    stream: Any,
    size: Any,
    framed: bool,
) -> None:
    record = store.load(exec_id)
    config = record["Config"]
    tty = bool(config["Tty"])
    tty_session = sessions.exec_tty(exec_id)
    if tty and isinstance(size, list) and len(size) == 2 and all(size):
        tty_session.size = (int(size[0]), int(size[1]))
    exit_code: int | None = None
    unattended = False
    try:
        child = await execs.spawn(record["ContainerID"], config, tty_session.window)
        try:
            tty_session.attach_child(child)
            options = PumpOptions(
                tty=tty,
                stdin=bool(config["AttachStdin"]),
                stdout=bool(config["AttachStdout"]),
                stderr=bool(config["AttachStderr"]),
                # as dockerd: detach keys apply to a TTY only (binary stdin passes untouched)
                detach_keys=parse_detach_keys(config["DetachKeys"] or DEFAULT_DETACH_KEYS)
                if tty
                else b"",
                framed=framed,
            )
            result = await pump(stream, child, options)
            if result.outcome == "exited":
                exit_code = result.exit_code
            elif result.outcome == "gone" and execs.run_unattended(
                child,
                lambda code: store.update(exec_id, Running=False, ExitCode=code),
                lambda: _follow_session(execs, store, exec_id),
            ):
                unattended = True  # the engine keeps it running; the end gets recorded
            else:
                # detached (or too many unattended): the process keeps running in the
                # container (stopping `podman exec` does not stop it), as with dockerd;
                # inspect follows it through its podman session
                record = store.update(exec_id, Detached=True)
                state = await execs.stored_state(record["ContainerID"])
                if state is not None:
                    await _claim_session(store, record, state)
                return
        finally:
            if not unattended:
                await child.close()
    finally:
        sessions.forget_exec(exec_id)
        if not unattended and not store.load(exec_id).get("Detached"):
            store.update(exec_id, Running=False, ExitCode=126 if exit_code is None else exit_code)
