"""System routes: ping, version, info."""

from __future__ import annotations

import asyncio
import datetime
import os
import socket
from typing import Any

from fastapi import APIRouter, Response
from starlette.responses import JSONResponse

from dockershim.api.deps import Backend, BackendDep
from dockershim.api.versioning import API_VERSION, MIN_API_VERSION
from dockershim.translate.system import info_body, version_body, with_live_counts

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


async def _static_facts(backend: Backend) -> tuple[dict[str, Any], dict[str, Any]]:
    """podman version and info, cached: versions and paths do not change while we run."""
    cached = backend.cache.get("static_facts")
    if cached is None:
        version, info = await asyncio.gather(
            backend.podman.run_json(["version", "--format", "json"]),
            backend.podman.run_json(["info", "--format", "json"]),
        )
        cached = (version or {}, info or {})
        backend.cache["static_facts"] = cached
    return cached


async def _live_counts(backend: Backend) -> tuple[list[str], list[str]]:
    containers, images = await asyncio.gather(
        backend.podman.run_json(["ps", "-a", "--format", "json"]),
        backend.podman.run(["images", "-a", "-q", "--no-trunc"]),
    )
    states = [str(c.get("State") or "") for c in containers or [] if isinstance(c, dict)]
    return states, images.text.split()


@router.get("/version")
async def system_version(backend: BackendDep) -> JSONResponse:
    version, info = await _static_facts(backend)
    body = version_body(
        version,
        info,
        api_version=API_VERSION,
        min_api_version=MIN_API_VERSION,
        kernel=os.uname().release,
    )
    return JSONResponse(body)


@router.get("/info")
async def system_info(backend: BackendDep) -> JSONResponse:
    taken_now = "static_facts" not in backend.cache
    _, info = await _static_facts(backend)
    if not taken_now:
        info = with_live_counts(info, *(await _live_counts(backend)))
    body = info_body(
        info,
        hostname=socket.gethostname(),
        kernel=os.uname().release,
        system_time=datetime.datetime.now(datetime.UTC).astimezone().isoformat(),
    )
    return JSONResponse(body)
