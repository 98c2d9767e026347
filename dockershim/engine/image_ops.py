"""Docker's image changes on podman: tag, history, delete (dockerd's rules), prune.

The routes (api/images.py) parse and render; what podman runs and how its answers read in
Docker's words is here. Lookups go through the engine's image store (engine/images.py). Tags,
untags, removals and prunes go to podman's service child when it runs (libpod's handlers call
the same ImageEngine Tag / Untag / Remove / Prune as `podman tag` / `untag` / `rmi` / `image
prune`), else to those commands.
"""

from __future__ import annotations

import json
import re
from typing import Any

from dockershim.engine.containers import Containers
from dockershim.engine.images import Images
from dockershim.errors import Conflict, NotFound
from dockershim.podman import PodmanRunner
from dockershim.podman.service_child import ServiceAnswer
from dockershim.translate import images as timages
from dockershim.translate.references import Reference, candidates, familiar, missing_name

_ID = re.compile(r"[0-9a-f]{64}")
_TIMEOUT = 60.0  # a tag, untag or removal: podman waits for its image store's lock at most
_PRUNE_TIMEOUT = 600.0  # a prune removes any number of images


class ImageOps:
    def __init__(self, podman: PodmanRunner, images: Images, containers: Containers) -> None:
        self.podman = podman
        self.images = images
        self.containers = containers

    async def require(self, name: str) -> dict[str, Any]:
        """podman's inspect JSON of the image `name` means; 404 "No such image" otherwise."""
        data = await self.images.find(name)
        if data is None:
            raise NotFound(f"No such image: {missing_name(name)}")
        return data

    async def history(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        layers = await self.images.history(str(data["Id"]))
        tags = {data["Id"]: [familiar(t) for t in data.get("RepoTags") or []]}
        return timages.history(layers, tags)

    async def _named_image(self, name: str) -> tuple[str, list[str]]:
        """(id, tags) of the image `name` means (from c/storage's image file for a tag, no
        inspect); 404 "No such image" otherwise."""
        found = await self.images.tagged(name)
        if found is None:
            raise NotFound(f"No such image: {missing_name(name)}")
        return found

    async def tag(self, source: str, target: Reference) -> None:
        image_id = (await self._named_image(source))[0]
        name = target.full()
        if target.digest or not await self._named(image_id, "tag", name):
            await self.podman.run(["tag", image_id, name])

    async def _untag(self, image_id: str, name: str) -> None:
        if not await self._named(image_id, "untag", name):
            await self.podman.run(["untag", image_id, name])

    async def _named(self, image_id: str, change: str, name: str) -> ServiceAnswer | None:
        """`change` ("tag", "untag") of the full name `name` (REPO:TAG) on an image, by id,
        through podman's service child; None when it could not take it."""
        service = self.images.service
        if service is None:
            return None
        repo, _, tag = name.rpartition(":")
        if not repo or "/" in tag:
            return None  # no tag to name: the command says what it makes of it
        params = {"repo": repo, "tag": tag}
        path = f"/images/{image_id}/{change}"  # a full id: nothing to escape
        return await service.change("POST", path, (201,), params=params, timeout=_TIMEOUT)

    async def _rmi(self, name: str, *, force: bool, noprune: bool) -> list[dict[str, str]]:
        """`podman rmi` of one name or id: Docker's records of what went, in its order (each
        name untagged, then each image deleted)."""
        service = self.images.service
        answer = None
        if service is not None:
            params = {"images": name, "force": str(force).lower()}
            if noprune:
                params["noprune"] = "true"
            answer = await service.change(
                "DELETE", "/images/remove", (200,), params=params, timeout=_TIMEOUT
            )
        if answer is None:
            args = ["rmi"] + (["--force"] if force else []) + (["--no-prune"] if noprune else [])
            return _rmi_lines((await self.podman.run([*args, "--", name])).text)
        report = answer.json()
        untagged = report.get("Untagged") if isinstance(report, dict) else None
        deleted = report.get("Deleted") if isinstance(report, dict) else None
        return [{"Untagged": familiar(str(n))} for n in untagged or []] + [
            {"Deleted": timages.sha(str(i))} for i in deleted or []
        ]

    async def _users(self, image_id: str) -> list[dict[str, Any]]:
        """Containers made from the image: Id and podman's status word."""
        raws = await self.containers.inspect_all()
        return [
            {"Id": r["Id"], "State": (r.get("State") or {}).get("Status")}
            for r in raws
            if str(r.get("Image", "")).startswith(image_id)
        ]

    async def delete(self, name: str, *, force: bool, noprune: bool) -> list[dict[str, str]]:
        """dockerd's rules (daemon/images/image_delete.go): a tag is untagged when other tags
        remain; the last reference or an ID deletes the image unless containers use it."""
        image_id, tags = await self._named_image(name)
        short = image_id[:12]
        by_id = image_id.startswith(name.removeprefix("sha256:"))
        users = await self._users(image_id)
        running = [c for c in users if c.get("State") in ("running", "paused")]
        tag = None if by_id else _match(tags, name)
        if tag is not None:
            if users and not force and len(tags) <= 1:
                raise Conflict(
                    f'conflict: unable to remove repository reference "{name}" (must force) - '
                    f"container {str(users[0].get('Id', ''))[:12]} is using its referenced "
                    f"image {short}"
                )
            if len(tags) > 1 or (users and not running):
                # Other names remain, or stopped containers keep the image (podman's rmi -f
                # would remove those containers): only the name goes.
                await self._untag(image_id, tag)
                return [{"Untagged": familiar(tag)}]
        else:
            if len(tags) > 1 and not force:
                raise Conflict(
                    f"conflict: unable to delete {short} (must be forced) - image is referenced "
                    "in multiple repositories"
                )
            if users and (running or not force):
                raise _in_use(short, users, bool(running))
            if users:
                for each in tags:
                    await self._untag(image_id, each)
                return [{"Untagged": familiar(t)} for t in tags]
        if running:
            raise _in_use(short, running, True)
        return await self._rmi(tag or image_id, force=force, noprune=noprune)

    async def _pruned_by_service(
        self, everything: bool, filters: dict[str, list[str]]
    ) -> list[str] | None:
        """The ids libpod's image prune removed (the ImageEngine.Prune of `podman image
        prune`) through podman's service child; None when it cannot take it: not running,
        or a filter key with several values (libpod's handler keeps the first of each)."""
        service = self.images.service
        if service is None or any(len(values) != 1 for values in filters.values()):
            return None
        params = {"all": str(everything).lower()}
        if filters:
            params["filters"] = json.dumps(filters)
        answer = await service.change(
            "POST", "/images/prune", (200,), params=params, timeout=_PRUNE_TIMEOUT
        )
        if answer is None:
            return None
        reports = answer.json()
        listed = reports if isinstance(reports, list) else []
        return [str(r["Id"]) for r in listed if isinstance(r, dict) and r.get("Id")]

    async def prune(self, filters: dict[str, list[str]]) -> dict[str, Any]:
        """`filters`: dangling, until, label (checked by the route)."""
        before = {i["Id"]: i for i in await self.images.listing(everything=True)}
        dangling = filters.pop("dangling", ["true"])[-1].lower()
        everything = dangling in ("0", "false")
        deleted = await self._pruned_by_service(everything, filters)
        if deleted is None:
            args = ["image", "prune", "--force"] + (["--all"] if everything else [])
            for key, values in filters.items():
                for value in values:
                    args += ["--filter", f"{key}={value}"]
            result = await self.podman.run(args, timeout=600)
            lines = (ln.strip() for ln in result.text.splitlines())
            deleted = [ln for ln in lines if _ID.fullmatch(ln)]
        records: list[dict[str, str]] = []
        for image in deleted:
            names = before.get(image, {}).get("Names") or []
            records += [{"Untagged": familiar(n)} for n in names]
            records.append({"Deleted": timages.sha(image)})
        space = sum(int(before.get(i, {}).get("Size") or 0) for i in deleted)
        return {"ImagesDeleted": records or None, "SpaceReclaimed": space}


def _rmi_lines(output: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for line in output.splitlines():
        kind, _, value = line.partition(": ")
        if kind == "Untagged":
            out.append({"Untagged": familiar(value.strip())})
        elif kind == "Deleted":
            out.append({"Deleted": timages.sha(value.strip())})
    return out


def _in_use(short: str, users: list[dict[str, Any]], running: bool) -> Conflict:
    cid = str(users[0].get("Id", ""))[:12]
    state, why = ("running", "cannot be forced") if running else ("stopped", "must be forced")
    return Conflict(
        f"conflict: unable to delete {short} ({why}) - image is being used by {state} "
        f"container {cid}"
    )


def _match(tags: list[str], name: str) -> str | None:
    wanted = candidates(name)
    return next((t for t in tags if t in wanted), None)
