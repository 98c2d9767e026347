"""dockershim's own notes on containers (translate/container_notes.py): legacy links removed and
endpoint settings sent at connect, which podman cannot change or keep after create.

They live in one file, `<state dir>/container-notes.json` (mode 0600, written to a temporary
file and renamed), never in podman's state. Notes are kept by container id and bounded: a
container removed through dockershim loses its notes at once, one removed behind its back (or by
AutoRemove) at the next write, which keeps only ids podman still has; ids are never reused, so
a stale note cannot apply to another container. The state dir is under $XDG_RUNTIME_DIR, so the
notes end with the user's session, as dockerd's link removals end with the daemon. Without a
state dir (helpers outside the app) they live in memory.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from dockershim.engine.containers import Containers
from dockershim.errors import DockerError, NotFound
from dockershim.statefile import read_record, write_record
from dockershim.translate.container_fields import ANN_HOST_FIELDS, decode_host_fields
from dockershim.translate.container_inspect import podman_annotations
from dockershim.translate.container_notes import (
    DEFAULT_LINK_NAME,
    ContainerNotes,
    apply_notes,
    link_path,
    live_links,
)

FILE_NAME = "container-notes.json"
_FORMAT = 1
MAX_CONTAINERS = 4096
_MAX_BYTES = 32 << 20  # a larger file is not ours to trust (or to read into memory)


class Notes:
    def __init__(self, state_dir: str | None, containers: Containers) -> None:
        self._state_dir = state_dir
        self._containers = containers
        self._notes: dict[str, ContainerNotes] | None = None
        self._lock = asyncio.Lock()

    async def get(self, container_id: str) -> ContainerNotes | None:
        return (await self._load()).get(container_id)

    async def apply(self, body: dict[str, Any]) -> None:
        """An inspect body (Docker's shape) as dockerd shows it after these changes."""
        notes = await self.get(str(body.get("Id") or ""))
        if notes is not None:
            apply_notes(body, notes)

    async def remove_link(self, ref: str) -> None:
        """`DELETE /containers/{parent}/{alias}?link=true` as dockerd's rmLink: the link goes
        from the parent's HostConfig.Links; the linked container is left alone (and so are the
        parent's /etc/hosts entry and environment, which podman fixed at create)."""
        parent_name, alias = link_path(ref)
        if not parent_name:
            await self._containers.lookup(ref)  # 404 for no such container, as dockerd
            raise DockerError(DEFAULT_LINK_NAME)
        try:
            parent = await self._containers.lookup(parent_name)
        except NotFound:
            raise NotFound(f"No such container: {ref}") from None
        raw = await self._containers.inspect(parent.id)
        sent = decode_host_fields(podman_annotations(raw).get(ANN_HOST_FIELDS)) or {}
        links = live_links(sent.get("Links"), await self.get(parent.id))
        # a link registers the parent's name (never its id), `<name>/<alias>`, for as long as
        # the linked container exists
        if parent.name != parent_name or alias not in links:
            raise NotFound(f"No such container: {ref}")
        try:
            await self._containers.lookup(links[alias])
        except NotFound:
            raise NotFound(f"No such container: {ref}") from None
        await self._change(parent.id, lambda n: n.without_link(alias))

    async def connected(self, container_id: str, network: str, fields: Mapping[str, Any]) -> None:
        """The endpoint settings sent at a connect, shown until the next one or a disconnect."""
        await self._change(container_id, lambda n: n.connected(network, fields))

    async def disconnected(self, container_id: str, network: str) -> None:
        if (await self.get(container_id)) is not None:
            await self._change(container_id, lambda n: n.disconnected(network))

    async def forget(self, container_ids: Iterable[str]) -> None:
        """Containers removed: their notes go."""
        async with self._lock:
            notes = await self._load()
            if any(notes.pop(cid, None) is not None for cid in list(container_ids)):
                await self._save(notes)

    async def _change(self, cid: str, change: Callable[[ContainerNotes], ContainerNotes]) -> None:
        async with self._lock:
            notes = await self._load()
            new = change(notes.get(cid) or ContainerNotes())
            live = set(await self._containers.ids())
            kept = {k: v for k, v in notes.items() if k in live and k != cid}
            if not new.empty():
                if len(kept) >= MAX_CONTAINERS:
                    raise DockerError(
                        f"dockershim keeps notes on at most {MAX_CONTAINERS} containers"
                    )
                kept[cid] = new
            await self._save(kept)
            notes.clear()
            notes.update(kept)

    async def _load(self) -> dict[str, ContainerNotes]:
        if self._notes is None:
            loaded = await asyncio.to_thread(_read, self._state_dir) if self._state_dir else {}
            if self._notes is None:  # (another reader may have loaded it meanwhile)
                self._notes = loaded
        return self._notes

    async def _save(self, notes: dict[str, ContainerNotes]) -> None:
        if self._state_dir:
            await asyncio.to_thread(_write, self._state_dir, dict(notes))


def _read(state_dir: str) -> dict[str, ContainerNotes]:
    record = read_record(os.path.join(state_dir, FILE_NAME), _FORMAT, _MAX_BYTES) or {}
    out: dict[str, ContainerNotes] = {}
    for cid, data in list((record.get("notes") or {}).items())[:MAX_CONTAINERS]:
        notes = ContainerNotes.from_json(data)
        if notes is not None and not notes.empty():
            out[str(cid)] = notes
    return out


def _write(state_dir: str, notes: dict[str, ContainerNotes]) -> None:
    record = {"format": _FORMAT, "notes": {k: v.to_json() for k, v in notes.items()}}
    write_record(os.path.join(state_dir, FILE_NAME), record, durable=True)
