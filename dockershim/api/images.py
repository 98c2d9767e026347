"""Image routes: list, inspect, history, tag, remove, prune. HTTP only: the engine finds and
changes images (engine/images.py, engine/image_ops.py).

Pull/import live in api/pull.py, push and /auth in api/push.py, save/load/commit/search in
api/imagearchive.py, the builder in api/build.py.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse, Response

from dockershim.api import reads
from dockershim.api.answers import as_response
from dockershim.api.deps import EngineDep
from dockershim.api.queries import BOOL_DOC, FiltersJson, flag, named
from dockershim.errors import InvalidParameter, Unsupported
from dockershim.translate.filters import parse_filters
from dockershim.translate.references import parse_reference

router = APIRouter()


@router.get("/images/json")
async def image_list(
    request: Request,
    engine: EngineDep,
    filters_json: FiltersJson = None,
    all_raw: Annotated[str | None, named("all", BOOL_DOC)] = None,
    shared_size: Annotated[str | None, named("shared-size", BOOL_DOC)] = None,
    digests: Annotated[str | None, Query(description=BOOL_DOC + " (default true)")] = None,
) -> Response:
    return as_response(
        await reads.image_list(engine, request.scope, filters_json, all_raw, shared_size, digests)
    )


@router.get("/images/{name:path}/json")
async def image_inspect(name: str, request: Request, engine: EngineDep) -> Response:
    return as_response(await reads.image_inspect(engine, name, request.scope))


@router.get("/images/{name:path}/attestations")
async def image_attestations(name: str, engine: EngineDep) -> JSONResponse:
    await engine.image_ops.require(name)
    # dockerd's graphdriver image store answers the same: podman keeps no OCI index to read.
    raise Unsupported("the image store does not support attestations")


@router.get("/images/{name:path}/history")
async def image_history(name: str, engine: EngineDep) -> JSONResponse:
    ops = engine.image_ops
    return JSONResponse(await ops.history(await ops.require(name)))


@router.post("/images/{name:path}/tag", status_code=201)
async def image_tag(
    name: str,
    engine: EngineDep,
    repo_raw: Annotated[str | None, named("repo", "the repository to tag in")] = None,
    tag_raw: Annotated[str | None, named("tag", "the tag")] = None,
) -> Response:
    repo = repo_raw or ""
    tag = tag_raw or ""
    if not repo:
        raise InvalidParameter("repository name is required")
    target = parse_reference(f"{repo}:{tag}" if tag else repo)
    if target.digest:
        raise InvalidParameter("refusing to create a tag with a digest reference")
    await engine.image_ops.tag(name, target)
    return Response(status_code=201)


@router.delete("/images/{name:path}")
async def image_delete(
    name: str,
    engine: EngineDep,
    force_raw: Annotated[str | None, named("force", BOOL_DOC)] = None,
    noprune_raw: Annotated[str | None, named("noprune", BOOL_DOC)] = None,
) -> JSONResponse:
    force, noprune = flag(force_raw), flag(noprune_raw)
    return JSONResponse(await engine.image_ops.delete(name, force=force, noprune=noprune))


@router.post("/images/prune")
async def image_prune(engine: EngineDep, filters_json: FiltersJson = None) -> JSONResponse:
    filters = parse_filters(filters_json, ("dangling", "until", "label"))
    return JSONResponse(await engine.image_ops.prune(filters))
