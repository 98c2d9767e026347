"""Volume routes: list, create, inspect, remove, prune. HTTP only: translation in
translate/volumes.py, podman in engine/volumes.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.responses import JSONResponse

from dockershim.api.deps import EngineDep, json_body, query_bool
from dockershim.api.versioning import api_version
from dockershim.errors import NotFound
from dockershim.translate import volumes as tv
from dockershim.translate.filters import parse_filters
from dockershim.translate.prune import prune_label_matches

router = APIRouter()


@router.get("/volumes")
async def volume_list(request: Request, engine: EngineDep) -> JSONResponse:
    filters = parse_filters(request.query_params.get("filters"), tv.VOLUME_FILTERS)
    volumes = [tv.volume_to_docker(v) for v in await engine.volumes.listing()]
    dangling = set()
    if "dangling" in filters:
        dangling = {str(v["Name"]) for v in await engine.volumes.dangling()}
    matching = [v for v in volumes if tv.volume_matches(v, filters, dangling)]
    return JSONResponse({"Volumes": matching, "Warnings": []})


@router.post("/volumes/create")
async def volume_create(request: Request, engine: EngineDep) -> JSONResponse:
    body = await json_body(request)
    raw = await engine.volumes.create(tv.create_argv(body), str(body.get("Name") or "") or None)
    return JSONResponse(tv.volume_to_docker(raw), status_code=201)


@router.get("/volumes/{name}")
async def volume_inspect(name: str, engine: EngineDep) -> JSONResponse:
    return JSONResponse(tv.volume_to_docker(await engine.volumes.inspect(name)))


@router.delete("/volumes/{name}")
async def volume_delete(name: str, request: Request, engine: EngineDep) -> Response:
    try:
        await engine.volumes.remove(name)
    except NotFound:
        if not query_bool(request, "force"):
            raise
    return Response(status_code=204)


@router.post("/volumes/prune")
async def volume_prune(request: Request, engine: EngineDep) -> JSONResponse:
    filters = parse_filters(request.query_params.get("filters"), ("label", "label!", "all"))
    all_volumes = any(v.lower() in ("1", "true") for v in filters.get("all", []))
    anonymous_only = api_version(request.scope) >= (1, 42) and not all_volumes

    def chosen(vol: dict[str, Any]) -> bool:
        if anonymous_only and not tv.is_anonymous(vol):
            return False
        return prune_label_matches(vol["Labels"], filters)

    deleted, reclaimed = await engine.volumes.prune(chosen)
    return JSONResponse({"VolumesDeleted": deleted, "SpaceReclaimed": reclaimed})
