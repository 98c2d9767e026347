"""Images as podman sees them: lists and lookups kept while containers/storage is unchanged.

containers/storage writes its image store as one JSON file (`<graphRoot>/<driver>-images/
images.json`, replaced whole) and, on every change, a new token into the store's lock file
(`images.lock`: its "last write" mark, which c/storage's own readers compare to decide whether
to reload). The same signal decides here: podman's answers (`podman images`, `podman image
inspect` of a name, a miss included) are kept with the tokens of the image store (and, for
lists, which count containers per image, of the container store) and taken again only after a
change. Without those files (another store layout) every read goes to the CLI.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

from dockershim.errors import NotFound
from dockershim.podman import PodmanRunner
from dockershim.translate.internal_pods import is_pause_image
from dockershim.translate.references import candidates, create_candidates, looks_like_id

StoreInfo = Callable[[], Awaitable[tuple[str, str]]]  # (graph root, driver name)

_KEPT_NAMES = 512  # lookups kept per store state: bounded, whatever names clients send


class Images:
    def __init__(self, podman: PodmanRunner, store: StoreInfo) -> None:
        self.podman = podman
        self._store = store
        # kept as JSON text, so that no caller can change what the next one gets
        self._lists: dict[bool, tuple[str, str]] = {}
        self._found: dict[str, str] = {}
        self._found_mark = ""
        self._histories: dict[str, list[str]] = {}
        self._tags: tuple[str, dict[str, tuple[str, list[str]]]] = ("", {})

    async def _mark(self, *parts: str) -> str:
        """The stores' last-write tokens, or "" when they cannot be read (then: no keeping)."""
        root, driver = await self._store()
        if not root or not driver:
            return ""
        digest = hashlib.blake2b(digest_size=16)
        for part in parts:
            folder = os.path.join(root, f"{driver}-{part}")
            try:
                with open(os.path.join(folder, f"{part}.lock"), "rb") as lock:
                    digest.update(lock.read(256))
                st = os.stat(os.path.join(folder, f"{part}.json"))
            except OSError:
                return ""
            digest.update(f"{st.st_mtime_ns}:{st.st_size}:{st.st_ino}".encode())
        return digest.hexdigest()

    async def listing(self, *, everything: bool) -> list[dict[str, Any]]:
        """podman's image list (JSON), one entry per image id."""
        mark = await self._mark("images", "containers")
        kept = self._lists.get(everything)
        if mark and kept and kept[0] == mark:
            return list(json.loads(kept[1]))
        args = ["images", "--format", "json"] + (["--all"] if everything else [])
        data = (await self.podman.run(args)).json()
        listed = _merge_names(data if isinstance(data, list) else [])
        items = [i for i in listed if not is_pause_image(i)]  # podman's own (internal_pods)
        if mark:
            self._lists[everything] = (mark, json.dumps(items))
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
        mark = await self._mark("images")
        if not mark or mark != self._found_mark:
            self._found = {}
            self._found_mark = mark
        if name in self._found:
            kept: dict[str, Any] | None = json.loads(self._found[name])
            return kept
        found = await self._find_cli(name)
        if mark and len(self._found) < _KEPT_NAMES:
            text = json.dumps(found)
            self._found[name] = text
            for other in (found or {}).get("RepoTags") or []:  # the same image by its tags
                self._found.setdefault(str(other), text)
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
        mark = await self._mark("images")
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

    async def onbuild_history(self, image_id: str) -> list[str]:
        """The `ONBUILD ...` lines of an image's history (an image's history never changes:
        kept per id, bounded)."""
        if image_id not in self._histories:
            argv = ["image", "history", "--no-trunc", "--format", "{{.CreatedBy}}", "--", image_id]
            result = await self.podman.run(argv, check=False)
            if result.returncode != 0:
                return []
            if len(self._histories) >= _KEPT_NAMES:
                self._histories.clear()
            lines = result.text.splitlines()
            self._histories[image_id] = [
                ln.split("ONBUILD", 1)[1] for ln in lines if "ONBUILD" in ln
            ]
        return list(self._histories[image_id])

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

    async def _find_cli(self, name: str) -> dict[str, Any] | None:
        for candidate in candidates(name):
            result = await self.podman.run(["image", "inspect", "--", candidate], check=False)
            if result.returncode == 0:
                data = result.json()
                if isinstance(data, list) and data:
                    item: dict[str, Any] = data[0]
                    return item
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
