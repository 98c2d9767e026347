"""Volumes as podman sees them: the list kept while podman's stored volumes are unchanged.

podman 4.x keeps each volume's config and state in its state database (the `vol` bucket);
`podman volume ls` is taken again only when one of them changed, or a volume came or went.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from dockershim.podman import PodmanRunner
from dockershim.podman.libpod_state import Snapshot


class Volumes:
    def __init__(
        self, podman: PodmanRunner, snapshot: Callable[[], Awaitable[Snapshot | None]]
    ) -> None:
        self.podman = podman
        self._snapshot = snapshot
        self._kept: tuple[str, str] | None = None  # (mark, JSON text of the list)

    async def listing(self) -> list[dict[str, Any]]:
        """podman's `volume ls` JSON."""
        snap = await self._snapshot()
        mark = ""
        if snap is not None:
            digest = hashlib.blake2b(digest_size=16)
            for name in sorted(snap.volumes):
                digest.update(name.encode() + b"\0" + snap.volumes[name] + b"\1")
            mark = digest.hexdigest()
        if mark and self._kept and self._kept[0] == mark:
            return list(json.loads(self._kept[1]))
        data = await self.podman.run_json(["volume", "ls", "--format", "json"])
        items = list(data) if isinstance(data, list) else []
        if mark:
            self._kept = (mark, json.dumps(items))
        return items
