"""`GET /system/df` in Docker's shape, from what the engine knows of podman's containers,
images and volumes (engine/disk_usage.py).

As dockerd (moby daemon/disk_usage.go): Containers are the container list's entries with
sizes, Images the image list's with their containers counted and SharedSize, Volumes the
volume list's with UsageData (bytes under the mount point, containers using the volume).
BuildCache is always empty: podman's build cache is made of ordinary images (listed under
Images). LayersSize is the sum of the images' sizes (the vfs driver shares no layers).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from dockershim.translate.images import summary
from dockershim.translate.volumes import volume_to_docker


def image_users(raws: Iterable[Mapping[str, Any]]) -> Counter[str]:
    """Containers per image id (podman's inspect JSON: `Image` is the image's id)."""
    return Counter(str(r.get("Image") or "") for r in raws)


def volume_users(raws: Iterable[Mapping[str, Any]]) -> Counter[str]:
    """Containers per named volume they mount (a container mounting one twice counts once)."""
    users: Counter[str] = Counter()
    for raw in raws:
        names = {
            str(m.get("Name") or "")
            for m in raw.get("Mounts") or []
            if isinstance(m, dict) and m.get("Type") == "volume"
        }
        users.update(n for n in names if n)
    return users


def df_image(
    image: Mapping[str, Any], containers: int, *, api_version: tuple[int, ...] = (1, 55)
) -> dict[str, Any]:
    """One podman image list entry as a Docker image summary with its counted containers."""
    entry = summary(dict(image), api_version=api_version)
    entry["Containers"] = containers
    entry["SharedSize"] = int(image.get("SharedSize") or 0)
    return entry


def df_volume(volume: Mapping[str, Any], size: int, refcount: int) -> dict[str, Any]:
    """One podman volume (inspect/ls JSON) with Docker's UsageData."""
    return {**volume_to_docker(volume), "UsageData": {"Size": size, "RefCount": refcount}}


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
