"""Container lifecycle routes: start, stop, restart, kill, pause, unpause, rename, wait."""

from __future__ import annotations

import contextlib
import datetime
import json
import re
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.responses import StreamingResponse

from dockershim.api.containers_support import inspect_container
from dockershim.api.deps import BackendDep, PodmanDep, query_int
from dockershim.engine import ContainerRef, engine_for
from dockershim.errors import Conflict, DockerError, InvalidParameter, NotModified
from dockershim.podman import Completed, PodmanRunner
from dockershim.podman.errors import classify
from dockershim.streams.sessions import sessions_of
from dockershim.translate.container_fields import validate_name
from dockershim.translate.container_status import docker_state, parse_time
from dockershim.translate.validate import digits

router = APIRouter()

_SIGNAL = re.compile(r"^(?:SIG)?[A-Z0-9+-]{1,16}$|^[0-9]{1,2}$")
_RUNNING = ("running", "paused", "restarting")


def _state(found: ContainerRef) -> str:
    """Docker's state word for a container found by the engine."""
    return docker_state(found.status)


def _status(raw: dict[str, Any]) -> str:
    st = raw.get("State") or {}
    return docker_state(str(st.get("Status", "")), bool(st.get("Restarting")))


def _signal(request: Request) -> str | None:
    value = request.query_params.get("signal") or None
    if value is not None and not _SIGNAL.match(value.upper()):
        raise InvalidParameter(f"Invalid signal: {value}")
    return value.upper() if value and not digits(value) else value


def _timeout(request: Request) -> int | None:
    t = query_int(request, "t")
    if t is None:
        t = query_int(request, "timeout")
    return t


def _start_error(exc: DockerError) -> DockerError:
    text = exc.message
    if "executable file not found" in text or "no such file or directory" in text:
        return InvalidParameter(text)
    return exc


@router.post("/containers/{ref}/start")
async def container_start(ref: str, request: Request, backend: BackendDep) -> Response:
    # detachKeys only matter to an attached client (the attach session reads its own)
    podman = backend.podman
    found = await engine_for(podman).containers.lookup(ref)
    if _state(found) in _RUNNING:
        raise NotModified()
    try:
        # an attach waiting for this container (`docker run`, `start -a`) starts it itself, so
        # nothing it prints is lost
        if await sessions_of(backend.cache).start_pending(found.id):
            return Response(status_code=204)
        result = await backend.engine.batches.run(["start"], found.id)
        if result.returncode != 0:
            raise classify(result.err_text, result.returncode)
    except DockerError as exc:
        raise _start_error(exc) from None
    return Response(status_code=204)


@router.post("/containers/{ref}/stop")
async def container_stop(ref: str, request: Request, podman: PodmanDep) -> Response:
    t = _timeout(request)
    sig = _signal(request)
    found = await engine_for(podman).containers.lookup(ref)
    if _state(found) not in _RUNNING:
        raise NotModified()
    ident = found.id
    if sig:
        await podman.run(["kill", "--signal", sig, "--", ident], check=False)
    args = ["stop"] + (["--time", str(max(t, 0))] if t is not None and t >= 0 else [])
    result = await engine_for(podman).batches.run(args, ident, timeout=_budget(t))
    _ignoring_gone(result)
    return Response(status_code=204)


@router.post("/containers/{ref}/restart")
async def container_restart(ref: str, request: Request, podman: PodmanDep) -> Response:
    t = _timeout(request)
    sig = _signal(request)
    found = await engine_for(podman).containers.lookup(ref)
    ident = found.id
    if sig and _state(found) in _RUNNING:
        await podman.run(["kill", "--signal", sig, "--", ident], check=False)
    args = ["restart"] + (["--time", str(t)] if t is not None and t >= 0 else [])
    try:
        await podman.run([*args, "--", ident], timeout=_budget(t))
    except DockerError as exc:
        raise _start_error(exc) from None
    return Response(status_code=204)


def _budget(t: int | None) -> float:
    return 120.0 + max(t or 10, 0)


def _ignoring_gone(result: Completed) -> None:
    if result.returncode != 0:
        text = result.err_text
        if "no such container" in text or "no container with" in text:
            return  # AutoRemove removed it as it stopped
        raise classify(text, result.returncode)


@router.post("/containers/{ref}/kill")
async def container_kill(ref: str, request: Request, podman: PodmanDep) -> Response:
    sig = _signal(request) or "SIGKILL"
    found = await engine_for(podman).containers.lookup(ref)
    if _state(found) not in _RUNNING:
        raise Conflict(f"Cannot kill container: {ref}: Container {found.id} is not running")
    result = await engine_for(podman).batches.run(["kill", "--signal", sig], found.id)
    if result.returncode != 0:
        text = result.err_text
        if "invalid signal" in text.lower() or "invalid argument" in text:
            raise InvalidParameter(f"Invalid signal: {sig}")
        if "improper" in text or "not running" in text:
            raise Conflict(f"Cannot kill container: {ref}: Container {found.id} is not running")
        raise classify(text, result.returncode)
    return Response(status_code=204)


@router.post("/containers/{ref}/pause")
async def container_pause(ref: str, podman: PodmanDep) -> Response:
    found = await engine_for(podman).containers.lookup(ref)
    if _state(found) != "running":
        raise Conflict(f"Container {found.id} is not running")
    result = await podman.run(["pause", "--", found.id], check=False)
    if result.returncode != 0:
        text = result.err_text
        if "cgroup V1" in text or "cgroup v1" in text:
            raise DockerError(
                f"Cannot pause container {found.id}: pausing needs the cgroup freezer, which "
                "rootless podman cannot use on this cgroup v1 host"
            )
        raise classify(text, result.returncode)
    return Response(status_code=204)


@router.post("/containers/{ref}/unpause")
async def container_unpause(ref: str, podman: PodmanDep) -> Response:
    found = await engine_for(podman).containers.lookup(ref)
    if _state(found) != "paused":
        raise Conflict(f"Container {found.id} is not paused")
    await podman.run(["unpause", "--", found.id])
    return Response(status_code=204)


@router.post("/containers/{ref}/rename")
async def container_rename(ref: str, request: Request, podman: PodmanDep) -> Response:
    new = request.query_params.get("name") or ""
    if not new:
        raise InvalidParameter("Neither old nor new names may be empty")
    new = validate_name(new)
    found = await engine_for(podman).containers.lookup(ref)
    if found.name == new:
        raise InvalidParameter("Renaming a container with the same name as its current name")
    result = await podman.run(["rename", "--", found.id, new], check=False)
    if result.returncode != 0:
        text = result.err_text
        if "already in use" in text or "already exists" in text:
            other = await engine_for(podman).containers.lookup(new)
            raise Conflict(
                f'Conflict. The container name "/{new}" is already in use by container '
                f'"{other.id}". You have to remove (or rename) that container to be able '
                "to reuse that name."
            )
        raise classify(text, result.returncode)
    return Response(status_code=204)


@router.post("/containers/{ref}/wait")
async def container_wait(ref: str, request: Request, backend: BackendDep) -> StreamingResponse:
    condition = request.query_params.get("condition") or "not-running"
    if condition not in ("not-running", "next-exit", "removed"):
        raise InvalidParameter(f"invalid condition: {condition!r}")
    since = datetime.datetime.now(datetime.UTC)
    exits = sessions_of(backend.cache).exits
    # a wait for the exit goes out before the `die` event (streams/exitorder.py)
    with exits.resolving() if condition != "removed" else contextlib.nullcontext():
        raw = (await engine_for(backend.podman).containers.lookup(ref)).as_inspect()
    following: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
    if condition != "removed":
        following = exits.following(str(raw["Id"]))
    return StreamingResponse(
        _wait_body(backend.podman, raw, condition, since, following),
        media_type="application/json",
    )


async def _wait_body(
    podman: PodmanRunner,
    raw: dict[str, Any],
    condition: str,
    since: datetime.datetime,
    following: contextlib.AbstractContextManager[None],
) -> AsyncIterator[bytes]:
    with following:
        yield b""  # the head goes out now: `docker run` attaches and starts only after it
        code = await wait_exit(podman, raw, condition, since)
        yield json.dumps({"StatusCode": code, "Error": None}).encode() + b"\n"


async def wait_exit(
    podman: PodmanRunner, raw: dict[str, Any], condition: str, since: datetime.datetime
) -> int:
    """Block until the container reaches Docker's wait condition; its exit code.

    Follows `podman events` from `since` (taken before the inspect), so an exit between the
    inspect and the subscription is not missed.
    """
    ident = str(raw["Id"])
    exit_code = int((raw.get("State") or {}).get("ExitCode") or 0)
    if condition == "not-running" and _status(raw) not in _RUNNING:
        return exit_code
    stamp = since.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    child = await podman.spawn(
        ["events", "--since", stamp, "--filter", f"container={ident}", "--format", "json"]
    )
    try:
        assert child.process.stdout is not None
        threshold = since.timestamp()
        while True:
            line = await child.process.stdout.readline()
            if not line:
                # podman events ended (it should not): fall back to the container's state
                return await _final_code(podman, ident, exit_code)
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            when = parse_time(event.get("Time")) or 0.0
            if when < threshold or event.get("ID") != ident:
                continue
            status = event.get("Status")
            if status == "died":
                exit_code = int(event.get("ContainerExitCode") or 0)
                if condition != "removed":
                    return exit_code
            elif status == "remove":
                return exit_code
    finally:
        await child.close()


async def _final_code(podman: PodmanRunner, ident: str, default: int) -> int:
    with contextlib.suppress(DockerError):
        raw = await inspect_container(podman, ident)
        return int((raw.get("State") or {}).get("ExitCode") or 0)
    return default
