"""What `GET /system/df` needs, from what the engine already knows (translated by
translate/system_df.py).

dockerd's disk usage is its container list with sizes, its image list with container counts
and its volumes with their sizes and users (moby daemon/disk_usage.go). Here: containers from
podman's state, their sizes measured by podman (its service child's inspects when it runs);
images as engine/images.py keeps them; volumes from podman's state database, their sizes
walked here (podman's `system df` walks them too) and their users counted from the containers'
mounts (podman's own count is the containers recorded as using a volume: the same ones).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from dockershim.engine.containers import Containers
from dockershim.engine.images import Images
from dockershim.engine.volumes import Volumes, tree_size
from dockershim.translate.internal_pods import is_internal_infra


class DiskUsage:
    def __init__(self, containers: Containers, images: Images, volumes: Volumes) -> None:
        self.containers = containers
        self.images = images
        self.volumes = volumes

    async def container_inspects(self, *, size: bool) -> list[Mapping[str, Any]]:
        """podman's inspect JSON of every Docker container (a build's or the network
        namespace holder's are podman's own), with the sizes podman measures when `size`."""
        raws = [r for r in await self.containers.inspect_all() if not is_internal_infra(r)]
        if not size:
            return raws
        # podman measures only these (its own pods' infra containers are not shown)
        return [*await self.containers.inspect_many([str(r["Id"]) for r in raws], size=True)]

    async def image_list(self) -> list[dict[str, Any]]:
        """podman's image list JSON (its own infra image left out)."""
        return await self.images.listing(everything=False)

    async def volume_sizes(self) -> list[tuple[dict[str, Any], int]]:
        """(podman's volume JSON, bytes under its mount point) of each volume."""
        listed = await self.volumes.listing()
        paths = [str(v.get("Mountpoint") or "") for v in listed]
        sizes = await asyncio.to_thread(lambda: [tree_size(p) if p else 0 for p in paths])
        return list(zip(listed, sizes, strict=True))
