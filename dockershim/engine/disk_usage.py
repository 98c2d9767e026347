"""What `GET /system/df` needs from podman: images, containers with their sizes, volumes with
the bytes under their mount points and how many containers use them (translated by
translate/system_df.py)."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from dockershim.podman import PodmanRunner
from dockershim.translate.internal_pods import is_pause_image
from dockershim.translate.system_df import volume_links


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


class DiskUsage:
    def __init__(self, podman: PodmanRunner) -> None:
        self.podman = podman

    async def images(self) -> list[dict[str, Any]]:
        """`podman images` JSON, without podman's own infra image (translate/internal_pods)."""
        listed = await self.podman.run_json(["images", "--format", "json"]) or []
        return [i for i in listed if isinstance(i, dict) and not is_pause_image(i)]

    async def containers(self) -> list[dict[str, Any]]:
        """`podman ps` JSON with sizes (measured by podman: the writable layers)."""
        return list(await self.podman.run_json(["ps", "-a", "--size", "--format", "json"]) or [])

    async def volumes(self) -> list[tuple[dict[str, Any], int, int]]:
        """(podman's volume JSON, bytes under its mount point, containers using it) each."""
        listed, table = await asyncio.gather(
            self.podman.run_json(["volume", "ls", "--format", "json"]),
            self.podman.run(["system", "df", "-v"]),
        )
        links = volume_links(table.text)
        out = []
        for volume in listed or []:
            size = await asyncio.to_thread(_tree_size, str(volume.get("Mountpoint") or ""))
            out.append((volume, size, links.get(str(volume.get("Name")), 0)))
        return out
