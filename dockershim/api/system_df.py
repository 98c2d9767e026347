"""GET /system/df: disk usage in Docker's shape (translate/system_df.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from dockershim.api.deps import EngineDep
from dockershim.api.queries import named
from dockershim.api.versioning import api_version
from dockershim.engine import Engine
from dockershim.errors import InvalidParameter
from dockershim.translate.container_list import summary
from dockershim.translate.system_df import (
    df_body,
    df_image,
    df_volume,
    image_users,
    volume_users,
)

router = APIRouter()

_TYPES = ("container", "image", "volume", "build-cache")


async def _images(
    engine: Engine, raws: list[Mapping[str, Any]], version: tuple[int, ...]
) -> list[dict[str, Any]]:
    users = image_users(raws)
    listed = await engine.disk_usage.image_list()
    return [df_image(i, users[str(i.get("Id"))], api_version=version) for i in listed]


async def _containers(engine: Engine, raws: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    now = time.time()
    out = [summary(raw, now) for raw in raws]
    await engine.network_ops.fill_ids(out)  # as in the container list
    out.sort(key=lambda c: c["Created"], reverse=True)
    return out


async def _volumes(engine: Engine, raws: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    users = volume_users(raws)
    sized = await engine.disk_usage.volume_sizes()
    return [df_volume(v, size, users[str(v.get("Name"))]) for v, size in sized]


@router.get("/system/df")
async def system_data_usage(
    request: Request,
    engine: EngineDep,
    kinds: Annotated[
        list[str] | None, named("type", "container, image, volume or build-cache (repeatable)")
    ] = None,
) -> JSONResponse:
    wanted = kinds or list(_TYPES)
    for kind in wanted:
        if kind not in _TYPES:
            raise InvalidParameter(f"unknown object type: {kind}")
    # every section but the build cache counts containers: images and volumes their users
    raws: list[Mapping[str, Any]] = []
    if any(kind != "build-cache" for kind in wanted):
        sizes = "container" in wanted  # measured by podman: only when shown
        raws = await engine.disk_usage.container_inspects(size=sizes)

    async def nothing() -> None:
        return None

    images, containers, volumes = await asyncio.gather(
        _images(engine, raws, api_version(request.scope)) if "image" in wanted else nothing(),
        _containers(engine, raws) if "container" in wanted else nothing(),
        _volumes(engine, raws) if "volume" in wanted else nothing(),
    )
    return JSONResponse(df_body(images, containers, volumes))
