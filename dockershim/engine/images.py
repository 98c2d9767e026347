"""Images as podman sees them: lists and lookups kept while containers/storage is unchanged.

containers/storage writes its image store as one JSON file (`<graphRoot>/<driver>-images/
images.json`, replaced whole) and, on every change, a new token into the store's lock file
(`images.lock`: its "last write" mark, which c/storage's own readers compare to decide whether
to reload). The same signal decides here: podman's answers (`podman images`, `podman image
inspect` of a name, a miss included) are kept with the image store's mark and taken again
only after a change of it (containers coming and going change the container store, not this
one: Docker's image list does not count containers, engine/kept_images.py), and kept on disk
for the next activation. The answers come from podman's service child when it runs (libpod's
image list and inspect are the same ImageEngine code the CLI prints, in-process), else from
`podman images` / `podman image inspect`. Without those files (another store layout) every
read asks podman.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from dockershim.engine import kept_images
from dockershim.engine.kept_images import KeptImages
from dockershim.errors import DockerError, NotFound
from dockershim.podman import PodmanRunner
from dockershim.podman.service_child import PodmanService, ok_json
from dockershim.translate import images as timages
from dockershim.translate.images import HistoryLayer
from dockershim.translate.internal_pods import is_pause_image
from dockershim.translate.references import (
    candidates,
    create_candidates,
    looks_like_id,
    missing_name,
)

StoreInfo = Callable[[], Awaitable[tuple[str, str]]]  # (graph root, driver name)

_KEPT_NAMES = 512  # lookups kept per store state: bounded, whatever names clients send
_KEPT_NAME_MAX = 1024  # longer names are asked of podman each time (Docker's are <= 255)
_TIMEOUT = 60.0  # a list or an inspect: podman waits for its store's lock at most
_SAVE_AFTER = 1.0  # seconds after a new answer before writing what is kept (one per burst)


class Images:
    def __init__(
        self,
        podman: PodmanRunner,
        store: StoreInfo,
        state_dir: str | None = None,
        service: PodmanService | None = None,
    ) -> None:
        self.podman = podman
        self._store = store
        self.service = service  # podman's service child: answers in-process when it runs
        self._file = os.path.join(state_dir, kept_images.FILE_NAME) if state_dir else None
        self._kept = KeptImages(mark="")  # podman's answers at the store's mark `mark`
        self._restored = False  # the previous service's answers were looked for
        self._dirty = False
        self._saving: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()  # the service ends: write now
        self._histories: dict[str, list[HistoryLayer]] = {}  # by image id
        self._tags: tuple[str, dict[str, tuple[str, list[str]]]] = ("", {})

    async def _mark(self) -> str:
        """The image store's last-write token and file, or "" when they cannot be read (then:
        no keeping)."""
        root, driver = await self._store()
        if not root or not driver:
            return ""
        folder = os.path.join(root, f"{driver}-images")
        try:
            with open(os.path.join(folder, "images.lock"), "rb") as lock:
                token = lock.read(256)
            st = os.stat(os.path.join(folder, "images.json"))
        except OSError:
            return ""
        digest = hashlib.blake2b(token, digest_size=16)
        digest.update(f"{st.st_mtime_ns}:{st.st_size}:{st.st_ino}".encode())
        return digest.hexdigest()

    async def _kept_at(self, mark: str) -> KeptImages:
        """What is kept, valid at `mark` (the store's mark now): emptied after a change; on the
        service's first read, what the previous service kept at this mark."""
        if mark and mark != self._kept.mark:
            restored = None
            if not self._restored and self._file is not None:
                self._restored = True
                restored = await asyncio.to_thread(kept_images.load, self._file, mark)
            self._kept = restored or KeptImages(mark)
        return self._kept

    def _keep(self, mark: str) -> KeptImages | None:
        """Where an answer taken at `mark` goes: what is kept, when the store has not changed
        since; None when it has (or cannot be told), so the answer is used once."""
        if not mark or mark != self._kept.mark:
            return None
        self._dirty = True
        if self._file is not None and (self._saving is None or self._saving.done()):
            self._saving = asyncio.ensure_future(self._save())
        return self._kept

    async def _save(self) -> None:
        while self._dirty and self._file is not None:
            with contextlib.suppress(TimeoutError):  # a burst settles, or the service ends
                await asyncio.wait_for(self._closing.wait(), _SAVE_AFTER)
            self._dirty = False
            kept = self._kept
            copy = KeptImages(kept.mark, dict(kept.lists), dict(kept.found))
            await asyncio.to_thread(kept_images.save, self._file, copy)

    async def close(self) -> None:
        """The service ends: what is kept and not written yet is written now (one writer at
        a time: the write under way, if any, finishes first)."""
        self._closing.set()
        if self._saving is not None:
            await self._saving

    async def listing(self, *, everything: bool) -> list[dict[str, Any]]:
        """podman's image list (JSON), one entry per image id."""
        mark = await self._mark()
        kept = await self._kept_at(mark)
        if mark and everything in kept.lists:
            return list(json.loads(kept.lists[everything]))
        listed = _merge_names(await self._podman_list(everything))
        items = [i for i in listed if not is_pause_image(i)]  # podman's own (internal_pods)
        if (keep := self._keep(mark)) is not None:
            keep.lists[everything] = json.dumps(items)
        return items

    async def resolve(self, image: str) -> str:
        """The name podman knows for a Docker image reference of a container create; 404 "No
        such image" when absent (podman never resolves a short name against registries)."""
        names, shown = create_candidates(image)
        tags = await self._store_tags()
        for name in names:  # the store file first: a create after a build starts no process
            if looks_like_id(name) or "@" in name:
                break
            if name in tags:
                return name
        for name in names:
            if await self.find(name) is not None:
                return name
        raise NotFound(f"No such image: {shown}")

    async def find(self, name: str) -> dict[str, Any] | None:
        """podman's inspect JSON of the image `name` means (Docker's rules), or None."""
        mark = await self._mark()
        kept = await self._kept_at(mark)
        if mark and name in kept.found:
            found: dict[str, Any] | None = json.loads(kept.found[name])
            return found
        found = await self._find_podman(name)
        keep = self._keep(mark)
        if keep is not None and len(keep.found) < _KEPT_NAMES and len(name) <= _KEPT_NAME_MAX:
            text = json.dumps(found)
            keep.found[name] = text
            for other in (found or {}).get("RepoTags") or []:  # the same image by its tags
                keep.found.setdefault(str(other), text)
        return found

    async def tagged(self, name: str) -> tuple[str, list[str]] | None:
        """(id, names) of the image `name` means (Docker's rules), or None. A tag is looked up
        in containers/storage's image file, so a build after another one changed the store
        starts no `podman image inspect`; ids, digests and what the file does not have (or
        cannot tell) are asked of podman (`find`)."""
        tags = {} if looks_like_id(name) else await self._store_tags()
        for candidate in candidates(name) if tags else []:
            if candidate in tags:
                return tags[candidate]
        found = await self.find(name)
        if found is None:
            return None
        return str(found["Id"]), [str(tag) for tag in found.get("RepoTags") or []]

    async def _store_tags(self) -> dict[str, tuple[str, list[str]]]:
        """Each tag (a full name) in the image file of the main store -> (id, names), read
        again after a change; {} when the file cannot be read. A tag not here may still live
        in another (read-only additional) store: callers then ask podman."""
        mark = await self._mark()
        if not mark:
            return {}
        if self._tags[0] != mark:
            self._tags = (mark, await self._tag_table())
        return self._tags[1]

    async def _tag_table(self) -> dict[str, tuple[str, list[str]]]:
        """Each name in `<driver>-images/images.json` (c/storage replaces it whole) -> (id,
        names), or {} when it cannot be read."""
        root, driver = await self._store()
        try:
            with open(os.path.join(root, f"{driver}-images", "images.json"), "rb") as f:
                listed = json.loads(f.read())
            table: dict[str, tuple[str, list[str]]] = {}
            for image in listed:
                names = [str(n) for n in image.get("names") or [] if "@" not in str(n)]
                for tag in names:
                    table[tag] = (str(image["id"]), names)
            return table
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}

    async def history(self, image_id: str) -> list[HistoryLayer]:
        """podman's history of an image, by full id (an id names one config, whose history
        never changes: kept per id, bounded): from its service child when it runs, else
        `podman history`. NotFound when the image went meanwhile."""
        if image_id not in self._histories:
            layers = await self._child_history(image_id)
            if layers is None:
                argv = ["history", "--no-trunc", "--format", "json", "--", image_id]
                entries = (await self.podman.run(argv)).json()
                layers = timages.layers_from_cli(entries if isinstance(entries, list) else [])
            if len(self._histories) >= _KEPT_NAMES:
                self._histories.clear()
            self._histories[image_id] = layers
        return list(self._histories[image_id])

    async def _child_history(self, image_id: str) -> list[HistoryLayer] | None:
        if self.service is None or not self.service.ready_else_want():
            return None
        path = f"/images/{image_id}/history"  # a full id: nothing to escape
        answer = await self.service.call("GET", path, timeout=_TIMEOUT)
        if answer is not None and answer.status == 404:
            raise NotFound(f"No such image: {missing_name(image_id)}")
        data = ok_json(answer)
        return timages.layers_from_api(data) if isinstance(data, list) else None

    async def onbuild_history(self, image_id: str) -> list[str]:
        """The `ONBUILD ...` lines of an image's history; none when it cannot be read."""
        try:
            layers = await self.history(image_id)
        except DockerError:
            return []
        return [
            layer.created_by.split("ONBUILD", 1)[1]
            for layer in layers
            if "ONBUILD" in layer.created_by
        ]

    async def storage_containers(self) -> list[tuple[str, list[str]]]:
        """(id, names) of every container containers/storage holds, podman's and the ones
        its builder makes ("external"): from `<driver>-containers/containers.json`, which
        c/storage replaces whole on every change, or `podman ps --all --external`."""
        root, driver = await self._store()
        if root and driver:
            path = os.path.join(root, f"{driver}-containers", "containers.json")
            try:
                with open(path, "rb") as f:
                    listed = json.loads(f.read())
                return [(str(c["id"]), [str(n) for n in c.get("names") or []]) for c in listed]
            except (OSError, ValueError, KeyError, TypeError):
                pass
        argv = ["ps", "--all", "--external", "--format", "{{.ID}} {{.Names}}"]
        result = await self.podman.run(argv, check=False)
        return [
            (parts[0], parts[1:])
            for parts in (line.split() for line in result.text.splitlines())
            if parts
        ]

    async def _podman_list(self, everything: bool) -> list[Any]:
        """podman's image list: its service child's (libpod's list is the ImageEngine.List the
        CLI prints) when the child runs, else `podman images` (and the child is started for
        the next change of the store: only podman computes the list)."""
        if self.service is not None and self.service.ready_else_want():
            params = {"all": "true"} if everything else None
            answer = await self.service.call("GET", "/images/json", params, timeout=_TIMEOUT)
            data = ok_json(answer)
            if isinstance(data, list):
                return data
        args = ["images", "--format", "json"] + (["--all"] if everything else [])
        data = (await self.podman.run(args)).json()
        return data if isinstance(data, list) else []

    async def _find_podman(self, name: str) -> dict[str, Any] | None:
        for candidate in candidates(name):
            found = await self._inspect(candidate)
            if found is not None:
                return found
        return None

    async def _inspect(self, candidate: str) -> dict[str, Any] | None:
        """podman's inspect of one name as it looks it up (LookupImage), or None: its service
        child's answer (the same lookup and inspect as `podman image inspect`) when it runs
        and tells, else the CLI's (the child started for the next time)."""
        if self.service is not None and self.service.ready_else_want():
            path = f"/images/{quote(candidate, safe='/:@')}/json"
            answer = await self.service.call("GET", path, timeout=_TIMEOUT)
            data = ok_json(answer)
            if isinstance(data, dict) and data.get("Id"):
                return data
            if answer is not None and answer.status == 404:
                return None
        result = await self.podman.run(["image", "inspect", "--", candidate], check=False)
        if result.returncode == 0:
            listed = result.json()
            if isinstance(listed, list) and listed and isinstance(listed[0], dict):
                return listed[0]
        return None


def _merge_names(data: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """podman 4.3 lists an image once per name when it has several: merge them by ID."""
    merged: dict[str, dict[str, Any]] = {}
    for item in data:
        seen = merged.setdefault(item["Id"], item)
        if seen is not item:
            names = seen.get("Names") or []
            seen["Names"] = names + [n for n in item.get("Names") or [] if n not in names]
    return list(merged.values())
