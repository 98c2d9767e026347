"""The pods this service creates for itself, which no Docker listing, count or event shows.

dockerd has no container for any: a build's network (engine/build_network.py) and the
holders of podman 4's rootless network namespace, across a disconnect and while the service
runs (engine/netns_hold.py). Their infra containers are named `<prefix>...-infra`.

Nor has dockerd their image: podman builds its infra image itself, offline
(`localhost/podman-pause:<version>`), and Docker's image lists leave it out, so that
`docker rmi $(docker images -q)` does not stop at an image the holder uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

BUILD_POD_PREFIX = "dockershim-build-"
NETNS_HOLD_POD_PREFIX = "dockershim-netns-hold-"
NETNS_KEEP_POD_PREFIX = "dockershim-netns-keep-"
_PREFIXES = (BUILD_POD_PREFIX, NETNS_HOLD_POD_PREFIX, NETNS_KEEP_POD_PREFIX)
INFRA_SUFFIX = "-infra"


def keep_pod_name(pid: int, token: str) -> str:
    """The namespace keeper pod of the service with this pid (a later service that finds the
    pid gone removes the pod: engine/netns_hold.py)."""
    return f"{NETNS_KEEP_POD_PREFIX}{pid}-{token}"


def is_internal_infra(raw: Mapping[str, Any]) -> bool:
    """The infra container of one of this service's own pods (podman's inspect JSON)."""
    return bool(raw.get("IsInfra")) and str(raw.get("Name", "")).startswith(_PREFIXES)


def is_internal_listing(entry: dict[str, Any]) -> bool:
    """One of this service's own infra containers in `podman ps --format json`."""
    return any(is_internal_name(str(name)) for name in entry.get("Names") or [])


def is_internal_name(name: str) -> bool:
    """The name of one of this service's own infra containers (a podman event's `Name`, a
    state record's name, `podman ps` Names)."""
    name = name.removeprefix("/")
    return name.startswith(_PREFIXES) and name.endswith(INFRA_SUFFIX)


PAUSE_IMAGE = "localhost/podman-pause:"  # the repository podman builds its infra image as


def is_pause_image(entry: dict[str, Any]) -> bool:
    """podman's own infra image in `podman images --format json` (every name of it is)."""
    names = [str(n) for n in entry.get("Names") or []]
    return bool(names) and all(n.startswith(PAUSE_IMAGE) for n in names)
