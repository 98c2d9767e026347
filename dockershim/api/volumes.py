"""Volume routes: list, create, inspect, remove, prune. HTTP only: translation in
translate/volumes.py, podman in engine/volumes.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.responses import JSONResponse

from dockershim.api import reads
from dockershim.api.answers import as_response
from dockershim.api.bodies import VolumeCreateBody
from dockershim.api.deps import EngineDep
from dockershim.api.queries import FiltersJson, Flag, flag
from dockershim.api.versioning import api_version
from dockershim.errors import NotFound
from dockershim.translate import volumes as tv
from dockershim.translate.filters import parse_filters
from dockershim.translate.prune import prune_label_matches

router = APIRouter()


@router.get("/volumes")
async def volume_list(engine: EngineDep, filters_json: FiltersJson = None) -> Response:
    return as_response(await reads.volume_list(engine, filters_json))


@router.post("/volumes/create")
async def volume_create(body: VolumeCreateBody, engine: EngineDep) -> JSONResponse:
    raw = await engine.volumes.create(body)
    return JSONResponse(tv.volume_to_docker(raw), status_code=201)


@router.get("/volumes/{name}")
async def volume_inspect(name: str, engine: EngineDep) -> JSONResponse:
    return JSONResponse(tv.volume_to_docker(await engine.volumes.inspect(name)))


@router.delete("/volumes/{name}")
async def volume_delete(name: str, engine: EngineDep, force: Flag = None) -> Response:
    try:
        await engine.volumes.remove(name)
    except NotFound:
        if not flag(force):
            raise
    return Response(status_code=204)


@router.post("/volumes/prune")
async def volume_prune(
    request: Request, engine: EngineDep, filters_json: FiltersJson = None
) -> JSONResponse:
    filters = parse_filters(filters_json, ("label", "label!", "all"))
    all_volumes = any(v.lower() in ("1", "true") for v in filters.get("all", []))
    anonymous_only = api_version(request.scope) >= (1, 42) and not all_volumes

    def chosen(vol: dict[str, Any]) -> bool:
        if anonymous_only and not tv.is_anonymous(vol):
            return False
        return prune_label_matches(vol["Labels"], filters)

    deleted, reclaimed = await engine.volumes.prune(chosen)
    return JSONResponse({"VolumesDeleted": deleted, "SpaceReclaimed": reclaimed})
