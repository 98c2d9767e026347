"""Find the local image a client named, as Docker would: IDs, familiar names, full names, and
podman's `localhost/NAME` for images made without a registry. Never asks podman to resolve a
short name against registries (no short-name prompt)."""

from __future__ import annotations

from typing import Any

from dockershim.engine import engine_for
from dockershim.errors import NotFound
from dockershim.podman import PodmanRunner
from dockershim.translate.references import candidates


async def find_image(podman: PodmanRunner, name: str) -> dict[str, Any] | None:
    """podman's inspect JSON of the image `name` means, or None."""
    return await engine_for(podman).images.find(name)


async def require_image(podman: PodmanRunner, name: str) -> dict[str, Any]:
    data = await find_image(podman, name)
    if data is None:
        raise NotFound(f"No such image: {name}")
    return data


def local_name(data: dict[str, Any], name: str) -> str:
    """The exact name podman knows the image by, matching what the client asked for."""
    wanted = candidates(name)
    for tag in data.get("RepoTags") or []:
        if tag in wanted:
            return str(tag)
    return str(data["Id"])
