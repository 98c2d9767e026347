"""Volumes as podman sees them, and Docker's volume changes on podman.

podman 4.x keeps each volume's config and state in its state database (the `vol` bucket),
and its inspect of a local volume is made from those two alone: so is the list here (podman/
libpod_state.py `VolumeRecord.inspect`), kept until one of them changes, and inspects are
answered from it. Volumes of a plugin go to `podman volume ls`. Names are exact, as in Docker
(podman's CLI takes a unique prefix of a volume's name for inspect and rm).
Volumes are never removed with `podman volume rm --force`: that removes their containers.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from dockershim.errors import Conflict, DockerError, NotFound
from dockershim.podman import PodmanRunner
from dockershim.podman.errors import classify_service
from dockershim.podman.libpod_state import Snapshot
from dockershim.podman.service_child import PodmanService
from dockershim.translate import volumes as tv

_TIMEOUT = 60.0  # a volume create or removal (no copy-up happens here)


class Volumes:
    def __init__(
        self,
        podman: PodmanRunner,
        snapshot: Callable[[], Awaitable[Snapshot | None]],
        service: PodmanService | None = None,
    ) -> None:
        self.podman = podman
        self._snapshot = snapshot
        self.service = service  # creates and removals through podman's service child when it runs
        self._kept: tuple[str, str] | None = None  # (mark, JSON text of the list)

    async def listing(self) -> list[dict[str, Any]]:
        """podman's `volume ls` JSON: made from the records in podman's state database, as
        podman makes it, when every volume is of the local driver (a plugin's volume is
        answered by its plugin: then `podman volume ls`, taken again only after a change)."""
        snap = await self._snapshot()
        mark = ""
        if snap is not None:
            digest = hashlib.blake2b(digest_size=16)
            for name, record in sorted(snap.volumes.items()):
                digest.update(name.encode() + b"\0" + record.config + b"\0" + record.state + b"\1")
            mark = digest.hexdigest()
        if mark and self._kept and self._kept[0] == mark:
            return list(json.loads(self._kept[1]))
        made = [r.inspect() for r in snap.volumes.values()] if snap is not None else [None]
        if all(made):
            items = [m for m in made if m is not None]
        else:
            data = await self.podman.run_json(["volume", "ls", "--format", "json"])
            items = list(data) if isinstance(data, list) else []
        if mark:
            self._kept = (mark, json.dumps(items))
        return items

    async def dangling(self) -> list[dict[str, Any]]:
        """Volumes no container uses: those whose record in podman's state names no user
        (podman's own `dangling` filter reads the same), else podman's filter."""
        snap = await self._snapshot()
        if snap is not None:
            unused = [r.inspect() for r in snap.volumes.values() if not r.users]
            if all(unused):
                return [u for u in unused if u is not None]
        argv = ["volume", "ls", "--format", "json", "--filter", "dangling=true"]
        return list(await self.podman.run_json(argv) or [])

    async def inspect(self, name: str) -> dict[str, Any]:
        """podman's inspect JSON of the volume of exactly this name (its `volume ls` entry is
        the same JSON: no process while the volumes are unchanged); NotFound in dockerd's
        words. podman's CLI would also take a unique prefix of a name; Docker never does."""
        tv.validate_ref(name)
        for vol in await self.listing():
            if vol.get("Name") == name:
                return dict(vol)
        raise NotFound(f"get {name}: no such volume")

    async def create(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """A volume of Docker's `VolumeCreate` body (translate/volumes.py); its inspect JSON.
        dockerd hands back the existing volume when the name is taken (same driver)."""
        wanted = tv.volume_create(body)
        try:
            name = await self._create(wanted)
        except Conflict:
            if not wanted.name:
                raise
            return await self.inspect(wanted.name)
        return await self.inspect(name)

    async def _create(self, wanted: tv.VolumeCreate) -> str:
        """The volume made (its name): through podman's service child when it runs (libpod
        reads the same options as its CLI), else `podman volume create`."""
        if self.service is not None and self.service.ready:
            path = "/volumes/create"
            spec = wanted.spec()
            answer = await self.service.call(
                "POST", path, body=spec, timeout=_TIMEOUT, repeatable=False
            )
            if answer is not None:
                made = answer.json()
                if answer.status == 201 and isinstance(made, dict) and made.get("Name"):
                    return str(made["Name"])
                raise classify_service(answer.message)
        result = await self.podman.run(wanted.argv())
        return result.text.strip().splitlines()[-1]

    async def remove(self, name: str) -> None:
        await self.inspect(name)  # the exact name: `podman volume rm` would take a prefix
        try:
            await self._rm(name)
        except Conflict as exc:
            raise Conflict(tv.in_use_message(name, exc.message)) from None

    async def _rm(self, name: str) -> None:
        """`podman volume rm`, through podman's service child when it runs (no process)."""
        path = f"/volumes/{name}"  # an exact volume name: nothing to escape (tv.validate_ref)
        if self.service is None or not await self.service.change(
            "DELETE", path, (204,), timeout=_TIMEOUT
        ):
            await self.podman.run(["volume", "rm", "--", name])

    async def prune(self, keep: Callable[[dict[str, Any]], bool]) -> tuple[list[str], int]:
        """Remove the unused volumes that `keep` selects (it sees Docker's shape); the names
        removed and the bytes they held."""
        deleted: list[str] = []
        reclaimed = 0
        for raw in await self.dangling():
            vol = tv.volume_to_docker(raw)
            if not keep(vol):
                continue
            size = await asyncio.to_thread(tree_size, vol["Mountpoint"])
            try:
                await self.remove(vol["Name"])
            except DockerError:
                continue  # taken into use meanwhile
            deleted.append(vol["Name"])
            reclaimed += size
        return deleted, reclaimed


def tree_size(root: str) -> int:
    """Bytes of the regular files under root, a file with several hard links once (as
    dockerd counts a volume's size); unreadable parts are skipped."""
    total = 0
    seen: set[tuple[int, int]] = set()
    for dirpath, _dirs, files in os.walk(root, onerror=lambda _e: None):
        for name in files:
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_size
    return total
