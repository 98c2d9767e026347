"""Container lifecycle routes: start, stop, restart, kill, pause, unpause, rename, wait.

HTTP only: the query is parsed here, the change is the engine's (engine/lifecycle.py).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from dockershim.api.backend import Backend
from dockershim.api.closing import ClosingStreamingResponse
from dockershim.api.deps import BackendDep, EngineDep
from dockershim.api.queries import named, number
from dockershim.engine import ContainerRef, Engine
from dockershim.engine.lifecycle import ACTIVE, start_error
from dockershim.errors import DockerError, InvalidParameter
from dockershim.translate.container_fields import validate_name
from dockershim.translate.container_status import docker_state
from dockershim.translate.validate import digits

router = APIRouter()

_SIGNAL = re.compile(r"^(?:SIG)?[A-Z0-9+-]{1,16}$|^[0-9]{1,2}$")


SignalQuery = Annotated[str | None, Query(description="a signal name (SIGTERM, TERM) or number")]
SecondsQuery = Annotated[str | None, Query(description="seconds to wait before killing")]


def _signal(raw: str | None) -> str | None:
    value = raw or None
    if value is not None and not _SIGNAL.match(value.upper()):
        raise InvalidParameter(f"Invalid signal: {value}")
    return value.upper() if value and not digits(value) else value


def _timeout(t_raw: str | None, timeout_raw: str | None) -> int | None:
    t = number(t_raw, "t")
    if t is None:
        t = number(timeout_raw, "timeout")  # podman's spelling, which some clients send
    return t


@router.post("/containers/{ref}/start")
async def container_start(
    ref: str,
    backend: BackendDep,
    detachKeys: Annotated[
        str | None, Query(description="accepted; the attach session applies its own")
    ] = None,
) -> Response:
    # detachKeys only matter to an attached client (the attach session reads its own)
    engine = backend.engine
    found = await engine.containers.lookup(ref)
    # an attach waiting for this container (`docker run`, `start -a`) starts it itself, so
    # nothing it prints is lost
    if docker_state(found.status) in ACTIVE or not await _started_by_attach(backend, found.id):
        await engine.lifecycle.start(found)
    return Response(status_code=204)


async def _started_by_attach(backend: Backend, ident: str) -> bool:
    try:
        return await backend.sessions.start_pending(ident)
    except DockerError as exc:
        raise start_error(exc) from None


@dataclass(frozen=True)
class StopOptions:
    timeout: int | None  # seconds before SIGKILL; None: the container's own
    signal: str | None


async def _stop_options(
    t: SecondsQuery = None,
    timeout_raw: Annotated[str | None, named("timeout", "podman's name for t")] = None,
    signal_raw: Annotated[str | None, named("signal", "the stop signal")] = None,
) -> StopOptions:
    """The query of a stop and of a restart."""
    return StopOptions(_timeout(t, timeout_raw), _signal(signal_raw))


StopQuery = Annotated[StopOptions, Depends(_stop_options)]


@router.post("/containers/{ref}/stop")
async def container_stop(ref: str, engine: EngineDep, options: StopQuery) -> Response:
    found = await engine.containers.lookup(ref)
    await engine.lifecycle.stop(found, options.timeout, options.signal)
    return Response(status_code=204)


@router.post("/containers/{ref}/restart")
async def container_restart(ref: str, engine: EngineDep, options: StopQuery) -> Response:
    found = await engine.containers.lookup(ref)
    await engine.lifecycle.restart(found, options.timeout, options.signal)
    return Response(status_code=204)


@router.post("/containers/{ref}/kill")
async def container_kill(ref: str, engine: EngineDep, signal: SignalQuery = None) -> Response:
    signal = _signal(signal) or "SIGKILL"
    await engine.lifecycle.kill(await engine.containers.lookup(ref), signal, ref)
    return Response(status_code=204)


@router.post("/containers/{ref}/pause")
async def container_pause(ref: str, engine: EngineDep) -> Response:
    await engine.lifecycle.pause(await engine.containers.lookup(ref))
    return Response(status_code=204)


@router.post("/containers/{ref}/unpause")
async def container_unpause(ref: str, engine: EngineDep) -> Response:
    await engine.lifecycle.unpause(await engine.containers.lookup(ref))
    return Response(status_code=204)


@router.post("/containers/{ref}/rename")
async def container_rename(
    ref: str,
    engine: EngineDep,
    name: Annotated[str | None, Query(description="the new name")] = None,
) -> Response:
    new = name or ""
    if not new:
        raise InvalidParameter("Neither old nor new names may be empty")
    new = validate_name(new)
    await engine.lifecycle.rename(await engine.containers.lookup(ref), new)
    return Response(status_code=204)


@router.post("/containers/{ref}/wait")
async def container_wait(
    ref: str,
    backend: BackendDep,
    condition_raw: Annotated[
        str | None, named("condition", "not-running (default), next-exit or removed")
    ] = None,
) -> ClosingStreamingResponse:
    condition = condition_raw or "not-running"
    if condition not in ("not-running", "next-exit", "removed"):
        raise InvalidParameter(f"invalid condition: {condition!r}")
    since = datetime.datetime.now(datetime.UTC)
    exits = backend.sessions.exits
    # a wait for the exit goes out before the `die` event (streams/exitorder.py)
    with exits.resolving() if condition != "removed" else contextlib.nullcontext():
        found = await backend.engine.containers.lookup(ref)
    following: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
    if condition != "removed":
        following = exits.following(found.id)
    return ClosingStreamingResponse(
        _wait_body(backend.engine, found, condition, since, following),
        media_type="application/json",
    )


async def _wait_body(
    engine: Engine,
    found: ContainerRef,
    condition: str,
    since: datetime.datetime,
    following: contextlib.AbstractContextManager[None],
) -> AsyncIterator[bytes]:
    with following:
        yield b""  # the head goes out now: `docker run` attaches and starts only after it
        code = await engine.lifecycle.wait_exit(found, condition, since)
        yield json.dumps({"StatusCode": code, "Error": None}).encode() + b"\n"
