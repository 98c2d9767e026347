"""Container routes: create, inspect, list, remove, prune.

HTTP only: the request is parsed and translated here (translate/), the engine finds, reads and
changes containers (engine/containers.py, engine/lifecycle.py). Lifecycle routes are in
containers_lifecycle.py, logs and top in containers_logs.py.
"""

from __future__ import annotations

import re
import time
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.responses import JSONResponse

from dockershim.api import reads
from dockershim.api.answers import as_response
from dockershim.api.bodies import ContainerCreateBody
from dockershim.api.deps import BackendDep, EngineDep
from dockershim.api.queries import (
    BOOL_DOC,
    INT_DOC,
    FiltersJson,
    Flag,
    flag,
    named,
)
from dockershim.errors import InvalidParameter
from dockershim.translate.container_logs import parse_timestamp
from dockershim.translate.container_status import docker_state, parse_time
from dockershim.translate.filters import label_matches, parse_filters

_HOST_PLATFORM = re.compile(r"^linux(?:/(?:amd64|x86_64)(?:/v[1-4])?)?$")

router = APIRouter()


@router.post("/containers/create")
async def container_create(
    body: ContainerCreateBody,
    backend: BackendDep,
    name: Annotated[str | None, Query(description="the container's name")] = None,
    platform: Annotated[str | None, Query(description="only linux/amd64 here")] = None,
) -> JSONResponse:
    name = name or None
    platform = platform or ""
    if platform and not _HOST_PLATFORM.match(platform.lower()):
        raise InvalidParameter(
            f"platform {platform!r} is not supported: containers run on linux/amd64 here"
        )
    created = await backend.engine.creates.create(body, name)
    return JSONResponse({"Id": created.id, "Warnings": created.warnings}, status_code=201)


@router.get("/containers/{ref}/json")
async def container_inspect(
    ref: str, request: Request, backend: BackendDep, size: Flag = None
) -> Response:
    return as_response(await reads.container_inspect(backend.engine, ref, request.scope, size))


@router.get("/containers/json")
async def container_list(
    backend: BackendDep,
    filters_json: FiltersJson = None,
    limit_raw: Annotated[str | None, named("limit", INT_DOC)] = None,
    all_raw: Annotated[str | None, named("all", BOOL_DOC)] = None,
    size_raw: Annotated[str | None, named("size", BOOL_DOC)] = None,
) -> Response:
    return as_response(
        await reads.container_list(backend.engine, filters_json, limit_raw, all_raw, size_raw)
    )


@router.delete("/containers/{ref:path}")  # path: `rm --link` names /container/alias
async def container_delete(
    ref: str, engine: EngineDep, v: Flag = None, link: Flag = None, force: Flag = None
) -> Response:
    if flag(link):  # `docker rm --link parent/alias`
        await engine.notes.remove_link(ref)
        return Response(status_code=204)
    found = await engine.containers.lookup(ref)
    await engine.lifecycle.remove(found, ref, force=flag(force), volumes=flag(v))
    await engine.notes.forget([found.id])
    return Response(status_code=204)


@router.post("/containers/prune")
async def container_prune(engine: EngineDep, filters_json: FiltersJson = None) -> JSONResponse:
    filters = parse_filters(filters_json, allowed={"label", "label!", "until"})
    until = [_until(v) for v in filters.get("until", [])]
    raws = await engine.containers.inspect_all()
    candidates: list[str] = []
    for raw in raws:
        status = docker_state(str((raw.get("State") or {}).get("Status", "")))
        if status in ("running", "paused", "restarting", "removing"):
            continue
        labels = (raw.get("Config") or {}).get("Labels") or {}
        if not all(label_matches(labels, v) for v in filters.get("label", [])):
            continue
        if any(label_matches(labels, v) for v in filters.get("label!", [])):
            continue
        created = parse_time(raw.get("Created")) or 0.0
        if until and not all(created < u for u in until):
            continue
        candidates.append(str(raw["Id"]))
    # dockerd reports the writable layers' sizes: measured only for what is about to go
    sizes = {
        r["Id"]: int(r.get("SizeRw") or 0)
        for r in await engine.containers.inspect_many(candidates, size=True)
    }
    deleted = await engine.lifecycle.remove_stopped(candidates)
    await engine.notes.forget(deleted)
    reclaimed = sum(sizes.get(cid, 0) for cid in deleted)
    return JSONResponse({"ContainersDeleted": deleted or None, "SpaceReclaimed": reclaimed})


def _until(value: str) -> float:
    return parse_timestamp(value, "until", now=time.time())
