"""Container routes: create, inspect, list, remove, prune.

HTTP only: the request is parsed and translated here (translate/), the engine finds, reads and
changes containers (engine/containers.py, engine/lifecycle.py). Lifecycle routes are in
containers_lifecycle.py, logs and top in containers_logs.py.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from starlette.responses import JSONResponse

from dockershim.api.bodies import ContainerCreateBody
from dockershim.api.deps import BackendDep, EngineDep
from dockershim.api.queries import (
    BOOL_DOC,
    INT_DOC,
    FiltersJson,
    Flag,
    flag,
    named,
    number,
)
from dockershim.api.versioning import api_version
from dockershim.errors import InvalidParameter, NotFound
from dockershim.translate.container_inspect import inspect_body, podman_annotations
from dockershim.translate.container_list import matches, summary, validate_filters
from dockershim.translate.container_logs import parse_timestamp
from dockershim.translate.container_status import docker_state, parse_time
from dockershim.translate.endpoint_echo import echo_endpoints
from dockershim.translate.filters import label_matches, parse_filters
from dockershim.translate.internal_pods import is_internal_infra

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
) -> JSONResponse:
    raw = await backend.engine.containers.inspect_fresh(ref, size=flag(size))
    body = inspect_body(raw)
    echo_endpoints(body, podman_annotations(raw), api_version(request.scope))
    await backend.engine.notes.apply(body)  # links removed, endpoints given at connect
    await backend.engine.network_ops.fill_ids([body])
    return JSONResponse(body)


@router.get("/containers/json")
async def container_list(
    backend: BackendDep,
    filters_json: FiltersJson = None,
    limit_raw: Annotated[str | None, named("limit", INT_DOC)] = None,
    all_raw: Annotated[str | None, named("all", BOOL_DOC)] = None,
    size_raw: Annotated[str | None, named("size", BOOL_DOC)] = None,
) -> JSONResponse:
    filters = parse_filters(filters_json)
    validate_filters(filters)
    limit = number(limit_raw, "limit", -1) or -1
    show_all = flag(all_raw) or limit > 0
    size = flag(size_raw)
    # before/since may name a stopped container: look at all of them then
    every = show_all or any(filters.get(k) for k in ("status", "exited", "before", "since"))
    raws = await backend.engine.containers.inspect_all_fresh(running_only=not every, size=size)
    now = time.time()
    refs = _reference_times(raws, filters)
    raws.sort(key=lambda r: parse_time(r.get("Created")) or 0.0, reverse=True)
    shown = []
    for raw in raws:
        summ = summary(raw, now)
        hidden = summ["State"] not in ("running", "paused", "restarting")
        if hidden and not show_all and not filters.get("status") and not filters.get("exited"):
            continue
        if is_internal_infra(raw):
            continue  # a build's network or a namespace hold: no container of Docker's
        shown.append((summ, raw))
    # network ids and Docker names first: the `network` filter matches either
    await backend.engine.network_ops.fill_ids([summ for summ, _ in shown])
    out = [summ for summ, raw in shown if matches(summ, raw, filters, refs)]
    if limit > 0:
        out = out[:limit]
    return JSONResponse(out)


def _reference_times(
    raws: list[Mapping[str, Any]], filters: dict[str, list[str]]
) -> dict[str, float]:
    refs: dict[str, float] = {}
    for value in filters.get("before", []) + filters.get("since", []):
        for raw in raws:
            ident = str(raw.get("Id", ""))
            if value.lstrip("/") == raw.get("Name") or (
                len(value) >= 3 and ident.startswith(value)
            ):
                refs[value] = parse_time(raw.get("Created")) or 0.0
                break
        else:
            raise NotFound(f"No such container: {value}")
    return refs


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
