"""`GET /system/df` in Docker's shape, from podman's image, container and volume listings.

`podman system df --format json` is broken in podman 4.3 (it prints the word "json"), so the
body is assembled from `podman images --format json`, `podman ps -a --size --format json`,
`podman volume ls --format json` and the LINKS column of `podman system df -v` (volume
reference counts). Volume sizes are measured by the api layer (walking the mountpoint).
BuildCache is always empty: podman's build cache is made of ordinary images (listed under
Images). LayersSize is the sum of the images' sizes (the vfs driver shares no layers).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dockershim.translate.references import familiar


def _sha(value: Any) -> str:
    text = str(value or "")
    return text if not text or text.startswith("sha256:") else f"sha256:{text}"


def df_image(image: Mapping[str, Any]) -> dict[str, Any]:
    names = [familiar(str(n)) for n in (image.get("Names") or image.get("RepoTags") or [])]
    digests = [familiar(str(d)) for d in (image.get("RepoDigests") or [])]
    return {
        "Id": _sha(image.get("Id")),
        "ParentId": _sha(image.get("ParentId")),
        "RepoTags": names,
        "RepoDigests": digests,
        "Created": int(image.get("Created") or 0),
        "Size": int(image.get("Size") or 0),
        "SharedSize": int(image.get("SharedSize") or 0),
        "Labels": image.get("Labels") or {},
        "Containers": int(image.get("Containers") or 0),
    }


def df_container(ctr: Mapping[str, Any]) -> dict[str, Any]:
    size = ctr.get("Size") or {}
    command = ctr.get("Command") or []
    state = str(ctr.get("State", ""))
    status = str(ctr.get("Status", ""))
    if status.startswith("Up ") and status.endswith(" ago"):
        status = status.removesuffix(" ago")  # podman: "Up 5 minutes ago"; Docker: "Up 5 minutes"
    return {
        "Id": str(ctr.get("Id", "")),
        "Names": ["/" + str(n) for n in (ctr.get("Names") or [])],
        "Image": familiar(str(ctr.get("Image", ""))),
        "ImageID": _sha(ctr.get("ImageID")),
        "Command": " ".join(str(c) for c in command) if isinstance(command, list) else command,
        "Created": int(ctr.get("Created") or 0),
        "Ports": [],
        "SizeRw": int(size.get("rwSize") or 0),
        "SizeRootFs": int(size.get("rootFsSize") or 0),
        "Labels": ctr.get("Labels") or {},
        "State": "exited" if state in ("stopped", "exited") else state,
        "Status": status,
        "HostConfig": {"NetworkMode": "default"},
        "NetworkSettings": {"Networks": {}},
        "Mounts": [],
    }


def df_volume(volume: Mapping[str, Any], size: int, refcount: int) -> dict[str, Any]:
    return {
        "Name": str(volume.get("Name", "")),
        "Driver": str(volume.get("Driver") or "local"),
        "Mountpoint": str(volume.get("Mountpoint", "")),
        "CreatedAt": str(volume.get("CreatedAt", "")),
        "Labels": volume.get("Labels") or {},
        "Scope": str(volume.get("Scope") or "local"),
        "Options": volume.get("Options") or {},
        "UsageData": {"Size": size, "RefCount": refcount},
    }


def volume_links(table: str) -> dict[str, int]:
    """The LINKS column of the volume section of `podman system df -v`."""
    links: dict[str, int] = {}
    in_volumes = False
    for line in table.splitlines():
        if line.startswith("Local Volumes space usage"):
            in_volumes = True
            continue
        parts = line.split()
        if not in_volumes or len(parts) < 3 or parts[0] == "VOLUME":
            continue
        if parts[1].isdigit():
            links[parts[0]] = int(parts[1])
    return links


def df_body(
    images: list[dict[str, Any]] | None,
    containers: list[dict[str, Any]] | None,
    volumes: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """None for a section that was not asked for (`type=`): it is left out, as dockerd does."""
    body: dict[str, Any] = {}
    if images is not None:
        seen: dict[str, int] = {i["Id"]: i["Size"] for i in images}
        body["LayersSize"] = sum(seen.values())
        body["Images"] = images
    if containers is not None:
        body["Containers"] = containers
    if volumes is not None:
        body["Volumes"] = volumes
    body["BuildCache"] = []
    return body
