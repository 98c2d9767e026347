"""GET /system/df: disk usage in Docker's shape (translate/system_df.py)."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from dockershim.api.deps import BackendDep
from dockershim.errors import InvalidParameter
from dockershim.podman import PodmanRunner
from dockershim.translate.system_df import (
    df_body,
    df_container,
    df_image,
    df_volume,
    volume_links,
)

router = APIRouter()

_TYPES = ("container", "image", "volume", "build-cache")


def _tree_size(root: str) -> int:
    """Bytes of the regular files under root (hard links once); unreadable parts are skipped."""
    total = 0
    seen: set[tuple[int, int]] = set()
    for dirpath, _, files in os.walk(root):
        for name in files:
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_size
    return total


async def _images(podman: PodmanRunner) -> list[dict[str, Any]]:
    listed = await podman.run_json(["images", "--format", "json"]) or []
    return [df_image(i) for i in listed]


async def _containers(podman: PodmanRunner) -> list[dict[str, Any]]:
    listed = await podman.run_json(["ps", "-a", "--size", "--format", "json"]) or []
    return [df_container(c) for c in listed]


async def _volumes(podman: PodmanRunner) -> list[dict[str, Any]]:
    listed, table = await asyncio.gather(
        podman.run_json(["volume", "ls", "--format", "json"]),
        podman.run(["system", "df", "-v"]),
    )
    links = volume_links(table.text)
    out = []
    for volume in listed or []:
        size = await asyncio.to_thread(_tree_size, str(volume.get("Mountpoint") or ""))
        out.append(df_volume(volume, size, links.get(str(volume.get("Name")), 0)))
    return out


@router.get("/system/df")
async def system_data_usage(request: Request, backend: BackendDep) -> JSONResponse:
    wanted = request.query_params.getlist("type") or list(_TYPES)
    for kind in wanted:
        if kind not in _TYPES:
            raise InvalidParameter(f"unknown object type: {kind}")
    podman = backend.podman

    async def nothing() -> None:
        return None

    images, containers, volumes = await asyncio.gather(
        _images(podman) if "image" in wanted else nothing(),
        _containers(podman) if "container" in wanted else nothing(),
        _volumes(podman) if "volume" in wanted else nothing(),
    )
    return JSONResponse(df_body(images, containers, volumes))
