"""Image routes: list, inspect, history, tag, remove, prune (issue 5).

Pull/import live in api/pull.py, push and /auth in api/push.py, save/load/commit/search in
api/imagearchive.py, the builder in api/build.py.
"""

from __future__ import annotations

import re
import time
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from dockershim.api.deps import PodmanDep, query_bool
from dockershim.api.imageresolve import find_image, require_image
from dockershim.api.versioning import api_version
from dockershim.engine import engine_for
from dockershim.errors import Conflict, InvalidParameter, NotFound, Unsupported
from dockershim.podman import PodmanRunner
from dockershim.translate import images as timages
from dockershim.translate.filters import parse_filters
from dockershim.translate.references import candidates, familiar, parse_reference

router = APIRouter()


async def _all_images(podman: PodmanRunner, everything: bool) -> list[dict[str, Any]]:
    return await engine_for(podman).images.listing(everything=everything)


@router.get("/images/json")
async def image_list(request: Request, podman: PodmanDep) -> JSONResponse:
    filters = parse_filters(request.query_params.get("filters"), timages.IMAGE_FILTERS)
    items = await _all_images(podman, query_bool(request, "all"))
    anchors: dict[str, int] = {}
    for key in ("before", "since"):
        for name in filters.get(key, []):
            data = await require_image(podman, name)
            match = [i for i in items if i["Id"] == data["Id"]]
            anchors[name] = int(match[0]["Created"]) if match else 0
    for value in filters.get("until", []):
        anchors[value] = timages.until_timestamp(value, time.time())
    items = timages.apply_filters(items, filters, anchors)
    version = api_version(request.scope)
    out = [timages.summary(i, api_version=version) for i in items]
    if query_bool(request, "shared-size"):
        for entry, item in zip(out, items, strict=True):
            entry["SharedSize"] = int(item.get("SharedSize") or 0)
    if "reference" in filters:
        out = [timages.only_matching_tags(e, filters["reference"]) for e in out]
    if not query_bool(request, "digests", True) and version < (1, 44):
        for entry in out:
            entry.pop("RepoDigests", None)
    out.sort(key=lambda e: e["Created"], reverse=True)
    return JSONResponse(out)


@router.get("/images/{name:path}/json")
async def image_inspect(name: str, request: Request, podman: PodmanDep) -> JSONResponse:
    data = await require_image(podman, name)
    return JSONResponse(timages.inspect(data, api_version=api_version(request.scope)))


@router.get("/images/{name:path}/attestations")
async def image_attestations(name: str, podman: PodmanDep) -> JSONResponse:
    await require_image(podman, name)
    # dockerd's graphdriver image store answers the same: podman keeps no OCI index to read.
    raise Unsupported("the image store does not support attestations")


@router.get("/images/{name:path}/history")
async def image_history(name: str, podman: PodmanDep) -> JSONResponse:
    data = await require_image(podman, name)
    entries = (
        await podman.run(["history", "--no-trunc", "--format", "json", "--", data["Id"]])
    ).json()
    tags = {data["Id"]: [familiar(t) for t in data.get("RepoTags") or []]}
    return JSONResponse(timages.history(entries or [], tags))


@router.post("/images/{name:path}/tag", status_code=201)
async def image_tag(name: str, request: Request, podman: PodmanDep) -> Response:
    repo = request.query_params.get("repo", "")
    tag = request.query_params.get("tag", "")
    if not repo:
        raise InvalidParameter("repository name is required")
    target = parse_reference(f"{repo}:{tag}" if tag else repo)
    if target.digest:
        raise InvalidParameter("refusing to create a tag with a digest reference")
    data = await require_image(podman, name)
    await podman.run(["tag", data["Id"], target.full()])
    return Response(status_code=201)


async def _users(podman: PodmanRunner, image_id: str) -> list[dict[str, Any]]:
    data = (await podman.run(["ps", "-a", "--format", "json"])).json() or []
    return [c for c in data if str(c.get("ImageID", "")).startswith(image_id)]


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


@router.delete("/images/{name:path}")
async def image_delete(name: str, request: Request, podman: PodmanDep) -> JSONResponse:
    """dockerd's rules (daemon/images/image_delete.go): a tag is untagged when other tags
    remain; the last reference or an ID deletes the image unless containers use it."""
    force = query_bool(request, "force")
    data = await find_image(podman, name)
    if data is None:
        raise NotFound(f"No such image: {name}")
    image_id: str = data["Id"]
    short = image_id[:12]
    by_id = image_id.startswith(name.removeprefix("sha256:"))
    tags = [str(t) for t in data.get("RepoTags") or []]
    users = await _users(podman, image_id)
    running = [c for c in users if c.get("State") in ("running", "paused")]
    tag = None if by_id else _match(tags, name)
    if tag is not None:
        if users and not force and len(tags) <= 1:
            raise Conflict(
                f'conflict: unable to remove repository reference "{name}" (must force) - '
                f"container {str(users[0].get('Id', ''))[:12]} is using its referenced image "
                f"{short}"
            )
        if len(tags) > 1 or (users and not running):
            # Other names remain, or stopped containers keep the image (podman's rmi -f would
            # remove those containers): only the name goes.
            await podman.run(["untag", image_id, tag])
            return JSONResponse([{"Untagged": familiar(tag)}])
    else:
        if len(tags) > 1 and not force:
            raise Conflict(
                f"conflict: unable to delete {short} (must be forced) - image is referenced in "
                "multiple repositories"
            )
        if users and (running or not force):
            raise _in_use(short, users, bool(running))
        if users:
            for each in tags:
                await podman.run(["untag", image_id, each])
            return JSONResponse([{"Untagged": familiar(t)} for t in tags])
    if running:
        raise _in_use(short, running, True)
    args = ["rmi"] + (["--force"] if force else [])
    if query_bool(request, "noprune"):
        args.append("--no-prune")
    result = await podman.run([*args, "--", tag or image_id])
    return JSONResponse(_rmi_lines(result.text))


def _names_for(name: str) -> list[str]:
    return candidates(name)


def _match(tags: list[str], name: str) -> str | None:
    wanted = _names_for(name)
    return next((t for t in tags if t in wanted), None)


@router.post("/images/prune")
async def image_prune(request: Request, podman: PodmanDep) -> JSONResponse:
    filters = parse_filters(request.query_params.get("filters"), ("dangling", "until", "label"))
    before = {i["Id"]: i for i in await _all_images(podman, True)}
    args = ["image", "prune", "--force"]
    dangling = filters.pop("dangling", ["true"])[-1].lower()
    if dangling in ("0", "false"):
        args.append("--all")
    for key, values in filters.items():
        for value in values:
            args += ["--filter", f"{key}={value}"]
    result = await podman.run(args, timeout=600)
    deleted = [
        ln.strip() for ln in result.text.splitlines() if re.fullmatch(r"[0-9a-f]{64}", ln.strip())
    ]
    records: list[dict[str, str]] = []
    for image in deleted:
        names = before.get(image, {}).get("Names") or []
        records += [{"Untagged": familiar(n)} for n in names]
        records.append({"Deleted": timages.sha(image)})
    space = sum(int(before.get(i, {}).get("Size") or 0) for i in deleted)
    return JSONResponse({"ImagesDeleted": records or None, "SpaceReclaimed": space})
