"""Volume routes: list, create, inspect, remove, prune (translation in translate/volumes.py)."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.responses import JSONResponse

from dockershim.api.deps import PodmanDep, json_body, query_bool
from dockershim.api.versioning import api_version
from dockershim.engine import engine_for
from dockershim.errors import Conflict, DockerError, NotFound
from dockershim.podman import PodmanRunner
from dockershim.translate import volumes as tv
from dockershim.translate.filters import parse_filters
from dockershim.translate.prune import prune_label_matches

router = APIRouter()


async def _list(podman: PodmanRunner, *args: str) -> list[dict[str, Any]]:
    if not args:
        return await engine_for(podman).volumes.listing()
    return list(await podman.run_json(["volume", "ls", "--format", "json", *args]) or [])


async def _dangling_names(podman: PodmanRunner) -> set[str]:
    return {str(v["Name"]) for v in await _list(podman, "--filter", "dangling=true")}


async def inspect_volume(podman: PodmanRunner, name: str) -> dict[str, Any]:
    tv.validate_ref(name)
    result = await podman.run(["volume", "inspect", "--", name], check=False)
    data = result.json() if result.returncode == 0 else None
    if not data:
        raise NotFound(f"get {name}: no such volume")
    return tv.volume_to_docker(data[0])


@router.get("/volumes")
async def volume_list(request: Request, podman: PodmanDep) -> JSONResponse:
    filters = parse_filters(request.query_params.get("filters"), tv.VOLUME_FILTERS)
    volumes = [tv.volume_to_docker(v) for v in await _list(podman)]
    dangling = await _dangling_names(podman) if "dangling" in filters else set()
    matching = [v for v in volumes if tv.volume_matches(v, filters, dangling)]
    return JSONResponse({"Volumes": matching, "Warnings": []})


@router.post("/volumes/create")
async def volume_create(request: Request, podman: PodmanDep) -> JSONResponse:
    body = await json_body(request)
    argv = tv.create_argv(body)
    try:
        result = await podman.run(argv)
    except Conflict:
        # dockerd hands back the existing volume when the name is taken (same driver).
        return JSONResponse(await inspect_volume(podman, str(body["Name"])), status_code=201)
    name = result.text.strip().splitlines()[-1]
    return JSONResponse(await inspect_volume(podman, name), status_code=201)


@router.get("/volumes/{name}")
async def volume_inspect(name: str, podman: PodmanDep) -> JSONResponse:
    return JSONResponse(await inspect_volume(podman, name))


async def _remove(podman: PodmanRunner, name: str) -> None:
    # Never `podman volume rm --force`: it removes the containers using the volume.
    try:
        await podman.run(["volume", "rm", "--", name])
    except Conflict as exc:
        raise Conflict(tv.in_use_message(name, exc.message)) from None


@router.delete("/volumes/{name}")
async def volume_delete(name: str, request: Request, podman: PodmanDep) -> Response:
    force = query_bool(request, "force")
    try:
        tv.validate_ref(name)
        await _remove(podman, name)
    except NotFound:
        if not force:
            raise
    return Response(status_code=204)


def _size(path: str) -> int:
    total = 0
    for root, _dirs, files in os.walk(path, onerror=lambda _e: None):
        for fname in files:
            try:
                total += os.lstat(os.path.join(root, fname)).st_size
            except OSError:
                continue
    return total


@router.post("/volumes/prune")
async def volume_prune(request: Request, podman: PodmanDep) -> JSONResponse:
    filters = parse_filters(request.query_params.get("filters"), ("label", "label!", "all"))
    all_volumes = any(v.lower() in ("1", "true") for v in filters.get("all", []))
    anonymous_only = api_version(request.scope) >= (1, 42) and not all_volumes
    deleted: list[str] = []
    reclaimed = 0
    for raw in await _list(podman, "--filter", "dangling=true"):
        vol = tv.volume_to_docker(raw)
        if anonymous_only and not tv.is_anonymous(vol):
            continue
        if not prune_label_matches(vol["Labels"], filters):
            continue
        size = await asyncio.to_thread(_size, vol["Mountpoint"])
        try:
            await _remove(podman, vol["Name"])
        except DockerError:
            continue  # taken into use meanwhile
        deleted.append(vol["Name"])
        reclaimed += size
    return JSONResponse({"VolumesDeleted": deleted, "SpaceReclaimed": reclaimed})
