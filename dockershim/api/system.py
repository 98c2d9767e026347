"""System routes: ping, version, info."""

from __future__ import annotations

import asyncio
import datetime
import os
import socket

from fastapi import APIRouter, Response
from starlette.responses import JSONResponse

from dockershim.api.backend import Backend
from dockershim.api.deps import BackendDep
from dockershim.api.version_answer import version_content
from dockershim.podman.facts import static_facts
from dockershim.translate.system import info_body, with_live_counts

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


async def _live_counts(backend: Backend) -> tuple[list[str], list[str]]:
    engine = backend.engine
    states, images = await asyncio.gather(
        engine.containers.statuses(), engine.images.listing(everything=True)
    )
    return states, [str(i.get("Id")) for i in images]


@router.get("/version")
async def system_version(backend: BackendDep) -> JSONResponse:
    body = await version_content(backend.podman, backend.learned, backend.state_dir)
    return JSONResponse(body)


@router.get("/info")
async def system_info(backend: BackendDep) -> JSONResponse:
    taken_now = backend.learned.facts is None
    _, info = await static_facts(backend.podman, backend.learned, backend.state_dir)
    if not (taken_now and backend.learned.facts_from == "podman"):
        # counts change all the time: only a podman info taken for this request has them
        info = with_live_counts(info, *(await _live_counts(backend)))
    body = info_body(
        info,
        hostname=socket.gethostname(),
        kernel=os.uname().release,
        system_time=datetime.datetime.now(datetime.UTC).astimezone().isoformat(),
    )
    return JSONResponse(body)
