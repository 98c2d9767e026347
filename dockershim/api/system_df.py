"""GET /system/df: disk usage in Docker's shape (translate/system_df.py)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter
from starlette.responses import JSONResponse

from dockershim.api.deps import EngineDep
from dockershim.api.queries import named
from dockershim.engine import Engine
from dockershim.errors import InvalidParameter
from dockershim.translate.internal_pods import is_internal_listing
from dockershim.translate.system_df import (
    df_body,
    df_container,
    df_image,
    df_volume,
)

router = APIRouter()

_TYPES = ("container", "image", "volume", "build-cache")


async def _images(engine: Engine) -> list[dict[str, Any]]:
    return [df_image(i) for i in await engine.disk_usage.images()]


async def _containers(engine: Engine) -> list[dict[str, Any]]:
    listed = await engine.disk_usage.containers()
    return [df_container(c) for c in listed if not is_internal_listing(c)]


async def _volumes(engine: Engine) -> list[dict[str, Any]]:
    return [df_volume(v, size, links) for v, size, links in await engine.disk_usage.volumes()]


@router.get("/system/df")
async def system_data_usage(
    engine: EngineDep,
    kinds: Annotated[
        list[str] | None, named("type", "container, image, volume or build-cache (repeatable)")
    ] = None,
) -> JSONResponse:
    wanted = kinds or list(_TYPES)
    for kind in wanted:
        if kind not in _TYPES:
            raise InvalidParameter(f"unknown object type: {kind}")

    async def nothing() -> None:
        return None

    images, containers, volumes = await asyncio.gather(
        _images(engine) if "image" in wanted else nothing(),
        _containers(engine) if "container" in wanted else nothing(),
        _volumes(engine) if "volume" in wanted else nothing(),
    )
    return JSONResponse(df_body(images, containers, volumes))
