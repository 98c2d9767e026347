"""System routes: ping, version, info."""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.responses import JSONResponse

from dockershim.api import reads
from dockershim.api.answers import as_response
from dockershim.api.deps import BackendDep
from dockershim.api.version_answer import version_content

router = APIRouter()

_PING_HEADERS = {
    "Cache-Control": "no-cache, no-store, must-revalidate",
    "Pragma": "no-cache",
    "Builder-Version": "1",
    "Swarm": "inactive",
}


@router.get("/_ping")
async def system_ping() -> Response:
    return Response("OK", media_type="text/plain; charset=utf-8", headers=_PING_HEADERS)


@router.head("/_ping")
async def system_ping_head() -> Response:
    return Response(
        b"",
        media_type="text/plain; charset=utf-8",
        headers={**_PING_HEADERS, "Content-Length": "0"},
    )


@router.get("/version")
async def system_version(backend: BackendDep) -> JSONResponse:
    body = await version_content(backend.podman, backend.learned, backend.state_dir)
    return JSONResponse(body)


@router.get("/info")
async def system_info(backend: BackendDep) -> Response:
    return as_response(await reads.system_info(backend))
